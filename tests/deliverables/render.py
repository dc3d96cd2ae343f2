"""Render the deliverables as a person sees them printed: LibreOffice → PDF → PNG, for looking at.

    .venv/bin/python -m tests.deliverables.render demo/out/2023-science-day [--dest /tmp/kepu-render]

Converts 全市汇总.xlsx, 内部核查.xlsx, 情况说明.docx, the blank form and the first few 回执 to PDF with
LibreOffice (headless, its own throwaway profile), then every page to a PNG with pdftoppm, and prints, per
workbook sheet, the scale it prints at one A4 page wide (from its column widths) and, per PDF, its pages.
Look at the PNGs: text cut off, a row too short for its text, a header broken inside a bracket, a page
printed too small to read. Needs `soffice` and `pdftoppm` (Debian: libreoffice-calc libreoffice-writer
poppler-utils fonts-noto-cjk); `KEPU_RENDER=1 make test` also runs the conversion as a test
(tests/deliverables/test_render.py).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from kepu.deliverables.sheets import print_scale

TOOLS = ("soffice", "pdftoppm")


def available() -> bool:
    return all(shutil.which(tool) for tool in TOOLS)


def to_pdf(paths: list[Path], dest: Path) -> list[Path]:
    """Each file converted by one headless LibreOffice (a throwaway profile, so a running LibreOffice or
    another conversion does not interfere); returns the PDFs."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kepu-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(dest), *map(str, paths)], check=True, capture_output=True, timeout=600)
    return [dest / f"{p.stem}.pdf" for p in paths]


def to_png(pdf: Path, dpi: int = 60) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(pdf.with_suffix(""))], check=True,
                   timeout=600)
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def sheet_scales(path: Path) -> dict[str, float]:
    """Each sheet's print scale, fitted one page wide, from the column widths stored in the file."""
    wb = openpyxl.load_workbook(path, read_only=False)
    scales = {}
    for ws in wb.worksheets:
        widths = [d.width for d in ws.column_dimensions.values() if d.width]
        scales[ws.title] = print_scale(widths, portrait=ws.page_setup.orientation == "portrait")
    return scales


def deliverables(folder: Path, receipts: int = 3) -> list[Path]:
    chosen = [folder / name for name in ("全市汇总.xlsx", "内部核查.xlsx", "情况说明.docx") if (folder / name).exists()]
    return chosen + sorted((folder / "回执").glob("*.xlsx"))[:receipts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="out/<campaign_id>")
    parser.add_argument("--dest", type=Path, default=Path(tempfile.gettempdir()) / "kepu-render")
    parser.add_argument("--receipts", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="only these files of the folder (全市汇总.xlsx 回执/东升街道.xlsx …)")
    parser.add_argument("--form", type=Path, help="also render this form (kepu template's output)")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    if not available():
        raise SystemExit("需要 soffice 和 pdftoppm（Debian：apt-get install libreoffice-calc libreoffice-writer "
                         "poppler-utils fonts-noto-cjk）")
    files = ([args.folder / name for name in args.only] if args.only else deliverables(args.folder, args.receipts)) + (
        [args.form] if args.form else [])
    for path in files:
        if path.suffix == ".xlsx":
            for sheet, scale in sheet_scales(path).items():
                print(f"{path.name} / {sheet}: prints at {scale:.0%}")
    staged = args.dest / "in"
    staged.mkdir(parents=True, exist_ok=True)
    copies = []
    for n, path in enumerate(files):
        copy = staged / f"{n:02d}-{path.stem}{path.suffix}"
        shutil.copy(path, copy)
        copies.append(copy)
    for pdf in to_pdf(copies, args.dest):
        if not pdf.exists():
            print(f"{pdf.name}: not converted (a .docx needs libreoffice-writer)")
            continue
        images = to_png(pdf, args.dpi)
        print(f"{pdf.name}: {pages(pdf)} pages → {len(images)} PNG in {args.dest}")


if __name__ == "__main__":
    main()
