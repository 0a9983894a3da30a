"""The legacy .xls reader (BIFF5/BIFF8 inside an OLE2 file): bytes -> Document of positioned cells.

Place in the flow: registered for the sniffed format "xls" (``parsers.sniff`` tells a workbook
from a Word .doc or an encrypted OOXML file by the OLE2 stream names); ``parsers.read_attachment``
calls it, then ``parsers.extract`` reads the form from the cells, exactly as for .xlsx.

xlrd 2 (which reads only .xls) does the decoding. Before it runs, the workbook stream's records
are scanned once (:func:`scan_workbook`): an encrypted workbook (FILEPASS) is refused as
password-protected, each sheet's cost in xlrd's memory (its ragged rows: the sum over rows of
the last column used) is known, a sheet above the budget is not loaded at all, and the merged
ranges (MERGEDCELLS) are taken from the same scan, so xlrd can skip the formatting records.
Cells keep their A1 source ("แบบรายงาน!B5"); numbers come typed (13.0 -> 13); cells with a date
format become dates (the serial and the workbook's 1900/1904 date mode give the Gregorian date,
whatever calendar the format shows: a Thai-calendar format "[$-107041E]d mmm bbbb" stores the
same serial); a date typed with a BE year (2564 as a Gregorian year) is corrected later by the
value reader, as for .xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from dataclasses import dataclass, field

import xlrd  # type: ignore[import-untyped]
from xlrd.biffh import XLRDError  # type: ignore[import-untyped]
from xlrd.compdoc import CompDoc, CompDocError  # type: ignore[import-untyped]

from parsers.cells import Cell, Document, a1_source
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.xlsx import cell_text, read_with_calamine, typed_value

_MAX_SLOTS = 2_000_000  # xlrd list slots for one sheet (~16 bytes each, values apart)
_MAX_MERGES = 50_000
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _MERGEDCELLS = 0x0809, 0x000A, 0x002F, 0x0085, 0x00E5
_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0006, 0x0205, 0x0406})
_MULRK = 0x00BD
_WORKSHEET = 0x00
# xlrd and CompDoc raise these on damaged input (xlrd has no single exception type for it);
# LookupError also covers a damaged CODEPAGE record naming no codec, ValueError bad text.
_DAMAGED = (
    XLRDError, CompDocError, struct.error, IndexError, LookupError, ValueError, AssertionError,
    TypeError, EOFError, OverflowError, ZeroDivisionError,
)  # fmt: skip


@dataclass
class SheetScan:
    """What the record scan learned about one sheet."""

    name_index: int  # position among the workbook's worksheets (xlrd's sheet index)
    visible: bool
    last_col: dict[int, int] = field(default_factory=dict)  # row -> last column with a value
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, r1+1, c0, c1+1

    @property
    def slots(self) -> int:
        return sum(col + 1 for col in self.last_col.values())


@dataclass
class WorkbookScan:
    encrypted: bool = False
    sheets: list[SheetScan] = field(default_factory=list)


@register("xls")
def read_xls(data: bytes, context: ReadContext) -> Document:
    """Read an .xls workbook; ReadError("password_protected" | "corrupt_file" | "too_large").

    A workbook xlrd or our scan calls damaged gets a second opinion from calamine, which opens
    many that Excel, WPS and older tools write a little off the format (an SST count that is
    wrong, a stream named WORKBOOK ...); only when calamine cannot either is it damaged."""
    try:
        return _read_xls(data, context.limits)
    except ReadError as exc:
        if exc.code != "corrupt_file":
            raise
        try:
            return read_with_calamine(data, context.limits)
        except ReadError:
            raise exc from None


def _read_xls(data: bytes, limits: ReadLimits) -> Document:
    scan = scan_workbook(data)
    if scan.encrypted:
        raise ReadError("password_protected", "the workbook is encrypted (FILEPASS)")
    wanted = [sheet for sheet in scan.sheets if sheet.visible][: limits.max_sheets]
    loadable = [sheet for sheet in wanted if sheet.slots <= _MAX_SLOTS]
    if wanted and not loadable:
        raise ReadError("too_large", "every sheet is larger than the reader's budget")
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
    except _DAMAGED as exc:
        message = str(exc)
        code = "password_protected" if "encrypted" in message.lower() else "corrupt_file"
        raise ReadError(code, message) from exc
    try:
        return _read_book(book, loadable, limits)
    except _DAMAGED as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    finally:
        book.release_resources()


def _read_book(book: object, sheets: list[SheetScan], limits: ReadLimits) -> Document:
    cells: list[Cell] = []
    names: list[str] = []
    datemode: int = book.datemode  # type: ignore[attr-defined]
    for scan in sheets:
        budget = limits.max_cells - len(cells)
        if budget <= 0:
            break
        sheet = book.sheet_by_index(scan.name_index)  # type: ignore[attr-defined]
        names.append(sheet.name)
        cells.extend(_sheet_cells(sheet, scan, datemode, limits, budget))
        book.unload_sheet(scan.name_index)  # type: ignore[attr-defined]
    return Document.from_cells("xls", cells, names)


def _sheet_cells(
    sheet: object, scan: SheetScan, datemode: int, limits: ReadLimits, budget: int
) -> list[Cell]:
    name: str = sheet.name  # type: ignore[attr-defined]
    spans = {(r0, c0): (r1 - r0, c1 - c0) for r0, r1, c0, c1 in scan.merges}
    hidden = {
        (row, col)
        for r0, r1, c0, c1 in scan.merges
        if (r1 - r0) * (c1 - c0) <= 10_000
        for row in range(r0, r1)
        for col in range(c0, c1)
        if (row, col) != (r0, c0)
    }
    found: list[Cell] = []
    nrows: int = sheet.nrows  # type: ignore[attr-defined]
    for row in range(min(nrows, limits.max_rows)):
        types = sheet.row_types(row)  # type: ignore[attr-defined]
        values = sheet.row_values(row)  # type: ignore[attr-defined]
        for col in range(min(len(values), limits.max_cols)):
            if (row, col) in hidden:
                continue
            value = _cell_value(types[col], values[col], datemode)
            text = cell_text(value)
            if text is None:
                continue
            rows, cols = spans.get((row, col), (1, 1))
            source = a1_source(name, row, col)
            found.append(Cell(text, typed_value(value), name, row, col, source, rows, cols))
            if len(found) >= budget:
                return found
    return found


def _cell_value(ctype: int, value: object, datemode: int) -> object:
    """xlrd's (type, value) as the Python value calamine would give for the same cell."""
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    if ctype == xlrd.XL_CELL_DATE and isinstance(value, float):
        return _date(value, datemode)
    return value


