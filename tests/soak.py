"""The timing- and process-sensitive tests, again and again, on a busy machine: a test that passes only when
the machine is quiet, or only when it wins a race, fails here.

    .venv/bin/python -m tests.soak [--rounds 20] [--busy 2] [tests …]

Starts `--busy` processes that keep a core each busy for the whole soak, then runs pytest over the tests
(default: stopping, lifecycle, serve, sources, mail) `--rounds` times, one after the other, and prints one line
per round and the failures at the end. Exits 1 if any round failed."""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import time

SENSITIVE = [
    "tests/flows/test_stopping.py", "tests/flows/test_lifecycle.py", "tests/flows/test_schedule.py",
    "tests/flows/test_sources.py", "tests/flows/test_notices.py", "tests/sources/test_mailbox.py",
    "tests/sources/test_remote.py", "tests/sources/test_servers.py",
]


def _spin(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(100_000))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--busy", type=int, default=2, help="processes keeping a core busy meanwhile")
    parser.add_argument("tests", nargs="*", default=SENSITIVE)
    args = parser.parse_args(argv)
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    failed: list[tuple[int, str]] = []
    try:
        for round_ in range(1, args.rounds + 1):
            began = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", *args.tests],
                                  capture_output=True, text=True)
            last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            print(f"round {round_}/{args.rounds}: {last} ({time.monotonic() - began:.0f} s)", flush=True)
            if done.returncode != 0:
                failed += [(round_, line) for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(timeout=5)
    for round_, line in failed:
        print(f"round {round_}: {line}")
    print(f"{args.rounds - len({r for r, _ in failed})} of {args.rounds} rounds green with {args.busy} busy processes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
