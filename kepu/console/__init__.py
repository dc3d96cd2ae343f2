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
from kepu.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def application(settings: Settings, host: str = DEFAULT_HOST, environ: dict[str, str] | None = None):
    """The console's ASGI application for `host`; ConfigError when `host` is not loopback and no password is set."""
    from kepu.console.app import Console

    password = console_password(settings, host, environ)
    return Console(settings, password, loopback=is_loopback(host)).application()


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
