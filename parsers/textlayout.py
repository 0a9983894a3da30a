"""Text lines on pages -> a grid of cells: the geometry shared by the PDF reader and OCR.

Place in the flow: ``parsers.pdf`` (characters of a PDF text layer) and ``parsers.ocr``
(Tesseract's words) both turn each page into :class:`Line`\\ s of :class:`Segment`\\ s - runs of
text separated by a column gap, each with a box in points from the page's top-left corner. This
module puts them on the grid that ``parsers.extract`` reads (``parsers.cells``):

- rows are the lines, top to bottom, the pages one after the other (a table continued on the
  next page stays one table; a page printed from another sheet, with other columns, starts a
  group of its own);
- columns are bands between the x positions where the text of several lines starts (left-aligned
  text) or ends (right-aligned numbers), or where table borders run, as in the spreadsheet or
  table the page was printed from. A line uses only the edges that lines near it are aligned on
  (its own table: another table further down must not cut its columns), plus edges its
  neighbours need between two of their segments; the bands are numbered on one grid. A cell
  belongs to the band its text starts in, and spans further bands only when it is centred over
  them (a merged heading), never when it merely runs on to the right;
- a line continues a cell of the line above when both are in one ruled box, or when it holds one
  segment, left-aligned under a value of the line above (a value typed on several lines) or under
  a segment that filled its column (wrapped text): the texts are joined with a line break where
  the writer broke the line, with a space or nothing where the text wrapped (Thai words run
  together; a drawn space at the end of the line says there was one).

Cells are :class:`TextCell`\\ s: a :class:`parsers.cells.Cell` with the reading confidence of
its text (1.0 for a text layer, Tesseract's for OCR; ``parsers.layout`` scales label scores by it)
and its page.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.cells import Cell

Box = tuple[float, float, float, float]  # x0, top, x1, bottom: points from the page's top-left


@dataclass(frozen=True)
class TextCell(Cell):
    """A cell read from a page; ``confidence`` is how sure the reader is of its text (0-1)."""

    confidence: float = 1.0
    page: int = 1


@dataclass(frozen=True)
class Segment:
    """A run of text on one line with no column gap inside it."""

    text: str
    box: Box
    size: float  # font size (text layer) or x-height-based size (OCR), in points
    confidence: float = 1.0
    space_after: bool = False  # a space is drawn after the text (a line wrapped at a space)
    weight: int = 0  # font weight (400 regular, 700 bold; 0 unknown)
    frame: Box | None = None  # the ruled box (table cell borders) the text is in, if any

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def x1(self) -> float:
        return self.box[2]


@dataclass
class Line:
    """The segments of one text line of a page, left to right."""

    page: int  # 1-based
    segments: list[Segment]
    number: int = 0  # the reader's line number on the page (1-based), for provenance
    ocr: bool = False  # read by OCR (not from a text layer)

    @property
    def top(self) -> float:
        return min(segment.box[1] for segment in self.segments)

    @property
    def bottom(self) -> float:
        return max(segment.box[3] for segment in self.segments)

    @property
    def size(self) -> float:
        return max(segment.size for segment in self.segments)


SourceOf = Callable[[Line, Segment], str]

_ALIGN = 0.6  # a continuation line starts within this many ems of the cell it continues
_OVERLAP = 0.5  # ems: text ending this far past where a column starts is still before it
_JOIN = 0.6  # alignments this close (ems) make one column edge (a number ending, a unit starting)
_MIN_SUPPORT = 2  # lines sharing an alignment before it counts as a column edge
_SURE = 0.5  # confidence below which a segment does not force a column edge
_WINDOW = 10  # lines: the neighbourhood whose alignments give a line its columns
_MAX_PITCH = 2.2  # ems from one line to the next of the same cell (Thai fonts: ~1.7)
_LONG_WORD = 5.25  # ems: wider than most Thai words (measured wraps: at most 4.8 ems left)
_BOLD = 600  # a bold first cell does not run on to the next line: a heading, a label
_LABEL_VALUE = re.compile(r"^[^:：\n]{2,40}[:：]\s*\S")
_LIST_ITEM = re.compile(
    r"^\s*(?:[\d\u0e50-\u0e59]{1,2}(?:\.[\d\u0e50-\u0e59]{1,2})*[.)]?|[-–•*])\s"
)
_NUMERIC = re.compile(r"^[\s\d\u0e50-\u0e59.,:/()+\-–%]+$")
_PAD = 0.25  # ems between a column edge and the text aligned on it


def box_source(line: Line, segment: Segment) -> str:
    """ "p1 (72,300)-(210,312)": the page and the box in points, as a reviewer finds it."""
    x0, top, x1, bottom = segment.box
    return f"p{line.page} ({x0:.0f},{top:.0f})-({x1:.0f},{bottom:.0f})"


def layout_cells(
    lines: Sequence[Line],
    *,
    sheet: str,
    source: SourceOf = box_source,
    align: float = 0.1,
    support: int = _MIN_SUPPORT,
    max_cells: int = 100_000,
) -> list[TextCell]:
    """The cells of ``lines`` (already in reading order, page by page) on one sheet's grid.

    ``align``: how far apart (ems) text may start or end and still be aligned - a text layer
    is exact (0.1), OCR boxes of a scan less so; ``support``: how many segments make an
    alignment (OCR's ragged boxes line up by chance more often).
    """
    pages: dict[int, list[Line]] = {}
    for line in lines:
        if line.segments:
            pages.setdefault(line.page, []).append(line)
    unjoined = [s for page_lines in pages.values() for line in page_lines for s in line.segments]
    sizes = sorted(segment.size for segment in unjoined)
    tolerance = _JOIN * (sizes[len(sizes) // 2] if sizes else 10.0)
    groups: list[list[Line]] = []
    previous: list[float] | None = None
    for page_lines in pages.values():
        own = column_edges(
            [s for line in page_lines for s in line.segments], align, support=support
        )
        if groups and previous is not None and _same_columns(previous, own, tolerance):
            groups[-1].extend(page_lines)
        else:
            groups.append(list(page_lines))  # the first page, or one printed from another sheet
        previous = own
    cells: list[TextCell] = []
    row = 0
    for lines_of_group in groups:
        first_edges = column_edges(
            [s for line in lines_of_group for s in line.segments], align, support=support
        )
        group = _join_continuations(lines_of_group, first_edges)
        placed = _place(group, align, tolerance, support)
        for line, places in zip(group, placed, strict=True):
            for segment, (col, cols) in zip(line.segments, places, strict=True):
                cells.append(
                    TextCell(
                        segment.text,
                        None,
                        sheet,
                        row,
                        col,
                        source(line, segment),
                        cols=cols,
                        box=segment.box,
                        confidence=segment.confidence,
                        page=line.page,
                    )
                )
                if len(cells) >= max_cells:
                    return cells
            row += 1
    return cells


def _place(
    lines: list[Line], align: float, tolerance: float, support: int
) -> list[list[tuple[int, int]]]:
    """(column, columns) of every segment of ``lines`` on one grid.

    Column edges are found on all the lines, but a line uses only the edges that lines near it
    (``_WINDOW`` up or down: its own table) are aligned on, and the edges that its neighbours
    had to add between two of their segments: another table's columns further down the page
    must not cut this table's. A segment's column is then its band among its line's edges,
    numbered on the grid of all edges (spanning several grid columns where other tables have
    more edges)."""
    segments = [segment for line in lines for segment in line.segments]
    edges = column_edges(segments, align, support=support)
    supported: list[list[float]] = []
    for index in range(len(lines)):
        window = lines[max(0, index - _WINDOW) : index + _WINDOW + 1]
        near = [segment for line in window for segment in line.segments]
        supported.append([e for e in edges if _support(e, near, tolerance) >= 1])
    forced = _forced_edges(lines, supported, segments)
    local: list[list[float]] = []
    for index, mine in enumerate(supported):
        near_lines = range(max(0, index - _WINDOW), index + _WINDOW + 1)
        local.append(sorted({*mine, *(edge for i in near_lines for edge in forced.get(i, []))}))
    grid = sorted({edge for mine in local for edge in mine})
    placed: list[list[tuple[int, int]]] = []
    for line, mine in zip(lines, local, strict=True):
        places = []
        for segment in line.segments:
            first, span = _columns(segment, mine)
            last = first + span - 1
            col = bisect.bisect_right(grid, mine[first - 1]) if first else 0
            end = bisect.bisect_left(grid, mine[last]) if last < len(mine) else len(grid)
            places.append((col, max(1, end - col + 1)))
        placed.append(places)
    return placed


def _support(edge: float, segments: Sequence[Segment], tolerance: float) -> int:
    """Segments aligned on ``edge``: starting or ending within ``tolerance`` of it, or in a
    ruled box whose border it is."""
    count = 0
    for segment in segments:
        ends = [segment.x0, segment.x1]
        if segment.frame is not None:
            ends += [segment.frame[0], segment.frame[2]]
        if any(abs(x - edge) <= tolerance for x in ends):
            count += 1
    return count


def _same_columns(one: list[float], other: list[float], tolerance: float) -> bool:
    """Do two pages have the same columns (pages of one sheet or table)? Most edges of the page
    with fewer edges are edges of the other; a page with one edge or none tells nothing."""
    fewer, more = sorted((one, other), key=len)
    if len(fewer) <= 1:
        return True
    matched = sum(1 for edge in fewer if any(abs(edge - e) <= tolerance for e in more))
    return matched >= 0.6 * len(fewer)


# ---------------------------------------------------------------------- lines continuing a cell


def _join_continuations(lines: list[Line], edges: list[float]) -> list[Line]:
    """Lines that continue a cell of the line above are joined into that cell (see module doc):
    text in the same ruled box (table borders), else a lone segment under a cell it continues."""
    out: list[Line] = []
    framed: dict[tuple[int, Box], tuple[Line, int]] = {}
    margin = max((s.x1 for line in lines for s in line.segments), default=0.0)
    for line in lines:
        kept: list[Segment] = []
        for segment in line.segments:
            key = (line.page, segment.frame) if segment.frame is not None else None
            earlier = framed.get(key) if key is not None else None
            if earlier is None:
                kept.append(segment)
                continue
            host, index = earlier
            above = host.segments[index]
            host.segments[index] = _joined(above, segment, _wrapped_in_frame(above, segment))
        line.segments = kept
        if not kept:
            continue
        target = _continued_segment(out[-1], line, edges, margin) if out else None
        if target is not None:
            index, segment, wrapped = target
            out[-1].segments[index] = _joined(segment, line.segments[0], wrapped)
            continue
        out.append(line)
        for index, segment in enumerate(line.segments):
            if segment.frame is not None:
                framed[(line.page, segment.frame)] = (line, index)
    return out


def _joined(segment: Segment, below: Segment, wrapped: bool) -> Segment:
    return Segment(
        segment.text + _joint(segment, below, wrapped) + below.text,
        (
            min(segment.box[0], below.box[0]),
            segment.box[1],
            max(segment.box[2], below.box[2]),
            below.box[3],
        ),
        max(segment.size, below.size),
        min(segment.confidence, below.confidence),
        below.space_after,
        segment.weight,
        segment.frame,
    )


def _wrapped_in_frame(segment: Segment, below: Segment) -> bool:
    """Did the text of ``segment`` wrap inside its ruled box before ``below``?"""
    if segment.frame is None or _LIST_ITEM.match(below.text):
        return False
    return _first_word_end(segment, below) > segment.frame[2] - _PAD * segment.size


def _first_word_end(segment: Segment, below: Segment) -> float:
    """Where the first word of ``below`` would have ended, set after ``segment``."""
    words = below.text.split()
    first = words[0] if words else below.text
    width = (below.x1 - below.x0) * len(first) / max(len(below.text), 1)
    # Thai is written without spaces between words: a "word" up to a space may be a whole
    # phrase; no Thai word is much wider than _LONG_WORD ems.
    width = min(width, _LONG_WORD * segment.size)
    return segment.x1 + width + _PAD * segment.size


def _joint(segment: Segment, below: Segment, wrapped: bool) -> str:
    """A line break where the writer broke the line; where the text wrapped, a space if one was
    drawn at the end of the line or when the words are not Thai (Thai words run together)."""
    if not wrapped:
        return "\n"
    if segment.space_after:
        return " "
    if _is_thai(segment.text[-1:]) and _is_thai(below.text[:1]):
        return ""
    last_line = segment.text.rsplit("\n", 1)[-1]
    return "" if " " not in last_line.strip() else " "  # one long token broken: "green949@dl"


def _is_thai(char: str) -> bool:
    return "\u0e01" <= char <= "\u0e5b"


def _continued_segment(
    above: Line, line: Line, edges: list[float], margin: float
) -> tuple[int, Segment, bool] | None:
    if len(line.segments) != 1 or line.page != above.page:
        return None
    below = line.segments[0]
    size = max(below.size, above.size)
    if line.bottom - above.bottom > _MAX_PITCH * size:
        return None  # a blank line between: a new cell
    if _LABEL_VALUE.match(below.text) or below.frame is not None:
        return None  # "ตำแหน่ง: ...": a label and its value, a row of its own; a ruled box
    for index, segment in enumerate(above.segments):
        if abs(segment.x0 - below.x0) > _ALIGN * size or not _same_font(segment, below):
            continue
        if segment.frame is not None:
            continue
        wrapped, at_margin = _filled(above, index, below, edges, margin)
        if index > 0 or (wrapped and (segment.weight < _BOLD or at_margin)):
            return index, segment, wrapped
    return None


def _same_font(one: Segment, other: Segment) -> bool:
    """Same weight (when known) and size: a bold label under a regular value is another cell.
    Sizes from OCR (weight unknown) are rough: only a big difference counts there."""
    if one.weight and other.weight and abs(one.weight - other.weight) >= 200:
        return False
    slack = 0.15 if one.weight and other.weight else 0.4
    return abs(one.size - other.size) <= slack * max(one.size, other.size)


def _filled(
    above: Line, index: int, below: Segment, edges: list[float], margin: float
) -> tuple[bool, bool]:
    """(Did the text of ``above.segments[index]`` wrap, at the page's right margin?) Only if the
    first word of ``below`` would not have fitted in its column (or, in the last column, before
    the right margin: a paragraph). Text running past its column's edge (a merged cell, an
    overflow) does not count as wrapped: there is no telling where its line would have ended."""
    segment = above.segments[index]
    if _LIST_ITEM.match(below.text):
        return False, False  # "2. ..." under "1. ...": the writer started a new line
    start = bisect.bisect_right(edges, segment.x0 + _PAD * segment.size)
    at_margin = start >= len(edges)
    if at_margin and " " not in segment.text.strip():
        return False, False  # a paragraph runs to the margin in words; a lone word is a list
    limit = margin if at_margin else edges[start]
    if index + 1 < len(above.segments):
        limit = min(limit, above.segments[index + 1].x0)
    if segment.x1 > limit + _PAD * segment.size:
        return False, False
    left = edges[start - 1] if start else 0.0
    if segment.x1 - segment.x0 < 0.5 * (limit - left):
        return False, False  # a short text: it did not fill its column
    return _first_word_end(segment, below) > limit, at_margin


# ---------------------------------------------------------------------- columns


def column_edges(
    segments: Sequence[Segment], align: float, *, support: int = _MIN_SUPPORT
) -> list[float]:
    """Sorted x positions of column edges (see the module docstring); ``align`` is how far
    apart (in ems) two x positions may be and still be one alignment, ``support`` how many
    segments must share one."""
    if not segments:
        return []
    size = sorted(segment.size for segment in segments)[len(segments) // 2]
    starts = _clusters([segment.x0 for segment in segments], align * size)
    ends = _clusters([segment.x1 for segment in segments], align * size)
    start_votes: dict[int, list[float]] = {}
    end_votes: dict[int, list[float]] = {}
    for segment in segments:
        start, end = starts.find(segment.x0), ends.find(segment.x1)
        # A segment votes for the edge it is aligned on: where more text aligns with it; a
        # number is right-aligned unless more text starts where it starts.
        start_support, end_support = starts.support[start], ends.support[end]
        if start_support > end_support or (
            start_support == end_support and not _NUMERIC.match(segment.text)
        ):
            start_votes.setdefault(start, []).append(segment.x0)
        else:
            end_votes.setdefault(end, []).append(segment.x1)
    # (position, +n for n texts starting there, -n for n texts ending there)
    marks = [(min(found), len(found)) for found in start_votes.values() if len(found) >= support]
    marks += [(max(found), -len(found)) for found in end_votes.values() if len(found) >= support]
    frames = {segment.frame for segment in segments if segment.frame is not None}
    marks += [(frame[0], 1) for frame in frames] + [(frame[2], -1) for frame in frames]
    marks.sort()
    edges: list[float] = []
    group: list[tuple[float, int]] = []
    for mark in marks:
        if group and mark[0] - group[0][0] > _JOIN * size:
            edges.append(_edge(group, size))
            group = []
        group.append(mark)
    if group:
        edges.append(_edge(group, size))
    return edges


def _forced_edges(
    lines: Sequence[Line], edges: Sequence[list[float]], segments: Sequence[Segment]
) -> dict[int, list[float]]:
    """Edges a line needs between two of its segments that fell in one band of its ``edges`` (a
    table with too few rows to show its alignments), by line index: where the fewest other segments cross,
    preferably just after a number ends (right-aligned) and before a text starts (left)."""
    quality: dict[float, int] = {}
    for segment in segments:
        if _NUMERIC.match(segment.text):
            quality[segment.x1] = quality.get(segment.x1, 0) + 1
        else:
            quality[segment.x0] = quality.get(segment.x0, 0) + 1
    forced: dict[int, list[float]] = {}
    for index, line in enumerate(lines):
        mine = sorted(edges[index])
        for left, right in itertools.pairwise(line.segments):
            if bisect.bisect_right(mine, left.x0) != bisect.bisect_right(mine, right.x0):
                continue
            if min(left.confidence, right.confidence) < _SURE:
                continue  # an unsure OCR reading does not make columns
            low, high = left.x1, right.x0
            if high <= low:
                continue
            stops = sorted(
                {low, high} | {x for s in segments for x in (s.x0, s.x1) if low < x < high}
            )
            best = min(
                itertools.pairwise(stops),
                key=lambda span: (
                    _crossing(segments, (span[0] + span[1]) / 2),
                    -(quality.get(span[0], 0) + quality.get(span[1], 0)),
                    span[0],
                ),
            )
            edge = (best[0] + best[1]) / 2
            bisect.insort(mine, edge)
            forced.setdefault(index, []).append(edge)
    return forced


def _crossing(segments: Sequence[Segment], x: float) -> int:
    return sum(1 for segment in segments if segment.x0 < x < segment.x1)


def _edge(group: list[tuple[float, int]], size: float) -> float:
    """One column edge for nearby alignments: before the text starting, after the text ending
    (between the two when numbers end just before a column starts; where they overlap, on the
    side of the better supported alignment)."""
    starts = [position for position, kind in group if kind > 0]
    ends = [position for position, kind in group if kind < 0]
    if starts and ends:
        if max(ends) <= min(starts) + _OVERLAP * size:
            return (min(starts) + max(ends)) / 2
        started = sum(kind for _, kind in group if kind > 0)
        ended = -sum(kind for _, kind in group if kind < 0)
        if started < ended:
            starts = []
        else:
            ends = []
    if starts:
        return min(starts) - 0.1 * size
    return max(ends) + 0.1 * size


@dataclass
class _Clusters:
    """1-D clusters of positions (each at most the tolerance wide): each position's cluster,
    and each cluster's size."""

    positions: list[float]
    ids: list[int]
    support: list[int]

    def find(self, position: float) -> int:
        return self.ids[bisect.bisect_left(self.positions, position)]


def _clusters(values: list[float], tolerance: float) -> _Clusters:
    ordered = sorted(values)
    ids: list[int] = []
    support: list[int] = []
    low = float("-inf")
    for value in ordered:
        if value - low > tolerance:
            low = value
            support.append(0)
        support[-1] += 1
        ids.append(len(support) - 1)
    return _Clusters(ordered, ids, support)


def _columns(segment: Segment, edges: list[float]) -> tuple[int, int]:
    """(first column, number of columns) of ``segment`` among the bands between ``edges``."""
    nudge = min(0.3 * segment.size, 0.4 * (segment.x1 - segment.x0))  # starts on an edge
    first = bisect.bisect_right(edges, segment.x0 + nudge)
    last = bisect.bisect_right(edges, segment.x1 - _PAD * segment.size)
    if last <= first:
        return first, 1
    band_left = edges[first - 1] if first else 0.0
    if segment.x0 - band_left <= 2 * _PAD * segment.size + _ALIGN * segment.size:
        return first, 1  # left-aligned in its band: text running on to the right, not a span
    return first, last - first + 1
