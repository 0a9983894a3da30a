"""OCR for scanned forms: JPEG/PNG photos and image-only PDF pages -> text lines (Tesseract).

Place in the flow: registered for the sniffed formats "jpeg" and "png"; ``parsers.pdf`` hands it
the pages of a PDF that have no text layer. Lines go through ``parsers.textlayout`` like a PDF's,
so the one extractor reads them. For each page image:

1. **A cheap first look** decides whether the page is a form page at all, so that activity
   photos and logos never cost a full OCR: an image too small to hold a legible page, or whose
   pixels are not those of a document (mostly light paper, some dark ink), is not a form - no
   OCR at all; else a fast Tesseract pass (Thai only) on the page at 100 dpi must find a few of
   the form's field or Part 2 row labels (of any form version in ``parsers/forms``; a cover
   letter quotes the form's title, not its labels). A page with no sure text is tried turned by
   90° and 270° too (a photo taken sideways); the turn found is kept.
2. **Full OCR**: the page at 300 dpi (images: scaled from their recorded or estimated
   resolution), uneven light flattened, deskewed (the angle of sharpest row profile within ±3°),
   then Tesseract ``tha+eng`` in one single-threaded process (``OMP_THREAD_LIMIT=1``: with its
   default threading it is 5x slower here); pages run in parallel, one process per core.
3. Tesseract's words (Thai comes one character cluster per "word", with unreliable boxes) are
   put back together with the spacing of its own text output: one space is a word gap, two or
   more (``preserve_interword_spaces``) a column gap; a number glued to the Thai text after it,
   or a run crossing a column edge of the page at a space, is cut in two. Check boxes and ticks
   that OCR does not read (☑ ✔ are not in its alphabet) are found as character-sized blobs of ink
   beside the text. Specks read as characters are dropped. Scanned pages are shifted so that
   their left margins meet (a table continued on the next page keeps its columns).
4. A segment's confidence is its least sure character's (Tesseract's 0-100 scaled so that 95
   and above is 1.0 and 50 is 0; a tick found as a blob is 0.67): ``parsers.layout`` lowers the
   score of labels on such lines, so their values send the submission to review.

Provenance of a cell: "p1 ocr line 12" (page, line of the page as OCR read it). The engine is
injected (``read_image_with``, ``read_pdf_pages``): tests count its calls or replay its words.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import itertools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageFilter, ImageMath, ImageOps, UnidentifiedImageError

from parsers.cells import Document
from parsers.labels import bigrams, label_key
from parsers.readers import ReadError, register
from parsers.results import ReadLimits
from parsers.schema import available_versions, load_schema
from parsers.textlayout import Line, Segment, column_edges, layout_cells

log = logging.getLogger(__name__)

SHEET = "ocr"
OCR_DPI = 300
LOOK_DPI = 100
LANGUAGES = "tha+eng"
LOOK_LANGUAGES = "tha"  # the first look: Thai labels only, twice as fast
MAX_PIXELS = 60_000_000  # an image larger than this is not read (Pillow warns at 89 M)
_MIN_SIDE = 500  # pixels: a smaller image cannot hold a legible form page
_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a"
                   "\u0e4b\u0e4c\u0e4d\u0e4e")  # fmt: skip
_SPACE_GAP = 0.33  # text heights: a gap this wide between characters is a space
_SEGMENT_GAP = 2.0  # text heights: ... and this wide, another column
_WIDE_SPACE = 2.5  # text heights: one space this wide is a column gap too
_CUT_SUPPORT = 4  # lines aligned on a column edge before OCR text is cut there
_COLUMN_SPACES = 2  # spaces in Tesseract's text (preserve_interword_spaces) between columns
_SPECK = 40  # Tesseract confidence below which a lone mark is dirt
LAYOUT_ALIGN = 0.25  # ems: alignment of OCR boxes on the deskewed, registered page
OCR_ALIGN = 0.5  # ems: how far apart OCR boxes may start and still be aligned


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV output (for Thai often one character cluster)."""

    text: str
    box: tuple[int, int, int, int]  # x0, top, x1, bottom in pixels
    confidence: float  # 0-100
    line: tuple[int, int, int]  # Tesseract's (block, paragraph, line)
    spaces: int = -1  # spaces Tesseract's text output puts before the word (-1: unknown)


