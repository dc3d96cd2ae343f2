"""What a plain (not editable) install gives a new machine: every module under the one `kepu` import root, the
SQL and synonym files beside them, the `kepu` command and every dependency `kepu demo` needs. Installed into a
fresh virtual environment (not the editable one the tests run in) the way an office installs kepu: the
locked dependencies (requirements.lock, with their hashes), then kepu itself; and run from a folder that holds
folders named like kepu's layers, as a campaign folder does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import add_shadowing_folders

REPO = Path(__file__).resolve().parents[1]
NOT_SOURCE = {".venv", ".git", "demo", "build", "bench-out", ".pytest_cache", ".hypothesis", "kepu.egg-info"}
"""What a working copy holds at its top besides the source: the venv, `make demo`'s city, build output."""


def source_only(folder: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n == "__pycache__"}
    return ignored | (NOT_SOURCE & set(names) if Path(folder) == REPO else set())


@pytest.mark.slow
def test_a_plain_install_makes_and_runs_the_demo_city(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=source_only)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIRTUAL_ENV"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    uv = Path(sys.executable).with_name("uv")  # installed by bootstrap.lock beside the tests' own Python
    python = ["--python", str(venv / "bin" / "python")]
    for step in (["sync", *python, str(source / "requirements.lock")], ["install", *python, "--no-deps", str(source)]):
        installed = subprocess.run([str(uv), "pip", *step, "--quiet"], capture_output=True, text=True, env=env,
                                   timeout=1800)
        assert installed.returncode == 0, installed.stderr[-2000:]
    office = tmp_path / "office"
    add_shadowing_folders(office)

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import kepu.warehouse; print(kepu.warehouse.__file__)"],
                           capture_output=True, text=True, env=env, cwd=office)
    demo = subprocess.run([str(venv / "bin" / "kepu"), "demo", "--path", "city"], capture_output=True, text=True,
                          env=env, cwd=office, timeout=1200)

    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "已发布" in demo.stdout and "Traceback" not in demo.stdout + demo.stderr
    assert (office / "city" / "out" / "2023-science-day" / "全市汇总.xlsx").is_file()
