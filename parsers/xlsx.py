"""The .xlsx/.xlsm reader: workbook bytes -> Document of positioned cells.

Place in the flow: registered for the sniffed format "xlsx"; ``parsers.read_attachment`` calls
it, then ``parsers.extract`` reads the form from the cells. Macros never run (calamine does not
execute anything). Every non-empty cell of every visible worksheet becomes a Cell; a merged range
is one cell (the top-left value) spanning the range; formulas give their cached value (a file
saved by a tool that stores no cached values reads those cells as empty).

python-calamine reads a form in well under a millisecond, but it allocates a dense grid from the
smallest to the largest cell reference: a two-cell file with a value in XFD1048576 makes it
abort the whole process. So the package is checked first (unpacked size, cell extents); a
workbook whose extent is absurd is read with openpyxl's streaming reader instead, bounded by
``ReadLimits``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from parsers.cells import Cell, Document, a1_source
from parsers.ooxml import has_doctype, open_package, read_part
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits

CalamineValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta
_MAX_DENSE_CELLS = 2_000_000  # calamine's grid for one sheet: ~64 MB at most
_REF = re.compile(rb"r\s*=\s*[\"']([A-Z]{0,3})([0-9]{1,7})[\"']")


@register("xlsx")
def read_xlsx(data: bytes, context: ReadContext) -> Document:
    """Read an .xlsx/.xlsm workbook; ReadError("password_protected" | "corrupt_file" | ...)."""
    limits = context.limits
    if _dense_extent(data, limits) > _MAX_DENSE_CELLS:
        return _read_streaming(data, limits)
    return read_with_calamine(data, limits)


def read_with_calamine(data: bytes, limits: ReadLimits) -> Document:
    """Any workbook calamine opens (xlsx, xls, ods), as positioned cells; also the second
    opinion on an .xls the xls reader calls damaged (:mod:`parsers.xls`)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        with workbook:
            return _read_calamine(workbook, limits)
    except PasswordError as exc:
        raise ReadError("password_protected", str(exc)) from exc
    except CalamineError as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    except BaseException as exc:  # calamine panics raise pyo3's PanicException (a BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise ReadError("corrupt_file", f"calamine panicked: {exc}") from None


def _dense_extent(data: bytes, limits: ReadLimits) -> int:
    """The largest grid any worksheet part would make calamine allocate (rows x columns).

    Reads every XML part within the package bounds (``parsers.ooxml``) and refuses a part with
    a DTD: calamine's XML reader would not expand an entity bomb, but nothing past this point
    should have to know that.
    """
    with open_package(data, limits) as archive:
        largest = 0
        for member in archive.infolist():
            if member.is_dir() or not member.filename.endswith((".xml", ".rels")):
                continue
            part = read_part(archive, member, limits)
            if has_doctype(part):
                raise ReadError("corrupt_file", f"{member.filename} declares a DTD")
            if b"sheetData" in part:
                largest = max(largest, _part_extent(part))
        return largest


def _part_extent(part: bytes) -> int:
    """Rows x columns from the smallest to the largest reference of a worksheet part: every
    r attribute, of cells ("B7") and rows ("7"), however quoted or spaced (XML allows 'A1'
    and r = "A1"; an attribute merely ending in r only makes the figure larger)."""
    refs = set(_REF.findall(part))
    if not refs:
        return 0
    rows = [int(number) for _, number in refs]
    cols = [_column_number(letters) for letters in {letters for letters, _ in refs} if letters]
    width = (max(cols) - min(cols) + 1) if cols else 1
    return (max(rows) - min(rows) + 1) * width


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _read_calamine(workbook: CalamineWorkbook, limits: ReadLimits) -> Document:
    cells: list[Cell] = []
    names: list[str] = []
    for index, meta in enumerate(workbook.sheets_metadata[: limits.max_sheets]):
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        names.append(meta.name)
        budget = limits.max_cells - len(cells)
        if budget <= 0:
            break
        sheet = workbook.get_sheet_by_index(index)
        cells.extend(_sheet_cells(sheet, meta.name, limits, budget))
    return Document.from_cells("xlsx", cells, names)


def _sheet_cells(sheet: CalamineSheet, name: str, limits: ReadLimits, budget: int) -> list[Cell]:
    start = sheet.start
    if start is None or start[0] >= limits.max_rows or start[1] >= limits.max_cols:
        return []
    top, left = start
    grid = sheet.to_python(skip_empty_area=True, nrows=limits.max_rows - top)
    width = limits.max_cols - left
    spans = _merged_spans(sheet, grid, top, left)
    found: list[Cell] = []
    for row_offset, values in enumerate(grid):
        for col_offset, value in enumerate(values[:width]):
            if value == "":
                continue  # (most of the grid: checked before anything costs)
            text = cell_text(value)
            if text is None:
                continue
            row, col = top + row_offset, left + col_offset
            rows, cols = spans.get((row, col), (1, 1))
            found.append(
                Cell(
                    text, typed_value(value), name, row, col, a1_source(name, row, col), rows, cols
                )
            )
            if len(found) >= budget:
                return found
    return found


def _merged_spans(
    sheet: CalamineSheet, grid: list[list[CalamineValue]], top: int, left: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """Top-left -> (rows, cols) of each merged range; values hidden under a merge are blanked."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for (row0, col0), (row1, col1) in sheet.merged_cell_ranges or ():
        spans[(row0, col0)] = (row1 - row0 + 1, col1 - col0 + 1)
        for row in range(max(row0, top), min(row1 + 1, top + len(grid))):
            values = grid[row - top]
            for col in range(max(col0, left), min(col1 + 1, left + len(values))):
                if (row, col) != (row0, col0):
                    values[col - left] = ""
    return spans


def cell_text(value: object) -> str | None:
    """The text of a cell value as a person would read it; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def typed_value(value: object) -> object:
    """The value beyond its text: integral floats become ints (calamine gives 13.0 for 13)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str):
        return None
    return value


def iso_date(text: str) -> dt.date | dt.datetime | None:
    """An ISO date or date-time written in a cell of an XML workbook (SpreadsheetML's DateTime,
    ODF's ``office:date-value``), as calamine gives the dates of .xlsx: a date at midnight,
    else a datetime; None when ``text`` is none."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    except ValueError:
        return None
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.date()
    return moment


def _read_streaming(data: bytes, limits: ReadLimits) -> Document:
    """openpyxl's read-only reader, for workbooks with an absurd extent (no merged ranges)."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    try:
        cells: list[Cell] = []
        names: list[str] = []
        for worksheet in workbook.worksheets[: limits.max_sheets]:
            if worksheet.sheet_state != "visible":
                continue
            names.append(worksheet.title)
            for cell in _streamed_cells(worksheet, limits):
                cells.append(cell)
                if len(cells) >= limits.max_cells:
                    return Document.from_cells("xlsx", cells, names)
        return Document.from_cells("xlsx", cells, names)
    finally:
        workbook.close()


def _streamed_cells(worksheet: object, limits: ReadLimits) -> Iterator[Cell]:
    rows = worksheet.iter_rows(max_row=limits.max_rows, max_col=limits.max_cols)  # type: ignore[attr-defined]
    name: str = worksheet.title  # type: ignore[attr-defined]
    for row in rows:
        for item in row:
            text = cell_text(item.value)
            if text is None or not hasattr(item, "column"):
                continue
            row_index, col_index = item.row - 1, item.column - 1
            source = a1_source(name, row_index, col_index)
            yield Cell(text, typed_value(item.value), name, row_index, col_index, source)
