"""The second look: words Tesseract left unread or doubted, and every figure, read again.

Place in the flow: ``parsers.ocr`` runs it on each page after the full reading and
``parsers.ocr.ink.tightened``, before the words are cut into cells (``parsers.ocr.lines``).

- :func:`thai_figures`: on a page written with Thai digits, figures are read again by their
  shapes (``parsers.thaidigits``): Tesseract's Thai model misreads ๖ ๗ ๘ ๙ and makes whole
  figures Latin letters ("lod," for "๒๐๘,").
- :func:`second_look`: one more Tesseract call per page on a strip of cut-outs - ink no word
  covers and short isolated words Tesseract doubted (a site count "7" read "fe"), every
  figure (read alone, "2600" on the page is "2400"; two readings that differ make the value
  doubtful), Latin letters doubted among Thai (read as Thai only: "WA." is "พ.ศ."), an email
  address doubted (read as English only). Ink that reads as nothing may be a tick or a box
  (``parsers.ocr.ink.tick_or_box``).

Owns: which words are doubtful enough to read again, and which of two readings is kept.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
from dataclasses import dataclass

from PIL import Image

from parsers import thaidigits
from parsers.ocr.engine import (
    COLUMN_SPACES,
    LANGUAGES,
    OCR_DPI,
    Engine,
    OcrError,
    Word,
    is_mark,
    text_height,
)
from parsers.ocr.ink import (
    MARK_CONFIDENCE,
    TICK_MIN,
    TICKS,
    grown,
    ink_runs,
    tick_like,
    tick_or_box,
)

log = logging.getLogger(__name__)


def thai_figures(page: Image.Image, words: list[Word]) -> list[Word]:
    """``words`` with the figures written in Thai digits read again by their shapes
    (``parsers.thaidigits``: Tesseract's Thai model misreads ๖ ๗ ๘ ๙ and makes whole figures
    letters). Only on a page where Thai digits were seen: there, each run of glued words that
    holds a Thai digit, or is a short Latin word (what Tesseract makes of a Thai figure it
    cannot read, "lod," for "๒๐๘,"), is read as a figure; runs a small gap apart that both
    read as figures are one figure. A run that is no figure keeps Tesseract's reading."""
    lines = [list(line) for _, line in itertools.groupby(words, key=lambda word: word.line)]
    runs_of = [_glued(items) for items in lines]
    seen = sum(
        1
        for runs in runs_of
        for run in runs
        if len(_THAI_DIGIT.findall("".join(word.text for word in run))) >= 2
    )
    if seen < _THAI_FIGURES_SEEN:
        return words
    out: list[Word] = []
    for items, runs in zip(lines, runs_of, strict=True):
        bases = [word for word in items if not is_mark(word)]
        height = text_height(bases) if bases else 1
        previous: Word | None = None  # the last figure read here, if the last run was one
        for run in runs:
            text = "".join(word.text for word in run)
            x0, x1 = min(w.box[0] for w in run), max(w.box[2] for w in run)
            if x1 <= x0 or x1 - x0 > _FIGURE_LONGEST * height or not _maybe_thai_figure(text):
                out.extend(run)
                previous = None
                continue
            top = min(w.box[1] for w in run) - 2
            bottom = max(w.box[3] for w in run) + height // 3  # a comma's tail
            left = max(0, x0 - height)
            crop = page.crop((left, max(0, top), min(page.width, x1 + height), bottom))
            reading = thaidigits.read_figure(crop, (x0 - left, x1 - left))
            if reading is None or not (_THAI_DIGIT.search(text) or _latin_figure(reading)):
                out.extend(run)
                previous = None
                continue
            figure = Word(reading[0], (x0, min(w.box[1] for w in run), x1,
                                       max(w.box[3] for w in run)), reading[1], run[0].line,
                          run[0].spaces)  # fmt: skip
            if previous is not None and x0 - previous.box[2] < height * _FIGURE_GAP:
                figure = Word(previous.text + figure.text,
                              (previous.box[0], min(previous.box[1], figure.box[1]), x1,
                               max(previous.box[3], figure.box[3])),
                              min(previous.confidence, figure.confidence), previous.line,
                              previous.spaces)  # fmt: skip
                out.pop()
            out.append(figure)
            previous = figure
    return out


