"""Scans as offices email them: 100-200 dpi, pages the wrong way round, no resolution recorded.

The forms are printed in Arundina (``samples.scans.honest_pdfs``), a face the Thai digit reader
does not use as outlines, from a layout the tests of the reader's own samples use too, but in
another font and size.
Real LibreOffice and Tesseract. About a minute on 2 cores.
"""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from bench.parse_accuracy import Tally, score
from parsers import FormReading, OcrBudget, read_attachment
from parsers.ocr.engine import Tesseract, tesseract_languages
from samples import scans

pytestmark = [
    pytest.mark.skipif(
        not {"tha", "eng"} <= tesseract_languages(),
        reason="tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-tha",
    ),
    pytest.mark.skipif(
        scans.soffice() is None,
        reason="LibreOffice not installed: apt-get install libreoffice-calc-nogui",
    ),
]

ENGINE = Tesseract()
FLOOR_150 = 0.70  # fields exact on this 150-dpi scan (the average over forms: bench.parse_pdf)


@pytest.fixture(scope="module")
def printed() -> scans.Sample:
    sources = scans.honest_sources(1, seed=8093, layouts=("template_beside",))
    return scans.honest_pdfs(sources)[0]


def accuracy(sample: scans.Sample, result: object) -> float:
    tally = Tally()
    score(tally, sample.layout, sample.truth or {}, result)
    return tally.accuracy


def test_a_150_dpi_scan_with_a_page_upside_down_is_read(printed: scans.Sample) -> None:
    rng = random.Random(5)
    pages = [scans.degrade(page, rng, speck=0.5) for page in scans.render_pages(printed.data, 150)]
    assert len(pages) >= 2
    pages[-1] = pages[-1].rotate(180)  # the sign-off page put on the scanner upside down
    data = scans.image_pdf(pages, dpi=150)
    result = read_attachment(data, filename="scan.pdf", ocr=ENGINE, budget=OcrBudget(20, 600))
    assert isinstance(result, FormReading)
    assert accuracy(printed, result) >= FLOOR_150
    assert printed.truth is not None
    # the sign-off page was turned and read (a mark of the surname may be lost at 150 dpi)
    reporter = str(result.fields.get("reporter_name", ""))
    assert reporter.split()[:1] == printed.truth["reporter_name"].split()[:1]


def test_a_low_resolution_png_without_its_resolution_is_read(printed: scans.Sample) -> None:
    """1263 x 1770-like pixels and no dpi in the file: the resolution comes from A4's size."""
    rng = random.Random(6)
    page = scans.degrade(scans.render_pages(printed.data, 150)[0], rng, speck=0.5)
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")  # no dpi recorded
    assert "dpi" not in Image.open(io.BytesIO(buffer.getvalue())).info
    result = read_attachment(buffer.getvalue(), filename="p1.png", ocr=ENGINE)
    assert isinstance(result, FormReading)
    assert printed.truth is not None
    for key in ("lao_name", "province"):  # who sent it: what identifies the LAO
        assert result.fields.get(key) == printed.truth[key], key


def test_a_100_dpi_scan_is_never_lost(printed: scans.Sample) -> None:
    """At 100 dpi not every value can be read; the form is still the form: a reading (in review
    when values are missing), never "not a form"."""
    rng = random.Random(7)
    pages = [scans.degrade(p, rng, speck=1 / 3) for p in scans.render_pages(printed.data, 100)]
    data = scans.image_pdf(pages, dpi=100)
    result = read_attachment(data, filename="scan.pdf", ocr=ENGINE, budget=OcrBudget(20, 600))
    assert isinstance(result, FormReading)
