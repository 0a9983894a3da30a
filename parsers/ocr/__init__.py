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
   sure text is tried turned by 90°, 270° and 180° (a photo taken sideways, a page put on the
   scanner upside down); the turn found is kept. A page of text that follows a form page is the rest of the form (the projects table
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

import dataclasses
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image

from parsers.budget import SECONDS, OcrBudget
from parsers.cells import Document
from parsers.messages import problem
from parsers.ocr.engine import (
    LANGUAGES,
    OCR_DPI,
    Engine,
    OcrError,
    Tesseract,
    Word,
    default_engine,
)
from parsers.ocr.ink import tightened
from parsers.ocr.lines import ocr_pages
from parsers.ocr.pages import MAX_PIXELS, Look, first_look, open_pages, prepare, why_not_paper
from parsers.ocr.photo import straightened
from parsers.ocr.rereading import second_look, thai_figures
from parsers.pagetext import Line, Segment
from parsers.readers import ReadContext, ReadError, register
from parsers.results import Problem, ReadLimits
from parsers.sniff import sniff
from parsers.textlayout import layout_cells

# What is used from outside: the engine the application builds once (``default_engine``), the
# registered reader, and what ``parsers.pdf`` needs for the scanned pages of a PDF.
__all__ = [
    "LAYOUT_ALIGN",
    "Engine",
    "PagesRead",
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
    ``context`` within its budget. With no engine, an image that looks like a page of a document
    is unreadable (``ocr_unavailable``: a person reads it); a photo or a logo is no form."""
    engine, limits = context.ocr, context.limits
    pages = open_pages(data, limits.max_sheets)
    if engine is None:
        if any(why_not_paper(image, dpi) is None for image, dpi in pages):
            log.warning("no OCR engine (is tesseract with tha+eng installed?): image not read")
            raise ReadError("ocr_unavailable", "no OCR engine: a page image was not read")
        return Document.from_cells("image", [], [SHEET])
    taken: list[tuple[int, Image.Image, int]] = []
    not_taken: list[tuple[int, str]] = []
    for number, (image, dpi) in enumerate(pages, 1):
        reason = context.budget.take_page()
        if reason is None:
            page = straightened(image)  # a phone photo: the page alone, square
            taken.append((number, *page) if page is not None else (number, image, dpi))
        else:
            not_taken.append((number, reason))
    read = read_pages(taken, engine, context.budget, not_taken=not_taken)
    cells = layout_cells(read.lines, sheet=SHEET, source=ocr_source, align=LAYOUT_ALIGN,
                         max_cells=limits.max_cells)  # fmt: skip
    return Document.from_cells("image", cells, [SHEET], problems=read.problems,
                               form_seen=read.form_seen)  # fmt: skip


@register("heic")
def read_heic(data: bytes, context: ReadContext) -> Document:
    """An iPhone photo (HEIC), read as :func:`read_image` reads a JPEG once pillow-heif (the
    optional ``heic`` extra) has taught Pillow the format; without it, a problem saying so
    (``heic_unsupported``: a person opens it), never "no form"."""
    _heif_opener()
    return read_image(data, context)


def _heif_opener() -> None:
    """Pillow taught to open HEIC by pillow-heif; ReadError ``heic_unsupported`` without it."""
    try:
        import pillow_heif  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ReadError("heic_unsupported", "pillow-heif is not installed") from exc
    pillow_heif.register_heif_opener()


def read_pdf_pages(
    data: bytes, pages: Sequence[int], limits: ReadLimits, engine: Engine,
    budget: OcrBudget | None = None,
) -> PagesRead:  # fmt: skip
    """OCR lines of the (0-based) ``pages`` of a PDF, each rendered at 300 dpi; pages the
    ``budget`` does not cover are neither rendered nor read (named in the problems)."""
    budget = budget or OcrBudget()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    not_taken: list[tuple[int, str]] = []
    try:
        images = []
        for index in pages[: limits.max_sheets]:
            reason = budget.take_page()
            if reason is not None:
                not_taken.append((index + 1, reason))
                continue
            page = document[index]
            width, height = page.get_size()
            if width * height * (OCR_DPI / 72) ** 2 > MAX_PIXELS:
                raise ReadError("too_large", f"page {index + 1} is {width:.0f}x{height:.0f} pt")
            dpi = scanned_dpi(page)
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            images.append((index + 1, bitmap.to_pil().convert("L"), dpi))
    finally:
        document.close()
    return read_pages(images, engine, budget, not_taken=not_taken)


def scanned_dpi(page: pdfium.PdfPage) -> int:
    """The resolution to render a scanned PDF page at: its scan's own (the page's largest
    image, when it covers most of the page), if under :data:`OCR_DPI`. A 150-dpi scan rendered
    at 300 dpi by pdfium is blurred by its resampling; rendered at 150 and brought to 300 dpi
    by ``parsers.ocr.pages.prepare``, its strokes stay sharp enough for Tesseract."""
    width, height = page.get_size()
    best: tuple[float, int] | None = None  # (area covered, dpi)
    try:
        for item in page.get_objects(max_depth=1):
            if item.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
                continue
            left, bottom, right, top = item.get_bounds()
            pixels_x, pixels_y = item.get_px_size()
            covered = (right - left) * (top - bottom)
            if covered <= 0 or min(pixels_x, pixels_y) <= 0:
                continue
            # the image may be turned on the page: its longer side along the longer side
            long_px, short_px = max(pixels_x, pixels_y), min(pixels_x, pixels_y)
            long_pt, short_pt = max(right - left, top - bottom), min(right - left, top - bottom)
            dpi = round(min(long_px / long_pt, short_px / short_pt) * 72)
            if best is None or covered > best[0]:
                best = (covered, dpi)
    except pdfium.PdfiumError:
        return OCR_DPI
    if best is None or best[0] < 0.8 * width * height:
        return OCR_DPI
    return max(_MIN_SCAN_DPI, min(OCR_DPI, best[1]))


_MIN_SCAN_DPI = 72


@dataclass(frozen=True)
class PagesRead:
    """What OCR made of some pages: their lines, what could not be read (pages over the
    budget, OCR failures: problems for the reviewer) and whether a first look saw the form."""

    lines: list[Line]
    problems: tuple[Problem, ...] = ()
    form_seen: bool = False


def ocr_source(line: Line, segment: Segment) -> str:
    """ "p1 ocr line 12": where a reviewer finds the value on the scan."""
    return f"p{line.page} ocr line {line.number}"


def read_pages(
    pages: Sequence[tuple[int, Image.Image, int]],
    engine: Engine,
    budget: OcrBudget | None = None,
    *,
    not_taken: Sequence[tuple[int, str]] = (),
    assemble: bool = False,
) -> PagesRead:
    """OCR lines of ``pages`` ((page number, image, dpi)): a first look at each, then full OCR
    of the form pages and of the pages of text that follow a form page (the rest of the form:
    a page holding only the projects table and the sign-off has few of the labels a first
    look knows); one Tesseract per core. No engine call starts once the ``budget``'s time is
    spent; a page not read (over the budget: ``not_taken`` and those, or failed) is a problem.
    ``assemble``: the pages came as separate files in any order; they are put in the form's
    order by what the first look saw on them (:func:`_in_form_order`) before that choice."""
    budget = budget or OcrBudget()
    bounded = _Bounded(engine, budget)
    skipped: dict[int, str] = dict(not_taken)
    failed: dict[int, str] = {}
    workers = max(1, min(os.cpu_count() or 1, len(pages)))

    def look(page: tuple[int, Image.Image, int]) -> Look | None:
        number, image, dpi = page
        try:
            return first_look(image, dpi, bounded)
        except _OverBudgetError:
            skipped[number] = SECONDS
        except OcrError as exc:
            log.warning("OCR of page %d failed: %s", number, exc)
            failed[number] = str(exc)
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        looks = list(pool.map(look, pages))
    order = list(zip(pages, looks, strict=True))
    if assemble:
        order = _in_form_order(order)
    chosen: list[tuple[int, Image.Image, int, int]] = []
    form_before = False  # a form page came before this one
    for (number, image, dpi), seen in order:
        if seen is None:
            continue
        if seen.is_form:
            form_before = True
        elif form_before and seen.text:
            log.info("page %d follows a form page: read as its continuation", number)
        else:
            log.info("page %d is not a form page: %s", number, seen.reason)
            continue
        chosen.append((number, image, dpi, seen.turn))
    if assemble:  # the pages numbered in the form's order, as the layout of lines needs
        chosen = [(place, *page[1:]) for place, page in enumerate(chosen, 1)]

    def read(page: tuple[int, Image.Image, int, int]) -> tuple[int, list[Word]]:
        number = page[0]
        try:
            return _read_page(*page, bounded)
        except _OverBudgetError:
            skipped[number] = SECONDS
        except OcrError as exc:
            log.warning("OCR of page %d failed: %s", number, exc)
            failed[number] = str(exc)
        return number, []

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(read, chosen))
    lines = ocr_pages([(number, words) for number, words in results if words], OCR_DPI)
    problems = _budget_problems(skipped, budget) + _failure_problems(failed)
    form_seen = any(seen is not None and seen.is_form for seen in looks)
    illegible = [page[0] for page, seen in zip(pages, looks, strict=True)
                 if seen is not None and seen.illegible]  # fmt: skip
    if illegible and not chosen:  # nothing read: perhaps the form, blurred or in the dark
        shown = _page_ranges(illegible)
        problems += (problem("scan_illegible", None, f"pages {shown}: no text read", pages=shown),)
    return PagesRead(lines, problems, form_seen)


def _in_form_order(
    order: list[tuple[tuple[int, Image.Image, int], Look | None]],
) -> list[tuple[tuple[int, Image.Image, int], Look | None]]:
    """Pages of one form sent as separate files, put in the form's order: by the first part of
    the form seen on each (a part heading "ส่วนที่ 3", or the part of a label found), then by a
    printed page number; a page showing neither stays after the page before it."""
    keyed = []
    last = 0
    for index, (page, seen) in enumerate(order):
        parts = seen.parts if seen is not None else ()
        part = min(parts) if parts else last
        last = part
        number = seen.number if seen is not None and seen.number is not None else 0
        keyed.append(((part, number, index), (page, seen)))
    return [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


def read_page_files(
    files: Sequence[bytes], limits: ReadLimits, engine: Engine, budget: OcrBudget
) -> Document:
    """The pages of one form sent as several files (a photo or scan of a page each: JPEG, PNG,
    a one-page scanned PDF), in any order, read as one document: pages put in the form's
    order by their content, then read once."""
    pages: list[tuple[int, Image.Image, int]] = []
    not_taken: list[tuple[int, str]] = []
    number = 0
    for data in files:
        for image, dpi in _file_pages(data, limits):
            number += 1
            reason = budget.take_page()
            if reason is not None:
                not_taken.append((number, reason))
                continue
            page = straightened(image)
            pages.append((number, *page) if page is not None else (number, image, dpi))
    read = read_pages(pages, engine, budget, not_taken=not_taken, assemble=True)
    cells = layout_cells(read.lines, sheet=SHEET, source=ocr_source, align=LAYOUT_ALIGN,
                         max_cells=limits.max_cells)  # fmt: skip
    return Document.from_cells("image", cells, [SHEET], problems=read.problems,
                               form_seen=read.form_seen)  # fmt: skip


def _file_pages(data: bytes, limits: ReadLimits) -> list[tuple[Image.Image, int]]:
    """The page images of one file: an image's frames, or a scanned PDF's pages."""
    kind = sniff(data)
    if kind != "pdf":
        if kind == "heic":
            _heif_opener()
        return open_pages(data, limits.max_sheets)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    try:
        found = []
        for index in range(min(len(document), limits.max_sheets)):
            page = document[index]
            width, height = page.get_size()
            if width * height * (OCR_DPI / 72) ** 2 > MAX_PIXELS:
                raise ReadError("too_large", f"page {index + 1} is {width:.0f}x{height:.0f} pt")
            dpi = scanned_dpi(page)
            found.append((page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"), dpi))
        return found
    finally:
        document.close()


def _budget_problems(skipped: dict[int, str], budget: OcrBudget) -> tuple[Problem, ...]:
    if not skipped:
        return ()
    numbers = sorted(skipped)
    why = "; ".join(sorted({budget.describe(reason) for reason in skipped.values()}))
    shown = _page_ranges(numbers)
    return (problem("ocr_budget", None, f"pages {shown} not read: {why}", pages=shown),)


def _failure_problems(failed: dict[int, str]) -> tuple[Problem, ...]:
    if not failed:
        return ()
    numbers = sorted(failed)
    shown = _page_ranges(numbers)
    detail = "; ".join(f"p{number}: {failed[number][:200]}" for number in numbers[:3])
    return (problem("ocr_failed", None, detail, pages=shown),)


def _page_ranges(numbers: Sequence[int]) -> str:
    """ "2, 5-9": page numbers as ranges."""
    ranges: list[list[int]] = []
    for number in numbers:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


class _OverBudgetError(OcrError):
    """The message's OCR time is spent: the engine was not called."""


@dataclass(frozen=True)
class _Bounded:
    """``engine`` within ``budget``: no call starts once its time is spent, and Tesseract may
    run no longer than the page timeout or the time left."""

    engine: Engine
    budget: OcrBudget

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        if self.budget.over_time():
            raise _OverBudgetError("the message's OCR time is spent")
        engine = self.engine
        if isinstance(engine, Tesseract):
            engine = dataclasses.replace(
                engine, timeout=min(engine.timeout, self.budget.call_timeout())
            )
        return engine(image, dpi, psm, languages)


def _read_page(
    number: int, image: Image.Image, dpi: int, turn: int, engine: Engine
) -> tuple[int, list[Word]]:
    if turn:
        image = image.rotate(turn, expand=True, fillcolor=255)
    page = prepare(image, dpi)
    words = engine(page, OCR_DPI, 6, LANGUAGES)
    return number, second_look(page, thai_figures(page, tightened(page, words)), engine)
