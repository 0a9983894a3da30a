"""The PDF reader: a text layer read with pypdfium2 -> Document of positioned cells.

Place in the flow: registered for the sniffed format "pdf"; ``parsers.read_attachment`` calls it,
then ``parsers.extract`` reads the form from the cells. Pages without a text layer (a scanned
form) are handed to ``parsers.ocr``; the rest is read here:

1. every character of the text layer with its box, its baseline origin and its font size
   (pdfium's generated spaces and line breaks are dropped: spacing is decided from the boxes);
2. characters on one baseline make a line; Thai marks (vowels above and below, tone marks) are
   attached to the consonant they are drawn on, whatever the order pdfium lists them in - it
   orders by x, so a tone mark shifted right can land after the next consonant (เกี๋ยว would
   read เกีย๋ว), and a space may be listed far from where it is drawn;
3. a gap between two characters is a space when a space character is drawn there, and a column
   gap (a new segment: another cell of the table the page was printed from) when none is -
   where the producer draws its spaces (LibreOffice Calc); where it does not (Writer, between
   Thai words), by the width of the gap. Text with a line through it (deleted text of tracked
   changes) is left out; symbol-font check boxes (Wingdings) become ☐ ☑ ✓;
4. table borders (thin path objects meeting at their ends) give each segment its ruled box:
   words in one box are one cell, and lines in one box continue that cell;
5. ``parsers.textlayout`` turns the lines of all pages into cells on one grid.
Bounded by ``ReadLimits``: at most ``max_sheets`` pages are read (a page is a PDF's sheet),
at most ``max_cells`` cells, and a page with an absurd number of characters is cut short.
Provenance of a cell: "p1 (72,300)-(210,312)", the page and the box in points from the top-left.
"""

from __future__ import annotations

import bisect
import ctypes
import dataclasses
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from parsers import ocr
from parsers.cells import Document
from parsers.pagetext import Box, Line, Segment, box_source
from parsers.readers import ReadContext, ReadError, register
from parsers.textlayout import layout_cells

log = logging.getLogger(__name__)

SHEET = "pdf"
MIN_TEXT_CHARS = 25  # a page with fewer printed characters has no usable text layer: OCR it
_MAX_PAGE_CHARS = 200_000
_PASSWORD_ERRORS = {4}  # FPDF_ERR_PASSWORD
# Thai characters drawn on a consonant: vowels above and below, tone marks, thanthakhat, ...
_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a"
                   "\u0e4b\u0e4c\u0e4d\u0e4e") | frozenset(chr(c) for c in range(0xF701, 0xF71B)
                                                          if c != 0xF70F)  # fmt: skip