def _glued(items: list[Word]) -> list[list[Word]]:
    """A line's words in runs of words with no space between them."""
    runs: list[list[Word]] = []
    for word in items:
        if runs and word.spaces == 0 and not is_mark(word) and not is_mark(runs[-1][-1]):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _maybe_thai_figure(text: str) -> bool:
    if _THAI_DIGIT.search(text):
        return True
    return text not in TICKS and len(text) <= _LATIN_FIGURE and _latin_word(text)


def _latin_figure(reading: tuple[str, float]) -> bool:
    """A Latin word read as a figure is one only when surely two digits or more (a tick
    Tesseract read as "v" is one glyph, near no digit)."""
    return reading[1] >= _SURE_FIGURE and len(_THAI_DIGIT.findall(reading[0])) >= 2


_SURE_FIGURE = 90.0
_THAI_DIGIT = re.compile("[\u0e50-\u0e59]")
_THAI_FIGURES_SEEN = 2  # figures of two Thai digits or more on a page that uses them
# (dirt on a scan is read as a lone ๐ or ๕; a page written in Thai digits has dates, sums)
_LATIN_FIGURE = 10  # characters: a longer Latin word is no misread figure
_FIGURE_GAP = 0.6  # text heights: a wider gap parts two figures
_FIGURE_LONGEST = 30  # text heights: no figure is wider (and reading its shapes costs time)


