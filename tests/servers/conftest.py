from tests.servers.fixtures import area, imap, s3, sftp, smtp, webdav  # noqa: F401