class Engine(Protocol):
    """An OCR engine: a greyscale image at ``dpi`` -> its words. ``psm`` is Tesseract's page
    segmentation mode; ``languages`` its language list ("tha" is enough for a first look)."""

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]: ...


class OcrError(Exception):
    """Tesseract failed on an image (it crashed, timed out, or is misconfigured)."""


# ====================================================================== the engine


@dataclass(frozen=True)
class Tesseract:
    """The Tesseract binary, one single-threaded process per call. It writes TSV (words, boxes,
    confidences) and plain text (which alone knows where Thai words have spaces, and with
    ``preserve_interword_spaces`` how wide a gap is); the two are aligned word by word."""

    binary: str = "tesseract"
    timeout: float = 120.0

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        buffer = io.BytesIO()
        image.convert("L").save(buffer, format="PPM")  # uncompressed: PNG encoding costs ~1 s
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        with tempfile.TemporaryDirectory(prefix="onep-ocr-") as folder:
            base = os.path.join(folder, "page")
            command = [self.binary, "stdin", base, "-l", languages, "--psm", str(psm),
                       "--dpi", str(dpi), "-c", "preserve_interword_spaces=1", "txt", "tsv"]  # fmt: skip
            try:
                done = subprocess.run(command, input=buffer.getvalue(), capture_output=True,
                                      timeout=self.timeout, env=environment, check=False)  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise OcrError(f"tesseract: {exc}") from exc
            if done.returncode != 0:
                raise OcrError(f"tesseract exit {done.returncode}: {done.stderr[-300:]!r}")
            with open(base + ".tsv", encoding="utf-8", errors="replace") as tsv:
                words = parse_tsv(tsv.read())
            with open(base + ".txt", encoding="utf-8", errors="replace") as txt:
                return with_spaces(words, txt.read())


def parse_tsv(text: str) -> list[Word]:
    """Words (level 5 rows with text) of Tesseract's TSV output."""
    words: list[Word] = []
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        try:
            left, top, width, height = (int(row[i]) for i in (6, 7, 8, 9))
            confidence = float(row[10])
            line = (int(row[2]), int(row[3]), int(row[4]))
        except ValueError:
            continue
        words.append(Word(row[11].strip(), (left, top, left + width, top + height),
                          confidence, line))  # fmt: skip
    return words


def with_spaces(words: list[Word], text: str) -> list[Word]:
    """``words`` with the spaces that Tesseract's plain text puts before each (the words in
    the same order, separated by spaces and line breaks); unchanged where the two disagree."""
    out: list[Word] = []
    position = 0
    previous_line: tuple[int, int, int] | None = None
    for index, word in enumerate(words):
        spaces = 0
        while position < len(text) and text[position].isspace():
            spaces = 0 if text[position] == "\n" else spaces + 1
            position += 1
        if not text.startswith(word.text, position):
            return out + words[index:]  # out of step: keep what is known
        position += len(word.text)
        new_line = word.line != previous_line
        previous_line = word.line
        out.append(dataclasses.replace(word, spaces=0 if new_line else spaces))
    return out


@functools.lru_cache(maxsize=4)
def tesseract_languages(binary: str = "tesseract") -> frozenset[str]:
    """The languages the installed Tesseract has (empty when it is not installed)."""
    if shutil.which(binary) is None:
        return frozenset()
    try:
        done = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30,
                              check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def default_engine() -> Engine | None:
    """Tesseract with Thai and English, or None when it is not installed."""
    if {"tha", "eng"} <= tesseract_languages():
        return Tesseract()
    return None


# ====================================================================== readers


