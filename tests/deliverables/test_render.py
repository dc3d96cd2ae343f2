"""The deliverables as printed, through LibreOffice (opt-in: KEPU_RENDER=1 with soffice and pdftoppm
installed — Debian: libreoffice-calc libreoffice-writer poppler-utils fonts-noto-cjk). Each workbook
converts to PDF, every page to a PNG; a person looks at the PNGs (tests/deliverables/render.py)."""

from __future__ import annotations

import os

import pytest

from tests.deliverables import render
from tests.deliverables.city import PublishedCity, published_city

pytestmark = pytest.mark.skipif(not (os.environ.get("KEPU_RENDER") and render.available()),
                                reason="opt-in: KEPU_RENDER=1 and LibreOffice + poppler installed")


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def test_every_deliverable_renders_to_a4_pages(city, tmp_path):
    files = render.deliverables(city.out, receipts=2)
    pdfs = render.to_pdf(files, tmp_path)

    for pdf in pdfs:
        assert render.pages(pdf) >= 1
        assert render.to_png(pdf, dpi=30)
    for path in files:
        if path.suffix == ".xlsx":
            assert min(render.sheet_scales(path).values()) >= 0.7, path
