"""The Excel 2003 XML (SpreadsheetML) reader -> Document of positioned cells.

Place in the flow: registered for the sniffed format "spreadsheetml" (``parsers.sniff``: an XML
document whose root is ``Workbook`` in ``urn:schemas-microsoft-com:office:spreadsheet``,
however it is named; government systems and old macros write it as ``.xls``, and Excel opens it
as a workbook). ``parsers.extract`` then reads the form from the cells exactly as for .xlsx.

The whole file is one XML document, parsed with defusedxml and no DTD (an entity bomb is a
corrupt file); its size is already bounded by ``max_bytes``. Each ``Worksheet`` is a sheet
(hidden ones, ``<x:Visible>SheetHidden</x:Visible>``, skipped); rows and cells follow one
another unless ``ss:Index`` (1-based) places them; ``ss:MergeAcross``/``ss:MergeDown`` make one
cell spanning the merged range, and the next cell of the row starts after it. Values are typed
by ``Data ss:Type``: Number (13.0 -> 13), DateTime (a date at midnight, else a datetime),
Boolean, String and Error as text (rich text, an HTML fragment in ``ss:Data``, as its text).
Sources are A1 references ("Sheet1!B7"); limits as for .xlsx.
"""

from __future__ import annotations

from typing import Any

from parsers.cells import Cell, Document, a1_source
from parsers.ooxml import local_name, parse_xml
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.xlsx import cell_text, iso_date, typed_value

_SS = "urn:schemas-microsoft-com:office:spreadsheet"
_MAX_INDEX = 1 << 20  # Excel's own row limit; ss:Index beyond it is damage


@register("spreadsheetml")
def read_spreadsheetml(data: bytes, context: ReadContext) -> Document:
    """Read an Excel 2003 XML workbook; ReadError("corrupt_file") for bad XML or a DTD."""
    limits = context.limits
    root = parse_xml(data)
    if local_name(root.tag) != "Workbook":
        raise ReadError("corrupt_file", "the XML root is not a SpreadsheetML Workbook")
    cells: list[Cell] = []
    names: list[str] = []
    for sheet in [child for child in root if local_name(child.tag) == "Worksheet"][
        : limits.max_sheets
    ]:
        if _hidden(sheet):
            continue
        name = _attr(sheet, "Name") or f"Sheet{len(names) + 1}"
        names.append(name)
        budget = limits.max_cells - len(cells)
        if budget <= 0:
            break
        table = next((child for child in sheet if local_name(child.tag) == "Table"), None)
        if table is not None:
            cells.extend(_table_cells(table, name, limits, budget))
    return Document.from_cells("spreadsheetml", cells, names)


def _attr(element: Any, name: str) -> str | None:
    value = element.get(f"{{{_SS}}}{name}")
    if value is None:
        value = element.get(name)
    return str(value) if value is not None else None


def _index(element: Any, default: int) -> int:
    """The 0-based position ``ss:Index`` gives (1-based in the file), else ``default``."""
    raw = _attr(element, "Index")
    try:
        number = int(raw) - 1 if raw is not None else default
    except ValueError:
        return default
    if not 0 <= number < _MAX_INDEX:
        raise ReadError("corrupt_file", f"ss:Index {raw} is outside a worksheet")
    return number


def _merge(element: Any, name: str) -> int:
    try:
        return max(0, min(int(_attr(element, name) or 0), _MAX_INDEX))
    except ValueError:
        return 0


def _hidden(sheet: Any) -> bool:
    for options in (child for child in sheet if local_name(child.tag) == "WorksheetOptions"):
        for visible in (child for child in options if local_name(child.tag) == "Visible"):
            if (visible.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
                return True
    return False


def _table_cells(table: Any, name: str, limits: ReadLimits, budget: int) -> list[Cell]:
    found: list[Cell] = []
    row = -1
    for element in table:
        if local_name(element.tag) != "Row":
            continue
        row = _index(element, row + 1)
        if row >= limits.max_rows:
            break
        col = -1
        for cell in element:
            if local_name(cell.tag) != "Cell":
                continue
            col = _index(cell, col + 1)
            across, down = _merge(cell, "MergeAcross"), _merge(cell, "MergeDown")
            start, col = col, col + across
            if start >= limits.max_cols:
                break
            value = _value(cell)
            text = cell_text(value)
            if text is None:
                continue
            rows = min(down + 1, limits.max_rows)
            cols = min(across + 1, limits.max_cols - start)
            source = a1_source(name, row, start)
            found.append(Cell(text, typed_value(value), name, row, start, source, rows, cols))
            if len(found) >= budget:
                return found
    return found


def _value(cell: Any) -> object:
    data = next((child for child in cell if local_name(child.tag) == "Data"), None)
    if data is None:
        return None
    kind = _attr(data, "Type") or "String"
    text = "".join(data.itertext())
    if kind == "Number":
        try:
            return float(text.strip())
        except ValueError:
            return text
    if kind == "DateTime":
        return iso_date(text) or text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text