@register("jpeg", "png")
def read_image(data: bytes, limits: ReadLimits) -> Document:
    """A photo or scan of a form page (see the module docstring)."""
    engine = default_engine()
    if engine is None:
        log.warning("tesseract with tha+eng is not installed: image not read")
        return Document.from_cells("image", [], [SHEET])
    return read_image_with(data, limits, engine)


def read_image_with(data: bytes, limits: ReadLimits, engine: Engine) -> Document:
    """:func:`read_image` with the OCR engine given."""
    image, dpi = open_image(data)
    lines = read_pages([(1, image, dpi)], engine)
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


def open_image(data: bytes) -> tuple[Image.Image, int]:
    """The image (greyscale, EXIF orientation applied) and its resolution; ReadError when it
    cannot be read or is too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ReadError("too_large", f"{image.width}x{image.height} pixels")
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ReadError("too_large", str(exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    dpi = _recorded_dpi(image)
    upright: Image.Image = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        background = Image.new("RGBA", upright.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(background, upright.convert("RGBA"))
    return upright.convert("L"), dpi or _estimated_dpi(upright.size)


def _recorded_dpi(image: Image.Image) -> int | None:
    value = image.info.get("dpi")
    if isinstance(value, tuple) and value and isinstance(value[0], int | float):
        dpi = round(float(value[0]))
        if 100 <= dpi <= 1200:
            return dpi
    return None


def _estimated_dpi(size: tuple[int, int]) -> int:
    """A page photographed or scanned whole: its longer side is an A4 page's (11.7 in)."""
    return max(72, round(max(size) / 11.69))


# ====================================================================== pages


def read_pages(pages: Sequence[tuple[int, Image.Image, int]], engine: Engine) -> list[Line]:
    """OCR lines of ``pages`` ((page number, image, dpi)): first look, then full OCR of the
    form pages, one Tesseract per core."""
    workers = max(1, min(os.cpu_count() or 1, len(pages)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda page: _read_page(page[0], page[1], page[2], engine), pages))
    return register_pages([line for lines in results for line in lines])


def _read_page(number: int, image: Image.Image, dpi: int, engine: Engine) -> list[Line]:
    look = first_look(image, dpi, engine)
    if not look.is_form:
        log.info("page %d is not a form page: %s", number, look.reason)
        return []
    if look.turn:
        image = image.rotate(look.turn, expand=True, fillcolor=255)
    page = prepare(image, dpi)
    try:
        words = engine(page, OCR_DPI, 6, LANGUAGES)
    except OcrError as exc:
        log.warning("OCR of page %d failed: %s", number, exc)
        return []
    return ocr_lines(with_marks(page, words), number, OCR_DPI)


@dataclass(frozen=True)
class Look:
    """The first look's verdict on a page: a form page?, why, and the turn it needs."""

    is_form: bool
    reason: str
    turn: int = 0  # degrees counter-clockwise


def first_look(image: Image.Image, dpi: int, engine: Engine) -> Look:
    """Is ``image`` a page of the form? Cheap: pixel statistics, then OCR at 100 dpi."""
    if min(image.size) < _MIN_SIDE:
        return Look(False, f"too small for a form page ({image.width}x{image.height} pixels)")
    small = _scaled(image, dpi, LOOK_DPI)
    paper, ink = _paper_and_ink(small)
    if paper < 0.45 or not 0.001 <= ink <= 0.35:
        return Look(False, f"not a document ({paper:.0%} paper, {ink:.1%} ink)")
    best = Look(False, "no form labels found")
    for turn in (0, 90, 270):
        view = small.rotate(turn, expand=True, fillcolor=255) if turn else small
        try:
            words = engine(view, LOOK_DPI, 6, LOOK_LANGUAGES)
        except OcrError as exc:
            return Look(False, f"OCR failed: {exc}")
        found, readable = _labels_seen(words)
        if found >= _LOOK_LABELS:
            return Look(True, f"{found} form labels", turn)
        if readable >= _READABLE_LINES:
            return Look(False, f"readable text but {found} form labels") if turn == 0 else best
    return best


