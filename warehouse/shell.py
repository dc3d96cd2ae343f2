"""`kepu sql`: the DuckDB command line on the published warehouse, read-only.

The shell is the `duckdb` binary of the duckdb-cli package (installed with kepu, so the README's
`duckdb -readonly warehouse/kepu.duckdb` works from the virtual environment too). Read-only, it never
blocks or breaks the nightly run: a run builds a copy and swaps it in, and the shell keeps the state it
opened until it is restarted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from kepu.schemas.errors import KepuError


class ShellError(KepuError):
    """The shell cannot be opened (no warehouse yet, no duckdb binary)."""


def duckdb_binary() -> Path | None:
    """The duckdb-cli package's binary, else a `duckdb` beside this Python or on PATH."""
    spec = importlib.util.find_spec("duckdb_cli")
    names = ("duckdb.exe", "duckdb") if os.name == "nt" else ("duckdb",)
    if spec is not None and spec.origin:
        for name in names:
            candidate = Path(spec.origin).parent / name
            if candidate.is_file():
                return candidate
    found = shutil.which("duckdb", path=str(Path(sys.executable).parent)) or shutil.which("duckdb")
    return Path(found) if found else None


def shell_command(warehouse: Path, extra: Sequence[str] = ()) -> list[str]:
    binary = duckdb_binary()
    if binary is None:
        raise ShellError("找不到 duckdb 命令行，请在 kepu 的虚拟环境中安装：pip install duckdb-cli")
    if not warehouse.is_file():
        raise ShellError(f"数据仓库 {warehouse} 尚未生成，请先运行 kepu run。")
    return [str(binary), "-readonly", str(warehouse), *extra]


def open_shell(warehouse: Path, extra: Sequence[str] = ()) -> int:
    """Run the shell in this terminal until the user leaves it; returns its exit code."""
    return subprocess.call(shell_command(warehouse, extra))
