"""An SMTP server: aiosmtpd's Controller on a random free port, keeping every message it accepts.

`refuse` makes it answer 550 to every recipient, as a relay that will not take the office's mail does, so
that the notices code can be tested against both outcomes."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from tests.servers.records import free_port


@dataclass
class SmtpServer:
    host: str
    port: int
    started_in_s: float
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if self._server.refuse:
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._server._lock:
            self._server.messages.append(parsed)
            self._server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    started = time.monotonic()
    for attempt in range(3):
        server = SmtpServer(host="127.0.0.1", port=free_port(), started_in_s=0.0)
        controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port, ready_timeout=10,
                                decode_data=False)
        try:
            controller.start()
            break
        except (OSError, RuntimeError, TimeoutError):
            if attempt == 2:
                raise
    server.started_in_s = time.monotonic() - started
    try:
        yield server
    finally:
        controller.stop()