_LOOK_LABELS = 3  # distinct labels (title, section, field, Part 2 row) that make a form page
_READABLE_LINES = 5  # lines of real words: the page is upright, no need to turn it


def _scaled(image: Image.Image, dpi: int, target: int) -> Image.Image:
    if dpi == target:
        return image
    factor = target / dpi
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BOX if factor < 1 else Image.Resampling.BICUBIC)


def _paper_and_ink(image: Image.Image) -> tuple[float, float]:
    """Shares of light (paper) and dark (ink) pixels, relative to the page's own white."""
    histogram = image.histogram()
    total = sum(histogram) or 1
    cumulative = 0
    white = 255
    for level in range(255, -1, -1):  # the 90th percentile of brightness is the paper's white
        cumulative += histogram[level]
        if cumulative >= 0.1 * total:
            white = max(level, 1)
            break
    paper = sum(histogram[round(0.8 * white) :]) / total
    ink = sum(histogram[: round(0.7 * white)]) / total
    return paper, ink


@functools.lru_cache(maxsize=1)
def _look_labels() -> tuple[tuple[str, frozenset[str]], ...]:
    """Keys of the labels a first look searches for, from every form version: the labels of
    fields and Part 2 rows (a letter about the form quotes its title and parts, not these)."""
    texts: set[str] = set()
    for version in available_versions():
        schema = load_schema(version)
        for spec in schema.fields:
            texts.update(spec.labels[:1])
        for row in schema.green_table.rows:
            texts.update(row.labels[:1])
    keys = {label_key(text) for text in texts}
    return tuple((key, bigrams(key)) for key in sorted(keys) if len(key) >= 5)


