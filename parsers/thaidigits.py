"""Thai digits on a scan, read by their shapes.

Place in the flow: ``parsers.ocr.rereading.thai_figures`` asks :func:`read_figure` for every
figure-like word of a page where Thai digits were seen. Tesseract's Thai model reads the Arabic
digits of a form well and the Thai ones (๐-๙) badly: on 300-dpi scans it reads ๙ ๘ ๖ as ๕, ๗ as ๓ and
whole figures as letters ("๒๐๘,๗๘๔" -> "lod, alee"), which no second reading mends. Thai
digits are few and simple shapes, each one stroke, so they are read here instead: the word's
ink is cut into its connected pieces, pieces above one another are one glyph, a small piece low
on the line is a comma or a full stop, and each glyph is the digit whose outline it is nearest
to, among the outlines of the digits drawn in the Thai faces of fonts-thai-tlwg (the faces of
TH Sarabun, Angsana, Cordia and Tahoma - Laksaman, Norasi, Garuda, Loma - and more: what Thai
offices type forms in; handwriting and typewriter faces are left out: forms are not set in
them). Other Thai fonts the machine may have are not used as outlines: the test scans are set
in faces the reader has never seen (``samples.scans``: Arundina), so that its figures are
honest. A glyph that is like no digit (a letter) makes the whole word no figure: None.

Pure functions of images; the outlines are drawn once per process (about 0.2 s).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import numpy
import numpy.typing
from PIL import Image, ImageDraw, ImageFilter, ImageFont

log = logging.getLogger(__name__)
Vector = numpy.typing.NDArray[numpy.float32]
Matrix = numpy.typing.NDArray[numpy.float32]

DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_SIDE = 24  # pixels: a glyph is compared as a _SIDE x _SIDE picture, its proportions kept
_SKIP_FACES = ("Purisa", "Mono", "Typewriter", "Typist", "Typo")  # handwriting, typewriter
_BLUR = 1.2
_WIDEST = 1.45  # a digit's width at most, in digit heights
_NEAR = 0.55  # correlation with the nearest digit's outline under which a glyph is no digit
_CLOSE_CALL = 0.15  # relative margin to the next digit under which a reading is doubtful
_INK = 128


@dataclass(frozen=True)
class Piece:
    """A connected piece of ink: its box (x0, y0, x1, y1, x1 and y1 exclusive) and pixels."""

    box: tuple[int, int, int, int]
    pixels: frozenset[tuple[int, int]]

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def read_figure(word: Image.Image, span: tuple[int, int] | None = None) -> tuple[str, float] | None:
    """The Thai-digit figure drawn in ``word`` (a greyscale crop of one word, dark ink on
    light paper) and a confidence 0-100, or None when it is not one: a glyph like no digit, or
    no glyph. Commas and full stops are kept as drawn. With ``span`` (x from, x to), only the
    pieces of ink that reach into it are read: the crop may be wider than the word, so that a
    glyph its box cuts through is read whole."""
    if not outlines()[1]:
        return None
    ink = word.point(lambda value: 255 if value < _INK else 0)
    found = pieces(ink)
    if span is not None:
        found = [piece for piece in found if piece.box[0] < span[1] and span[0] < piece.box[2]]
    glyphs = _glyphs(found)
    if not glyphs:
        return None
    height = max(glyph.height for glyph in glyphs)  # a digit's height (๐ is the lowest)
    glyphs = [part for glyph in glyphs for part in _split(glyph, height)]
    base = sorted(glyph.box[3] for glyph in glyphs if glyph.height >= 0.6 * height)
    baseline = base[len(base) // 2]
    text: list[str] = []
    sure = 100.0
    for glyph in glyphs:
        if glyph.height < 0.5 * height:
            if glyph.box[3] < baseline - 0.4 * height:
                return None  # a mark above the line: a Thai letter's, no figure's
            text.append("," if glyph.box[3] > baseline + 1 or glyph.height > glyph.width * 1.6
                        else ".")  # fmt: skip
            continue
        nearest = _nearest(glyph)
        if nearest is None:
            return None
        text.append(nearest[0])
        sure = min(sure, nearest[1])
    figure = "".join(text).strip(",.")
    if not any(char in DIGITS for char in figure):
        return None
    return figure, sure


def pieces(ink: Image.Image) -> list[Piece]:
    """The connected pieces (8-neighbours) of ``ink`` (255 = ink), left to right."""
    width, height = ink.size
    data = ink.tobytes()
    seen = bytearray(len(data))
    found: list[Piece] = []
    for start in range(len(data)):
        if not data[start] or seen[start]:
            continue
        seen[start] = 1
        stack = [start]
        pixels: set[tuple[int, int]] = set()
        while stack:
            at = stack.pop()
            y, x = divmod(at, width)
            pixels.add((x, y))
            for dy in (-1, 0, 1):
                ny = y + dy
                if not 0 <= ny < height:
                    continue
                for dx in (-1, 0, 1):
                    nx = x + dx
                    if 0 <= nx < width:
                        near = ny * width + nx
                        if data[near] and not seen[near]:
                            seen[near] = 1
                            stack.append(near)
        xs = [x for x, _ in pixels]
        ys = [y for _, y in pixels]
        found.append(Piece((min(xs), min(ys), max(xs) + 1, max(ys) + 1), frozenset(pixels)))
    found.sort(key=lambda piece: piece.box[0])
    return found


def _glyphs(found: Sequence[Piece]) -> list[Piece]:
    """Pieces made glyphs: specks and ruled lines dropped, pieces above one another joined."""
    if not found:
        return []
    heights = sorted(piece.height for piece in found)
    tallest = heights[-1]
    kept = [
        piece
        for piece in found
        if len(piece.pixels) >= 4
        and not (piece.width <= 3 and piece.height > 0.8 * tallest)  # a table's rule
        and not (piece.height <= 3 and piece.width > 3 * tallest)  # an underline
    ]
    joined: list[Piece] = []
    for piece in kept:
        if joined:
            last = joined[-1]
            overlap = min(last.box[2], piece.box[2]) - max(last.box[0], piece.box[0])
            fragment = min(last.width, piece.width) <= 0.45 * tallest and overlap >= -1
            fragment = fragment and min(last.height, piece.height) > 0.5 * tallest
            if overlap > 0.5 * min(last.width, piece.width) or fragment:
                box = (min(last.box[0], piece.box[0]), min(last.box[1], piece.box[1]),
                       max(last.box[2], piece.box[2]), max(last.box[3], piece.box[3]))  # fmt: skip
                joined[-1] = Piece(box, last.pixels | piece.pixels)
                continue
        joined.append(piece)
    if not joined:
        return []
    tall = max(piece.height for piece in joined)
    return [piece for piece in joined if piece.height > 0.15 * tall or piece.width > 2]


def _split(glyph: Piece, height: int) -> list[Piece]:
    """``glyph`` cut where two digits touch (a scan's blur joins close glyphs): a piece wider
    than any digit is cut at the column, between a quarter and three quarters of its width,
    where the two sides are most like digits; again if a side is still too wide."""
    if glyph.width <= _WIDEST * height or not outlines()[1]:
        return [glyph]
    x0 = glyph.box[0]
    best: tuple[float, list[Piece]] | None = None
    for cut in range(x0 + glyph.width // 4, x0 + 3 * glyph.width // 4 + 1):
        parts = [side for side in (_part(glyph, cut, True), _part(glyph, cut, False)) if side]
        if len(parts) < 2:
            continue
        score = min(_best_score(part) for part in parts)
        if best is None or score > best[0]:
            best = (score, parts)
    if best is None:
        return [glyph]
    return [piece for part in best[1] for piece in _split(part, height)]


def _part(glyph: Piece, cut: int, left: bool) -> Piece | None:
    """The pixels of ``glyph`` left of column ``cut`` (or from it on), as a piece."""
    side = [pixel for pixel in glyph.pixels if (pixel[0] < cut) == left]
    if not side:
        return None
    xs, ys = [x for x, _ in side], [y for _, y in side]
    return Piece((min(xs), min(ys), max(xs) + 1, max(ys) + 1), frozenset(side))


def _best_score(glyph: Piece) -> float:
    shapes, _ = outlines()
    return float((shapes @ _picture(glyph)).max())


def _picture(glyph: Piece) -> Vector:
    """The glyph alone as a comparable vector (see :func:`_fitted`)."""
    x0, y0, _, _ = glyph.box
    alone = numpy.zeros((glyph.height, glyph.width), dtype=numpy.uint8)
    for x, y in glyph.pixels:
        alone[y - y0, x - x0] = 255
    return _fitted(Image.fromarray(alone, mode="L"))


def _fitted(alone: Image.Image) -> Vector:
    """A glyph's picture (255 = ink, cropped to the ink) scaled to fit _SIDE x _SIDE with its
    proportions kept, centred, blurred (a stroke's width and a scan's edges matter less), as a
    zero-mean unit vector: the dot product of two is their normalised cross-correlation."""
    scale = _SIDE / max(alone.width, alone.height)
    size = (max(1, round(alone.width * scale)), max(1, round(alone.height * scale)))
    small = alone.resize(size, Image.Resampling.BILINEAR)
    square = Image.new("L", (_SIDE, _SIDE), 0)
    square.paste(small, ((_SIDE - size[0]) // 2, (_SIDE - size[1]) // 2))
    vector = numpy.asarray(square.filter(ImageFilter.GaussianBlur(_BLUR)), dtype=numpy.float32)
    vector = vector.ravel() - vector.mean()
    norm = float(numpy.linalg.norm(vector))
    unit: Vector = vector / norm if norm else vector
    return unit


def _nearest(glyph: Piece) -> tuple[str, float] | None:
    """The digit nearest to ``glyph`` and how sure (0-100), or None when none is near."""
    shapes, digits = outlines()
    scores = shapes @ _picture(glyph)
    best: dict[str, float] = {}
    for digit, score in zip(digits, scores.tolist(), strict=True):
        best[digit] = max(best.get(digit, -1.0), score)
    ranked = sorted(((score, digit) for digit, score in best.items()), reverse=True)
    (first, digit), (second, _) = ranked[0], ranked[1]
    if first < _NEAR:
        return None
    margin = (first - second) / max(1.0 - second, 1e-6)
    confidence = 95.0 if margin >= _CLOSE_CALL else 60.0 + 35.0 * margin / _CLOSE_CALL
    return digit, confidence


@functools.lru_cache(maxsize=1)
def outlines() -> tuple[Matrix, tuple[str, ...]]:
    """Each digit as every usable Thai font on the machine draws it: a matrix of vectors (one
    row each) and the digit of each row (no rows: no Thai font)."""
    vectors: list[Vector] = []
    digits: list[str] = []
    for path in thai_fonts():
        try:
            font = ImageFont.truetype(path, 64)
        except OSError:
            continue
        for digit in DIGITS:
            canvas = Image.new("L", (160, 160), 0)
            ImageDraw.Draw(canvas).text((40, 20), digit, font=font, fill=255)
            shape = canvas.point(lambda value: 255 if value >= _INK else 0)
            box = shape.getbbox()
            if box is None:
                continue
            vectors.append(_fitted(shape.crop(box)))
            digits.append(digit)
    if not vectors:
        log.warning("no Thai font found (fc-list :lang=th): Thai digits on scans are left to OCR")
        return numpy.zeros((0, _SIDE * _SIDE), dtype=numpy.float32), ()
    return numpy.stack(vectors), tuple(digits)


def thai_fonts() -> list[str]:
    """Font files of fonts-thai-tlwg that fontconfig knows for Thai, regular upright faces,
    handwriting and typewriter faces left out."""
    binary = shutil.which("fc-list")
    if binary is None:
        return []
    try:
        done = subprocess.run([binary, ":lang=th", "file", "style"], capture_output=True,
                              text=True, timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    found: set[str] = set()
    for line in done.stdout.splitlines():
        path, _, style = line.partition(":")
        name = os.path.basename(path.strip())
        if f"{os.sep}tlwg{os.sep}" not in path or any(skip in name for skip in _SKIP_FACES):
            continue
        styles = style.lower()
        if "italic" in styles or "oblique" in styles:
            continue
        found.add(path.strip())
    return sorted(found)
