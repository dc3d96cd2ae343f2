"""Prefect's settings for kepu, applied before Prefect is imported: no analytics or client telemetry
(whose first-run notice would also break the progress display), a patient start for
the local temporary server on a slow machine, and quiet logs so the user sees kepu's progress and
summary rather than server chatter. Anything already set in the environment wins.

No library's logger reaches the user's terminal in a normal run (paramiko's ERROR with a traceback on a hung SFTP
source, a warning of fsspec's): kepu reports what went wrong itself, in one Chinese line. `--verbose` shows them."""

from __future__ import annotations

import logging
import os
from pathlib import Path

QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_INTERNAL_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
}


LOGGING = Path(__file__).with_name("logging.yml")
"""Where every logger writes in a normal run: to the Prefect API, never to the terminal (`--verbose` keeps
Prefect's own settings, which print to it)."""


def configure(verbose: bool = False) -> None:
    for key, value in QUIET.items():
        if verbose and key in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
            value = "INFO" if key == "PREFECT_LOGGING_LEVEL" else "WARNING"
        os.environ.setdefault(key, value)
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(LOGGING))
    _quiet_resource_tracker()
    _silence_last_resort()


TRACKER_WARNING = "ignore::UserWarning:multiprocessing.resource_tracker"


def _quiet_resource_tracker() -> None:
    """multiprocessing's resource tracker (a process of its own, writing to the terminal) reports the
    semaphores of a parse pool that a stopping run ended without waiting for it, and removes them: the
    removal is all that matters. The filter reaches it through the environment it starts with."""
    current = os.environ.get("PYTHONWARNINGS", "")
    if TRACKER_WARNING not in current:
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [current, TRACKER_WARNING]))


def _silence_last_resort() -> None:
    """Before Prefect configures logging (and in a command that never imports it) a library's warning would
    reach Python's last-resort handler, which prints to stderr: a handler on the root logger that drops it
    keeps the terminal kepu's."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