def second_look(page: Image.Image, words: list[Word], engine: Engine) -> list[Word]:
    """``words`` completed where Tesseract's page reading left ink unread or read it doubtfully.

    A form's short, isolated figures (a site count "7" alone in its column, an ordinal) are
    what a whole-page reading most often drops or garbles ("fe" for "7"); read again alone,
    one line each, they come out right. So: on each text line, the blobs of ink the size of
    characters that no word covers (and that are not part of a word's ink beside them), and
    the isolated short words Tesseract doubted, are cut out, stacked into one strip image and
    read by one more Tesseract call. A blob read as letters or figures becomes a word; one
    that reads as nothing is a tick or a check box if it looks like one (☑ ✔ are not in OCR's
    alphabet): a box with ink inside is "✓", an empty box "☐"; else the first reading stays."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    ink = page.point(lambda value: 255 if value < 128 else 0)
    spots: list[_Spot] = []
    for key, items in lines.items():
        bases = [word for word in items if not is_mark(word)]
        if not bases:
            continue
        height = text_height(bases)
        doubtful = [
            word
            for word in items
            if _doubtful(word, items, height) and not _FIGURE.match(word.text)
        ]
        sure = [word for word in items if word not in doubtful]
        top = max(0, min(w.box[1] for w in items) - height // 3)
        bottom = min(page.height, max(w.box[3] for w in items) + height // 3)
        band = ink.crop((0, top, page.width, bottom))
        for word in sure:  # what OCR read surely is not unread ink
            band.paste(0, (word.box[0] - 2, 0, word.box[2] + 2, bottom - top))
        for word in words:  # nor are the marks and tails of the lines above and below
            if word.line != key and word.box[1] < bottom and word.box[3] > top:
                band.paste(0, (word.box[0] - 2, max(0, word.box[1] - top) - 2,
                               word.box[2] + 2, min(bottom, word.box[3]) - top + 2))  # fmt: skip
        for x0, x1 in ink_runs(band, height):
            if any(w.box[0] - height < x1 and x0 < w.box[2] + height for w in sure):
                continue  # next to text: part of a word OCR boxed badly
            box = band.crop((x0, 0, x1, band.height)).getbbox()
            if box is None:
                continue
            width, tall = box[2] - box[0], box[3] - box[1]
            if not (0.5 * height <= tall <= 2.2 * height and 0.25 * height <= width <= 15 * height):
                continue
            found = (x0 + box[0], top + box[1], x0 + box[2], top + box[3])
            inside = [w for w in doubtful if w.box[0] < found[2] and found[0] < w.box[2]]
            spots.append(_Spot(key, found, height, inside))
        thai_line = any(_THAI_LETTER.search(word.text) for word in items)
        for word in sure:  # every figure, read again on its own: a check of the first reading
            if _FIGURE.match(word.text) and word.box[2] > word.box[0]:
                if _THAI_DIGIT.search(word.text):
                    continue  # read by its shape (thai_figures): Tesseract reads it no better
                spots.append(_Spot(key, grown(ink, word.box, height), height, [], word))
            elif thai_line and _alien(word) and word.box[2] > word.box[0]:
                # Latin letters among Thai, doubted: Thai misread by the English model
                # ("WA." for "พ.ศ.", "NB." for "ก.ย."): read again as Thai only
                box = grown(ink, word.box, height)
                spots.append(_Spot(key, box, height, [word], languages=_THAI_ONLY))
            elif _ADDRESS.match(word.text) and word.confidence < _DOUBT:
                # an email address Tesseract doubted: the Thai model's guesses spoil Latin
                # letters ("ereen" for "green"); read again as English only
                box = grown(ink, word.box, height)
                spots.append(_Spot(key, box, height, [word], languages=_LATIN_ONLY))
    if not spots:
        return words
    readings: list[tuple[str, float] | None] = [None] * len(spots)
    for languages in sorted({spot.languages for spot in spots}):
        chosen = [index for index, spot in enumerate(spots) if spot.languages == languages]
        try:
            got = _read_spots(page, [spots[i] for i in chosen], engine, languages)
        except OcrError as exc:
            log.warning("second look failed: %s", exc)
            continue
        for index, reading in zip(chosen, got, strict=True):
            readings[index] = reading
    replaced: set[int] = set()
    added: dict[tuple[int, int, int], list[Word]] = {}
    for spot, reading in zip(spots, readings, strict=True):
        if spot.figure is not None:
            checked = _checked(spot.figure, reading)
            if checked is not spot.figure:
                replaced.add(id(spot.figure))
                added.setdefault(spot.line, []).append(checked)
            continue
        if spot.languages == _THAI_ONLY:
            if reading is None or not _THAI_LETTER.search(reading[0]):
                continue  # not Thai after all (an English word): the first reading
            word = spot.doubtful[0]
            new = dataclasses.replace(word, text=reading[0], box=spot.box,
                                      confidence=min(word.confidence, reading[1]))  # fmt: skip
        elif spot.languages == _LATIN_ONLY:
            word = spot.doubtful[0]
            if reading is None or not _ADDRESS.match(reading[0]) or reading[1] <= word.confidence:
                continue  # no surer address: the first reading
            new = dataclasses.replace(word, text=reading[0], box=spot.box,
                                      confidence=min(reading[1], _DOUBT))  # fmt: skip
            # (still doubtful: which of two readings of an address is right, a person says)
        elif reading is not None:
            new = Word(reading[0], spot.box, reading[1], spot.line, COLUMN_SPACES)
        elif any(not tick_like(word.text) for word in spot.doubtful):
            continue  # a figure or letters read doubtfully, and no better: the first reading
        else:
            x0, top, x1, bottom = spot.box
            least = max(0.6 * spot.height, TICK_MIN * OCR_DPI / 72)
            tick_sized = least <= bottom - top and 0.5 * spot.height <= x1 - x0
            tick_sized = tick_sized and x1 - x0 <= 2.2 * spot.height  # (a speck is not a tick)
            symbol = tick_or_box(ink.crop(spot.box)) if tick_sized else None
            if symbol is None:
                continue
            new = Word(symbol, spot.box, MARK_CONFIDENCE, spot.line, COLUMN_SPACES)
        replaced.update(id(word) for word in spot.doubtful)
        added.setdefault(spot.line, []).append(new)
    out: list[Word] = []
    for key, items in lines.items():
        merged = [word for word in items if id(word) not in replaced]
        for new in added.get(key, ()):
            at = sum(1 for word in merged if word.box[2] <= new.box[0])
            merged.insert(at, new)
        out.extend(merged)
    return out


@dataclass(frozen=True)
class _Spot:
    """Ink on a text line to read again: where, the line's text height, the doubtful words
    Tesseract made of it (if any)."""

    line: tuple[int, int, int]
    box: tuple[int, int, int, int]
    height: int
    doubtful: list[Word]
    figure: Word | None = None  # a figure read surely, read again to check it
    languages: str = LANGUAGES  # how to read it again


_THAI_ONLY = "tha"
_LATIN_ONLY = "eng"
_ADDRESS = re.compile(r"^[\w.+/-]+@[\w-]+(?:\.[\w-]+)+$", re.ASCII)
_THAI_LETTER = re.compile("[\u0e01-\u0e2e]")


def _alien(word: Word) -> bool:
    """A short Latin word Tesseract doubted (not part of an address: no @, no digits)."""
    return word.confidence < _ALIEN_DOUBT and len(word.text) <= 6 and _latin_word(word.text)


def _latin_word(text: str) -> bool:
    """Latin letters (and punctuation), no digit, nothing of an address (@ / :)."""
    return any("a" <= char.lower() <= "z" for char in text) and all(
        char.isascii() and not char.isdigit() and char not in "@/:" for char in text
    )


_ALIEN_DOUBT = 90.0


def _checked(figure: Word, reading: tuple[str, float] | None) -> Word:
    """``figure`` after its second reading: the same figure read twice is sure (the surer
    reading's confidence); of two different figures, the second if it has as many digits and
    Tesseract was surer of it (read alone, without the page around it, a figure comes out right
    more often: "2600" on the page is "2400" alone), else the first; either way doubtful, so
    that the value goes to review."""
    if reading is None:
        return figure
    text = reading[0].strip(_TRAILING)
    if not _FIGURE.match(text):
        return figure
    if text == figure.text:
        return dataclasses.replace(figure, confidence=max(figure.confidence, reading[1]))
    doubt = min(figure.confidence, reading[1], _DOUBT)
    if len(text) != len(figure.text) or reading[1] <= figure.confidence:
        return dataclasses.replace(figure, confidence=doubt)  # which is right, a person says
    return dataclasses.replace(figure, text=text, confidence=doubt)


_FIGURE = re.compile(r"^\d[\d.,]*$")
_TRAILING = " :;!|'\".,"


_DOUBT = 75.0  # Tesseract confidence under which a short isolated word is read again
_MARK_DOUBT = 50.0  # ... and under which a lone mark of a second reading is a speck
_SURE_AGAIN = 60.0  # ... and over which the second reading is taken


def _doubtful(word: Word, line: list[Word], height: int) -> bool:
    """A short word Tesseract doubted, standing apart from the rest of its line."""
    if word.confidence >= _DOUBT or len(word.text) > 4:
        return False
    return not any(
        other is not word
        and not is_mark(other)
        and other.box[0] - height < word.box[2]
        and word.box[0] < other.box[2] + height
        for other in line
    )


def _read_spots(
    page: Image.Image, spots: list[_Spot], engine: Engine, languages: str = LANGUAGES
) -> list[tuple[str, float] | None]:
    """Each spot's text and confidence, read all at once: the spots cut out of ``page`` and
    stacked one under the other in a strip, one Tesseract call ("uniform block": a line each)."""
    height = sorted(spot.height for spot in spots)[len(spots) // 2]
    pad = height // 2
    crops = []
    for spot in spots:  # the spot's ink alone on white: no neighbour's ink comes into it
        x0, top, x1, bottom = spot.box
        crop = Image.new("L", (x1 - x0 + 2 * pad, bottom - top + pad), 255)
        crop.paste(page.crop(spot.box), (pad, pad // 2))
        crops.append(crop)
    width = max(crop.width for crop in crops) + 2 * pad
    rows: list[tuple[int, int]] = []
    y = pad
    for crop in crops:
        rows.append((y, y + crop.height))
        y += crop.height + height
    strip = Image.new("L", (width, y + pad), 255)
    for crop, (row_top, _) in zip(crops, rows, strict=True):
        strip.paste(crop, (pad, row_top))
    found: list[list[Word]] = [[] for _ in spots]
    for word in engine(strip, OCR_DPI, 6, languages):
        middle = (word.box[1] + word.box[3]) / 2
        for index, (row_top, row_bottom) in enumerate(rows):
            if row_top <= middle <= row_bottom:
                found[index].append(word)
                break
    readings: list[tuple[str, float] | None] = []
    for read in found:
        # a mark read alone with little confidence is a speck ("ก.ุย." for "ก.ย.")
        read = [word for word in read if not (is_mark(word) and word.confidence < _MARK_DOUBT)]
        bases = [word for word in read if not is_mark(word)]
        text = "".join((" " if word.spaces > 0 and i else "") + word.text
                       for i, word in enumerate(read)).strip()  # fmt: skip
        confidence = min((word.confidence for word in read), default=0.0)
        sure = bases and confidence >= _SURE_AGAIN and any(char.isalnum() for char in text)
        readings.append((text, confidence) if sure else None)
    return readings
