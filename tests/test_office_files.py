"""No command deletes or overwrites a file it did not create (issue #23, item 1): each is tried on a folder
holding the office's own files, which must come out byte for byte as they went in."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from kepu.demo.city import DEMO_MARK, prepare_demo_folder
from kepu.schemas.errors import ConfigError
from tests.builders import activity, make_city
from tests.kepu_process import kepu

pytestmark = pytest.mark.usefixtures("kepu_children")


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def office_folder(root: Path):
    """A campaign folder as a clerk keeps it: kepu.toml, the registry, the inbox, decisions, notes of her own."""
    city = make_city(root)
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)], received=datetime(2023, 9, 26, 10))
    (root / "decisions.csv").write_text("kind,file_sha256,sheet,cell,unit_code,value,other_file_sha256,"
                                        "other_sheet,other_cell,reason,decided_by,decided_at\n", encoding="utf-8")
    (root / "工作笔记.txt").write_text("9月26日 东升街道来电", encoding="utf-8")
    (root / "科普日活动报表模板.xlsx").write_bytes(b"PK\x03\x04 the office's own filled-in copy")
    (root / "各单位报表").mkdir()
    return city


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    office_folder(tmp_path / "office")
    before = snapshot(tmp_path / "office")

    result = kepu("demo", "--path", str(tmp_path / "office"))

    assert result.returncode == 2
    assert "不是 kepu demo 生成的文件夹" in result.stderr and result.stderr.strip().count("\n") == 0
    assert "示范城市已生成" not in result.stdout
    assert snapshot(tmp_path / "office") == before


def test_demo_in_the_current_folder_refuses_the_office_s_folder(tmp_path):
    office_folder(tmp_path / "office")
    before = snapshot(tmp_path / "office")

    result = kepu("demo", "--path", ".", cwd=tmp_path / "office")

    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert snapshot(tmp_path / "office") == before


def test_demo_folder_is_made_again_only_when_nothing_else_was_added(tmp_path):
    folder = tmp_path / "demo"
    prepare_demo_folder(folder)
    assert (folder / DEMO_MARK).is_file()
    for name in ("inbox", "warehouse", "out"):
        (folder / name).mkdir()
        (folder / name / "x.txt").write_text("demo's", encoding="utf-8")
    (folder / "kepu.toml").write_text("demo's", encoding="utf-8")

    prepare_demo_folder(folder)  # only its own entries, all of them, go
    assert sorted(p.name for p in folder.iterdir()) == [DEMO_MARK]

    (folder / "kepu.toml").write_text("demo's", encoding="utf-8")
    (folder / "decisions.csv").write_text("the clerk's", encoding="utf-8")
    with pytest.raises(ConfigError, match="decisions.csv"):
        prepare_demo_folder(folder)
    assert (folder / "decisions.csv").read_text(encoding="utf-8") == "the clerk's"
    assert (folder / "kepu.toml").exists()


def test_demo_refuses_a_file_and_uses_a_new_or_empty_folder(tmp_path):
    (tmp_path / "a file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="是一个文件"):
        prepare_demo_folder(tmp_path / "a file")
    (tmp_path / "empty").mkdir()
    prepare_demo_folder(tmp_path / "empty")
    prepare_demo_folder(tmp_path / "new" / "deeper")
    assert (tmp_path / "empty" / DEMO_MARK).is_file() and (tmp_path / "new" / "deeper" / DEMO_MARK).is_file()


def test_template_never_replaces_the_office_s_file(tmp_path):
    city = office_folder(tmp_path / "office")
    before = snapshot(city.root)

    result = kepu("template", cwd=city.root)
    assert result.returncode == 2 and "未覆盖" in result.stderr and result.stderr.strip().count("\n") == 0
    assert snapshot(city.root) == before

    fresh = kepu("template", "--output", "新模板.xlsx", cwd=city.root)
    again = kepu("template", "--output", "新模板.xlsx", cwd=city.root)
    assert fresh.returncode == 0 and again.returncode == 0, again.stderr  # its own file, the same bytes


def test_template_per_unit_reads_kepu_toml_here_and_keeps_a_changed_form(tmp_path):
    city = office_folder(tmp_path / "office")

    first = kepu("template", "--per-unit", cwd=city.root)
    assert first.returncode == 0, first.stderr
    forms = sorted((city.root / "各单位报表").rglob("*.xlsx"))
    assert forms
    assert kepu("template", "--per-unit", cwd=city.root).returncode == 0

    forms[0].write_bytes(b"PK\x03\x04 a unit's filled-in form, sent back")
    before = snapshot(city.root)
    refused = kepu("template", "--per-unit", cwd=city.root)
    assert refused.returncode == 2 and "未覆盖" in refused.stderr
    assert snapshot(city.root) == before


def test_run_decide_status_rebuild_rollback_leave_the_office_s_files_alone(tmp_path):
    city = office_folder(tmp_path / "office")
    own = snapshot(city.root)
    home = tmp_path / "home"

    def untouched(except_decisions: bool = False):
        now = snapshot(city.root)
        for name, digest in own.items():
            if except_decisions and name == "decisions.csv":
                continue
            assert now.get(name) == digest, name

    assert kepu("run", cwd=city.root).returncode == 0
    untouched()
    assert kepu("status", cwd=city.root).returncode == 0
    untouched()
    decided = kepu("decide", "accept_on_time", "东升街道.xlsx", "--reason", "系统故障，按时计", cwd=city.root)
    assert decided.returncode == 0, decided.stderr
    untouched(except_decisions=True)
    old = (city.root / "decisions.csv").read_bytes()
    assert old.startswith(b"kind,file_sha256")  # appended to, never rewritten
    assert kepu("run", cwd=city.root).returncode == 0
    assert kepu("rebuild", cwd=city.root).returncode == 0
    assert kepu("rollback", cwd=city.root).returncode == 0
    untouched(except_decisions=True)
    assert (city.root / "decisions.csv").read_bytes() == old


def test_draft_folder_keeps_a_file_kepu_did_not_write(tmp_path):
    from kepu.mail.dispatch import FOLDER
    from tests.flows.test_notices import make_notice_city, notices_toml

    city = make_notice_city(tmp_path / "city", notices_toml(mode="draft"))
    assert kepu("run", "--config", str(city.config)).returncode == 0
    drafts = next((city.root / "out").rglob(FOLDER))
    (drafts / "给东升街道的信.eml").write_text("the clerk's own draft", encoding="utf-8")

    city.submit("九江街道.xlsx", "D01T02", [activity("科普展览", 18, 60)])
    assert kepu("run", "--config", str(city.config)).returncode == 0
    assert (drafts / "给东升街道的信.eml").read_text(encoding="utf-8") == "the clerk's own draft"