_MARK_ORDER = {mark: 0 for mark in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47"}
_MARK_ORDER |= {mark: 1 for mark in "\u0e48\u0e49\u0e4a\u0e4b"}
_SPACES = frozenset(" \u00a0\u2002\u2003\u2009\u3000")
_BREAKS = frozenset("\r\n\x02\ufffe\uffff")
# Check boxes and ticks of the symbol fonts Word offers (Wingdings, Wingdings 2, Symbol), which
# reach a PDF as private-use codes U+F0xx: by the low byte (the three fonts' codes do not clash).
_SYMBOLS = {
    0xA8: "☐", 0x6F: "☐", 0x71: "☐", 0xFE: "☑", 0xFD: "☒", 0x78: "☒", 0xFC: "✓", 0xFB: "✗",
    0xA3: "☐", 0x2A: "☐", 0x52: "☑", 0x54: "☒", 0x53: "☒", 0x50: "✓", 0x4F: "✗", 0xCE: "☒",
    0xCF: "☑", 0xD6: "√", 0xB4: "×",
}  # fmt: skip
# A gap (in ems) with no space drawn in it that separates two cells. Measured on LibreOffice
# output: kerning inside words leaves at most 0.09 em, two cells' texts at least 0.14 em apart.
_CELL_GAP = 0.115
_WORD_GAP = 0.2  # ems: a space where none is drawn (LibreOffice Writer between Thai words)
_WIDE_GAP = 0.9  # ems: ... and a column gap there
# Share of word-sized gaps with no space drawn above which a page's producer does not draw its
# spaces (LibreOffice Calc: at most 5 % measured, a line's words set apart by kerning; Writer:
# 30-60 % of the gaps next to Thai text).
_MISSING = 0.15


@dataclass
class _Glyph:
    char: str
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    size: float
    weight: int
    marks: list[_Glyph] | None = None


@register("pdf")
def read_pdf(data: bytes, context: ReadContext) -> Document:
    """Read a PDF: its text layer, and with the OCR engine of ``context`` the pages without
    one (no engine: those pages are not read)."""
    limits, engine = context.limits, context.ocr
    document = _open(data)
    try:
        count = min(len(document), limits.max_sheets)
        lines: list[Line] = []
        scanned: list[int] = []
        for index in range(count):
            page_lines = _page_lines(document[index], index + 1)
            if sum(len(s.text) for line in page_lines for s in line.segments) < MIN_TEXT_CHARS:
                scanned.append(index)
            lines.extend(page_lines)
    finally:
        document.close()
    if scanned and engine is None and len(scanned) == count:
        log.warning("no OCR engine (is tesseract with tha+eng installed?): scanned PDF not read")
        raise ReadError("ocr_unavailable", "no OCR engine: a scanned PDF was not read")
    if not scanned or engine is None:
        cells = layout_cells(lines, sheet=SHEET, max_cells=limits.max_cells)
        return Document.from_cells("pdf", cells, [SHEET])
    read = ocr.read_pdf_pages(data, scanned, limits, engine, context.budget)
    lines = _with_ocr(lines, read.lines)
    cells = layout_cells(lines, sheet=SHEET, source=_source, align=ocr.LAYOUT_ALIGN,
                         max_cells=limits.max_cells)  # fmt: skip
    return Document.from_cells("pdf_scan" if len(scanned) == count else "pdf", cells, [SHEET],
                               problems=read.problems, form_seen=read.form_seen)  # fmt: skip


def _source(line: Line, segment: Segment) -> str:
    """Provenance: "p2 ocr line 7" for a scanned page, the box for a text layer."""
    return ocr.ocr_source(line, segment) if line.ocr else box_source(line, segment)


def one_scanned_page(data: bytes) -> bool:
    """Whether ``data`` is a PDF of one page without a text layer (one page of a scan sent as a
    file of its own: ``parsers.read_attachments`` reads such pages together)."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return False
    try:
        if len(document) != 1:
            return False
        textpage = document[0].get_textpage()
        return bool(textpage.count_chars() < MIN_TEXT_CHARS)
    except pdfium.PdfiumError:
        return False
    finally:
        document.close()


def _with_ocr(lines: list[Line], ocr_lines: list[Line]) -> list[Line]:
    """Text-layer lines and OCR lines together, page by page."""
    merged = [line for line in lines if line.page not in {o.page for o in ocr_lines}]
    merged += ocr_lines
    merged.sort(key=lambda line: line.page)  # stable: each page keeps its own line order
    return merged


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in _PASSWORD_ERRORS:
            raise ReadError("password_protected", str(exc)) from exc
        raise ReadError("corrupt_file", str(exc)) from exc


# ---------------------------------------------------------------------- characters


def _page_lines(page: pdfium.PdfPage, number: int) -> list[Line]:
    try:
        textpage = page.get_textpage()
    except pdfium.PdfiumError:
        return []
    try:
        width, height = page.get_size()
        glyphs, spaces = _glyphs(textpage, height)
    finally:
        textpage.close()
    rotation = page.get_rotation() % 360
    if rotation:
        for glyph in (*glyphs, *spaces):
            _rotate(glyph, rotation, width, height)
        rulings = _Rulings([], [])  # table borders of rotated pages are not used
    else:
        rulings = _rulings(page, height)
        glyphs += _drawn_boxes(rulings.boxes)
    return _lines(glyphs, spaces, number, rulings)


def _glyphs(textpage: pdfium.PdfTextPage, height: float) -> tuple[list[_Glyph], list[_Glyph]]:
    """The page's printed characters and its space characters, y measured from the top."""
    handle = textpage.raw
    count = min(pdfium_c.FPDFText_CountChars(handle), _MAX_PAGE_CHARS)
    if count <= 0:
        return [], []
    buffer = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(handle, 0, count, buffer)
    text = bytes(buffer)[: 2 * count].decode("utf-16-le", errors="replace")
    rect = pdfium_c.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    font, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    glyphs: list[_Glyph] = []
    spaces: list[_Glyph] = []
    for index, char in enumerate(text):
        if char in _BREAKS or pdfium_c.FPDFText_IsGenerated(handle, index) == 1:
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(handle, index, rect):
            continue
        pdfium_c.FPDFText_GetCharOrigin(handle, index, origin_x, origin_y)
        size = pdfium_c.FPDFText_GetFontSize(handle, index) or (rect.top - rect.bottom)
        pdfium_c.FPDFText_GetFontInfo(handle, index, font, len(font), flags)
        weight = _weight(font.value, pdfium_c.FPDFText_GetFontWeight(handle, index))
        glyph = _Glyph(char, rect.left, rect.right, height - rect.top, height - rect.bottom,
                       height - origin_y.value, size, weight)  # fmt: skip
        if char in _SPACES or char.isspace():
            spaces.append(glyph)
        elif "\uf000" <= char <= "\uf0ff":  # a symbol font's glyph (Wingdings check boxes)
            glyph.char = _SYMBOLS.get(ord(char) & 0xFF, "")
            if glyph.char:
                glyphs.append(glyph)
        elif char.isprintable() or char in _MARKS or "\ue000" <= char <= "\uf8ff":
            glyphs.append(glyph)
    return glyphs, spaces


def _weight(font_name: bytes, weight: int) -> int:
    """Bold from the font's name ("Laksaman-Bold"): producers often leave the weight at 400."""
    name = font_name.lower()
    if b"bold" in name or b"black" in name or b"heavy" in name:
        return max(weight, 700)
    return weight if weight > 0 else 400


def _rotate(glyph: _Glyph, rotation: int, width: float, height: float) -> None:
    """Boxes of a page with /Rotate, as the page is displayed."""
    x0, x1, top, bottom, base = glyph.x0, glyph.x1, glyph.top, glyph.bottom, glyph.baseline
    if rotation == 90:
        glyph.x0, glyph.x1 = height - bottom, height - top
        glyph.top, glyph.bottom, glyph.baseline = x0, x1, x1
    elif rotation == 180:
        glyph.x0, glyph.x1 = width - x1, width - x0
        glyph.top, glyph.bottom, glyph.baseline = height - bottom, height - top, height - base
    elif rotation == 270:
        glyph.x0, glyph.x1 = top, bottom
        glyph.top, glyph.bottom, glyph.baseline = width - x1, width - x0, width - x0


# ---------------------------------------------------------------------- table borders


@dataclass(frozen=True)
class _Rulings:
    """A page's table borders: horizontal (y, x0, x1) and vertical (x, top, bottom) lines."""

    horizontal: list[tuple[float, float, float]]
    vertical: list[tuple[float, float, float]]
    # small square paths (x0, top, x1, bottom) and whether a stroke crosses them: check boxes
    boxes: list[tuple[Box, bool]] = dataclasses.field(default_factory=list)


_THIN = 2.5  # points: a path object this thin is a line
_MAX_PATHS = 5_000
_BOX_SIZES = (5.0, 20.0)  # points: the sides of a drawn check box


def _rulings(page: pdfium.PdfPage, height: float) -> _Rulings:
    """Table borders, and the check boxes drawn as paths (see :func:`_drawn_boxes`)."""
    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    squares: list[Box] = []
    marks: list[Box] = []
    for count, item in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH],
                                                  max_depth=1)):  # fmt: skip
        if count >= _MAX_PATHS:
            break
        left, bottom, right, top = item.get_bounds()
        if top - bottom <= _THIN and right - left > _THIN:
            horizontal.append((height - (top + bottom) / 2, left, right))
        elif right - left <= _THIN and top - bottom > _THIN:
            vertical.append(((left + right) / 2, height - top, height - bottom))
        elif right - left <= _BOX_SIZES[1] and top - bottom <= _BOX_SIZES[1]:
            box = (left, height - top, right, height - bottom)
            (squares if _is_square(item) else marks).append(box)
        elif _is_rectangle(item):
            # a cell drawn as one rectangle (reportlab, web browsers): its four sides rule it
            horizontal += [(height - top, left, right), (height - bottom, left, right)]
            vertical += [
                (left, height - top, height - bottom),
                (right, height - top, height - bottom),
            ]
    boxes = [
        (square, any(_inside(mark, square) for mark in marks))
        for square in squares
        if not any(_inside(other, square) and other != square for other in squares)
    ]
    return _Rulings(horizontal, vertical, boxes)


