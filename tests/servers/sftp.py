"""An SFTP server: asyncssh's, password authentication, every session chrooted to a temporary folder."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import asyncssh

from tests.servers.records import FileServer, LoopThread, put_in_folder, read_in_folder


class _PasswordServer(asyncssh.SSHServer):
    def __init__(self, username: str, password: str, connections: set) -> None:
        self._username, self._password, self._connections = username, password, connections

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.difference_update({c for c in self._connections if c.is_closed()})

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._username and password == self._password


@contextmanager
def sftp_server(root: Path, username: str = "district", password: str = "sftp-secret-口令") -> Iterator[FileServer]:
    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    loop = LoopThread("test-sftp")
    try:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        chroot = os.fsencode(root)
        connections: set[asyncssh.SSHServerConnection] = set()

        async def listen() -> asyncssh.SSHAcceptor:
            return await asyncssh.listen(
                "127.0.0.1", 0, server_host_keys=[host_key], server_factory=lambda: _PasswordServer(username, password, connections),
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=chroot), allow_scp=False,
                login_timeout=10, keepalive_interval=0)

        acceptor = loop.run(listen())
        port = acceptor.get_port()

        try:
            yield FileServer(kind="sftp", url=f"sftp://127.0.0.1:{port}", username=username, password=password,
                             root=root, started_in_s=time.monotonic() - started, _put=partial(put_in_folder, root),
                             _read=partial(read_in_folder, root))
        finally:
            async def close() -> None:
                acceptor.close()
                for conn in list(connections):
                    conn.close()
                    await conn.wait_closed()
                await acceptor.wait_closed()

            loop.run(close(), timeout_s=10)
    finally:
        loop.stop()
