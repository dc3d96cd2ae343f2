"""An IMAP server: Dovecot from Debian's packages (installed here when missing), run in the foreground with its
own configuration in a temporary folder — passwd-file authentication, maildirs under the folder, plaintext
login allowed (loopback only), IMAP and IMAPS (self-signed certificate) on random free ports.

Messages are delivered with IMAP APPEND, which also sets each message's arrival time (INTERNALDATE) the way a
real delivery would. Dovecot runs in its own process group and is told to end with this process
(PR_SET_PDEATHSIG), so a killed test session leaves no server behind either."""

from __future__ import annotations

import ctypes
import datetime as dt
import email.utils
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from tests.servers.debian import ensure_tools, tool_path
from tests.servers.records import free_port, wait_for_port

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class MailServer:
    """A running mailbox. `url`/`imaps_url` name a folder as a source (`imap://127.0.0.1:PORT/INBOX`);
    `deliver` appends a message (bytes or EmailMessage) with its arrival time and returns its UID; `flags`
    reads a message's flags back, to check that reading it changed nothing."""

    host: str
    port: int
    imaps_port: int
    username: str
    password: str
    maildir: Path
    cafile: Path
    started_in_s: float
    installed_in_s: float
    log_path: Path = field(repr=False)

    @property
    def url(self) -> str:
        return f"imap://{self.host}:{self.port}/INBOX"

    @property
    def imaps_url(self) -> str:
        return f"imaps://{self.host}:{self.imaps_port}/INBOX"

    def url_for(self, folder: str, *, tls: bool = False) -> str:
        port = self.imaps_port if tls else self.port
        return f"{'imaps' if tls else 'imap'}://{self.host}:{port}/{folder}"

    def _client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.username, self.password)
        return client

    def create_folder(self, folder: str) -> None:
        client = self._client()
        try:
            client.create(_quote(folder))
        finally:
            client.logout()

    def deliver(self, message: EmailMessage | bytes, *, folder: str = "INBOX",
                received_at: dt.datetime | None = None, flags: str = "") -> int:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        when = received_at or dt.datetime.now(dt.timezone.utc)
        client = self._client()
        try:
            status, data = client.append(_quote(folder), flags or None, imaplib.Time2Internaldate(when), raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            # Dovecot answers [APPENDUID <uidvalidity> <uid>]
            code = client.response("APPENDUID")[1][0]
            return int(code.split()[1])
        finally:
            client.logout()

    def flags(self, uid: int, *, folder: str = "INBOX") -> set[str]:
        client = self._client()
        try:
            client.select(_quote(folder), readonly=True)
            status, data = client.uid("FETCH", str(uid), "(FLAGS)")
            text = b" ".join(part if isinstance(part, bytes) else part[0] for part in data if part).decode()
            inner = text[text.index("FLAGS (") + 7:]
            return set(inner[:inner.index(")")].split())
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self._client()
        try:
            client.select(_quote(folder), readonly=True)
            status, data = client.uid("SEARCH", None, "ALL")
            return [int(x) for x in data[0].split()]
        finally:
            client.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _config(home: Path, port: int, imaps_port: int, cert: Path, key: Path, username: str, password: str) -> Path:
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal = ""
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = (f"default_internal_user = {mail_user.pw_name}\ndefault_login_user = {mail_user.pw_name}\n"
                    f"default_internal_group = {mail_user.pw_gid}\n")
    mail = home / "mail"
    mail.mkdir()
    os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
    passwd = home / "passwd"
    passwd.write_text(f"{username}:{{PLAIN}}{password}::::::\n")
    conf = home / "dovecot.conf"
    conf.write_text(f"""\
{internal}base_dir = {home / 'run'}
state_dir = {home / 'state'}
log_path = {home / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {mail_user.pw_uid}
last_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{mail}/%u
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
shutdown_clients = yes
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
""")
    return conf


@contextmanager
def dovecot_server(username: str = "kpb@example.org", password: str = "mail-secret-2023") -> Iterator[MailServer]:
    """Dovecot's own folder is made here, world-traversable (its unprivileged auth and mail processes must
    reach it), and removed at the end."""
    installed_in = ensure_tools({"dovecot": "dovecot-imapd"})
    started = time.monotonic()
    _remove_stale_homes()
    home = Path(tempfile.mkdtemp(prefix=_HOME_PREFIX))
    try:
        home.chmod(0o755)
        (home / "owner.pid").write_text(str(os.getpid()))
        cert, key = _self_signed(home)
        for attempt in range(3):
            port, imaps_port = free_port(), free_port()
            workdir = home / f"try{attempt}"
            workdir.mkdir()
            conf = _config(workdir, port, imaps_port, cert, key, username, password)
            process = subprocess.Popen([tool_path("dovecot"), "-F", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
            try:
                wait_for_port("127.0.0.1", port, alive=lambda: process.poll() is None)
                wait_for_port("127.0.0.1", imaps_port, alive=lambda: process.poll() is None)
                break
            except (RuntimeError, TimeoutError):
                output = _stop(process)
                if attempt == 2:
                    log = workdir / "dovecot.log"
                    raise RuntimeError("dovecot did not start:\n" + output +
                                       (log.read_text(errors="replace") if log.exists() else "")) from None
        try:
            yield MailServer(host="127.0.0.1", port=port, imaps_port=imaps_port, username=username,
                             password=password, maildir=workdir / "mail", cafile=cert,
                             started_in_s=time.monotonic() - started, installed_in_s=installed_in,
                             log_path=workdir / "dovecot.log")
        finally:
            _stop(process)
    finally:
        shutil.rmtree(home, ignore_errors=True)


_HOME_PREFIX = "kepu-test-dovecot-"


def _remove_stale_homes() -> None:
    """Folders left by a test session that was killed (its Dovecot died with it; its folder did not)."""
    for home in Path(tempfile.gettempdir()).glob(_HOME_PREFIX + "*"):
        try:
            owner = int((home / "owner.pid").read_text())
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(home, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _stop(process: subprocess.Popen) -> str:
    """End Dovecot's whole process group; return what it printed."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    output = ""
    if process.stdout:
        output = process.stdout.read().decode(errors="replace")
        process.stdout.close()
    return output


def message(sender: str, subject: str, body: str = "", attachments: tuple = (), *, to: str = "kpb@example.org",
            date: dt.datetime | None = None) -> EmailMessage:
    """A plain mail with attachments given as (filename, bytes[, maintype, subtype])."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.timezone.utc))
    mail["Message-ID"] = email.utils.make_msgid(domain="example.org")
    mail.set_content(body or subject)
    for attachment in attachments:
        name, data, *kind = attachment
        maintype, subtype = kind or ("application", "octet-stream")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail
