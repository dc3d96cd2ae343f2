"""An S3-compatible store: moto's standalone server in a thread, one bucket, signatures enforced.

moto accepts any key by default; here it creates an IAM user with an access key first and then enforces
authentication (moto's INITIAL_NO_AUTH_ACTION_COUNT, restored at the end), so a wrong secret is refused the
way a real store refuses it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config

from tests.servers.records import FileServer

_POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


@contextmanager
def s3_server(bucket: str = "kepu-submissions") -> Iterator[FileServer]:
    from moto import settings
    from moto.server import ThreadedMotoServer

    started = time.monotonic()
    werkzeug_log = logging.getLogger("werkzeug")
    level_before = werkzeug_log.level
    werkzeug_log.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    enforced_before = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")  # open while the user and the bucket are made
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10)
        setup = dict(endpoint_url=endpoint, region_name="us-east-1", config=config)
        iam = boto3.client("iam", aws_access_key_id="setup", aws_secret_access_key="setup", **setup)
        iam.create_user(UserName="district")
        iam.put_user_policy(UserName="district", PolicyName="all", PolicyDocument=_POLICY)
        key = iam.create_access_key(UserName="district")["AccessKey"]
        username, password = key["AccessKeyId"], key["SecretAccessKey"]
        s3 = boto3.client("s3", aws_access_key_id=username, aws_secret_access_key=password, **setup)
        s3.create_bucket(Bucket=bucket)
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

        def put(path: str, data: bytes, mtime: float | None) -> None:
            # An object's last-modified is the store's own clock; S3 cannot set it (mtime is ignored).
            s3.put_object(Bucket=bucket, Key=path, Body=data)

        def read(path: str) -> bytes | None:
            try:
                return s3.get_object(Bucket=bucket, Key=path)["Body"].read()
            except s3.exceptions.NoSuchKey:
                return None

        yield FileServer(kind="s3", url=f"s3://{bucket}", username=username, password=password, root=bucket,
                         started_in_s=time.monotonic() - started, _put=put, _read=read,
                         options={"endpoint": endpoint})
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = enforced_before
        server.stop()
        werkzeug_log.setLevel(level_before)
