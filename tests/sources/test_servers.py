"""The test servers themselves: what the SMTP one captures and refuses, and that a killed test session leaves
no Dovecot running."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers.imap import _remove_stale_homes, message


def test_smtp_captures_messages_and_can_refuse(smtp):
    smtp.clear()
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(message("kepu@example.org", "回执：东升街道", attachments=[("回执.xlsx", b"PK")],
                                    to="dongsheng@example.org"))
    (sent,) = smtp.messages
    assert sent["Subject"] == "回执：东升街道" and [p.get_filename() for p in sent.iter_attachments()] == ["回执.xlsx"]
    assert smtp.envelopes == [("kepu@example.org", ["dongsheng@example.org"])]
    smtp.refuse = True
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(message("kepu@example.org", "催报", to="jiujiang@example.org"))
    finally:
        smtp.refuse = False
    assert len(smtp.messages) == 1


def test_servers_start_fast_once_installed(sftp, s3, webdav, imap, smtp):
    assert sftp.started_in_s < 5 and s3.started_in_s < 10 and webdav.started_in_s < 5 and smtp.started_in_s < 5
    assert imap.started_in_s < 10


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_dovecot_ends_with_a_killed_test_session(imap):
    """kill -9 of the process that started Dovecot: no teardown runs, and Dovecot still goes (PR_SET_PDEATHSIG)."""
    script = ("import time\nfrom tests.servers.imap import dovecot_server\n"
              "with dovecot_server() as server:\n    print(server.port, flush=True)\n    time.sleep(120)\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[2])
    try:
        port = int(child.stdout.readline())
        assert _listening(port)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 20  # Dovecot takes ~6 s to wind down on its own
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _listening(port)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        _remove_stale_homes()  # the killed session's folder (its teardown never ran)
