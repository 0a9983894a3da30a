"""OCR for scanned forms: JPEG/PNG/TIFF images and image-only PDF pages -> text lines (Tesseract).

Place in the flow: registered for the sniffed formats "jpeg", "png", "tiff" (a scanner's
multi-page TIFF: a page per frame) and "gif"; ``parsers.pdf`` hands it the pages of a PDF that
have no text layer. Lines go through ``parsers.textlayout`` like a PDF's, so the one extractor
reads them. For the pages of one document:

1. **A cheap first look** (``parsers.ocr.pages``) decides whether a page is a form page at
   all, so that activity photos and logos never cost a full OCR: an image too small to hold a
   legible page, or whose pixels are not those of a document (mostly light paper, some dark
   ink), is not a form - no OCR at all; else a fast Tesseract pass (Thai only) on the page at
   100 dpi must find a few of the form's field or Part 2 row labels (of any form version in
   ``parsers/forms``; a cover letter quotes the form's title, not its labels). A page with no
   sure text is tried turned by 90° and 270° too (a photo taken sideways); the turn found is
   kept. A page of text that follows a form page is the rest of the form (the projects table
   and the sign-off have few labels a first look knows) and is read too; a letter before the
   form is not.
2. **Full OCR**: the page at 300 dpi (images: scaled from their recorded or estimated
   resolution), uneven light flattened, deskewed (the angle of sharpest row profile within
   ±3°), then Tesseract ``tha+eng`` (``parsers.ocr.engine``) in one single-threaded process
   (``OMP_THREAD_LIMIT=1``: with its default threading it is 5x slower here); pages run in
   parallel, one process per core.
3. **Boxes to the ink** (``parsers.ocr.ink``): Tesseract's boxes of Thai character clusters
   are loose and often a character off; each is shrunk to the ink inside it. A character with
   no ink that Tesseract doubted is a phantom; a lone "word" whose ink is a dot is dirt.
4. **A second look** (``parsers.ocr.rereading``): on a page written in Thai digits, figures
   are read by their shapes (``parsers.thaidigits``); then one more Tesseract call per page on
   a strip of cut-outs: ink no word covers and short isolated words Tesseract doubted (a site
   count "7" read "fe", an ordinal dropped), every figure (read alone, "2600" on the page is
   "2400"; two readings that differ make the value doubtful), Latin letters doubted among Thai
   (read as Thai only: "WA." is "พ.ศ."). Ink that reads as nothing is a tick or a check box if
   it looks like one (☑ ✔ are not in OCR's alphabet).
5. **Words to lines** (``parsers.ocr.lines``): the pages are registered on their left margins
   and taken as one, so a table keeps its columns across a page break. Tesseract's spacing
   cuts a line at column gaps (two spaces or more); OCR sets two table cells one space apart
   like two words, so one space is a column gap too where the rows around align on it as a
   table's columns do, where a header's next word starts at the edge of a column of figures,
   or where the line crosses a column edge of its table; a number glued to the Thai after it
   is cut off. Specks read as characters and dust read as punctuation are dropped. Text that
   misreads a form label by a character or its marks, a month name ("จันวาคม"), or sara am as
   mai han-akat ("นั้า") is put right (``parsers.ocr.mending``): labels and months are closed
   lists, values are left as read. The lines are then laid out as a PDF's.
6. A segment's confidence is its least sure character's (Tesseract's 0-100 scaled so that 95
   and above is 1.0 and 50 is 0; a tick found as a blob is 0.67): labels on such lines score
   less, and a value's confidence is at most its cells' (``parsers.extract``), so doubtful
   readings send the submission to review.

This package's own functions read an image file (:func:`read_image`, registered) or the
scanned pages of a PDF (:func:`read_pdf_pages`), running the steps above for each page
(:func:`read_pages`). Provenance of a cell: "p1 ocr line 12" (page, line of the page as OCR
read it).

The engine comes in from outside (``parsers.readers.ReadContext``, from the ``ocr`` argument of
``parsers.read_attachment``): the application builds it once at start-up with
:func:`default_engine`; tests hand in one that counts its calls or replays its words.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image

from parsers.cells import Document
from parsers.ocr.engine import LANGUAGES, OCR_DPI, Engine, OcrError, Word, default_engine
from parsers.ocr.ink import tightened
from parsers.ocr.lines import ocr_pages
from parsers.ocr.pages import MAX_PIXELS, first_look, open_pages, prepare
from parsers.ocr.rereading import second_look, thai_figures
from parsers.pagetext import Line, Segment
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.textlayout import layout_cells

# What is used from outside: the engine the application builds once (``default_engine``), the
# registered reader, and what ``parsers.pdf`` needs for the scanned pages of a PDF.
__all__ = [
    "LAYOUT_ALIGN",
    "Engine",
    "default_engine",
    "ocr_source",
    "read_image",
    "read_pdf_pages",
]

log = logging.getLogger(__name__)

SHEET = "ocr"
LAYOUT_ALIGN = 0.25  # ems: alignment of OCR boxes on the deskewed, registered page


@register("jpeg", "png", "tiff", "gif")
def read_image(data: bytes, context: ReadContext) -> Document:
    """A photo or scan of a form page (see the module docstring), read by the OCR engine of
    ``context``; with none, an empty document (and a warning in the log)."""
    engine, limits = context.ocr, context.limits
    if engine is None:
        log.warning("no OCR engine (is tesseract with tha+eng installed?): image not read")
        return Document.from_cells("image", [], [SHEET])
    pages = open_pages(data, limits.max_sheets)
    lines = read_pages([(number, image, dpi) for number, (image, dpi) in enumerate(pages, 1)],
                       engine)  # fmt: skip
    cells = layout_cells(lines, sheet=SHEET, source=ocr_source, align=LAYOUT_ALIGN,
                         max_cells=limits.max_cells)  # fmt: skip
    return Document.from_cells("image", cells, [SHEET])


def read_pdf_pages(
    data: bytes, pages: Sequence[int], limits: ReadLimits, engine: Engine
) -> list[Line]:
    """OCR lines of the (0-based) ``pages`` of a PDF, each rendered at 300 dpi."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    try:
        images = []
        for index in pages[: limits.max_sheets]:
            page = document[index]
            width, height = page.get_size()
            if width * height * (OCR_DPI / 72) ** 2 > MAX_PIXELS:
                raise ReadError("too_large", f"page {index + 1} is {width:.0f}x{height:.0f} pt")
            bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
            images.append((index + 1, bitmap.to_pil().convert("L"), OCR_DPI))
    finally:
        document.close()
    return read_pages(images, engine)


