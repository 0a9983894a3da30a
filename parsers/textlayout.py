"""Text lines on pages -> a grid of cells: the geometry shared by the PDF reader and OCR.

Place in the flow: ``parsers.pdf`` (characters of a PDF text layer) and ``parsers.ocr``
(Tesseract's words) both turn each page into lines of segments (``parsers.pagetext``) - runs of
text separated by a column gap, each with a box in points from the page's top-left corner. This
module puts them on the grid that ``parsers.extract`` reads (``parsers.cells``):

- rows are the lines, top to bottom, the pages one after the other (a table continued on the
  next page stays one table; a page printed from another sheet, with other columns, starts a
  group of its own); a running header or footer is read on the first page it is on only;
- columns are bands between the x positions where the text of several lines starts (left-aligned
  text) or ends (right-aligned numbers), or where table borders run, as in the spreadsheet or
  table the page was printed from. A line uses only the edges that lines near it are aligned on
  (its own table: another table further down must not cut its columns), plus edges its
  neighbours need between two of their segments; the bands are numbered on one grid. A cell
  belongs to the band its text starts in, and spans further bands only when it is centred over
  them (a merged heading), never when it merely runs on to the right;
- a line that continues a cell of the line above (one ruled box, a row cut by a page break, a
  value typed on several lines, wrapped text) is first joined into that cell
  (``parsers.continuations``).

Cells are ``parsers.pagetext.TextCell``\\ s: a :class:`parsers.cells.Cell` with the reading
confidence of its text (1.0 for a text layer, Tesseract's for OCR; ``parsers.layout`` scales
label scores by it) and its page.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.continuations import ALIGN, PAD, join_continuations
from parsers.pagetext import Line, Segment, SourceOf, TextCell, box_source, line_text

_OVERLAP = 0.5  # ems: text ending this far past where a column starts is still before it
_JOIN = 0.6  # alignments this close (ems) make one column edge (a number ending, a unit starting)
_MIN_SUPPORT = 2  # lines sharing an alignment before it counts as a column edge
_SURE = 0.5  # confidence below which a segment does not force a column edge
_WINDOW = 10  # lines: the neighbourhood whose alignments give a line its columns
_NUMERIC = re.compile(r"^[\s\d\u0e50-\u0e59.,:/()+\-–%]+$")
_RUNNING = 3  # lines at the top and at the foot of a page that may be a running header/footer


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
    pages = _without_running_lines(pages)
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
        group = join_continuations(lines_of_group, first_edges)
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
                        breaks=segment.breaks,
                        ocr=line.ocr,
                    )
                )
                if len(cells) >= max_cells:
                    return cells
            row += 1
    return cells


def _without_running_lines(pages: dict[int, list[Line]]) -> dict[int, list[Line]]:
    """The pages without the lines they repeat from an earlier page, at the same height, at
    their top or foot: a running header or footer (the form's title in Word's page header) is
    page furniture, not the form's text. It stays on the first page it is on; on the later
    ones it would come between a label at the foot of a page and its value at the top of the
    next."""
    seen: dict[str, list[float]] = {}  # text -> tops of the lines at a page's top or foot
    out: dict[int, list[Line]] = {}
    for page, page_lines in pages.items():
        kept = list(page_lines)
        while kept and _seen_at(kept[0], seen):
            kept.pop(0)
        while kept and _seen_at(kept[-1], seen):
            kept.pop()
        out[page] = kept
        for line in (*page_lines[:_RUNNING], *page_lines[-_RUNNING:]):
            seen.setdefault(line_text(line), []).append(line.top)
    return out


def _seen_at(line: Line, seen: dict[str, list[float]]) -> bool:
    """Was ``line`` at the top or foot of an earlier page, at the same height?"""
    tops = seen.get(line_text(line), [])
    return any(abs(top - line.top) <= 0.3 * line.size for top in tops)


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
        supported.append(_supported(edges, near, tolerance))
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


def _supported(
    edges: Sequence[float], segments: Sequence[Segment], tolerance: float
) -> list[float]:
    """The edges some segment is aligned on: starting or ending within ``tolerance`` of it, or
    in a ruled box whose border it is. One sorted list of the segments' ends and a binary search
    per edge (a 6-page text PDF used to take 20-30 s here, edges x segments x lines)."""
    ends: list[float] = []
    for segment in segments:
        ends += (segment.x0, segment.x1)
        if segment.frame is not None:
            ends += (segment.frame[0], segment.frame[2])
    ends.sort()
    found: list[float] = []
    slack = 1e-6 * (1.0 + tolerance)  # the window is widened a hair, the test is exact
    for edge in edges:
        index = bisect.bisect_left(ends, edge - tolerance - slack)
        while index < len(ends) and ends[index] <= edge + tolerance + slack:
            if abs(ends[index] - edge) <= tolerance:
                found.append(edge)
                break
            index += 1
    return found


def _same_columns(one: list[float], other: list[float], tolerance: float) -> bool:
    """Do two pages have the same columns (pages of one sheet or table)? Most edges of the page
    with fewer edges are edges of the other; a page with one edge or none tells nothing."""
    fewer, more = sorted((one, other), key=len)
    if len(fewer) <= 1:
        return True
    matched = sum(1 for edge in fewer if any(abs(edge - e) <= tolerance for e in more))
    return matched >= 0.6 * len(fewer)


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
    table with too few rows to show its alignments), by line index: where the fewest other
    segments cross, preferably just after a number ends (right-aligned) and before a text starts
    (left). Lines near one another whose gaps overlap share one edge: the header and the rows
    of one table need the same edge between the same two columns, or a header (left-aligned
    text) and the numbers under it (right-aligned) fall on two sides of two edges."""
    quality: dict[float, int] = {}
    for segment in segments:
        if _NUMERIC.match(segment.text):
            quality[segment.x1] = quality.get(segment.x1, 0) + 1
        else:
            quality[segment.x0] = quality.get(segment.x0, 0) + 1
    gaps: list[tuple[float, float, int]] = []  # (high, low, line index): sorted by high
    for index, line in enumerate(lines):
        mine = edges[index]
        for left, right in itertools.pairwise(line.segments):
            if bisect.bisect_right(mine, left.x0) != bisect.bisect_right(mine, right.x0):
                continue
            if min(left.confidence, right.confidence) < _SURE:
                continue  # an unsure OCR reading does not make columns
            if right.x0 > left.x1:
                gaps.append((right.x0, left.x1, index))
    gaps.sort()
    forced: dict[int, list[float]] = {}
    chosen: list[tuple[float, int]] = []  # (edge, line index that chose it)
    for position, (high, low, index) in enumerate(gaps):
        edge = next(
            (e for e, by in chosen if low < e < high and abs(by - index) <= 2 * _WINDOW), None
        )
        if edge is None:
            shared_low, shared_high = low, high
            for other_high, other_low, other in gaps[position + 1 :]:
                if abs(other - index) > 2 * _WINDOW:
                    continue
                if max(shared_low, other_low) < min(shared_high, other_high):
                    shared_low = max(shared_low, other_low)
                    shared_high = min(shared_high, other_high)
            edge = _best_edge(shared_low, shared_high, segments, quality)
            chosen.append((edge, index))
        forced.setdefault(index, []).append(edge)
    return forced


