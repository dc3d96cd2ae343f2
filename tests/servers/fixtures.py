"""pytest fixtures for the test servers. Each server starts once per session (the first test that asks for
it pays for it) and stops at the session's end, whatever the tests did; a test keeps to its own folder,
prefix or mail folder (`area`), so tests sharing a server never see each other's files.

Used from ONE conftest (each conftest that imports them makes its own session instances): tests/conftest.py
imports `sftp, s3, webdav, imap, smtp, smtp_tls, area` for every folder.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.servers.imap import MailServer, dovecot_server
from tests.servers.records import FileServer
from tests.servers.s3 import s3_server
from tests.servers.sftp import sftp_server
from tests.servers.smtp import SmtpServer, smtp_server
from tests.servers.webdav import webdav_server


@pytest.fixture(scope="session")
def sftp(tmp_path_factory) -> FileServer:
    with sftp_server(tmp_path_factory.mktemp("sftp-root")) as server:
        yield server


@pytest.fixture(scope="session")
def s3() -> FileServer:
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def webdav(tmp_path_factory) -> FileServer:
    with webdav_server(tmp_path_factory.mktemp("webdav-root")) as server:
        yield server


@pytest.fixture(scope="session")
def imap() -> MailServer:
    with dovecot_server() as server:
        yield server


@pytest.fixture(scope="session")
def smtp() -> SmtpServer:
    with smtp_server() as server:
        yield server


SMTP_LOGIN = ("kepu@example.org", "abcd-1234-efgh")
"""The user and password the STARTTLS server accepts (tests pass them through environment variables)."""


@pytest.fixture(scope="session")
def smtp_tls(tmp_path_factory) -> SmtpServer:
    """An SMTP submission server: STARTTLS required, then AUTH with SMTP_LOGIN."""
    with smtp_server(tmp_path_factory.mktemp("smtp-tls"), SMTP_LOGIN) as server:
        yield server


@pytest.fixture
def area(request) -> str:
    """A folder name no other test uses: `test_name-1a2b3c4d` (ASCII, usable as a path, a prefix or a mail
    folder)."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:40]
    return f"{stem}-{uuid.uuid4().hex[:8]}"
