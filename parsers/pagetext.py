"""Text on a page as readers of pages give it: lines of segments with their boxes, and the
cells made of them.

Place in the flow: ``parsers.pdf`` (characters of a PDF text layer) and ``parsers.ocr``
(Tesseract's words) turn each page into :class:`Line`\\ s of :class:`Segment`\\ s - runs of
text separated by a column gap, each with a box in points from the page's top-left corner;
``parsers.textlayout`` puts them on one grid of :class:`TextCell`\\ s, which ``parsers.layout``,
``parsers.extract`` and ``parsers.values`` read like any cells, knowing also how sure the reader
was of the text (1.0 for a text layer, Tesseract's for OCR), its page, and where each of its
printed lines starts.

Owns: these types, the provenance of a text layer's cell (:func:`box_source`), and the marks
that can stand between two lines joined into one cell (:data:`WRAP_MARK`, :data:`BREAK_MARK`,
:data:`JOINTS`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.cells import Cell

Box = tuple[float, float, float, float]  # x0, top, x1, bottom: points from the page's top-left


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


def box_source(line: Line, segment: Segment) -> str:
    """ "p1 (72,300)-(210,312)": the page and the box in points, as a reviewer finds it."""
    x0, top, x1, bottom = segment.box
    return f"p{line.page} ({x0:.0f},{top:.0f})-({x1:.0f},{bottom:.0f})"


def line_text(line: Line) -> str:
    """The text of ``line``, its segments a space apart."""
    return " ".join(segment.text for segment in line.segments)


# Joins two lines of a cell where the text wrapped between two Thai words: there may have been a
# space (Unicode's word boundary without one; ``core.thai.normalize`` removes it).
WRAP_MARK = "\u200b"


# Joins two lines of a cell where a Thai line ran up to its column's end: a word too long for
# its column broken there - or, in a name, the space between given name and surname that the
# producer did not draw (``parsers.values`` decides; ``core.thai.normalize`` removes it).
BREAK_MARK = "\u2060"


JOINTS = WRAP_MARK + BREAK_MARK + " \n"  # what can stand between two joined lines of a cell


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


def read_by_ocr(cells: Sequence[Cell]) -> bool:
    """True when any of ``cells`` was read by OCR from a scan."""
    return any(isinstance(cell, TextCell) and cell.ocr for cell in cells)


def reading_confidence(cells: Sequence[Cell]) -> float:
    """How sure the reader was of the text of ``cells`` (the least sure of them): 1.0 for
    cells of a file's own text, OCR's confidence for cells of a scan."""
    return min((cell.confidence for cell in cells if isinstance(cell, TextCell)), default=1.0)
