"""Page images before full OCR: opened, judged by a first look, prepared.

Place in the flow: the first steps of ``parsers.ocr``. An image file becomes its pages
(:func:`open_pages`: a scanner's multi-page TIFF has one per frame), each greyscale, turned as
its EXIF says, with its resolution (recorded, else estimated from an A4 page's size); a PDF's
scanned pages are rendered by ``parsers.ocr.read_pdf_pages``. A cheap :func:`first_look`
decides whether a page is a form page at all (pixel statistics, then a fast Thai-only
Tesseract pass at 100 dpi that must find a few of the form's labels; a page with no sure text
is tried turned by 90, 270 and 180 degrees), so that photos and logos never cost a full OCR. A page
to read is prepared (:func:`prepare`): scaled to 300 dpi, uneven light flattened, deskewed.

Owns: the bounds on an image's size (``MAX_PIXELS``), the first look's resolution and
languages, and everything done to a page image before Tesseract reads it whole.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageMath, ImageOps, UnidentifiedImageError

from parsers.labels import bigrams, label_key
from parsers.ocr.engine import OCR_DPI, Engine, Word
from parsers.readers import ReadError
from parsers.schema import available_versions, load_schema

LOOK_DPI = 100
LOOK_LANGUAGES = "tha"  # the first look: Thai labels only, twice as fast
MAX_PIXELS = 60_000_000  # an image larger than this is not read (Pillow warns at 89 M)
_MIN_SIDE = 500  # pixels: a smaller image cannot hold a legible form page


def open_pages(data: bytes, max_pages: int) -> list[tuple[Image.Image, int]]:
    """The pages of an image file (a scanner's multi-page TIFF has one per frame; other
    formats one), each as :func:`open_image` gives it."""
    first = open_image(data)
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as image:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            frames = getattr(image, "n_frames", 1)
            if frames <= 1 or image.format != "TIFF":
                return [first]
            pages = [first]
            for index in range(1, min(frames, max_pages)):
                image.seek(index)
                frame = image.copy()
                pages.append(_upright(frame, _recorded_dpi(frame)))
            return pages
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ReadError("too_large", str(exc)) from exc
    except (OSError, ValueError, EOFError) as exc:
        raise ReadError("corrupt_file", str(exc)) from exc


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
    return _upright(image, _recorded_dpi(image))


def _upright(image: Image.Image, dpi: int | None) -> tuple[Image.Image, int]:
    """``image`` greyscale, turned as its EXIF says, transparency on white; its resolution."""
    if image.width * image.height > MAX_PIXELS:
        raise ReadError("too_large", f"{image.width}x{image.height} pixels")
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


@dataclass(frozen=True)
class Look:
    """The first look's verdict on a page: a form page?, why, and the turn it needs."""

    is_form: bool
    reason: str
    turn: int = 0  # degrees counter-clockwise
    text: bool = False  # a page of text, form labels or not (a continuation of the form?)
    parts: tuple[int, ...] = ()  # the form's parts seen on the page (headings, labels)
    number: int | None = None  # the page number printed on it ("หน้า 2", "- 2 -", "2/3")
    illegible: bool = False  # paper with ink, but no text read at any turn (blurred, dark)


def why_not_paper(image: Image.Image, dpi: int) -> str | None:
    """Why ``image`` cannot be a page of a document (too small; not mostly paper with some
    ink: a photo, a logo), or None when it may be one. No OCR."""
    if min(image.size) < _MIN_SIDE:
        return f"too small for a form page ({image.width}x{image.height} pixels)"
    paper, ink = _paper_and_ink(_scaled(image, dpi, LOOK_DPI))
    if paper < 0.45 or not 0.001 <= ink <= 0.35:
        return f"not a document ({paper:.0%} paper, {ink:.1%} ink)"
    return None


def first_look(image: Image.Image, dpi: int, engine: Engine) -> Look:
    """Is ``image`` a page of the form? Cheap: pixel statistics, then OCR at 100 dpi (an
    engine failure is the caller's: ``OcrError`` is raised)."""
    why_not = why_not_paper(image, dpi)
    if why_not is not None:
        return Look(False, why_not)
    small = _scaled(image, dpi, LOOK_DPI)
    for turn in _TURNS:
        view = small.rotate(turn, expand=True, fillcolor=255) if turn else small
        words = engine(view, LOOK_DPI, 6, LOOK_LANGUAGES)
        seen = _labels_seen(words)
        where = {"turn": turn, "text": True, "parts": seen.parts, "number": seen.number}
        if seen.found >= _LOOK_LABELS:
            return Look(True, f"{seen.found} form labels", **where)  # type: ignore[arg-type]
        if seen.readable >= _READABLE_LINES or (turn == 0 and seen.found and seen.readable >= 1):
            reason = f"readable text but {seen.found} form labels"
            return Look(False, reason, **where)  # type: ignore[arg-type]
    return Look(False, "paper with ink, but no text read", illegible=True)


