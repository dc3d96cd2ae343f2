"""Prefect's settings for kepu, applied before Prefect is imported: no analytics or client telemetry
(whose first-run notice would also break the progress display), a patient start for
the local temporary server on a slow machine, and quiet logs so the user sees kepu's progress and
summary rather than server chatter. Anything already set in the environment wins."""

from __future__ import annotations

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


def configure(verbose: bool = False) -> None:
    for key, value in QUIET.items():
        if verbose and key in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
            value = "INFO" if key == "PREFECT_LOGGING_LEVEL" else "WARNING"
        os.environ.setdefault(key, value)
