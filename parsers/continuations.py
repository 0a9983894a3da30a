"""Lines that continue a cell of the line above, joined into it.

Place in the flow: ``parsers.textlayout`` calls :func:`join_continuations` on each group of
page lines (``parsers.pagetext``) before it places them on its grid. A line continues a cell
of the line above when both are in one ruled box (table borders), when it carries on a table
row that a page break cut in two, or when it holds one segment, left-aligned under a value of
the line above (a value typed on several lines) or under a segment that filled its column
(wrapped text). The texts are joined with a line break where the writer broke the line, with a
space or nothing where the text wrapped (Thai words run together; a drawn space at the end of
the line says there was one), or with ``WRAP_MARK``/``BREAK_MARK`` where a space may have been
at a Thai wrap (``parsers.values`` decides). Where each joined line starts is kept
(``TextCell.breaks``): ``parsers.layout`` cuts a cell again at a line that is a label alone.

Owns: when a line continues a cell, and what stands between the joined lines.
"""

from __future__ import annotations

import bisect
import re

from parsers.pagetext import BREAK_MARK, WRAP_MARK, Box, Line, Segment, line_text

ALIGN = 0.6  # a continuation line starts within this many ems of the cell it continues
PAD = 0.25  # ems between a column edge and the text aligned on it
_MAX_PITCH = 2.2  # ems from one line to the next of the same cell (Thai fonts: ~1.7)
_LONG_WORD = 5.25  # ems: wider than most Thai words (measured wraps: at most 4.8 ems left)
_BOLD = 600  # a bold first cell does not run on to the next line: a heading, a label
_LABEL_VALUE = re.compile(r"^[^:：\n]{2,40}[:：]\s*\S")
_LIST_ITEM = re.compile(
    r"^\s*(?:[\d\u0e50-\u0e59]{1,2}(?:\.[\d\u0e50-\u0e59]{1,2})*[.)]?|[-–•*])\s"
)
_SPACE = 0.25  # ems: the narrowest space of a text font
_BROKEN = 0.8  # ems: a line ending closer than this to its limit is full (a word broken there)
# characters: a token broken for want of room filled its column's width; a shorter line ending
# at the limit started mid-column (after struck-out text) and wrapped at a space
_MIN_BROKEN = 4
# ems: a Thai line ending closer than this to its limit is full: a word too long for its column
# broken, or words run together; lines that wrapped at a space left at least 0.6 em (measured
# on Writer's PDFs, where the space is not drawn).
_FULL = 0.5


def join_continuations(lines: list[Line], edges: list[float]) -> list[Line]:
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
        self.first_text.setdefault(line.page, line_text(line))

    def continued(self, line: Line) -> list[tuple[Line, int]] | None:
        """The cells of the previous page's last row that ``line``'s segments continue, or None."""
        if not self.waiting:
            return None
        if any(segment.frame is None for segment in line.segments):
            # a running page header passes; any other text ends the table
            self.waiting = line_text(line) == self.first_text.get(line.page - 1)
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
    return segment.frame[2] - max(inset, PAD * segment.size)


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
        if room < _FULL * segment.size:
            return BREAK_MARK
        if room >= _first_thai_word(below) + _SPACE * segment.size:
            # the next line's first word would have fitted: the writer did not break between
            # words there, it broke where a space was (a writer that wraps at spaces only)
            return " "
        return WRAP_MARK
    last_line = segment.text.rsplit("\n", 1)[-1].strip()
    if " " not in last_line and len(last_line) >= _MIN_BROKEN and room < _BROKEN * segment.size:
        return ""  # one token broken where the room ran out: "green949@dl" "mail.com"
    return " "


def _first_thai_word(below: Segment) -> float:
    """The width of the first Thai word of ``below`` (the Thai word list's split of its first
    run of text), its share of the first token's measured width by letters drawn."""
    from parsers.thaispell import split_cost

    token = below.text.split()[0] if below.text.split() else below.text
    run = re.match(r"[\u0e01-\u0e5b]+", token)
    if run is None:
        return float("inf")
    word = split_cost(run.group(0))[1][0]
    width = below.head
    if width is None:
        width = (below.x1 - below.x0) * len(token) / max(len(below.text), 1)
    return width * _drawn(word) / max(_drawn(token), 1)


def _drawn(text: str) -> int:
    """Letters that take room on the line (Thai vowel and tone marks above or below do not)."""
    return sum(
        1
        for char in text
        if not "\u0e31" <= char <= "\u0e4e"
        or char in "\u0e32\u0e33\u0e40\u0e41\u0e42\u0e43\u0e44\u0e45\u0e46"
    )


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
        if abs(segment.x0 - below.x0) > ALIGN * size or not _same_font(segment, below):
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
    start = bisect.bisect_right(edges, segment.x0 + PAD * segment.size)
    at_margin = start >= len(edges)
    limit = margin if at_margin else edges[start] - PAD * segment.size
    if index + 1 < len(above.segments):
        limit = min(limit, above.segments[index + 1].x0 - PAD * segment.size)
    if _LIST_ITEM.match(below.text):
        return False, False, limit  # "2. ..." under "1. ...": the writer started a new line
    if at_margin and " " not in segment.text.strip():
        return False, False, limit  # a paragraph runs to the margin in words; a lone word: a list
    if segment.x1 > limit + 2 * PAD * segment.size:
        return False, False, limit
    left = edges[start - 1] if start else 0.0
    if segment.x1 - segment.x0 < 0.5 * (limit - left):
        return False, False, limit  # a short text: it did not fill its column
    return _first_word_end(segment, below) > limit, at_margin, limit
