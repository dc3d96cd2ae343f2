"""`kepu console`: the office's pages in a browser (SPEC §6) — 今日概况, 待决定事项 with each cited cell in its
original sheet and the decision forms, 报送情况, 汇总与报送 with signing, 版本.

It reads the published warehouse read-only through the named queries, writes only decisions.csv and editions
through `kepu decide`'s and `kepu sign`'s own code, serves downloads only from the campaign's out/ folder, and
runs no SQL from a request. Loopback by default; another address only with `[console] password_env`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kepu.console.security import console_password, is_loopback
from kepu.schemas.errors import ConfigError
from kepu.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def application(settings: Settings, host: str = DEFAULT_HOST, environ: dict[str, str] | None = None):
    """The console's ASGI application for `host`; ConfigError when `host` is not loopback and no password is set."""
    from kepu.console.app import Console

    password = console_password(settings, host, environ)
    return Console(settings, password, loopback=is_loopback(host)).application()


def check_port(host: str, port: int, option: str = "--port") -> None:
    """ConfigError when the console could not listen on host:port (another program, or another console, holds
    it): said in one line before anything starts, not as a web server's log line once `kepu serve` runs."""
    import errno
    import socket

    bare = host.strip("[]")
    try:
        family = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is free
            probe.bind((bare, port))
    except OSError as exc:
        why = "端口已被其他程序占用" if getattr(exc, "errno", None) == errno.EADDRINUSE else f"地址不可用：{exc.strerror or exc}"
        raise ConfigError(f"控制台无法在 {url(host, port)} 启动（{why}）。请用 {option} 指定其他端口"
                          + ("，或 --console-port 0 不启动控制台" if option == "--console-port" else "")
                          + "。未启动。") from None


def _server(settings: Settings, host: str, port: int):
    import uvicorn

    app = application(settings, host)
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                         server_header=False))


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the console until Ctrl-C or SIGTERM."""
    _server(settings, host, port).run()


@dataclass
class Background:
    """The console running in a thread beside `kepu serve`'s schedule."""

    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_beside(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Background:
    """The console started in a daemon thread (`kepu serve`); ConfigError as for `serve`."""
    server = _server(settings, host, port)
    thread = threading.Thread(target=server.run, name="kepu-console", daemon=True)
    thread.start()
    return Background(server, thread)


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
