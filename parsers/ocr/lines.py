"""Tesseract's words -> text lines of segments, cut where a table's columns are.

Place in the flow: the last step of ``parsers.ocr`` before the layout shared with PDFs
(``parsers.textlayout``): :func:`ocr_pages` takes the words of all pages of one document (boxes
tightened, doubtful words read again) and makes :class:`parsers.pagetext.Line`\\ s of
segments in points, with confidences.

The pages are registered on their left margins and taken as one, so a table keeps its columns
across a page break. Tesseract's spacing cuts a line at column gaps (two spaces or more); OCR
sets two table cells one space apart like two words, so one space is a column gap too where
the rows around align on it as a table's columns do (:func:`cut_at_rivers`), where a header's
next word starts at the edge of a column of figures (:func:`cut_after_figures`), or where the
line crosses a column edge of its table; a number glued to the Thai after it, two formatted
figures and two column headers read as one run are cut too. Specks read as characters and
dust read as punctuation are dropped; each segment's text is put right where it is one of a
closed list (``parsers.ocr.mending``). A segment's confidence is its least sure character's
(Tesseract's 0-100 scaled so that 95 and above is 1.0 and 50 is 0).

Owns: the geometry of OCR words on a page (column gaps, rivers, page registration) and how
a run of words becomes a segment's text.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Sequence

from parsers.labels import bare_key, label_key, schema_labels
from parsers.ocr.engine import COLUMN_SPACES, Word, is_mark, text_height
from parsers.ocr.ink import TICKS
from parsers.ocr.mending import NIKHAHIT_AS_HAN_AKAT, month_fixed, snapped, undusted
from parsers.pagetext import Line, Segment
from parsers.schema import available_versions, load_schema
from parsers.textlayout import column_edges

_SPACE_GAP = 0.33  # text heights: a gap this wide between characters is a space
_SEGMENT_GAP = 2.0  # text heights: ... and this wide, another column
_WIDE_SPACE = 2.5  # text heights: one space this wide is a column gap too
_CUT_SUPPORT = 4  # lines aligned on a column edge before OCR text is cut there
_SPECK = 40  # Tesseract confidence below which a lone mark is dirt
OCR_ALIGN = 0.5  # ems: how far apart OCR boxes may start and still be aligned


def ocr_lines(words: list[Word], page: int, dpi: int) -> list[Line]:
    """One page's words as text lines (see :func:`ocr_pages`)."""
    return ocr_pages([(page, words)], dpi)


def ocr_pages(pages: Sequence[tuple[int, list[Word]]], dpi: int) -> list[Line]:
    """Tesseract's words of the pages of one document as text lines of segments, in points,
    with confidences.

    Scanned pages lie at slightly different places on the scanner: each page is first shifted
    so that its left margin (where most lines start) is where the first page's is, and the
    pages are then taken as one long page, so that a table continued on the next page keeps
    its columns and its header on the page before is cut where its rows are. A line is cut
    into runs at column gaps (two spaces or more in Tesseract's text, or a wide gap), at one
    space where the lines around align on it as table columns do (:func:`cut_at_rivers`), and
    where it crosses a column edge of the document (text aligned on it in several lines) at a
    space: OCR sets a number and the next cell's text apart by one space only ("2894 ประดู่")."""
    ordered: list[tuple[int, list[Word]]] = []
    for page, words in pages:
        grouped: dict[tuple[int, int, int], list[Word]] = {}
        for word in words:
            grouped.setdefault(word.line, []).append(word)
        lines = sorted(grouped.values(), key=lambda items: min(w.box[1] for w in items))
        ordered += [(page, items) for items in lines]
    shifts = _page_shifts(ordered)
    ordered = [(page, _shifted(items, shifts.get(page, 0))) for page, items in ordered]
    scale = 72 / dpi
    runs = [
        [
            p
            for run in _runs(items)
            for q in _cut_numbers(run)
            for r in _cut_figure_pairs(q)
            for p in _cut_headers(r)
        ]
        for _, items in ordered
    ]
    runs = cut_at_rivers(runs)
    runs = cut_after_figures(runs)
    # One text size for the document: OCR boxes of Thai characters (tall ones, low ones,
    # marks) say little about a run's font size, and the layout compares sizes line to line.
    bases = [w for _, items in ordered for w in items if not is_mark(w)]
    size = text_height(bases) * scale * _SIZE_PER_HEIGHT if bases else 10.0
    line_segments = [[_segment(run, scale, size) for run in line_runs] for line_runs in runs]
    segments = [segment for found in line_segments for segment in found]
    edges = column_edges(segments, OCR_ALIGN, support=_CUT_SUPPORT)
    runs = [
        [p for run in line_runs for p in _cut_at_edges(run, [e / scale for e in near])]
        for line_runs, near in zip(runs, _near_edges(line_segments, edges), strict=True)
    ]
    out: list[Line] = []
    numbers: dict[int, int] = {}
    for (page, _), line_runs in zip(ordered, runs, strict=True):
        kept = [
            snapped(segment)
            for segment in (_segment(run, scale, size) for run in line_runs)
            if _kept(segment)
        ]
        if kept:
            numbers[page] = numbers.get(page, 0) + 1
            out.append(Line(page, kept, number=numbers[page], ocr=True))
    return out


