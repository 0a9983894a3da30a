"""The body of a word-processing document on a grid, as the printed page shows it.

Place in the flow: the .docx, .doc and .odt readers (``parsers.docx``, ``parsers.doc``,
``parsers.odf``) each walk their own format and hand what they find to one :class:`WordGrid`,
top to bottom: a paragraph is a cell in column 0 of its own row (source "p14": the 14th
paragraph of the body); a table takes one row per table row, its cells at their grid columns
("table2!R3C2": table 2, row 3, grid column 2), a vertical merge one cell spanning rows
(:class:`Table`). Empty paragraphs take no row; empty table rows do. ``parsers.extract`` then
reads the form from these cells as from a spreadsheet's.

The XML formats read the text of a paragraph or a table cell with a :class:`BlockText` walker:
a cell's paragraphs are its lines, a table nested in a cell is more lines of that cell (a line
per row, its cells tab-joined). Check boxes and ticks of Word's symbol fonts are drawn as their
Unicode boxes (:data:`SYMBOL_GLYPHS`).

Owns: where each paragraph and table cell lands and its source, within ``ReadLimits``
(``parsers.cells.add_within``), and what a cell's text is made of.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from parsers.cells import Cell, add_within
from parsers.results import ReadLimits

SHEET = "document"
Block = Literal["paragraph", "table", "wrapper"]
MAX_DEPTH = 40  # nesting of tables in cells and of wrappers (sdt, hyperlinks, sections, ...)
# Check-box and tick glyphs of the symbol fonts Word offers, by the low byte of the code.
SYMBOL_GLYPHS: dict[str, dict[int, str]] = {
    "wingdings": {0xA8: "☐", 0x6F: "☐", 0x71: "☐", 0xFE: "☑", 0xFD: "☒", 0x78: "☒", 0xFC: "✓",
                  0xFB: "✗", 0x6E: "■", 0x6C: "●"},
    "wingdings 2": {0xA3: "☐", 0x2A: "☐", 0x52: "☑", 0x54: "☒", 0x53: "☒", 0x50: "✓", 0x4F: "✗",
                    0xCE: "☒", 0xCF: "☑"},
    "symbol": {0xD6: "√", 0xB4: "×"},
}  # fmt: skip


@dataclass
class Pending:
    """A table cell being built (a vertical merge may still add rows to it)."""

    text: str
    row: int
    col: int
    source: str
    rows: int
    cols: int


def table_source(number: int, index: int, col: int) -> str:
    """ "table2!R3C2": table ``number``, its row ``index`` (0-based) and grid column ``col``."""
    return f"table{number}!R{index + 1}C{col + 1}"


class Table:
    """The cells of one table as it is read row by row, placed on the grid once it is read
    whole (:meth:`WordGrid.add_table`): a vertical merge may still add rows to a cell."""

    def __init__(self, number: int, top: int) -> None:
        self.number = number
        self.top = top  # the grid row of the table's first row
        self.cells: list[Pending] = []
        self._merging: dict[int, Pending] = {}  # grid column -> cell a vertical merge continues

    def continued(self, col: int) -> bool:
        """Does a vertical merge started above at grid column ``col`` go on? Then its cell
        spans one row more (the caller adds no cell of its own)."""
        item = self._merging.get(col)
        if item is None:
            return False
        item.rows += 1
        return True

    def add(self, text: str, index: int, col: int, span: int, *, merge: bool = False) -> None:
        """A cell on the table's row ``index`` at grid column ``col``, ``span`` columns wide;
        ``merge``: a vertical merge starts with it."""
        item = Pending(text, self.top + index, col, table_source(self.number, index, col), 1, span)
        self.cells.append(item)
        if merge:
            self._merging[col] = item
        else:
            self._merging.pop(col, None)


class WordGrid:
    """Places paragraphs and table cells on rows, top to bottom."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.cells: list[Cell] = []
        self.row = 0
        self.paragraphs = 0
        self.tables = 0

    def add(self, text: str, row: int, col: int, source: str, rows: int = 1, cols: int = 1) -> None:
        add_within(self.cells, self.limits, SHEET, text, row, col, source, rows, cols)

    def add_paragraph(self, text: str) -> None:
        """The next paragraph of the body: a cell on a row of its own, unless it is blank."""
        self.paragraphs += 1
        if text.strip():
            self.add(text, self.row, 0, f"p{self.paragraphs}")
            self.row += 1

    def start_table(self) -> Table:
        """The next table of the body, starting on the next row."""
        self.tables += 1
        return Table(self.tables, self.row)

    def add_table(self, table: Table, rows: int) -> None:
        """``table`` read whole, ``rows`` rows long: its cells on the grid, the next paragraph
        below it."""
        self.row = table.top + rows
        for item in table.cells:
            rows_spanned = min(item.rows, self.limits.max_rows)
            self.add(item.text, item.row, item.col, item.source, rows_spanned, item.cols)


def joined_lines(lines: list[str]) -> str:
    """A cell's paragraphs as its lines, trailing blank ones left out."""
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


class BlockText(ABC):
    """The visible text of a paragraph (:meth:`of`) or of a table cell (:meth:`cell`) of an XML
    word-processing document. A format says which elements are paragraphs, tables and
    wrappers around them (:meth:`block`), where a table's rows and a row's cells are, and how
    a paragraph's inline content reads (:meth:`inline`, appending to ``parts``)."""

    def __init__(self, boxes: list[Any]) -> None:
        self.boxes = boxes  # text boxes met on the way, read after the paragraph
        self.parts: list[str] = []

    def of(self, element: Any) -> str:
        self.inline(element, 0)
        return "".join(self.parts)

    def cell(self, element: Any) -> str:
        return joined_lines(self.lines(element, 0))

    def lines(self, element: Any, depth: int) -> list[str]:
        """A cell's paragraphs as lines; a nested table's rows as lines of tab-joined cells."""
        lines: list[str] = []
        if depth > MAX_DEPTH:
            return lines
        for child in element:
            kind = self.block(child)
            if kind == "paragraph":
                lines.append(self.another().of(child))
            elif kind == "table":
                for row in self.rows(child):
                    texts = [" ".join(self.lines(cell, depth + 1)) for cell in self.cells(row)]
                    lines.append("\t".join(text for text in texts if text.strip()))
            elif kind == "wrapper":
                lines.extend(self.lines(child, depth + 1))
        return lines

    @abstractmethod
    def block(self, element: Any) -> Block | None:
        """What ``element`` is: a paragraph, a table, a wrapper of paragraphs and tables, or
        none of these (no text of a cell)."""

    @abstractmethod
    def rows(self, table: Any) -> Sequence[Any]:
        """The rows of a table element."""

    @abstractmethod
    def cells(self, row: Any) -> Sequence[Any]:
        """The cells of a row element."""

    @abstractmethod
    def another(self) -> BlockText:
        """A walker for another paragraph, with this one's text boxes and settings."""

    @abstractmethod
    def inline(self, element: Any, depth: int) -> None:
        """Append the visible text of ``element`` (a paragraph or inside one) to ``parts``."""