def _labels_seen(words: list[Word]) -> tuple[int, int]:
    """(labels that a line mostly consists of, lines that read as sure words)."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if word.confidence >= 40:
            lines.setdefault(word.line, []).append(word)
    keys = [label_key("".join(word.text for word in line)) for line in lines.values()]
    found = 0
    for label, wanted in _look_labels():
        for key in keys:
            # the label, nearly all of it, on a line not much longer (a label and its value)
            if len(key) <= 3 * len(label) and len(wanted & bigrams(key)) >= 0.8 * len(wanted):
                found += 1
                break
    readable = sum(
        1
        for line, text in zip(lines.values(), keys, strict=True)
        if len(text) >= 6 and sum(w.confidence for w in line) / len(line) >= 80
    )
    return found, readable


def prepare(image: Image.Image, dpi: int) -> Image.Image:
    """The page for full OCR: at 300 dpi, even light, upright."""
    page = _scaled(image, dpi, OCR_DPI)
    page = flatten_light(page)
    angle = skew_angle(page)
    if abs(angle) >= 0.1:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return page


def flatten_light(image: Image.Image) -> Image.Image:
    """Divide out the page's background where the light is uneven (a photo, a grey scan)."""
    small = image.resize((max(1, image.width // 16), max(1, image.height // 16)),
                         Image.Resampling.BOX)  # fmt: skip
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    darkest, lightest = _extrema(background)
    if darkest >= 0.9 * lightest:
        return image  # even light: nothing to do
    background = background.resize(image.size, Image.Resampling.BILINEAR)
    flat = ImageMath.lambda_eval(
        lambda names: names["convert"](
            names["min"](names["page"] * 255 / (names["light"] + 1), 255), "L"
        ),
        page=image,
        light=background,
    )
    return flat if isinstance(flat, Image.Image) else image


def _extrema(image: Image.Image) -> tuple[float, float]:
    low, high = image.getextrema()
    if isinstance(low, tuple) or isinstance(high, tuple):  # not a single-band image
        return 0.0, 255.0
    return float(low), float(high)


def skew_angle(image: Image.Image, limit: float = 3.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes text rows horizontal: the angle
    whose row profile of ink is sharpest, searched coarse then fine within ±``limit``."""
    width = 900
    scale = width / image.width
    small = image.resize((width, max(1, round(image.height * scale))), Image.Resampling.BOX)
    ink = small.point(lambda value: 255 if value < 160 else 0)

    def sharpness(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        profile = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
        return float(sum((b - a) ** 2 for a, b in itertools.pairwise(profile)))

    steps = int(limit / 0.25)
    coarse = max((k * 0.25 for k in range(-steps, steps + 1)), key=sharpness)
    fine = max((coarse + k * 0.05 for k in range(-5, 6)), key=sharpness)
    return round(fine, 2)


# ====================================================================== marks OCR cannot read


def with_marks(page: Image.Image, words: list[Word]) -> list[Word]:
    """``words`` and the tick marks and check boxes on their lines that OCR read as nothing
    (☑ ✔ are not in its alphabet): blobs of ink the size of a character outside every word.
    A box with ink inside is "✓", an empty box "☐"."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    ink = page.point(lambda value: 255 if value < 128 else 0)
    found: dict[tuple[int, int, int], list[Word]] = {}
    for key, items in lines.items():
        bases = [word for word in items if not _is_mark(word)]
        if not bases:
            continue
        height = _height(bases)
        top = max(0, min(w.box[1] for w in items) - height // 3)
        bottom = min(page.height, max(w.box[3] for w in items) + height // 3)
        band = ink.crop((0, top, page.width, bottom))
        for word in items:  # what OCR read is not a mark
            band.paste(0, (word.box[0] - 2, 0, word.box[2] + 2, bottom - top))
        for x0, x1 in _ink_runs(band, height):
            if any(w.box[0] - height < x1 and x0 < w.box[2] + height for w in items):
                continue  # next to text: part of a word OCR boxed badly, not a mark
            blob = band.crop((x0, 0, x1, band.height))
            box = blob.getbbox()
            if box is None:
                continue
            width, tall = x1 - x0, box[3] - box[1]
            if not (0.6 * height <= tall <= 2.2 * height and 0.4 * height <= width <= 2.2 * height):
                continue
            symbol = _tick_or_box(blob.crop(box))
            if symbol is not None:
                mark = Word(symbol, (x0, top + box[1], x1, top + box[3]), _MARK_CONFIDENCE, key, 2)
                found.setdefault(key, []).append(mark)
    if not found:
        return words
    out: list[Word] = []
    for key, items in lines.items():
        merged = list(items)
        for mark in found.get(key, ()):
            at = sum(1 for word in merged if word.box[2] <= mark.box[0])
            merged.insert(at, mark)
        out.extend(merged)
    return out


_MARK_CONFIDENCE = 80.0  # a blob taken for a tick: likely, not certain (-> review)


def _ink_runs(band: Image.Image, height: int) -> list[tuple[int, int]]:
    """x ranges of ink in ``band`` (columns with ink, gaps under a third of ``height`` closed)."""
    profile = band.resize((band.width, 1), Image.Resampling.BOX).tobytes()
    runs: list[tuple[int, int]] = []
    start: int | None = None
    last = -(10**9)
    for x, value in enumerate(profile):
        if value:
            if start is None or x - last > height // 3:
                if start is not None:
                    runs.append((start, last + 1))
                start = x
            last = x
    if start is not None:
        runs.append((start, last + 1))
    return runs


def _tick_or_box(blob: Image.Image) -> str | None:
    """ "✓" for a tick, a cross or a ticked box; "☐" for an empty box; None for a smudge."""
    width, height = blob.size
    total = width * height
    dark = blob.histogram()[255]
    if not 0.05 <= dark / total <= 0.7:
        return None  # a filled blot or a few dots
    inner = blob.crop((width // 4, height // 4, width - width // 4, height - height // 4))
    inner_dark = inner.histogram()[255] / max(1, inner.width * inner.height)
    rows = list(blob.resize((1, height), Image.Resampling.BOX).tobytes())
    columns = list(blob.resize((width, 1), Image.Resampling.BOX).tobytes())
    framed = max(rows[0], rows[-1]) > 150 and max(columns[0], columns[-1]) > 150
    if framed and inner_dark < 0.03:
        return "☐"
    return "✓"


# ====================================================================== words -> lines


def ocr_lines(words: list[Word], page: int, dpi: int) -> list[Line]:
    """Tesseract's words as text lines of segments, in points, with confidences.

    A line is cut into runs at column gaps (two spaces or more in Tesseract's text, or a wide
    gap); then a run that crosses a column edge of the page (text aligned on it in several
    lines) is cut there too, at the space nearest the edge: OCR sets a number and the next
    cell's text apart by one space only ("2894 ประดู่")."""
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    scale = 72 / dpi
    ordered = sorted(grouped.values(), key=lambda items: min(w.box[1] for w in items))
    runs = [[p for run in _runs(items) for p in _cut_numbers(run)] for items in ordered]
    segments = [_segment(run, scale) for line_runs in runs for run in line_runs]
    edges = [edge / scale for edge in column_edges(segments, OCR_ALIGN, support=_CUT_SUPPORT)]
    runs = [[p for run in line_runs for p in _cut_at_edges(run, edges)] for line_runs in runs]
    lines: list[Line] = []
    for line_runs in runs:
        kept = [
            segment for segment in (_segment(run, scale) for run in line_runs) if _kept(segment)
        ]
        if kept:
            lines.append(Line(page, kept, number=len(lines) + 1, ocr=True))
    return lines


def register_pages(lines: list[Line]) -> list[Line]:
    """Scanned pages lie at slightly different places on the scanner: shift each page so that
    its left margin (where most lines start) is where the first page's is, so that a table
    continued on the next page keeps its columns."""
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    margins = {page: _left_margin(found) for page, found in pages.items()}
    anchor = next((m for m in margins.values() if m is not None), None)
    if anchor is None:
        return lines
    out: list[Line] = []
    for line in lines:
        margin = margins[line.page]
        shift = 0.0 if margin is None else anchor - margin
        moved = [
            dataclasses.replace(s, box=(s.box[0] + shift, s.box[1], s.box[2] + shift, s.box[3]))
            for s in line.segments
        ]
        out.append(Line(line.page, moved, line.number, ocr=line.ocr))
    return out


def _left_margin(lines: list[Line]) -> float | None:
    starts = sorted(line.segments[0].x0 for line in lines if line.segments)
    if len(starts) < 5:
        return None
    size = sorted(s.size for line in lines for s in line.segments)[0]
    best, best_count = None, 0
    for index, start in enumerate(starts):  # the densest cluster of line starts
        count = sum(1 for other in starts[index:] if other - start <= 0.5 * size)
        if count > best_count:
            best, best_count = start, count
    return best


def _is_mark(word: Word) -> bool:
    return all(char in _MARKS for char in word.text)


def _runs(words: list[Word]) -> list[list[Word]]:
    """A line's words cut at column gaps: Tesseract's spacing where known (two spaces or
    more, or one space over a wide gap), else the gap in text heights."""
    # A mark read with little confidence is a speck above or below the text, not a tone mark.
    words = [word for word in words if word.confidence >= _SPECK or not _is_mark(word)]
    bases = [word for word in words if not _is_mark(word)]
    if not bases:
        return []
    height = _height(bases)
    runs: list[list[Word]] = [[]]
    previous: Word | None = None
    for word in words:
        if previous is not None and not _is_mark(word):
            gap = word.box[0] - previous.box[2]
            if (
                word.spaces >= _COLUMN_SPACES
                or (word.spaces == 1 and gap > _WIDE_SPACE * height)
                or (word.spaces < 0 and gap > _SEGMENT_GAP * height)
            ):
                runs.append([])
        runs[-1].append(word)
        if not _is_mark(word):
            previous = word
    return [run for run in runs if run]


def _height(bases: Sequence[Word]) -> int:
    return max(1, sorted(w.box[3] - w.box[1] for w in bases)[len(bases) // 2])


def _cut_numbers(run: list[Word]) -> list[list[Word]]:
    """A number that starts a run, read glued to the Thai text after it, is two cells
    ("1962ประดู่", "3ปลูกป่า"): in a form a number stands in a cell of its own (or before its
    unit, a cell of its own too)."""
    if len(run) < 2 or not _NUMBER.match(run[0].text):
        return [run]
    for index, word in enumerate(run[1:], start=1):
        if not _NUMBER.match(word.text) or word.spaces > 0:
            if word.spaces == 0 and "\u0e01" <= word.text[:1] <= "\u0e2e":
                return [run[:index], run[index:]]
            return [run]
    return [run]


_NUMBER = re.compile(r"^\d+(?:,\d{3})*$")  # a quantity, not a numbering ("2.1", "3.")


def _cut_at_edges(run: list[Word], edges: list[float]) -> list[list[Word]]:
    """``run`` cut where it is apart (a space, a gap, a number next to text) on a column edge."""
    pieces: list[list[Word]] = [[]]
    bases = [word for word in run if not _is_mark(word)]
    height = _height(bases) if bases else 1
    previous: Word | None = None
    for word in run:
        if previous is not None and not _is_mark(word):
            low, high = previous.box[2] - 0.2 * height, word.box[0] + 0.2 * height
            apart = word.spaces >= 1
            if apart and any(low <= edge <= high for edge in edges):
                pieces.append([])
        pieces[-1].append(word)
        if not _is_mark(word):
            previous = word
    return [piece for piece in pieces if piece]


def _text(run: list[Word]) -> str:
    """The words of a run as text: a space where Tesseract put one (or, where it did not say,
    a gap of a third of the text height); a lone tick read as a letter is a tick."""
    bases = [word for word in run if not _is_mark(word)]
    height = _height(bases) if bases else 1
    parts: list[str] = []
    previous: Word | None = None
    for word in run:
        if previous is not None and not _is_mark(word):
            gap = word.box[0] - previous.box[2]
            if word.spaces >= 1 or (word.spaces < 0 and gap > _SPACE_GAP * height):
                parts.append(" ")
        parts.append(word.text)
        if not _is_mark(word):
            previous = word
    text = "".join(parts).strip()
    return _TICKS.get(text, text)


# A mark alone in a cell of a form is a tick, whatever letter OCR took it for.
_TICKS = dict.fromkeys(("v", "V", "/", "\\", "√", "✔", "J", "y", "Y", "”", "“", '"', "'", "’", "‘"),
                       "✓") | {"x": "X", "×": "X"}  # fmt: skip


def _kept(segment: Segment) -> bool:
    """Not a speck read as a character: one or two unsure characters alone, or unsure
    punctuation alone (a tick stays)."""
    text = segment.text
    if not text:
        return False
    if len(text) <= 4 and segment.confidence < 0.15:
        return False  # Tesseract itself did not believe it
    if text in ("✓", "X", "☐"):
        return True
    if all(not char.isalnum() for char in text) and segment.confidence < 0.6:
        return False
    return len(text) > 2 or segment.confidence >= 0.3


def _segment(run: list[Word], scale: float) -> Segment:
    bases = [word for word in run if not _is_mark(word)] or run
    box = (
        min(w.box[0] for w in run) * scale,
        min(w.box[1] for w in run) * scale,
        max(w.box[2] for w in run) * scale,
        max(w.box[3] for w in run) * scale,
    )
    confidence = min(_confidence(w.confidence) for w in run)
    return Segment(_text(run), box, _height(bases) * scale * 1.4, confidence)


def _confidence(tesseract: float) -> float:
    """Tesseract's 0-100 as 0-1: 95 and above sure, 50 and below worthless."""
    return round(min(1.0, max(0.0, (tesseract - 50) / 45)), 3)
