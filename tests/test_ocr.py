"""OCR of scanned forms: a 300-dpi scan (slight rotation, noise), a PNG and a JPEG photo of a
page, low OCR confidence sent to review, and the cheap first look that keeps activity photos,
logos and letters away from full OCR.

Real Tesseract and LibreOffice (``samples.scans``); the engine is wrapped to count its
calls or to replay its words with some confidences lowered. About 30 s on 2 cores.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
from typing import Any

import pytest
from PIL import Image

import parsers.ocr as ocr
import parsers.pdf
from parsers import FormReading, NotAForm, load_schema, read_attachment
from parsers.cells import Document
from parsers.extract import extract
from parsers.ocr.engine import OCR_DPI, Tesseract, Word, tesseract_languages
from parsers.ocr.pages import LOOK_DPI, first_look, open_image
from parsers.readers import ReadContext
from samples import scans

pytestmark = [
    pytest.mark.skipif(
        not {"tha", "eng"} <= tesseract_languages(),
        reason="tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-tha",
    ),
    pytest.mark.skipif(
        scans.soffice() is None,
        reason="LibreOffice not installed: apt-get install libreoffice-calc-nogui "
        "libreoffice-writer-nogui fonts-thai-tlwg",
    ),
]

# Fields of Part 1 (all on the first page of the printed form), read from every kind of image.
PART1 = ("lao_name", "lao_code", "district", "province", "population", "contact_phone")
# Share of all fields a full scan of the form must read exactly (see bench.parse_pdf for the
# average over layouts: this layout reads above it).
SCAN_FLOOR = 0.85
SCHEMA = load_schema("2564.1")
TESSERACT = Tesseract()  # the engine the application passes in (parsers.ocr.default_engine)


@dataclasses.dataclass(frozen=True)
class Scanned:
    truth: dict[str, Any]
    text_pdf: bytes
    scan_pdf: bytes
    png: bytes
    photo: bytes


class Recording:
    """Tesseract, with every answer kept by (dpi, languages, image): to replay or count."""

    def __init__(self) -> None:
        self.engine = Tesseract()
        self.answers: dict[tuple[int, str, str], list[Word]] = {}
        self.calls: list[tuple[int, str]] = []

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        self.calls.append((dpi, languages))
        words = self.engine(image, dpi, psm, languages)
        self.answers[key(image, dpi, languages)] = words
        return words


def key(image: Image.Image, dpi: int, languages: str) -> tuple[int, str, str]:
    return dpi, languages, hashlib.sha256(image.tobytes()).hexdigest()


@pytest.fixture(scope="module")
def scanned() -> Scanned:
    [sample] = scans.text_pdfs(1, seed=5, layouts=("template_beside",))
    assert sample.truth is not None
    rng = random.Random(5)
    scan_pdf = scans.scan_sample(sample, "scan_pdf", rng).data
    png = scans.scan_sample(sample, "scan_png", rng).data
    photo = scans.scan_sample(sample, "photo_jpeg", rng).data
    return Scanned(sample.truth, sample.data, scan_pdf, png, photo)


def exact(truth: dict[str, Any], fields: dict[str, Any], keys: Any) -> list[str]:
    return [key for key in keys if key in truth and truth[key] == fields.get(key)]


def test_image_readers_are_registered() -> None:
    from parsers.readers import reader_for

    assert reader_for("png") is ocr.read_image
    assert reader_for("jpeg") is ocr.read_image
    assert reader_for("pdf") is parsers.pdf.read_pdf


@pytest.fixture(scope="module")
def recorded(scanned: Scanned) -> tuple[Recording, Document]:
    """The scan read once by real Tesseract, every answer kept."""
    recording = Recording()
    return recording, parsers.pdf.read_pdf(scanned.scan_pdf, ReadContext(ocr=recording))


def test_a_300_dpi_scan_reads_back_most_fields(
    scanned: Scanned, recorded: tuple[Recording, Document]
) -> None:
    recording, document = recorded
    assert document.format == "pdf_scan"
    assert {languages for _, languages in recording.calls} == {"tha", "tha+eng"}
    reading = extract(document, SCHEMA)
    assert reading.labels_found >= SCHEMA.matching.min_labels
    truth = {key: value for key, value in scanned.truth.items() if key != "projects"}
    right = exact(truth, reading.fields, truth)
    assert len(right) >= SCAN_FLOOR * len(truth), sorted(set(truth) - set(right))
    assert reading.provenance["lao_name"].source.startswith("p1 ocr line ")


def test_low_ocr_confidence_sends_values_to_review(
    scanned: Scanned, recorded: tuple[Recording, Document]
) -> None:
    """The same scan with the words of the จังหวัด line made unsure: that value's confidence
    falls below acceptance, the lines OCR was sure of keep theirs."""
    recording, sure = recorded

    def replay(image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        words = recording.answers[key(image, dpi, languages)]
        lines: dict[tuple[int, int, int], str] = {}
        for word in words:
            lines[word.line] = lines.get(word.line, "") + word.text
        unsure = {line for line, text in lines.items() if text.startswith("จังหวัด")}
        return [dataclasses.replace(w, confidence=60.0) if w.line in unsure else w for w in words]

    before = extract(sure, SCHEMA)
    after = extract(parsers.pdf.read_pdf(scanned.scan_pdf, ReadContext(ocr=replay)), SCHEMA)
    assert after.fields["province"] == before.fields["province"]
    assert after.provenance["province"].confidence < 0.8 <= before.provenance["province"].confidence
    assert after.provenance["lao_name"].confidence == before.provenance["lao_name"].confidence
    assert min(p.confidence for p in after.provenance.values()) < 0.8  # -> needs_review


def test_png_of_the_first_page(scanned: Scanned) -> None:
    result = read_attachment(scanned.png, filename="scan.png", ocr=TESSERACT)
    assert isinstance(result, FormReading), result
    right = exact(scanned.truth, dict(result.fields), PART1)
    assert len(right) >= len(PART1) - 1, right


def test_multipage_tiff_from_a_scanner(scanned: Scanned) -> None:
    """A document scanner's one TIFF for the whole form: every page is read."""
    pages = scans.scan_images(scanned.text_pdf, random.Random(9))
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], dpi=(300, 300),
                  compression="tiff_deflate")  # fmt: skip
    result = read_attachment(buffer.getvalue(), filename="scan0001.tif", ocr=TESSERACT)
    assert isinstance(result, FormReading), result
    assert len(pages) > 1
    assert result.format == "image"
    assert {p.source.split()[0] for p in result.provenance.values()} >= {"p1", "p2"}