def _near_edges(lines: list[list[Segment]], edges: list[float]) -> list[list[float]]:
    """For each line, the column ``edges`` that text of the lines around it is aligned on:
    a table's columns cut the rows of that table, not a paragraph further down the page."""
    sizes = sorted(segment.size for found in lines for segment in found)
    if not sizes:
        return [[] for _ in lines]
    tolerance = OCR_ALIGN * sizes[len(sizes) // 2]
    aligned = [
        {
            e
            for e in edges
            for s in found
            if abs(s.x0 - e) <= tolerance
            or (abs(s.x1 - e) <= tolerance and _NUMBER_OR_DECIMAL.match(s.text))
        }
        for found in lines
    ]
    out: list[list[float]] = []
    for index in range(len(lines)):
        near = set().union(*aligned[max(0, index - _EDGE_WINDOW) : index + _EDGE_WINDOW + 1])
        out.append(sorted(near))
    return out


_SIZE_PER_HEIGHT = 1.4  # font size / median height of Tesseract's (inked) character boxes


_EDGE_WINDOW = 3  # lines up and down whose alignments count as this line's table


def _page_shifts(lines: list[tuple[int, list[Word]]]) -> dict[int, int]:
    """Pixels to add to each page's x so that its left margin meets the first page's."""
    starts: dict[int, list[int]] = {}
    heights: list[int] = []
    for page, items in lines:
        bases = [word for word in items if not is_mark(word)]
        if bases:
            starts.setdefault(page, []).append(min(word.box[0] for word in bases))
            heights.append(text_height(bases))
    if not heights:
        return {}
    height = sorted(heights)[len(heights) // 2]
    margins = {page: _left_margin(found, height) for page, found in starts.items()}
    anchor = next((m for m in margins.values() if m is not None), None)
    if anchor is None:
        return {}
    return {page: 0 if margin is None else anchor - margin for page, margin in margins.items()}


def _left_margin(starts: list[int], height: int) -> int | None:
    """The densest cluster of line starts, when a page has lines enough to tell."""
    starts = sorted(starts)
    if len(starts) < 5:
        return None
    best, best_count = None, 0
    for index, start in enumerate(starts):
        count = sum(1 for other in starts[index:] if other - start <= 0.5 * height)
        if count > best_count:
            best, best_count = start, count
    return best


def _shifted(words: list[Word], shift: int) -> list[Word]:
    if not shift:
        return words
    return [
        dataclasses.replace(w, box=(w.box[0] + shift, w.box[1], w.box[2] + shift, w.box[3]))
        for w in words
    ]


def _runs(words: list[Word]) -> list[list[Word]]:
    """A line's words cut at column gaps: Tesseract's spacing where known (two spaces or
    more, or one space over a wide gap), else the gap in text heights."""
    # A mark read with little confidence is a speck above or below the text, not a tone mark.
    words = [word for word in words if word.confidence >= _SPECK or not is_mark(word)]
    bases = [word for word in words if not is_mark(word)]
    if not bases:
        return []
    height = text_height(bases)
    runs: list[list[Word]] = [[]]
    previous: Word | None = None
    for word in words:
        if previous is not None and not is_mark(word):
            gap = word.box[0] - previous.box[2]
            if (
                word.spaces >= COLUMN_SPACES
                or (word.spaces == 1 and gap > _WIDE_SPACE * height)
                or (word.spaces < 0 and gap > _SEGMENT_GAP * height)
            ):
                runs.append([])
        runs[-1].append(word)
        if not is_mark(word):
            previous = word
    return [run for run in runs if run]


def _cut_numbers(run: list[Word]) -> list[list[Word]]:
    """A number that starts a run, read glued to the Thai text after it, is two cells
    ("1962ประดู่", "3ปลูกป่า"): in a form a number stands in a cell of its own (or before its
    unit, a cell of its own too). Tesseract may give the two as one word ("1ท้องถิ่น"): it is
    parted where the Thai begins, its box in proportion."""
    dust = next((i for i, word in enumerate(run) if not set(word.text) <= _DUST), len(run))
    before, run = run[:dust], run[dust:]  # dirt read as a quote before the number stays with it
    glued = _GLUED_NUMBER.match(run[0].text) if run else None
    if glued is not None:
        word, cut = run[0], len(glued.group(1))
        x = word.box[0] + (word.box[2] - word.box[0]) * cut // len(word.text)
        number = dataclasses.replace(word, text=glued.group(1), box=(word.box[0], word.box[1],
                                     x, word.box[3]))  # fmt: skip
        rest = dataclasses.replace(word, text=word.text[cut:], box=(x, word.box[1], word.box[2],
                                   word.box[3]), spaces=0)  # fmt: skip
        return [[*before, number], [rest, *run[1:]]]
    if len(run) < 2 or not _NUMBER.match(run[0].text):
        return [before + run]
    for index, word in enumerate(run[1:], start=1):
        if not _NUMBER.match(word.text) or word.spaces > 0:
            if word.spaces == 0 and "\u0e01" <= word.text[:1] <= "\u0e2e":
                return [before + run[:index], run[index:]]
            return [before + run]
    return [before + run]


_NUMBER = re.compile(r"^\d+(?:,\d{3})*$")  # a quantity, not a numbering ("2.1", "3.")


_GLUED_NUMBER = re.compile(r"^(\d{1,4})(?=[\u0e01-\u0e2e\u0e40-\u0e44][\u0e01-\u0e4e])")


def _cut_figure_pairs(run: list[Word]) -> list[list[Word]]:
    """Two figures a space apart, one of them written with a thousands comma or a decimal
    point ("10.9025 1,277"), are two cells: the figures of two columns OCR read as one line.
    (Digits alone a space apart stay one: "0 5361 9972" is a telephone number.)"""
    tokens: list[list[Word]] = []
    for word in run:
        if tokens and (word.spaces == 0 or is_mark(word)):
            tokens[-1].append(word)
        else:
            tokens.append([word])
    if len(tokens) < 2:
        return [run]
    pieces: list[list[Word]] = [tokens[0]]
    for before, token in itertools.pairwise(tokens):
        first, second = _joined(before), _joined(token)
        if (_FIGURE_TOKEN.match(first) and _FIGURE_TOKEN.match(second)
                and (_FORMATTED.search(first) or _FORMATTED.search(second))):  # fmt: skip
            pieces.append(list(token))
        else:
            pieces[-1].extend(token)
    return pieces


def _cut_headers(run: list[Word]) -> list[list[Word]]:
    """Two column headers of a form's table read as one run a space apart ("จำนวนต้นไม้ที่ปลูก
    (ต้น) ชนิดพันธุ์"): cut where the text before the space and the text after it are each,
    whole, a column header (of any form version)."""
    starts = [i for i, word in enumerate(run) if i and word.spaces > 0 and not is_mark(word)]
    if not starts:
        return [run]
    headers = _column_headers()
    for index in starts:
        left, right = _text(run[:index]), _text(run[index:])
        if right.startswith("("):
            continue  # the left header's note ("(ต้น)"): no header starts with one
        if _header_key(left) in headers and _header_key(right) in headers:
            return [run[:index], *_cut_headers(run[index:])]
    return [run]


def _header_key(text: str) -> str:
    return bare_key(text) or label_key(text)


@functools.lru_cache(maxsize=1)
def _column_headers() -> frozenset[str]:
    """Keys of the column headers of the tables of every form version (with and without their
    parenthesised notes)."""
    keys: set[str] = set()
    for version in available_versions():
        for target, texts in schema_labels(load_schema(version)):
            if target[0] in ("pcol", "gcol"):
                keys.update(key for text in texts for key in (label_key(text), bare_key(text)))
    keys.discard("")
    return frozenset(keys)


def _joined(words: list[Word]) -> str:
    return "".join(word.text for word in words)


_FIGURE_TOKEN = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_FORMATTED = re.compile(r"\d[,.]\d")


def cut_at_rivers(lines: list[list[list[Word]]]) -> list[list[list[Word]]]:
    """Each line's runs cut at the spaces that are table column gaps. OCR sets two table cells
    apart by one space, like two words; a column gap differs in that the rows above and below
    align on it too: the word after the space starts where a word starts in other lines with
    text before it (a left-aligned column), or the number before it ends where numbers end in
    other lines (a right-aligned column of figures), and no word in between lies across it.
    At least one line must share the start and ``_RIVER_SUPPORT`` lines the gap. Lines that
    repeat the words before the space ("2.1 พื้นที่สีเขียวอรรถประโยชน์ …", "2.2 …") prove
    nothing; a line with text on one side only (a wrapped cell's second line) is passed over."""
    spans = [_word_spans(runs) for runs in lines]
    out: list[list[list[Word]]] = []
    for index, runs in enumerate(lines):
        bases = [w.box for run in runs for w in run if not is_mark(w)]
        if not bases:
            out.append(runs)
            continue
        tolerance = _RIVER_ALIGN * sorted(b[3] - b[1] for b in bases)[len(bases) // 2]
        cut_runs: list[list[Word]] = []
        for run in runs:
            piece: list[Word] = []
            for word in run:
                if (
                    piece
                    and not is_mark(word)
                    and word.spaces >= 1
                    and _is_column_gap(spans, index, word.box[0], tolerance)
                ):
                    cut_runs.append(piece)
                    piece = []
                piece.append(word)
            cut_runs.append(piece)
        out.append([run for run in cut_runs if run])
    return out


def cut_after_figures(lines: list[list[list[Word]]]) -> list[list[list[Word]]]:
    """Runs cut at a space where the next word starts at the right edge of a column of figures
    (at least ``_FIGURE_SUPPORT`` numbers, right-aligned, end there): the next column's text
    begins where the figures of the column before it end. It splits a table header whose
    cells OCR read as one line of words ("งบประมาณ (บาท) พื้นที่สีเขียวที่เพิ่มขึ้น …")."""
    ends: list[int] = []
    heights: list[int] = []
    line_ends: list[list[int]] = []
    for runs in lines:
        line_ends.append([])
        for run in runs:
            bases = [word for word in run if not is_mark(word)]
            if bases:
                heights.append(text_height(bases))
            if bases and _NUMBER_OR_DECIMAL.match("".join(word.text for word in bases)):
                line_ends[-1].append(max(word.box[2] for word in bases))
                ends.append(line_ends[-1][-1])
    if not ends:
        return lines
    tolerance = _RIVER_ALIGN * sorted(heights)[len(heights) // 2]
    ends.sort()
    edges: list[int] = []
    for index, end in enumerate(ends):
        group = [other for other in ends[index:] if other - end <= tolerance]
        if len(group) >= _FIGURE_SUPPORT and (not edges or end - edges[-1] > tolerance):
            edges.append(max(group))
    if not edges:
        return lines
    out: list[list[list[Word]]] = []
    for index, runs in enumerate(lines):
        near = [  # the columns of figures of this line's table: figures end there close by
            edge
            for edge in edges
            if any(
                abs(end - edge) <= tolerance
                for other in range(max(0, index - _EDGE_WINDOW), index + _EDGE_WINDOW + 1)
                if other != index and other < len(lines)
                for end in line_ends[other]
            )
        ]
        cut_runs: list[list[Word]] = []
        for run in runs:
            piece: list[Word] = []
            previous: Word | None = None
            for word in run:
                if previous is not None and not is_mark(word) and word.spaces >= 1:
                    x0, x1 = word.box[0], previous.box[2]
                    # (pages registered by their margins may still be a few points apart)
                    if any(edge - 2 * tolerance <= x0 <= edge + tolerance and x1 <= edge
                           for edge in near):  # fmt: skip
                        cut_runs.append(piece)
                        piece = []
                piece.append(word)
                if not is_mark(word):
                    previous = word
            cut_runs.append(piece)
        out.append([run for run in cut_runs if run])
    return out


_FIGURE_SUPPORT = 3  # numbers ending at one x that make a column of figures


_NUMBER_OR_DECIMAL = re.compile(r"^\d{1,3}(?:,?\d{3})*(?:\.\d+)?$")


_REPEATED = 5  # characters: a word this long in the same place is the same word (short ones,


# like figures of as many digits, must read the same)
_RIVER_SUPPORT = 2  # other lines aligned on a column gap


_LIST_NUMBER = re.compile(r"^\(?\d+(?:\.\d+)*[.,)]\d*$")  # "3.", "2.1", "(4)", "5," - not "12"


_RIVER_ALIGN = 0.6  # text heights: how far apart aligned column starts (or ends) may be


_RIVER_REACH = 12  # lines looked at above and below


_RIVER_ASIDE = 3  # lines with text on one side only passed over before the river ends


_Span = tuple[tuple[int, int, int, int], str]


def _word_spans(runs: list[list[Word]]) -> list[_Span]:
    """A line's words as a reader sees them, with their boxes: Tesseract's Thai "words"
    (character clusters, with gaps between their boxes) joined up to the next space."""
    spans: list[_Span] = []
    for run in runs:
        for word in run:
            if is_mark(word):
                continue
            if spans and word.spaces == 0 and run[0] is not word:
                (x0, top, x1, bottom), text = spans[-1]
                box = (min(x0, word.box[0]), min(top, word.box[1]),
                       max(x1, word.box[2]), max(bottom, word.box[3]))  # fmt: skip
                spans[-1] = (box, text + word.text)
            else:
                spans.append((word.box, word.text))
    return spans


def _is_column_gap(spans: list[list[_Span]], index: int, start: int, tolerance: float) -> bool:
    """Is the space before the word of line ``index`` starting at x ``start`` a column gap?"""
    before = [span for span in spans[index] if span[0][0] < start - tolerance / 2]
    if not before:
        return False
    mine = max(before, key=lambda span: span[0][2])
    if len(before) == 1 and _LIST_NUMBER.match(mine[1]):
        return False  # "2.1 พื้นที่…": a label's numbering, not a column of its own
    end = mine[0][2]
    numeric = bool(_NUMBER.match(mine[1]))
    starts = ends = 0
    for step in (-1, 1):
        aside = 0
        other = index + step
        while 0 <= other < len(spans) and abs(other - index) <= _RIVER_REACH:
            boxes = spans[other]
            other += step
            if any(b[0] < min(start, end) - tolerance and b[2] > max(start, end) + tolerance
                   for b, _ in boxes):  # fmt: skip
                break  # a word lies across the gap: the river ends
            left = [span for span in boxes if span[0][0] < start - tolerance / 2]
            right = [span for span in boxes if span[0][0] >= start - tolerance / 2]
            if not left or not right:
                aside += 1
                if aside > _RIVER_ASIDE:
                    break
                continue
            last = max(left, key=lambda span: span[0][2])
            if (
                abs(last[0][0] - mine[0][0]) <= tolerance
                and abs(last[0][2] - end) <= tolerance
                and (last[1] == mine[1] or min(len(last[1]), len(mine[1])) >= _REPEATED)
            ):
                continue  # the same words as line ``index``'s before the gap
            if abs(min(span[0][0] for span in right) - start) <= tolerance:
                starts += 1
            elif numeric and _NUMBER.match(last[1]) and abs(last[0][2] - end) <= tolerance:
                ends += 1
    return starts >= 1 and starts + ends >= _RIVER_SUPPORT


def _cut_at_edges(run: list[Word], edges: list[float]) -> list[list[Word]]:
    """``run`` cut where it is apart (a space, a gap, a number next to text) on a column edge."""
    pieces: list[list[Word]] = [[]]
    bases = [word for word in run if not is_mark(word)]
    height = text_height(bases) if bases else 1
    previous: Word | None = None
    for word in run:
        if previous is not None and not is_mark(word):
            low, high = previous.box[2] - 0.2 * height, word.box[0] + 0.2 * height
            apart = word.spaces >= 1
            if apart and any(low <= edge <= high for edge in edges):
                pieces.append([])
        pieces[-1].append(word)
        if not is_mark(word):
            previous = word
    return [piece for piece in pieces if piece]


def _text(run: list[Word]) -> str:
    """The words of a run as text: a space where Tesseract put one (or, where it did not say,
    a gap of a third of the text height); a lone tick read as a letter is a tick."""
    bases = [word for word in run if not is_mark(word)]
    height = text_height(bases) if bases else 1
    parts: list[str] = []
    previous: Word | None = None
    for word in run:
        if previous is not None and not is_mark(word):
            gap = word.box[0] - previous.box[2]
            if word.spaces >= 1 or (word.spaces < 0 and gap > _SPACE_GAP * height):
                parts.append(" ")
        parts.append(word.text)
        if not is_mark(word):
            previous = word
    text = NIKHAHIT_AS_HAN_AKAT.sub(r"\1ำ", "".join(parts).strip())
    text = " ".join(month_fixed(token) for token in text.split(" "))
    return TICKS.get(text, undusted(text))


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
    if len(text) <= 2 and all(char in _DUST for char in text):
        return False  # a dot of dirt read as punctuation, however sure Tesseract is
    if all(not char.isalnum() for char in text) and segment.confidence < 0.6:
        return False
    if text.isdigit():  # a figure OCR doubted (an ordinal glued to its row's text)
        return segment.confidence >= 0.1
    return len(text) > 2 or segment.confidence >= 0.3


_DUST = frozenset(".,'`°:;•·‘’\"“”")


def _segment(run: list[Word], scale: float, size: float) -> Segment:
    box = (
        min(w.box[0] for w in run) * scale,
        min(w.box[1] for w in run) * scale,
        max(w.box[2] for w in run) * scale,
        max(w.box[3] for w in run) * scale,
    )
    confidence = min(_confidence(w.confidence) for w in run)
    return Segment(_text(run), box, size, confidence)


def _confidence(tesseract: float) -> float:
    """Tesseract's 0-100 as 0-1: 95 and above sure, 50 and below worthless."""
    return round(min(1.0, max(0.0, (tesseract - 50) / 45)), 3)
