"""Positioned text cells: the one representation every reader produces.

Place in the flow: a reader (``parsers.xlsx`` today; xls, docx, PDF and OCR later) turns bytes
into a :class:`Document`; ``parsers.extract`` reads field values from it by label. Nothing here
knows about formats or the form.

A grid position is (``sheet``, ``row``, ``col``), zero-based. For a spreadsheet ``sheet`` is the
sheet name and ``source`` an A1 reference ("Sheet1!B5"); a PDF or OCR reader puts the page in
``sheet`` ("page 1"), a line/column cluster in ``row``/``col``, the page box in ``box`` and a
readable place in ``source`` ("page 1, x 72-210 y 300-312"). Merged cells are one cell spanning
``rows`` x ``cols``.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parsers.results import Problem, ReadLimits


@dataclass(frozen=True)
class Cell:
    """One non-empty piece of text at a grid position, with its typed value when known."""

    text: str
    value: object  # float/int/bool/date/datetime/None: what the reader knew beyond the text
    sheet: str
    row: int
    col: int
    source: str
    rows: int = 1
    cols: int = 1
    box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 on a page

    @property
    def last_row(self) -> int:
        return self.row + self.rows - 1

    @property
    def last_col(self) -> int:
        return self.col + self.cols - 1

    def overlaps_cols(self, other: Cell) -> bool:
        """True when the two cells share at least one column."""
        return self.col <= other.last_col and other.col <= self.last_col


@functools.lru_cache(maxsize=1024)
def column_letters(col: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1_source(sheet: str, row: int, col: int) -> str:
    """Excel-style reference: ("แบบฟอร์ม", 4, 1) -> "แบบฟอร์ม!B5"; quoted when needed."""
    return f"{quoted_sheet(sheet)}!{column_letters(col)}{row + 1}"


@functools.lru_cache(maxsize=256)
def quoted_sheet(sheet: str) -> str:
    """A sheet name as a reference writes it: quoted unless letters, digits and _ only."""
    return sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class Sheet:
    """The cells of one sheet (or page), in reading order, with row and column lookups."""

    name: str
    index: int
    cells: tuple[Cell, ...]
    _rows: dict[int, tuple[Cell, ...]] = field(init=False, repr=False, compare=False)
    _row_numbers: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.cells, key=lambda cell: (cell.row, cell.col)))
        rows: dict[int, list[Cell]] = {}
        for cell in ordered:
            rows.setdefault(cell.row, []).append(cell)
        object.__setattr__(self, "cells", ordered)
        object.__setattr__(self, "_rows", {row: tuple(cells) for row, cells in rows.items()})
        object.__setattr__(self, "_row_numbers", tuple(sorted(rows)))

    def row(self, row: int) -> tuple[Cell, ...]:
        """The cells starting in ``row``, left to right."""
        return self._rows.get(row, ())

    def rows_between(self, first: int, last: int) -> Iterator[tuple[int, tuple[Cell, ...]]]:
        """(row number, cells) for the non-empty rows first..last inclusive, top to bottom."""
        start = bisect.bisect_left(self._row_numbers, first)
        for number in self._row_numbers[start:]:
            if number > last:
                break
            yield number, self._rows[number]

    def right_of(self, cell: Cell) -> Iterator[Cell]:
        """Cells in the same row to the right of ``cell``, nearest first."""
        return (other for other in self.row(cell.row) if other.col > cell.last_col)

    def below(self, cell: Cell, max_rows: int) -> Iterator[Cell]:
        """Cells under ``cell`` (sharing a column) in the next ``max_rows`` rows, nearest first."""
        for _, cells in self.rows_between(cell.last_row + 1, cell.last_row + max_rows):
            yield from (other for other in cells if other.overlaps_cols(cell))

    def in_columns(self, row: int, first_col: int, last_col: int) -> Iterator[Cell]:
        """Cells of ``row`` whose columns meet first_col..last_col."""
        return (c for c in self.row(row) if c.col <= last_col and c.last_col >= first_col)

    @property
    def last_row(self) -> int:
        return self._row_numbers[-1] if self._row_numbers else -1


@dataclass(frozen=True)
class Document:
    """What a reader made of one attachment: its sheets (or pages) of cells; for a scan, what
    could not be read (``problems``: pages over the OCR budget, OCR failures) and whether a
    first look saw the form on a page (``form_seen``), however few values were then read."""

    format: str
    sheets: tuple[Sheet, ...]
    problems: tuple[Problem, ...] = ()
    form_seen: bool = False

    @classmethod
    def from_cells(
        cls,
        format: str,
        cells: Iterable[Cell],
        sheet_order: Iterable[str],
        *,
        problems: tuple[Problem, ...] = (),
        form_seen: bool = False,
    ) -> Document:
        """Group ``cells`` by sheet, keeping ``sheet_order`` (sheets without cells are dropped)."""
        grouped: dict[str, list[Cell]] = {name: [] for name in sheet_order}
        for cell in cells:
            grouped.setdefault(cell.sheet, []).append(cell)
        sheets = tuple(
            Sheet(name, index, tuple(found))
            for index, (name, found) in enumerate((n, c) for n, c in grouped.items() if c)
        )
        return cls(format, sheets, problems, form_seen)

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @property
    def cell_count(self) -> int:
        return sum(len(sheet.cells) for sheet in self.sheets)


class FullError(Exception):
    """A document reached ``max_rows`` or ``max_cells``: the rest is not read."""


def add_within(
    cells: list[Cell],
    limits: ReadLimits,
    sheet: str,
    text: str,
    row: int,
    col: int,
    source: str,
    rows: int = 1,
    cols: int = 1,
) -> None:
    """Append a cell of a document read as rows (Word, Writer, web pages), within ``limits``:
    :class:`FullError` once rows or cells run out; blank text and columns past ``max_cols`` are
    left out, and a span is cut at ``max_cols``."""
    if row >= limits.max_rows or len(cells) >= limits.max_cells:
        raise FullError
    if col < limits.max_cols and text.strip():
        cols = min(cols, limits.max_cols - col)
        cells.append(Cell(text, None, sheet, row, col, source, rows, cols))
