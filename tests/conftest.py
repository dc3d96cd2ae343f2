"""Shared fixtures. Every test writes into its own temporary folder and DuckDB file; flows run
against Prefect's test harness (one temporary server for the whole session). The loopback test servers
(SFTP, S3, WebDAV, IMAP, SMTP) are registered here and nowhere else: each conftest that imported them would
start its own, and two moto servers fight over moto's process-wide authentication switch."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import tempfile  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from tests.servers.fixtures import area, imap, s3, sftp, smtp, smtp_tls, webdav  # noqa: E402, F401 — once, here only

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="kepu-hypothesis-"))
settings.register_profile("kepu", database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kepu")
"""Hypothesis keeps neither examples nor caches in the working tree: tests write only into temporary
folders. No deadline per example: how long one takes depends on the machine and what else it runs (a busy
2-core machine turns a 50 ms example into 300 ms), which is no property of the code; nor is the health check
that finds generating the data slow."""


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server and database for flows run in tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def kepu_children(prefect_harness, tmp_path_factory):
    """What the session's child `kepu` processes share (tests/kepu_process.py): the test API they report to,
    and one Prefect home (with the API database kepu migrated once) for those that start their own API."""
    from prefect.settings import PREFECT_API_URL

    from tests import kepu_process

    kepu_process.share(PREFECT_API_URL.value(), tmp_path_factory.mktemp("prefect-home"))
    yield
    kepu_process.share(None, None)


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory, prefect_harness):
    """The demo city (seed 2023, scale 1) after one full run: a realistic warehouse to read from, built once
    for all the session's workers (tests only read it)."""
    from kepu.flows.nightly import run
    from kepu.demo.city import build_demo_city
    from tests.builders import built_once

    def build(folder):
        city = build_demo_city(folder / "city", seed=2023)
        summary = run(city.config_path)
        assert summary.outcome == "published"
        return city

    return built_once(tmp_path_factory, "demo-city", build)
