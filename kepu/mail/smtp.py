"""Sending over SMTP (smtplib): the [notices] server settings and one connection for a run's notices.

Credentials come only from environment variables named in kepu.toml. A server that cannot be reached, refuses
the login or refuses a message never raises out of here: each message gets its outcome (`SendResult`), in
Chinese, so the run records it and retries on the next one.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class NoticeConfig:
    """The `[notices]` section of kepu.toml (SPEC §2.2)."""

    mode: str = "draft"
    host: str | None = None
    port: int | None = None
    tls: str = "starttls"
    sender: str = ""
    sender_name: str = ""
    office_email: tuple[str, ...] = ()
    username_env: str | None = None
    password_env: str | None = None
    ca_file: str | None = None
    timeout_s: float = 30.0

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port or DEFAULT_PORTS[self.tls]}"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None


class SmtpError(Exception):
    """The server could not be used at all (unreachable, TLS, login): every message of the run fails with it."""


class Mailer:
    """One SMTP session, opened on the first message and closed by `close()` (or the with-block)."""

    def __init__(self, config: NoticeConfig, environ=None) -> None:
        self.config = config
        self.environ = os.environ if environ is None else environ
        self._client: smtplib.SMTP | None = None
        self._broken: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _open(self) -> smtplib.SMTP:
        c = self.config
        port = c.port or DEFAULT_PORTS[c.tls]
        try:
            if c.tls == "ssl":
                client = smtplib.SMTP_SSL(c.host, port, timeout=c.timeout_s, context=self._context())
            else:
                client = smtplib.SMTP(c.host, port, timeout=c.timeout_s)
            try:
                if c.tls == "starttls":
                    client.starttls(context=self._context())
                    client.ehlo()
                user = self.environ.get(c.username_env) if c.username_env else None
                password = self.environ.get(c.password_env) if c.password_env else None
                if c.username_env and not user or c.password_env and not password:
                    missing = c.username_env if c.username_env and not user else c.password_env
                    raise SmtpError(f"凭据环境变量 {missing} 未设置或为空")
                if user and password:
                    client.login(user, password)
            except BaseException:
                client.close()
                raise
        except SmtpError:
            raise
        except smtplib.SMTPNotSupportedError as exc:
            raise SmtpError(f"邮件服务器 {c.server} 不支持 STARTTLS 加密") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpError(f"邮件服务器 {c.server} 拒绝登录（{_reply(exc)}）") from exc
        except ssl.SSLError as exc:
            raise SmtpError(f"与邮件服务器 {c.server} 建立加密连接失败（{exc.reason or exc}）") from exc
        except UnicodeEncodeError as exc:
            raise SmtpError(f"登录邮件服务器 {c.server} 失败：用户名或密码含有非 ASCII 字符") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"无法连接邮件服务器 {c.server}（{_describe(exc)}）") from exc
        return client

    def send(self, message: EmailMessage, recipients: tuple[str, ...]) -> SendResult:
        """Send one message; a refusal or a broken connection is its result, never an exception."""
        if self._broken:
            return SendResult(False, self._broken)
        try:
            if self._client is None:
                self._client = self._open()
            refused = self._client.send_message(message, from_addr=self.config.sender, to_addrs=list(recipients))
        except SmtpError as exc:
            self._broken = str(exc)
            return SendResult(False, self._broken)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(False, "邮件服务器拒收：" + "；".join(f"{a}（{_reply_of(*r)}）"
                                                             for a, r in exc.recipients.items()))
        except smtplib.SMTPSenderRefused as exc:
            return SendResult(False, f"邮件服务器拒绝发件人 {self.config.sender}（{_reply(exc)}）")
        except smtplib.SMTPResponseException as exc:
            return SendResult(False, f"邮件服务器拒收（{_reply(exc)}）")
        except (OSError, smtplib.SMTPException, ValueError) as exc:  # ValueError: an address smtplib cannot encode
            self._drop()
            return SendResult(False, f"发送中断（{_describe(exc)}）")
        if refused:
            return SendResult(False, "部分收件人被拒收：" + "；".join(f"{a}（{_reply_of(*r)}）" for a, r in refused.items()))
        return SendResult(True)

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except OSError:
                pass

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _reply_of(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_of(exc.smtp_code, exc.smtp_error)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "连接超时"
    if isinstance(exc, socket.gaierror):
        return "找不到该主机"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "服务器断开了连接"
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")
