"""Text lines on pages -> a grid of cells: the geometry shared by the PDF reader and OCR.

Place in the flow: ``parsers.pdf`` (characters of a PDF text layer) and ``parsers.ocr``
(Tesseract's words) both turn each page into :class:`Line`\\ s of :class:`Segment`\\ s - runs of
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
- a line continues a cell of the line above when both are in one ruled box, or when it holds one
  segment, left-aligned under a value of the line above (a value typed on several lines) or under
  a segment that filled its column (wrapped text): the texts are joined with a line break where
  the writer broke the line, with a space or nothing where the text wrapped (Thai words run
  together; a drawn space at the end of the line says there was one). Where each joined line
  starts is kept (``TextCell.breaks``): ``parsers.layout`` cuts a cell again at a line that
  is a label of the form alone.

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


def read_by_ocr(cells: Sequence[Cell]) -> bool:
    """True when any of ``cells`` was read by OCR from a scan."""
    return any(isinstance(cell, TextCell) and cell.ocr for cell in cells)


def reading_confidence(cells: Sequence[Cell]) -> float:
    """How sure the reader was of the text of ``cells`` (the least sure of them): 1.0 for
    cells of a file's own text, OCR's confidence for cells of a scan."""
    return min((cell.confidence for cell in cells if isinstance(cell, TextCell)), default=1.0)


@dataclass(frozen=True)
class TextCell(Cell):
    """A cell read from a page; ``confidence`` is how sure the reader is of its text (0-1)."""

    confidence: float = 1.0
    page: int = 1
    # where each printed line after the first starts in ``text`` (offsets): a cell joined from
    # several lines can be cut again where a line turns out to be a label of its own
    breaks: tuple[int, ...] = ()
    ocr: bool = False  # read by OCR from a scan (its text may have Thai marks lost)

    def lines(self) -> list[str]:
        """The printed lines of the cell's text, without the joints between them."""
        starts = (0, *self.breaks)
        ends = (*self.breaks, len(self.text))
        return [self.text[a:b].strip(JOINTS) for a, b in zip(starts, ends, strict=True)]


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
    tail: float | None = None  # where the last line of a joined cell ends (None: ``x1``)
    head: float | None = None  # width of the first word (up to a space), when the reader knows it
    breaks: tuple[int, ...] = ()  # offsets in ``text`` where its later lines start (joined cells)

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def x1(self) -> float:
        return self.box[2]

    @property
    def end(self) -> float:
        """Where the text's last line ends: the box of a joined cell is its widest line's."""
        return self.box[2] if self.tail is None else self.tail


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
_RUNNING = 3  # lines at the top and at the foot of a page that may be a running header/footer
_SPACE = 0.25  # ems: the narrowest space of a text font
_BROKEN = 0.8  # ems: a line ending closer than this to its limit is full (a word broken there)
# characters: a token broken for want of room filled its column's width; a shorter line ending
# at the limit started mid-column (after struck-out text) and wrapped at a space
_MIN_BROKEN = 4
# ems: a Thai line ending closer than this to its limit is full: a word too long for its column
# broken, or words run together; lines that wrapped at a space left at least 0.6 em (measured
# on Writer's PDFs, where the space is not drawn).
_FULL = 0.5
# Joins two lines of a cell where the text wrapped between two Thai words: there may have been a
# space (Unicode's word boundary without one; ``core.thai.normalize`` removes it).
WRAP_MARK = "\u200b"
# Joins two lines of a cell where a Thai line ran up to its column's end: a word too long for
# its column broken there - or, in a name, the space between given name and surname that the
# producer did not draw (``parsers.values`` decides; ``core.thai.normalize`` removes it).
BREAK_MARK = "\u2060"
JOINTS = WRAP_MARK + BREAK_MARK + " \n"  # what can stand between two joined lines of a cell


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
            seen.setdefault(_line_text(line), []).append(line.top)
    return out


