"""The source tests run against real servers on loopback (tests/servers), started once per session."""

from tests.servers.fixtures import area, imap, s3, sftp, smtp, webdav  # noqa: F401
