"""A WebDAV server: WsgiDAV on cheroot, HTTP basic authentication, serving a temporary folder."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from tests.servers.records import FileServer, put_in_folder, read_in_folder, wait_for_port


@contextmanager
def webdav_server(root: Path, username: str = "school", password: str = "dav-secret-口令") -> Iterator[FileServer]:
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    app = WsgiDAVApp({
        "provider_mapping": {"/": str(root)},
        "http_authenticator": {"domain_controller": None, "accept_basic": True, "accept_digest": False,
                               "default_to_digest": False},
        "simple_dc": {"user_mapping": {"*": {username: {"password": password}}}},
        "verbose": 0,
        "logging": {"enable": False, "enable_loggers": []},
        "property_manager": True,
        "lock_storage": True,
    })
    logging.getLogger("wsgidav").setLevel(logging.ERROR)
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4, timeout=10, shutdown_timeout=2)
    server.prepare()
    port = server.bind_addr[1]
    thread = threading.Thread(target=server.serve, name="test-webdav", daemon=True)
    thread.start()
    try:
        wait_for_port("127.0.0.1", port)

        yield FileServer(kind="webdav", url=f"webdav://127.0.0.1:{port}", username=username, password=password,
                         root=root, started_in_s=time.monotonic() - started, _put=partial(put_in_folder, root),
                             _read=partial(read_in_folder, root))
    finally:
        server.stop()
        thread.join(10)
