"""Who may use the console and how a form proves it came from the console's own page.

Loopback by default: the office PC's browser on the same machine, nothing else (the Host header is checked
too, so a page elsewhere that re-points a name at 127.0.0.1 gets nothing). Any other address needs a password,
named by `[console] password_env`; without one the console refuses to start. Sessions are a signed cookie (HMAC
with a key made when the console starts: a restart signs everyone out); every form carries a token derived from
the session, checked in constant time, as the password is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass

from kepu.schemas.errors import ConfigError
from kepu.settings import Settings

SESSION_COOKIE = "kepu_session"
CSRF_FIELD = "csrf_token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) is reachable only from this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def console_password(settings: Settings, host: str, environ: dict[str, str] | None = None) -> str | None:
    """The password the console asks for on `host`: None on loopback; ConfigError (the console does not start)
    when another address is asked for without `[console] password_env` naming a set variable."""
    environ = os.environ if environ is None else environ
    if is_loopback(host):
        return None
    variable = settings.console_password_env
    if not variable:
        raise ConfigError(f"kepu console 只在本机地址（127.0.0.1）上无需密码；要在 {host} 上提供，请在 kepu.toml 的 "
                          "[console] 中用 password_env 指定存放密码的环境变量。未启动。")
    password = environ.get(variable, "")
    if not password:
        raise ConfigError(f"[console] password_env 指定的环境变量 {variable} 未设置或为空；未启动。")
    return password


@dataclass(frozen=True)
class Session:
    sid: str
    signed_in: bool


class Guard:
    """Signs and checks sessions and form tokens with one key, and checks the password."""

    def __init__(self, password: str | None, key: bytes | None = None) -> None:
        self.password = password
        self.key = key or secrets.token_bytes(32)

    @property
    def needs_password(self) -> bool:
        return self.password is not None

    def _mac(self, purpose: str, text: str) -> str:
        return hmac.new(self.key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()

    def new_session(self, signed_in: bool) -> Session:
        return Session(secrets.token_urlsafe(18), signed_in or not self.needs_password)

    def cookie(self, session: Session) -> str:
        payload = base64.urlsafe_b64encode(f"{session.sid}|{int(session.signed_in)}".encode()).decode()
        return f"{payload}.{self._mac('session', payload)}"

    def read_cookie(self, value: str | None) -> Session | None:
        """The session a cookie carries, None when it is missing or not signed with this console's key."""
        if not value or "." not in value:
            return None
        payload, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac("session", payload).encode()):
            return None
        try:
            sid, _, flag = base64.urlsafe_b64decode(payload.encode()).decode().partition("|")
        except (ValueError, UnicodeDecodeError):
            return None
        return Session(sid, flag == "1" or not self.needs_password)

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", session.sid)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf_token(session).encode())

    def password_ok(self, given: str | None) -> bool:
        if self.password is None:
            return True
        return hmac.compare_digest((given or "").encode(), self.password.encode())
