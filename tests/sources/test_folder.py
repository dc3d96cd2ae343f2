"""Listing the inbox folder: every regular file in every sub-folder, with its path, size and time."""

from __future__ import annotations

import os
from datetime import datetime

from kepu.schemas.files import DEFAULT_SOURCE
from kepu.schemas.vocabulary import OFFICE_TZ
from kepu.sources.folder import scan_folder


def test_every_file_is_listed_with_what_the_run_needs(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "双流区" / "东升街道").mkdir(parents=True)
    (inbox / "双流区" / "东升街道" / "报表.XLSX").write_bytes(b"12345")
    (inbox / "照片说明.docx").write_bytes(b"x")
    (inbox / "~$报表.xlsx").write_bytes(b"lock")
    stamp = datetime(2023, 9, 26, 10, 30, tzinfo=OFFICE_TZ).timestamp()
    os.utime(inbox / "双流区" / "东升街道" / "报表.XLSX", (stamp, stamp))

    files = scan_folder(inbox)

    assert [f.path for f in files] == ["~$报表.xlsx", "照片说明.docx", "双流区/东升街道/报表.XLSX"]
    report = files[-1]
    assert (report.size, report.mtime, report.extension) == (5, stamp, ".xlsx")
    assert report.received_at == datetime(2023, 9, 26, 10, 30)
    assert report.location == inbox / "双流区" / "东升街道" / "报表.XLSX"
    assert (report.sha256, report.source, report.status) == ("", DEFAULT_SOURCE, "")


def test_an_empty_or_missing_inbox_lists_nothing(tmp_path):
    (tmp_path / "inbox").mkdir()
    assert scan_folder(tmp_path / "inbox") == []
    assert scan_folder(tmp_path / "nowhere") == []