def ocr_source(line: Line, segment: Segment) -> str:
    """ "p1 ocr line 12": where a reviewer finds the value on the scan."""
    return f"p{line.page} ocr line {line.number}"


def read_pages(pages: Sequence[tuple[int, Image.Image, int]], engine: Engine) -> list[Line]:
    """OCR lines of ``pages`` ((page number, image, dpi)): a first look at each, then full OCR
    of the form pages and of the pages of text that follow a form page (the rest of the form:
    a page holding only the projects table and the sign-off has few of the labels a first
    look knows); one Tesseract per core."""
    workers = max(1, min(os.cpu_count() or 1, len(pages)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        looks = list(pool.map(lambda page: first_look(page[1], page[2], engine), pages))
    chosen: list[tuple[int, Image.Image, int, int]] = []
    turn: int | None = None  # the turn of the last form page
    for (number, image, dpi), look in zip(pages, looks, strict=True):
        if look.is_form:
            turn = look.turn
        elif turn is not None and look.text:
            log.info("page %d follows a form page: read as its continuation", number)
        else:
            log.info("page %d is not a form page: %s", number, look.reason)
            continue
        chosen.append((number, image, dpi, look.turn if look.is_form else (turn or 0)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(
            pool.map(lambda page: _read_page(page[0], page[1], page[2], page[3], engine), chosen)
        )
    return ocr_pages([(number, words) for number, words in results if words], OCR_DPI)


def _read_page(
    number: int, image: Image.Image, dpi: int, turn: int, engine: Engine
) -> tuple[int, list[Word]]:
    if turn:
        image = image.rotate(turn, expand=True, fillcolor=255)
    page = prepare(image, dpi)
    try:
        words = engine(page, OCR_DPI, 6, LANGUAGES)
    except OcrError as exc:
        log.warning("OCR of page %d failed: %s", number, exc)
        return number, []
    return number, second_look(page, thai_figures(page, tightened(page, words)), engine)