# The turns a page is tried at (degrees counter-clockwise), until its text reads: upright; a
# landscape form on a portrait scan (either way); a page put on the scanner upside down.
_TURNS = (0, 90, 270, 180)
_LOOK_LABELS = 3  # distinct labels (title, section, field, Part 2 row) that make a form page
_READABLE_LINES = 5  # lines of real words: the page is upright, no need to turn it


def _scaled(image: Image.Image, dpi: int, target: int) -> Image.Image:
    """``image`` at ``dpi`` brought to ``target`` dpi. Up (a 100-200 dpi scan or photo, as
    offices and phones email them): Lanczos, then an unsharp mask, so that Tesseract's
    binarisation finds strokes as a 300-dpi scan has them (on 150-dpi scans, 91 % of fields
    exact against 75 % with plain bicubic: ``bench.parse_pdf --honest``)."""
    if dpi == target:
        return image
    factor = target / dpi
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    if factor < 1:
        return image.resize(size, Image.Resampling.BOX)
    return image.resize(size, Image.Resampling.LANCZOS).filter(_SHARPEN)


_SHARPEN = ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2)


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
def _look_labels() -> tuple[tuple[str, frozenset[str], int], ...]:
    """Keys of the labels a first look searches for, from every form version, with the form
    part each belongs to: the labels of fields and Part 2 rows (a letter about the form quotes
    its title and parts, not these)."""
    texts: dict[str, int] = {}
    for version in available_versions():
        schema = load_schema(version)
        for spec in schema.fields:
            for text in spec.labels[:1]:
                texts.setdefault(text, spec.part)
        for row in schema.green_table.rows:
            for text in row.labels[:1]:
                texts.setdefault(text, schema.green_table.part)
    keys: dict[str, int] = {}
    for text, part in texts.items():
        keys.setdefault(label_key(text), part)
    return tuple((key, bigrams(key), keys[key]) for key in sorted(keys) if len(key) >= 5)


@dataclass(frozen=True)
class _Seen:
    found: int  # labels that a line mostly consists of
    readable: int  # lines that read as sure words
    parts: tuple[int, ...]  # form parts: of part headings ("ส่วนที่ 2"), else of the labels found
    number: int | None  # a page number printed on the page


def _labels_seen(words: list[Word]) -> _Seen:
    """What a first look's words show: labels, readable lines, parts, a page number."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if word.confidence >= 40:
            lines.setdefault(word.line, []).append(word)
    texts = [" ".join(word.text for word in line) for line in lines.values()]
    keys = [label_key(text.replace(" ", "")) for text in texts]
    found = 0
    parts: set[int] = set()
    for label, wanted, part in _look_labels():
        for key in keys:
            # the label, nearly all of it, on a line not much longer (a label and its value)
            if len(key) <= 3 * len(label) and len(wanted & bigrams(key)) >= 0.8 * len(wanted):
                found += 1
                parts.add(part)
                break
    number: int | None = None
    headings: set[int] = set()
    for text in texts:
        text = text.replace(" ", "")  # Thai comes as a word per cluster
        heading = _PART_HEADING.search(text)
        if heading:
            headings.add(int(heading.group(1)))
        printed = _PAGE_NUMBER.search(text)
        if printed and number is None:
            number = int(next(group for group in printed.groups() if group))
    readable = sum(
        1
        for line, text in zip(lines.values(), keys, strict=True)
        if len(text) >= 6 and sum(w.confidence for w in line) / len(line) >= 80
    )
    # a part's heading says where the page is in the form; labels only where there is none
    # (a label's part is a guess: "ตำแหน่ง" is asked in Part 1 and again in Part 5)
    parts = headings or parts
    return _Seen(found, readable, tuple(sorted(p for p in parts if p > 0)), number)


_PART_HEADING = re.compile(r"ส่วนที่\s*([1-9])(?!\d)")
_PAGE_NUMBER = re.compile(
    r"^(?:หน้า(?:ที่)?\s*(\d{1,2})\b|-\s*(\d{1,2})\s*-$|(\d{1,2})\s*/\s*\d{1,2}$)"
)


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
