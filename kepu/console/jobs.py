"""「立即运行」: the console starts `kepu run` as its own process, exactly as the office would type it, and
watches it: the stage it reports (`KEPU_PROGRESS=lines`), its summary when it ends, its exit code. One at a time;
a run the schedule started meanwhile is waited for by the run itself (the warehouse's lock), as on the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

PROGRESS_PREFIX = "进度："
"""How `kepu run` prints a stage on stderr when KEPU_PROGRESS=lines (kepu.cli)."""


@dataclass
class RunJob:
    started: float
    process: subprocess.Popen
    stage: str = "启动"
    output: deque = field(default_factory=lambda: deque(maxlen=60))
    errors: deque = field(default_factory=lambda: deque(maxlen=20))
    finished: float | None = None
    code: int | None = None

    @property
    def running(self) -> bool:
        return self.code is None

    @property
    def seconds(self) -> int:
        return int((self.finished or time.monotonic()) - self.started)


class Runner:
    """At most one `kepu run` started from the console at a time."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.job: RunJob | None = None
        self._lock = threading.Lock()

    def start(self) -> bool:
        """Start a run; False when the one started earlier is still going."""
        with self._lock:
            if self.job is not None and self.job.running:
                return False
            env = {**os.environ, "KEPU_PROGRESS": "lines"}
            process = subprocess.Popen([sys.executable, "-m", "kepu.cli", "run", "--config", str(self.config)],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, encoding="utf-8", errors="replace", env=env,
                                       cwd=self.config.parent)
            job = RunJob(time.monotonic(), process)
            self.job = job
        threading.Thread(target=self._read, args=(job, process.stderr, True), daemon=True).start()
        threading.Thread(target=self._wait, args=(job,), daemon=True).start()
        return True

    @staticmethod
    def _read(job: RunJob, stream, errors: bool) -> None:
        for line in stream:
            line = line.rstrip("\n")
            if line.startswith(PROGRESS_PREFIX):
                job.stage = line.removeprefix(PROGRESS_PREFIX)
            elif line.strip():
                (job.errors if errors else job.output).append(line)

    def _wait(self, job: RunJob) -> None:
        self._read(job, job.process.stdout, False)
        code = job.process.wait()
        job.finished = time.monotonic()
        job.code = code

    def stop(self) -> None:
        """End a run still going when the console stops (the run records itself as stopped)."""
        job = self.job
        if job is not None and job.running:
            job.process.terminate()
            try:
                job.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                job.process.kill()
