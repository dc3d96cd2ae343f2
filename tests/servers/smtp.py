"""An SMTP server: aiosmtpd's Controller on a random free port, keeping every message it accepts.

`refuse` makes it answer 550 to every recipient, as a relay that will not take the office's mail does, so
that the notices code can be tested against both outcomes. `smtp_server(tls_dir, credentials)` is the
submission port of a real provider: STARTTLS required (a self-signed certificate for 127.0.0.1, written to
`tls_dir/cert.pem` for the client to trust) and AUTH with the given user and password."""

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
    raw: list[bytes] = field(default_factory=list)
    """Each message as it came over the wire."""
    refuse: bool = False
    ca_file: str | None = None
    logins: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self.raw.clear()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if self._server.refuse:
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        data = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        with self._server._lock:
            self._server.raw.append(data)
            self._server.messages.append(parsed)
            self._server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def self_signed(folder) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1, valid for a day, as PEM files in `folder`."""
    import datetime as dt
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@contextmanager
def smtp_server(tls_dir=None, credentials: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    options: dict = {}
    ca_file = None
    if tls_dir is not None:
        ca_file, key_file = self_signed(tls_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ca_file, key_file)
        options.update(tls_context=context, require_starttls=True)
    started = time.monotonic()
    for attempt in range(3):
        server = SmtpServer(host="127.0.0.1", port=free_port(), started_in_s=0.0, ca_file=ca_file)
        if credentials is not None:
            def authenticate(smtp, session, envelope, mechanism, auth_data, server=server):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
                if ok:
                    server.logins.append(auth_data.login.decode())
                return AuthResult(success=ok)

            options.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls_dir is not None)
        controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port, ready_timeout=10,
                                decode_data=False, **options)
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
