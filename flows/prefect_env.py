"""Prefect's settings for kepu, applied before Prefect is imported: no analytics or client telemetry
(whose first-run notice would also break the progress display), a patient start for
the local temporary server on a slow machine, and quiet logs so the user sees kepu's progress and
summary rather than server chatter. Anything already set in the environment wins.

No library's logger reaches the user's terminal in a normal run (paramiko's ERROR with a traceback on a hung SFTP
source, a warning of fsspec's): kepu reports what went wrong itself, in one Chinese line. `--verbose` shows them."""

from __future__ import annotations

import logging
import os

QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_INTERNAL_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
}


QUIET_LIBRARIES = {"PREFECT_LOGGING_ROOT_LEVEL": "CRITICAL"}
"""The root logger's level in every process kepu starts (parse workers, the flow's): libraries' records stay
below it. The command's own process discards even CRITICAL ones (LibraryLogs)."""


class LibraryLogs(logging.Handler):
    """The root logger's handler in a normal run: libraries' records are dropped, never printed. Installed
    before Prefect configures logging, it makes Prefect keep it (a user's root handler) instead of its console."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s - %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        pass


def configure(verbose: bool = False) -> None:
    for key, value in QUIET.items():
        if verbose and key in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
            value = "INFO" if key == "PREFECT_LOGGING_LEVEL" else "WARNING"
        os.environ.setdefault(key, value)
    if not verbose:
        quiet_libraries()


def quiet_libraries() -> None:
    for key, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(key, value)
    root = logging.getLogger()
    if not any(isinstance(h, LibraryLogs) for h in root.handlers):
        root.addHandler(LibraryLogs())
