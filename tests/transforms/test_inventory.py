"""Tonight's inbox against what the warehouse holds: new and changed paths, what to parse, what to parse
again from the kept copies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kepu.schemas.files import ReceivedFile
from kepu.transforms.inventory import take_inventory

VERSION = "3"


def seen(path: str, sha: str, mtime: float = 1.0) -> ReceivedFile:
    return ReceivedFile(path=path, size=10, mtime=mtime, received_at=datetime(2023, 9, 26), location=Path(path),
                        sha256=sha)


def test_a_first_run_finds_everything_new_and_parses_each_content_once():
    files = [seen("a.xlsx", "s1", mtime=2.0), seen("copy/a.xlsx", "s1", mtime=1.0), seen("b.xlsx", "s2")]

    inventory = take_inventory(files, known_paths={}, parsed={}, parser_version=VERSION)

    assert (inventory.files_seen, inventory.files_new, inventory.files_changed) == (3, 3, 0)
    assert sorted(inventory.to_parse) == ["s1", "s2"]
    assert inventory.first_seen["s1"].path == "copy/a.xlsx", "the earliest copy names the content"
    assert inventory.stale_elsewhere == []


def test_known_unchanged_files_are_not_parsed_again():
    files = [seen("a.xlsx", "s1"), seen("b.xlsx", "s2")]

    inventory = take_inventory(files, {"a.xlsx": {"s1"}, "b.xlsx": {"s2"}}, {"s1": VERSION, "s2": VERSION}, VERSION)

    assert (inventory.files_new, inventory.files_changed, inventory.to_parse) == (0, 0, [])


def test_a_changed_file_at_a_known_path_counts_as_changed_and_is_parsed():
    inventory = take_inventory([seen("a.xlsx", "s9")], {"a.xlsx": {"s1"}}, {"s1": VERSION}, VERSION)

    assert (inventory.files_new, inventory.files_changed, inventory.to_parse) == (0, 1, ["s9"])


def test_a_new_parser_parses_the_inbox_and_the_kept_copies_again():
    parsed = {"s1": "2", "s2": "2", "gone": "2", "current": VERSION}
    files = [seen("a.xlsx", "s1"), seen("b.xlsx", "s2")]

    inventory = take_inventory(files, {"a.xlsx": {"s1"}, "b.xlsx": {"s2"}}, parsed, VERSION)

    assert sorted(inventory.to_parse) == ["s1", "s2"]
    assert inventory.stale_elsewhere == ["gone"]


def decided(path: str, status: str, *, source: str = "inbox", content: str = "") -> ReceivedFile:
    from kepu.schemas.files import entry_id

    return ReceivedFile(path=path, size=0, mtime=1.0, received_at=datetime(2023, 9, 26), location=Path(path),
                        sha256=content or entry_id(source, path), stored_as="files/x" if content else "",
                        source=source, source_path=path, status=status, reason="原因")


def test_entries_decided_at_the_source_are_recorded_not_parsed():
    files = [seen("a.xlsx", "s1"), decided("Thumbs.db", "ignored"), decided("空.xlsx", "rejected"),
             decided("坏.zip", "rejected", content="z1")]

    inventory = take_inventory(files, {}, {}, VERSION, listed=7)

    assert inventory.to_parse == ["s1"]
    assert sorted(f.path for f in inventory.to_record) == ["Thumbs.db", "坏.zip", "空.xlsx"]
    assert (inventory.files_seen, inventory.files_new) == (7, 4)


def test_two_empty_files_are_two_records_whatever_their_bytes():
    """Two 0-byte files share every byte (none), but neither is a copy of the other: each is rejected on
    its own, under its own path."""
    inventory = take_inventory([decided("东升街道.xlsx", "rejected"), decided("九江街道.xlsx", "rejected")], {}, {}, VERSION)

    assert sorted(f.path for f in inventory.to_record) == ["东升街道.xlsx", "九江街道.xlsx"]


def test_a_rejected_bundle_already_recorded_is_not_recorded_again_but_an_unread_entry_is_refreshed():
    files = [decided("坏.zip", "rejected", content="z1"), decided("锁住.xlsx", "rejected")]
    inventory = take_inventory(files, {}, {}, VERSION, recorded={"z1", files[1].sha256})

    assert [f.path for f in inventory.to_record] == ["锁住.xlsx"]
