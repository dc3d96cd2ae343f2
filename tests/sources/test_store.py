"""The content-addressed store: every received file kept once, under its sha256, beside the warehouse."""

from __future__ import annotations

import hashlib

from kepu.sources.store import keep_copy, sha256_of, stored_path


def test_a_file_is_kept_once_under_its_content_address(tmp_path):
    store = tmp_path / "warehouse" / "files"
    first = tmp_path / "inbox" / "东升街道.xlsx"
    first.parent.mkdir()
    first.write_bytes(b"the same bytes")
    copy = tmp_path / "inbox" / "东升街道 (1).xlsx"
    copy.write_bytes(b"the same bytes")
    sha = sha256_of(first)

    kept = keep_copy(store, first, sha, ".xlsx")
    first.unlink()
    again = keep_copy(store, copy, sha, ".xlsx")

    assert sha == hashlib.sha256(b"the same bytes").hexdigest()
    assert kept == again == stored_path(store, sha, ".xlsx") == store / sha[:2] / f"{sha}.xlsx"
    assert kept.read_bytes() == b"the same bytes"
    assert [p.name for p in kept.parent.iterdir()] == [kept.name], "no partial copy is left behind"


def test_large_files_hash_in_chunks(tmp_path):
    path = tmp_path / "big.csv"
    data = b"0123456789" * 300_000
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