def _is_square(item: pdfium.PdfObject) -> bool:
    """A closed path of four sides, each horizontal or vertical, about as high as wide and
    of a check box's size (a table's borders are long lines, a tick or a cross slants)."""
    left, bottom, right, top = item.get_bounds()
    low, high = _BOX_SIZES
    if not (low <= right - left <= high and low <= top - bottom <= high):
        return False
    if abs((right - left) - (top - bottom)) > 0.2 * (right - left):
        return False
    return _axis_aligned(item)


def _is_rectangle(item: pdfium.PdfObject) -> bool:
    """A stroked, unfilled closed path of four horizontal and vertical sides: a table cell's
    border drawn as one rectangle."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(item.raw, fill, stroke) or fill.value or not stroke.value:
        return False
    return _axis_aligned(item)


def _axis_aligned(item: pdfium.PdfObject) -> bool:
    """Four to six straight segments, each horizontal or vertical."""
    count = pdfium_c.FPDFPath_CountSegments(item.raw)
    if not 4 <= count <= 6:
        return False
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[float, float]] = []
    for index in range(count):
        segment = pdfium_c.FPDFPath_GetPathSegment(item.raw, index)
        if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return False
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        points.append((x.value, y.value))
    return all(
        abs(x0 - x1) < 0.5 or abs(y0 - y1) < 0.5
        for (x0, y0), (x1, y1) in itertools.pairwise(points)
    )


def _inside(inner: Box, outer: Box) -> bool:
    slack = 1.0
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _drawn_boxes(boxes: list[tuple[Box, bool]]) -> list[_Glyph]:
    """Check boxes drawn as paths (LibreOffice prints Word's legacy check-box fields so: a
    square, crossed when ticked) as the characters ☒ and ☐, standing on the text line they
    are drawn on."""
    glyphs: list[_Glyph] = []
    for (x0, top, x1, bottom), ticked in boxes:
        size = bottom - top
        glyphs.append(_Glyph("☒" if ticked else "☐", x0, x1, top, bottom, bottom, size, 400))
    return glyphs


def _borders(rulings: _Rulings) -> _Rulings:
    """The lines that are table borders: a horizontal line meeting vertical ones at both ends
    (underlines and strike-through lines of tracked changes start and end with their text,
    inside a cell's padding: one may end near a border, never both)."""
    near = 2 * _THIN

    def meets(x: float, y: float) -> bool:
        return any(
            abs(x - vx) <= near and top - near <= y <= bottom + near
            for vx, top, bottom in rulings.vertical
        )

    horizontal = [(y, x0, x1) for y, x0, x1 in rulings.horizontal if meets(x0, y) and meets(x1, y)]
    return _Rulings(horizontal, rulings.vertical if horizontal else [])


def _frame(segment: Segment, rulings: _Rulings) -> Box | None:
    """The ruled box around ``segment``: the nearest border on each side, or None."""
    x0, top, x1, bottom = segment.box
    middle_x, middle_y = (x0 + x1) / 2, (top + bottom) / 2
    slack = 0.3 * segment.size
    lefts = [x for x, y0, y1 in rulings.vertical if x <= x0 + slack and y0 <= middle_y <= y1]
    rights = [x for x, y0, y1 in rulings.vertical if x >= x1 - slack and y0 <= middle_y <= y1]
    tops = [y for y, a, b in rulings.horizontal if y <= top + slack and a <= middle_x <= b]
    bottoms = [y for y, a, b in rulings.horizontal if y >= bottom - slack and a <= middle_x <= b]
    if not (lefts and rights and tops and bottoms):
        return None
    return (max(lefts), max(tops), min(rights), min(bottoms))


def _framed(segments: list[Segment], rulings: _Rulings) -> list[Segment]:
    """Segments with their ruled box; neighbours in one box are one cell (words of a table
    cell that a producer set apart)."""
    if not rulings.horizontal or not rulings.vertical:
        return segments
    out: list[Segment] = []
    for segment in segments:
        frame = _frame(segment, rulings)
        previous = out[-1] if out else None
        if frame is not None and previous is not None and previous.frame == frame:
            out[-1] = Segment(
                f"{previous.text} {segment.text}",
                (
                    previous.box[0],
                    min(previous.box[1], segment.box[1]),
                    segment.box[2],
                    max(previous.box[3], segment.box[3]),
                ),
                max(previous.size, segment.size),
                space_after=segment.space_after,
                weight=previous.weight,
                frame=frame,
                head=previous.head,
                breaks=(
                    *previous.breaks,
                    *(len(previous.text) + 1 + offset for offset in segment.breaks),
                ),
            )
        else:
            out.append(dataclasses.replace(segment, frame=frame))
    return out


# ---------------------------------------------------------------------- lines


def _lines(glyphs: list[_Glyph], spaces: list[_Glyph], page: int, rulings: _Rulings) -> list[Line]:
    bases = [glyph for glyph in glyphs if glyph.char not in _MARKS]
    marks = [glyph for glyph in glyphs if glyph.char in _MARKS]
    rows = _baseline_rows(bases)
    for row in rows:
        row.sort(key=lambda glyph: glyph.x0)
    _attach_marks(rows, marks)  # before struck text goes: its marks go with it
    rows = [kept for kept in (_not_struck(row, rulings) for row in rows) if kept]
    rulings = _borders(rulings)
    rows_spaces: list[list[_Glyph]] = []
    for row in rows:
        row.sort(key=lambda glyph: glyph.x0)
        baseline = sum(g.baseline for g in row) / len(row)
        size = max(g.size for g in row)
        rows_spaces.append([s for s in spaces if abs(s.baseline - baseline) <= 0.35 * size])
    drawn = _spaces_drawn(rows, rows_spaces)
    lines: list[Line] = []
    for row, row_spaces in zip(rows, rows_spaces, strict=True):
        segments = _framed(list(_segments(row, row_spaces, drawn, rulings)), rulings)
        if segments:
            lines.append(Line(page, segments, number=len(lines) + 1))
    return lines


def _spaces_drawn(rows: list[list[_Glyph]], rows_spaces: list[list[_Glyph]]) -> tuple[bool, bool]:
    """Does this page's producer draw its spaces, (next to Thai text, elsewhere)? LibreOffice
    Calc draws every one; Writer leaves out many next to Thai text (between Thai words, between
    a Thai word and a number: "ส่วนที่ 3") and only moves the next word on, while drawing others
    on the same line. So a producer draws its spaces only when (nearly) every word-sized gap
    has one: a few missing ones already say it does not."""
    counts = {True: [0, 0], False: [0, 0]}  # thai? -> [with a space drawn, without]
    for row, row_spaces in zip(rows, rows_spaces, strict=True):
        for left, right in itertools.pairwise(row):
            gap = right.x0 - left.x1
            if 0.2 * left.size <= gap <= 0.6 * left.size:
                drawn = _space_between(left, right, row_spaces)
                counts[_thai_pair(left, right)][0 if drawn else 1] += 1
    thai, other = counts[True], counts[False]
    return thai[1] <= _MISSING * sum(thai), other[1] <= _MISSING * sum(other)


def _thai_pair(left: _Glyph, right: _Glyph) -> bool:
    """A gap next to Thai text (where Writer draws no space)."""
    return "\u0e01" <= left.char <= "\u0e5b" or "\u0e01" <= right.char <= "\u0e5b"


def _not_struck(bases: list[_Glyph], rulings: _Rulings) -> list[_Glyph]:
    """Characters without a line through their middle (deleted text of tracked changes)."""
    if not rulings.horizontal:
        return bases
    lines = sorted(rulings.horizontal)
    heights = [y for y, _, _ in lines]
    kept: list[_Glyph] = []
    for glyph in bases:
        middle = (glyph.x0 + glyph.x1) / 2
        low = glyph.baseline - 0.6 * glyph.size
        high = glyph.baseline - 0.1 * glyph.size
        start = bisect.bisect_left(heights, low)
        struck = False
        for y, x0, x1 in lines[start:]:
            if y > high:
                break
            if x0 <= middle <= x1:
                struck = True
                break
        if not struck:
            kept.append(glyph)
    return kept


def _baseline_rows(bases: list[_Glyph]) -> list[list[_Glyph]]:
    """Characters grouped by baseline, top to bottom."""
    rows: list[list[_Glyph]] = []
    current: list[_Glyph] = []
    anchor = 0.0
    for glyph in sorted(bases, key=lambda g: g.baseline):
        if current and glyph.baseline - anchor > 0.35 * max(glyph.size, current[0].size):
            rows.append(current)
            current = []
        if not current:
            anchor = glyph.baseline
        current.append(glyph)
    if current:
        rows.append(current)
    return rows


def _attach_marks(rows: list[list[_Glyph]], marks: list[_Glyph]) -> None:
    """Each Thai mark goes with the base character it is drawn over (most overlap, nearest),
    on the nearer of the two lines around it. ``rows``: top to bottom, each sorted by x."""
    if not rows:
        return
    middles = [sum(g.baseline - 0.35 * g.size for g in row) / len(row) for row in rows]
    baselines = [sum(g.baseline for g in row) / len(row) for row in rows]
    starts = [[glyph.x0 for glyph in row] for row in rows]
    for mark in marks:
        # A mark set on its consonant's baseline (most producers) belongs to that line; else
        # to the line whose middle is nearest (a tone mark sits high: the line above is close).
        position = bisect.bisect_left(baselines, mark.baseline - 0.2 * mark.size)
        if position < len(rows) and abs(baselines[position] - mark.baseline) <= 0.2 * mark.size:
            order = [position]
        else:
            middle = (mark.top + mark.bottom) / 2
            position = bisect.bisect_left(middles, middle)
            order = sorted(
                (i for i in (position - 1, position) if 0 <= i < len(rows)),
                key=lambda i: abs(middles[i] - middle),
            )
        candidates = []
        for i in order:
            at = bisect.bisect_right(starts[i], mark.x1)
            near = rows[i][max(at - 3, 0) : at + 1]
            if near:
                candidates.append(max(near, key=lambda base: _overlap(base, mark)))
        if not candidates:
            continue
        over = [base for base in candidates if _overlap(base, mark) > 0]
        best = over[0] if over else candidates[0]
        if best.marks is None:
            best.marks = []
        best.marks.append(mark)


def _overlap(base: _Glyph, mark: _Glyph) -> float:
    shared = min(base.x1, mark.x1) - max(base.x0, mark.x0)
    if shared > 0:
        return shared
    return -min(abs(base.x0 - mark.x1), abs(mark.x0 - base.x1))  # not over it: the nearest


def _cluster_text(glyph: _Glyph) -> str:
    """A base character and its marks in Unicode order: vowel above/below, then tone mark."""
    if not glyph.marks:
        return glyph.char
    ordered = sorted(glyph.marks, key=lambda mark: _MARK_ORDER.get(mark.char, 2))
    return glyph.char + "".join(mark.char for mark in ordered)


def _segments(
    row: list[_Glyph],
    spaces: list[_Glyph],
    drawn_spaces: tuple[bool, bool],
    rulings: _Rulings | None = None,
) -> Iterator[Segment]:
    """Split a line into segments at column gaps: where the producer draws its spaces, any gap
    with no space in it; where it does not, a gap wider than a few spaces; and always where a
    table border runs between two glyphs (a label that runs up to its cell's border and the
    check box drawn in the next cell are two cells, however narrow the gap)."""
    parts: list[str] = []
    taken: list[_Glyph] = []
    for glyph in row:
        if taken:
            previous = taken[-1]
            gap = glyph.x0 - previous.x1
            size = max(glyph.size, previous.size)
            drawn = drawn_spaces[0] if _thai_pair(previous, glyph) else drawn_spaces[1]
            if _border_between(previous, glyph, rulings):
                yield _segment(parts, taken, spaces)
                parts, taken = [], []
            elif _space_between(previous, glyph, spaces):
                parts.append(" ")
            elif gap > (_CELL_GAP if drawn else _WIDE_GAP) * size:
                yield _segment(parts, taken, spaces)
                parts, taken = [], []
            elif not drawn and gap > _WORD_GAP * size:
                parts.append(" ")
        parts.append(_cluster_text(glyph))
        taken.append(glyph)
    if taken:
        yield _segment(parts, taken, spaces)


def _border_between(left: _Glyph, right: _Glyph, rulings: _Rulings | None) -> bool:
    """A vertical table border runs between the two glyphs, across their line."""
    if rulings is None or not rulings.vertical:
        return False
    top, bottom = min(left.top, right.top), max(left.bottom, right.bottom)
    middle = (top + bottom) / 2
    return any(left.x1 <= x <= right.x0 and y0 <= middle <= y1 for x, y0, y1 in rulings.vertical)


def _space_between(left: _Glyph, right: _Glyph, spaces: list[_Glyph]) -> bool:
    """True when a space character is drawn in the gap and the gap is no wider than two spaces
    (typed double spaces show as one glyph); a wider gap with a space in it is a column gap
    after a line that wrapped at a space."""
    low, high = left.x1 - 0.1 * left.size, right.x0 + 0.1 * right.size
    width = max(
        (s.x1 - s.x0 for s in spaces if s.x0 >= low and s.x1 <= high and s.x1 > s.x0), default=0.0
    )
    size = max(left.size, right.size)
    return width > 0 and right.x0 - left.x1 <= 2 * width + 0.3 * size


def _segment(parts: list[str], glyphs: list[_Glyph], spaces: list[_Glyph]) -> Segment:
    text = "".join(parts).strip()
    last = glyphs[-1]
    space_after = any(
        last.x1 - 0.1 * last.size <= space.x0 <= last.x1 + 0.3 * last.size for space in spaces
    )
    box = (
        glyphs[0].x0,
        min(g.top for g in glyphs),
        glyphs[-1].x1,
        max(g.bottom for g in glyphs),
    )
    weights = sorted(g.weight for g in glyphs)
    size = max(g.size for g in glyphs)
    return Segment(
        text,
        box,
        size,
        space_after=space_after,
        weight=weights[len(weights) // 2],
        head=_first_word(parts, glyphs),
    )


def _first_word(parts: list[str], glyphs: list[_Glyph]) -> float:
    """Width of the first word of a segment (up to its first space): whether it would have
    fitted at the end of the line above tells a wrapped line from a new one."""
    taken = 0
    for part in parts:
        if part != " ":
            taken += 1
        elif taken:
            return glyphs[taken - 1].x1 - glyphs[0].x0
    return glyphs[-1].x1 - glyphs[0].x0