def _best_edge(
    low: float, high: float, segments: Sequence[Segment], quality: dict[float, int]
) -> float:
    """The x between ``low`` and ``high`` that the fewest segments cross, preferably at an
    alignment (a number ending, a text starting)."""
    stops = sorted({low, high} | {x for s in segments for x in (s.x0, s.x1) if low < x < high})
    best = min(
        itertools.pairwise(stops),
        key=lambda span: (
            _crossing(segments, (span[0] + span[1]) / 2),
            -(quality.get(span[0], 0) + quality.get(span[1], 0)),
            span[0],
        ),
    )
    return (best[0] + best[1]) / 2


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
    """(first column, number of columns) of ``segment`` among the bands between ``edges``.
    Text in a ruled box starts in the band its box starts in: the text itself may start
    further right (after a space, or below struck-out text), past another table's edge."""
    nudge = min(0.3 * segment.size, 0.4 * (segment.x1 - segment.x0))  # starts on an edge
    start = segment.x0 if segment.frame is None else min(segment.x0, segment.frame[0] + nudge)
    first = bisect.bisect_right(edges, start + nudge)
    last = bisect.bisect_right(edges, segment.x1 - PAD * segment.size)
    if last <= first:
        return first, 1
    band_left = edges[first - 1] if first else 0.0
    if segment.x0 - band_left <= 2 * PAD * segment.size + ALIGN * segment.size:
        return first, 1  # left-aligned in its band: text running on to the right, not a span
    return first, last - first + 1