def _date(serial: float, datemode: int) -> object:
    """A date-formatted number as a date (datetime with a time of day; time for < 1 day)."""
    try:
        year, month, day, hour, minute, second = xlrd.xldate_as_tuple(serial, datemode)
    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
        return serial
    if (year, month, day) == (0, 0, 0):
        return dt.time(hour, minute, second)
    if (hour, minute, second) == (0, 0, 0):
        return dt.date(year, month, day)
    return dt.datetime(year, month, day, hour, minute, second)


# ---------------------------------------------------------------------- the record scan


def scan_workbook(data: bytes) -> WorkbookScan:
    """Walk the BIFF records of the Workbook stream once (see the module docstring)."""
    try:
        document = CompDoc(data, logfile=io.StringIO())
        stream = document.get_named_stream("Workbook") or document.get_named_stream("Book")
    except _DAMAGED as exc:
        raise ReadError("corrupt_file", f"not a readable OLE2 workbook: {exc}") from exc
    if not stream:
        raise ReadError("corrupt_file", "no Workbook stream in the OLE2 file")
    scan = WorkbookScan()
    offsets: dict[int, SheetScan] = {}
    current: SheetScan | None = None
    depth = 0  # substreams nested in a sheet (embedded charts) have their own BOF ... EOF
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + length]
        if kind == _BOF:
            if current is None:
                current = offsets.get(position)
            else:
                depth += 1
        elif kind == _EOF:
            if depth:
                depth -= 1
            else:
                current = None
        elif kind == _FILEPASS and current is None:
            scan.encrypted = True
            return scan
        elif kind == _BOUNDSHEET and current is None and len(body) >= 6:
            sheet_position, visibility, sheet_type = struct.unpack_from("<IBB", body)
            if sheet_type == _WORKSHEET:
                found = SheetScan(len(scan.sheets), visibility & 3 == 0)
                scan.sheets.append(found)
                offsets[sheet_position] = found
        elif current is not None:
            _scan_sheet_record(current, kind, body)
        position += 4 + length
    return scan


def _scan_sheet_record(sheet: SheetScan, kind: int, body: bytes) -> None:
    if kind in _CELLS and len(body) >= 4:
        row, col = struct.unpack_from("<HH", body)
        if col > sheet.last_col.get(row, -1):
            sheet.last_col[row] = col
    elif kind == _MULRK and len(body) >= 6:
        row, _ = struct.unpack_from("<HH", body)
        (last,) = struct.unpack_from("<H", body, len(body) - 2)
        if last > sheet.last_col.get(row, -1):
            sheet.last_col[row] = last
    elif kind == _MERGEDCELLS and len(body) >= 2:
        (count,) = struct.unpack_from("<H", body)
        for index in range(min(count, (len(body) - 2) // 8)):
            if len(sheet.merges) >= _MAX_MERGES:
                break
            r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * index)
            if r0 <= r1 and c0 <= c1:
                sheet.merges.append((r0, r1 + 1, c0, c1 + 1))