def _seen_at(line: Line, seen: dict[str, list[float]]) -> bool:
    """Was ``line`` at the top or foot of an earlier page, at the same height?"""
    tops = seen.get(_line_text(line), [])
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
    for edge in edges:
        index = bisect.bisect_left(ends, edge - tolerance)
        if index < len(ends) and ends[index] <= edge + tolerance:
            found.append(edge)
    return found


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
    text in the same ruled box (table borders), a table row broken across a page break
    (:class:`_PageBreak`), else a lone segment under a cell it continues."""
    out: list[Line] = []
    framed: dict[tuple[int, Box], tuple[Line, int]] = {}
    margin = max((s.x1 for line in lines for s in line.segments), default=0.0)
    pages = _PageBreak()
    for line in lines:
        pages.turn(line, framed)
        kept: list[Segment] = []
        for segment in line.segments:
            key = (line.page, segment.frame) if segment.frame is not None else None
            earlier = framed.get(key) if key is not None else None
            if earlier is None:
                kept.append(segment)
                continue
            host, index = earlier
            above = host.segments[index]
            host.segments[index] = _joined(
                above, segment, _wrapped_in_frame(above, segment), _frame_limit(above)
            )
        line.segments = [s for s in kept if not _into_row(line.page, s, framed)]
        if not line.segments:
            pages.tail_framed = True
            continue
        hosts = pages.continued(line)
        if hosts is not None:
            for segment, (host, index) in zip(line.segments, hosts, strict=True):
                above = host.segments[index]
                host.segments[index] = _joined(above, segment, True, _frame_limit(above))
                assert segment.frame is not None
                framed[(line.page, segment.frame)] = (host, index)
            continue
        target = _continued_segment(out[-1], line, edges, margin) if out else None
        if target is not None:
            index, segment, wrapped, limit = target
            out[-1].segments[index] = _joined(segment, line.segments[0], wrapped, limit)
            pages.tail_framed = False
            continue
        out.append(line)
        pages.added(line)
        for index, segment in enumerate(line.segments):
            if segment.frame is not None:
                framed[(line.page, segment.frame)] = (line, index)
    return out


def _into_row(page: int, segment: Segment, framed: dict[tuple[int, Box], tuple[Line, int]]) -> bool:
    """Put ``segment`` on the line of its table row when its ruled box is a new cell of a row
    already started (same top and bottom borders as a cell on an earlier line): a cell's text
    may start lower than its row's first line (struck-out text of a tracked change above it,
    text centred in its cell). True when it was put there."""
    frame = segment.frame
    if frame is None:
        return False
    host = next(
        (
            line
            for (on, box), (line, _) in framed.items()
            if on == page
            and abs(box[1] - frame[1]) < 1
            and abs(box[3] - frame[3]) < 1
            and box != frame
        ),
        None,
    )
    if host is None or any(s.x0 < segment.x1 and segment.x0 < s.x1 for s in host.segments):
        return False
    position = sum(1 for s in host.segments if s.x0 < segment.x0)
    host.segments.insert(position, segment)
    for key, (line, index) in list(framed.items()):
        if line is host and index >= position:
            framed[key] = (line, index + 1)
    framed[(page, frame)] = (host, position)
    return True


class _PageBreak:
    """A table row that a page break cut in two: Word and Writer carry on a cell's wrapped text
    at the top of the next page, in ruled boxes of the same columns. The first table line of a
    page continues the last row of the page before when that table ran to the foot of its page,
    the texts it continues had filled their cells (the words would not have fitted), and it
    does not start a row of its own: nothing in the row's first column (the item's number or
    label), or one cell only (a long label carried on). A header row repeated on each page
    (the same texts as a row seen before) is passed over."""

    def __init__(self) -> None:
        self.page = 0
        self.tail_framed = False  # the page so far ends with table text
        self.first_text: dict[int, str] = {}  # each page's first line (a running page header)
        self.rows: set[tuple[str, ...]] = set()
        self.last_row: list[tuple[Line, int]] = []  # the cells of the previous page's last row
        self.waiting = False

    def turn(self, line: Line, framed: dict[tuple[int, Box], tuple[Line, int]]) -> None:
        """Called with each line first: on a new page, note the last row of the page before."""
        if line.page == self.page:
            return
        previous = self.page
        cells = [(frame, entry) for (page, frame), entry in framed.items() if page == previous]
        bottom = max((frame[3] for frame, _ in cells), default=0.0)
        self.last_row = [entry for frame, entry in cells if frame[3] >= bottom - 1]
        self.waiting = self.tail_framed and bool(self.last_row)
        self.page, self.tail_framed = line.page, False
        self.first_text.setdefault(line.page, _line_text(line))

    def continued(self, line: Line) -> list[tuple[Line, int]] | None:
        """The cells of the previous page's last row that ``line``'s segments continue, or None."""
        if not self.waiting:
            return None
        if any(segment.frame is None for segment in line.segments):
            # a running page header passes; any other text ends the table
            self.waiting = _line_text(line) == self.first_text.get(line.page - 1)
            return None
        texts = tuple(segment.text for segment in line.segments)
        if texts in self.rows:
            return None  # the header row, repeated: its row is still to come
        self.waiting = False
        hosts: list[tuple[Line, int]] = []
        for segment in line.segments:
            match = next(
                (
                    (host, i)
                    for host, i in self.last_row
                    if _same_box_columns(host.segments[i], segment)
                    and _wrapped_in_frame(host.segments[i], segment)
                ),
                None,
            )
            if match is None:
                return None
            hosts.append(match)
        first = min(self.last_row, key=lambda entry: entry[0].segments[entry[1]].x0)
        starts_row = any(_same_box_columns(first[0].segments[first[1]], s) for s in line.segments)
        if starts_row and len(line.segments) > 1:
            return None
        return hosts

    def added(self, line: Line) -> None:
        """``line`` starts a row of its own."""
        self.tail_framed = any(segment.frame is not None for segment in line.segments)
        if self.tail_framed:
            self.rows.add(tuple(segment.text for segment in line.segments))


def _line_text(line: Line) -> str:
    return " ".join(segment.text for segment in line.segments)


def _same_box_columns(one: Segment, other: Segment) -> bool:
    """Ruled boxes with the same left and right borders (one column, on two pages)."""
    if one.frame is None or other.frame is None:
        return False
    slack = 0.3 * max(one.size, other.size)
    return (
        abs(one.frame[0] - other.frame[0]) <= slack and abs(one.frame[2] - other.frame[2]) <= slack
    )


def _joined(segment: Segment, below: Segment, wrapped: bool, limit: float) -> Segment:
    """``below`` joined to the cell ``segment`` as its next line; ``limit``: where the lines of
    the cell could run to (its column's right edge, inside any padding)."""
    joint = _joint(segment, below, wrapped, limit)
    start = len(segment.text) + len(joint)
    return Segment(
        segment.text + joint + below.text,
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
        below.end,
        segment.head,
        (*segment.breaks, start, *(start + offset for offset in below.breaks)),
    )


def _frame_limit(segment: Segment) -> float:
    """Where the text in a ruled box could run to: the right border less the padding the text
    keeps from the left border (a cell's padding is the same on both sides)."""
    assert segment.frame is not None
    inset = min(max(segment.x0 - segment.frame[0], 0.0), 1.0 * segment.size)
    return segment.frame[2] - max(inset, _PAD * segment.size)


def _wrapped_in_frame(segment: Segment, below: Segment) -> bool:
    """Did the text of ``segment`` wrap inside its ruled box before ``below``?"""
    if segment.frame is None or _LIST_ITEM.match(below.text):
        return False
    return _first_word_end(segment, below) > _frame_limit(segment)


def _first_word_end(segment: Segment, below: Segment) -> float:
    """Where the first word of ``below`` would have ended, set after ``segment``'s last line."""
    words = below.text.split()
    first = words[0] if words else below.text
    width = below.head
    if width is None:  # not measured (OCR): the word's share of the text
        width = (below.x1 - below.x0) * len(first) / max(len(below.text), 1)
    if any(_is_thai(char) for char in first):
        # Thai is written without spaces between words: a "word" up to a space may be a whole
        # phrase; no Thai word is much wider than _LONG_WORD ems.
        width = min(width, _LONG_WORD * segment.size)
    thai = _is_thai(segment.text[-1:]) and _is_thai(first[:1])
    return segment.end + (0.0 if thai else _SPACE * segment.size) + width


def _joint(segment: Segment, below: Segment, wrapped: bool, limit: float) -> str:
    """A line break where the writer broke the line. Where the text wrapped: the space drawn at
    the end of the line; nothing after a hyphen or a slash, or inside a word broken for want of
    room (a long number, an e-mail address: the line ran up to ``limit``, where its column
    ends); between two Thai letters ``BREAK_MARK`` where the line ran up to ``limit`` (a Thai
    word wider than its column, or a name's space not drawn), else ``WRAP_MARK`` (Thai words
    run together, and a producer that draws no spaces between them leaves no trace of one at
    a line's end: the reader of the value decides, ``parsers.values``); else a space."""
    if not wrapped:
        return "\n"
    if segment.space_after:
        return " "
    left, right = segment.text[-1:], below.text[:1]
    if not left or not right or left in "-/" or left.isspace():
        return ""
    room = limit - segment.end
    if _is_thai(left) and _is_thai(right):
        return BREAK_MARK if room < _FULL * segment.size else WRAP_MARK
    last_line = segment.text.rsplit("\n", 1)[-1].strip()
    if " " not in last_line and len(last_line) >= _MIN_BROKEN and room < _BROKEN * segment.size:
        return ""  # one token broken where the room ran out: "green949@dl" "mail.com"
    return " "


def _is_thai(char: str) -> bool:
    return "\u0e01" <= char <= "\u0e5b"


def _continued_segment(
    above: Line, line: Line, edges: list[float], margin: float
) -> tuple[int, Segment, bool, float] | None:
    """The segment of ``above`` that the lone segment of ``line`` continues: (its index, it,
    did its text wrap, where its lines could run to), or None."""
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
        wrapped, at_margin, limit = _filled(above, index, below, edges, margin)
        if index > 0 or (wrapped and (segment.weight < _BOLD or at_margin)):
            return index, segment, wrapped, limit
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
) -> tuple[bool, bool, float]:
    """(Did the text of ``above.segments[index]`` wrap, at the page's right margin, where could
    its lines run to?) Wrapped only if the first word of ``below`` would not have fitted in its
    column (or, in the last column, before the right margin: a paragraph). Text running past
    its column's edge (a merged cell, an overflow) does not count as wrapped: there is no
    telling where its line would have ended."""
    segment = above.segments[index]
    start = bisect.bisect_right(edges, segment.x0 + _PAD * segment.size)
    at_margin = start >= len(edges)
    limit = margin if at_margin else edges[start] - _PAD * segment.size
    if index + 1 < len(above.segments):
        limit = min(limit, above.segments[index + 1].x0 - _PAD * segment.size)
    if _LIST_ITEM.match(below.text):
        return False, False, limit  # "2. ..." under "1. ...": the writer started a new line
    if at_margin and " " not in segment.text.strip():
        return False, False, limit  # a paragraph runs to the margin in words; a lone word: a list
    if segment.x1 > limit + 2 * _PAD * segment.size:
        return False, False, limit
    left = edges[start - 1] if start else 0.0
    if segment.x1 - segment.x0 < 0.5 * (limit - left):
        return False, False, limit  # a short text: it did not fill its column
    return _first_word_end(segment, below) > limit, at_margin, limit


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
    last = bisect.bisect_right(edges, segment.x1 - _PAD * segment.size)
    if last <= first:
        return first, 1
    band_left = edges[first - 1] if first else 0.0
    if segment.x0 - band_left <= 2 * _PAD * segment.size + _ALIGN * segment.size:
        return first, 1  # left-aligned in its band: text running on to the right, not a span
    return first, last - first + 1