def test_jpeg_photo_of_the_form_page(scanned: Scanned) -> None:
    """A phone photo: 200 dpi, uneven light, more noise and blur, a bigger tilt."""
    result = read_attachment(scanned.photo, filename="IMG_2041.jpg", ocr=TESSERACT)
    assert isinstance(result, FormReading), result
    right = exact(scanned.truth, dict(result.fields), PART1)
    assert len(right) >= len(PART1) - 2, right


# --------------------------------------------------------------------------- the first look


class Counting:
    """An engine that answers nothing and counts: how many first looks, how many full OCRs."""

    def __init__(self) -> None:
        self.looks = 0
        self.full = 0

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        if dpi == OCR_DPI:
            self.full += 1
        else:
            self.looks += 1
        return []


def test_activity_photo_never_reaches_ocr() -> None:
    engine = Counting()
    document = ocr.read_image(scans.activity_photo(seed=3), ReadContext(ocr=engine))
    assert document.cell_count == 0
    assert (engine.looks, engine.full) == (0, 0)  # pixel statistics alone: not a document
    result = read_attachment(scans.activity_photo(seed=4), filename="IMG_0001.jpg", ocr=TESSERACT)
    assert isinstance(result, NotAForm)


def test_logo_never_reaches_ocr() -> None:
    engine = Counting()
    assert ocr.read_image(scans.logo(seed=1), ReadContext(ocr=engine)).cell_count == 0
    assert (engine.looks, engine.full) == (0, 0)
    assert isinstance(
        read_attachment(scans.logo(seed=2), filename="logo.png", ocr=TESSERACT), NotAForm
    )


def test_a_letter_gets_a_first_look_but_no_full_ocr(scanned: Scanned) -> None:
    """A page of text that is not the form (a scanned cover letter): the first look reads it
    at 100 dpi, finds none of the form's labels, and full OCR never runs."""
    letter = scans.cover_letter_pdf("องค์การบริหารส่วนตำบลแม่ใส")
    page = scans.degrade(scans.render_pages(letter, 300)[0], random.Random(1))
    recording = Recording()
    document = ocr.read_image(scans.image_bytes(page, "png"), ReadContext(ocr=recording))
    assert document.cell_count == 0
    assert recording.calls
    assert all(dpi == LOOK_DPI for dpi, _ in recording.calls)


def test_form_page_passes_the_first_look_quickly(scanned: Scanned) -> None:
    image, dpi = open_image(scanned.png)
    look = first_look(image, dpi, Tesseract())
    assert look.is_form, look
    assert look.turn == 0
    turned = image.rotate(90, expand=True, fillcolor=255)
    assert first_look(turned, dpi, Tesseract()).turn == 270  # a page photographed sideways


def test_hostile_images_are_bounded() -> None:
    huge = Image.new("1", (9000, 9000), 1)  # 81 M pixels: over MAX_PIXELS, under Pillow's bomb
    buffer = io.BytesIO()
    huge.save(buffer, format="PNG")
    result = read_attachment(buffer.getvalue(), filename="scan.png", ocr=TESSERACT)
    assert result.__class__.__name__ == "Unreadable"
    assert result.problem.code == "too_large"  # type: ignore[union-attr]
    broken = read_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, filename="scan.png", ocr=TESSERACT
    )
    assert broken.__class__.__name__ == "Unreadable"
