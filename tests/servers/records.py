"""What a test server fixture yields: where it listens, how to log in, and how to put data there."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FileServer:
    """A running file store (SFTP, S3 or WebDAV). `url` is the store's root; `put` writes a file at a path
    relative to it (optionally with a modification time), `url_for` names a sub-folder as a source URL.

    `root` is the local folder behind the server (SFTP, WebDAV) or the bucket name (S3). `options` are
    the extra connection settings a source needs for this store (the S3 endpoint)."""

    kind: str
    url: str
    username: str
    password: str
    root: Path | str
    started_in_s: float
    _put: Callable[[str, bytes, float | None], None] = field(repr=False)
    _read: Callable[[str], bytes | None] = field(repr=False)
    options: dict[str, Any] = field(default_factory=dict)

    def put(self, path: str, data: bytes, *, mtime: float | None = None) -> None:
        self._put(path.lstrip("/"), data, mtime)

    def read(self, path: str) -> bytes | None:
        """The bytes stored at `path`, None when nothing is there (to check a source was left untouched)."""
        return self._read(path.lstrip("/"))

    def url_for(self, folder: str) -> str:
        return f"{self.url.rstrip('/')}/{folder.strip('/')}"


def put_in_folder(root: Path, path: str, data: bytes, mtime: float | None) -> None:
    """`FileServer.put` for a server that serves a local folder (SFTP, WebDAV)."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if mtime is not None:
        os.utime(target, (mtime, mtime))


def read_in_folder(root: Path, path: str) -> bytes | None:
    target = root / path
    return target.read_bytes() if target.is_file() else None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for servers that cannot bind port 0 themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port that refuses connections (bound then released: nothing listens there)."""
    return free_port(host)


def wait_for_port(host: str, port: int, timeout_s: float = 20.0, alive: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"the server meant to listen on {host}:{port} exited")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s:.0f} s")


class LoopThread:
    """An asyncio event loop in a daemon thread, for servers written for asyncio (asyncssh)."""

    def __init__(self, name: str) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        import asyncio

        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def run(self, coroutine: Any, timeout_s: float = 30.0) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()
