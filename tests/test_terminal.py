"""What the CLI prints at the end of a run: the outputs folder named, its sub-folders counted."""

from __future__ import annotations

from kepu.terminal import describe_outputs


def test_outputs_are_listed_with_folders_counted():
    root = "/srv/kepu/out/2023-science-day"
    paths = [f"{root}/全市汇总.xlsx", f"{root}/情况说明.md", f"{root}/csv/a.csv", f"{root}/csv/b.csv",
             f"{root}/回执/东升街道.xlsx"]

    assert describe_outputs(paths) == [f"输出：{root}", "  全市汇总.xlsx", "  情况说明.md", "  csv/（2 个文件）",
                                       "  回执/（1 个文件）"]
    assert describe_outputs([]) == []
