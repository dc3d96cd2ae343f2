"""Real servers on loopback for the source tests: SFTP, S3, WebDAV, IMAP and SMTP, each on a random free port
with its data in a temporary folder, started once per test session and stopped at its end."""
