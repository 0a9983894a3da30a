"""The OpenDocument readers (.ods spreadsheets, .odt text documents) -> Document.

Place in the flow: registered for the sniffed formats "ods" and "odt" (``parsers.sniff`` reads
the package's ``mimetype``); ``parsers.read_attachment`` calls them, then ``parsers.extract``
reads the form from the cells, exactly as for .xlsx and .docx. The package is opened within
``ReadLimits`` (``parsers.ooxml``: part count, unpacked size, compression ratio) and
``content.xml`` is parsed with defusedxml and no DTD (an entity bomb is a corrupt file). A
package whose manifest lists encryption data is password-protected (its content.xml is
ciphertext).

.ods: one sheet per ``table:table`` (hidden ones, whose table style says ``table:display=
"false"``, skipped, as the .xlsx reader skips hidden sheets), sources as in Excel
("แบบรายงาน!B7"). Calc writes a row's trailing blank cells as one cell repeated 16,000 times
and blank rows repeated a million times: repeats of a blank cell or row only move the position,
and a repeated non-blank cell is copied only within ``max_cols``/``max_rows``/``max_cells``.
Typed values come from ``office:value`` (numbers, percentages, currencies), ``office:date-value``
and ``office:boolean-value``, like the .xlsx reader's; the text is the value's own text for
numbers (what calamine gives for .xlsx), else the cell's paragraphs as lines.

.odt: the .docx reader's grid: a paragraph (``text:p``, ``text:h``, list items) is a cell in
column 0 of its own row ("p14"); a table takes one row per table row with its cells at their
columns ("table2!R3C2"), spans from ``number-columns-spanned``/``number-rows-spanned``, covered
cells only moving the column. Tracked deletions (``text:tracked-changes``), notes and
annotations are not on the page and are not read; text boxes are read after their paragraph; a
Word check-box field kept by LibreOffice (a FORMCHECKBOX fieldmark) is "☑"/"☐".
"""

from __future__ import annotations

import contextlib
from typing import Any

from parsers.cells import Cell, Document, FullError, a1_source
from parsers.ooxml import local_name, open_package, parse_xml, read_part
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.wordgrid import (
    MAX_DEPTH,
    SHEET,
    SYMBOL_GLYPHS,
    Block,
    BlockText,
    Pending,
    Table,
    WordGrid,
    joined_lines,
    table_source,
)
from parsers.xlsx import cell_text, iso_date, typed_value

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FIELD = "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0"
_MAX_REPEAT = 1 << 31
# Elements whose text is not on the page, or not in the flow where they stand.
_NOT_TEXT = frozenset({"tracked-changes", "note", "annotation", "annotation-end",
                       "sequence-decls", "variable-decls", "user-field-decls", "forms",
                       "bookmark-ref-decls", "table-of-content-source", "index-title-template",
                       "deletion", "change-info"})  # fmt: skip
_ROW_GROUPS = frozenset({"table-header-rows", "table-rows", "table-row-group"})
_BLOCK_WRAPPERS = frozenset({"section", "list", "list-item", "list-header", "index-body",
                             "table-of-content", "illustration-index", "alphabetical-index",
                             "user-index", "change-start", "soft-page-break", "div",
                             "deletion-wrapper", "inserted"})  # fmt: skip


@register("ods")
def read_ods(data: bytes, context: ReadContext) -> Document:
    """Read an OpenDocument spreadsheet; ReadError("corrupt_file" | "password_protected" | ...)."""
    limits = context.limits
    root = _content(data, limits)
    spreadsheet = _find(root, "body", "spreadsheet")
    if spreadsheet is None:
        raise ReadError("corrupt_file", "content.xml has no spreadsheet body")
    hidden = _hidden_table_styles(root)
    cells: list[Cell] = []
    names: list[str] = []
    for table in _children(spreadsheet, "table")[: limits.max_sheets]:
        name = str(table.get(f"{{{_TABLE}}}name") or f"Sheet{len(names) + 1}")
        if table.get(f"{{{_TABLE}}}style-name") in hidden:
            continue
        names.append(name)
        budget = limits.max_cells - len(cells)
        if budget <= 0:
            break
        cells.extend(_sheet_cells(table, name, limits, budget))
    return Document.from_cells("ods", cells, names)


@register("odt")
def read_odt(data: bytes, context: ReadContext) -> Document:
    """Read an OpenDocument text document; ReadError("corrupt_file" | "password_protected")."""
    limits = context.limits
    root = _content(data, limits)
    text = _find(root, "body", "text")
    if text is None:
        raise ReadError("corrupt_file", "content.xml has no text body")
    grid = _Grid(limits, _symbol_styles(root))
    with contextlib.suppress(FullError):
        grid.blocks(text, 0)
    return Document.from_cells("odt", grid.cells, [SHEET])


# --------------------------------------------------------------------------- the package


def _content(data: bytes, limits: ReadLimits) -> Any:
    """The parsed content.xml, after refusing an encrypted package."""
    with open_package(data, limits) as archive:
        names = set(archive.namelist())
        if "META-INF/manifest.xml" in names:
            manifest = read_part(archive, "META-INF/manifest.xml", limits)
            if b"encryption-data" in manifest:
                raise ReadError("password_protected", "the package's parts are encrypted")
        if "content.xml" not in names:
            raise ReadError("corrupt_file", "no content.xml in the package")
        return parse_xml(read_part(archive, "content.xml", limits))


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if local_name(child.tag) == name]


def _find(root: Any, *path: str) -> Any:
    element = root
    for name in path:
        found = _children(element, name)
        if not found:
            return None
        element = found[0]
    return element


def _int(value: object, default: int = 1) -> int:
    try:
        number = int(str(value)) if value is not None else default
    except ValueError:
        return default
    return min(max(number, 1), _MAX_REPEAT)


def _hidden_table_styles(root: Any) -> set[str]:
    """Names of table styles that hide their sheet (``table:display="false"``)."""
    hidden: set[str] = set()
    styles = _find(root, "automatic-styles")
    if styles is None:
        return hidden
    for style in _children(styles, "style"):
        for properties in _children(style, "table-properties"):
            if properties.get(f"{{{_TABLE}}}display") == "false":
                hidden.add(str(style.get(f"{{{_STYLE}}}name")))
    return hidden


def _symbol_styles(root: Any) -> dict[str, str]:
    """Text styles that set a symbol font (Wingdings check boxes): style name -> font."""
    families = {}
    for decls in _children(root, "font-face-decls"):
        for face in _children(decls, "font-face"):
            family = str(face.get("{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
                                  "font-family", "")).strip("'\"").lower()  # fmt: skip
            families[str(face.get(f"{{{_STYLE}}}name"))] = family
    found: dict[str, str] = {}
    styles = _find(root, "automatic-styles")
    for style in _children(styles, "style") if styles is not None else []:
        for properties in _children(style, "text-properties"):
            font = properties.get(f"{{{_STYLE}}}font-name")
            family = families.get(str(font), str(font).lower())
            if family in SYMBOL_GLYPHS:
                found[str(style.get(f"{{{_STYLE}}}name"))] = family
    return found


def _rows(table: Any, depth: int = 0) -> list[Any]:
    """The table's rows, through header-row and row-group wrappers."""
    found: list[Any] = []
    for child in table:
        name = local_name(child.tag)
        if name == "table-row":
            found.append(child)
        elif name in _ROW_GROUPS and depth < MAX_DEPTH:
            found.extend(_rows(child, depth + 1))
    return found


# --------------------------------------------------------------------------- spreadsheets


def _sheet_cells(table: Any, name: str, limits: ReadLimits, budget: int) -> list[Cell]:
    found: list[Cell] = []
    row = 0
    for element in _rows(table):
        if row >= limits.max_rows:
            break
        repeat = _int(element.get(f"{{{_TABLE}}}number-rows-repeated"))
        texts = _row_cells(element, limits)
        if not texts:
            row += repeat
            continue
        for copy in range(min(repeat, limits.max_rows - row)):
            for col, text, value, rows, cols in texts:
                source = a1_source(name, row + copy, col)
                found.append(Cell(text, value, name, row + copy, col, source, rows, cols))
                if len(found) >= budget:
                    return found
        row += repeat
    return found


def _row_cells(row: Any, limits: ReadLimits) -> list[tuple[int, str, object, int, int]]:
    """(column, text, value, rows spanned, columns spanned) of a row's non-empty cells."""
    found: list[tuple[int, str, object, int, int]] = []
    col = 0
    for element in row:
        kind = local_name(element.tag)
        if kind not in ("table-cell", "covered-table-cell"):
            continue
        if col >= limits.max_cols:
            break
        repeat = _int(element.get(f"{{{_TABLE}}}number-columns-repeated"))
        if kind == "table-cell":
            value = _spreadsheet_value(element)
            text = cell_text(value)
            if text is not None:
                rows = min(_int(element.get(f"{{{_TABLE}}}number-rows-spanned")), limits.max_rows)
                cols = _int(element.get(f"{{{_TABLE}}}number-columns-spanned"))
                for copy in range(min(repeat, limits.max_cols - col)):
                    span = min(cols, limits.max_cols - col - copy)
                    found.append((col + copy, text, typed_value(value), rows, span))
                    if len(found) >= limits.max_cells:
                        return found
        col += repeat
    return found


def _spreadsheet_value(cell: Any) -> object:
    """The cell's value as calamine gives .xlsx values: float, date/datetime, bool or text."""
    kind = cell.get(f"{{{_OFFICE}}}value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return float(str(cell.get(f"{{{_OFFICE}}}value")))
        except ValueError:
            pass
    elif kind == "date":
        parsed = iso_date(str(cell.get(f"{{{_OFFICE}}}date-value", "")))
        if parsed is not None:
            return parsed
    elif kind == "boolean":
        return str(cell.get(f"{{{_OFFICE}}}boolean-value", "")).lower() == "true"
    lines = [_Text([], {}).of(child) for child in cell if local_name(child.tag) in ("p", "h")]
    return joined_lines(lines) or None


# --------------------------------------------------------------------------- text documents


class _Grid(WordGrid):
    """The body's paragraphs and tables on the grid (``parsers.wordgrid``)."""

    def __init__(self, limits: ReadLimits, symbols: dict[str, str]) -> None:
        super().__init__(limits)
        self.symbols = symbols  # text style name -> symbol font it sets ("wingdings")

    def blocks(self, element: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for child in element:
            name = local_name(child.tag)
            if name in ("p", "h"):
                self.paragraph(child)
            elif name == "table":
                self.table(child)
            elif name in _BLOCK_WRAPPERS:
                self.blocks(child, depth + 1)

    def paragraph(self, element: Any) -> None:
        boxes: list[Any] = []
        self.add_paragraph(_Text(boxes, self.symbols).of(element))
        for box in boxes:
            self.blocks(box, 1)

    def table(self, element: Any) -> None:
        table = self.start_table()
        index = 0
        for row in _rows(element):
            if table.top + index >= self.limits.max_rows:
                break
            repeat = min(_int(row.get(f"{{{_TABLE}}}number-rows-repeated")), self.limits.max_rows)
            for _ in range(repeat):
                if table.top + index >= self.limits.max_rows:
                    break
                table.cells.extend(self.table_row(row, table, index))
                if len(table.cells) > self.limits.max_cells:
                    break
                index += 1
        self.add_table(table, index)

    def table_row(self, row: Any, table: Table, index: int) -> list[Pending]:
        found: list[Pending] = []
        col = 0
        for cell in row:
            kind = local_name(cell.tag)
            if kind not in ("table-cell", "covered-table-cell"):
                continue
            if col >= self.limits.max_cols:
                break
            repeat = _int(cell.get(f"{{{_TABLE}}}number-columns-repeated"))
            if kind == "table-cell":
                text = _Text([], self.symbols).cell(cell)
                rows = _int(cell.get(f"{{{_TABLE}}}number-rows-spanned"))
                cols = _int(cell.get(f"{{{_TABLE}}}number-columns-spanned"))
                if text.strip():
                    for copy in range(min(repeat, self.limits.max_cols - col)):
                        source = table_source(table.number, index, col + copy)
                        found.append(
                            Pending(text, table.top + index, col + copy, source, rows, cols)
                        )
            col += repeat
        return found


class _Text(BlockText):
    """The visible text of a paragraph or of a table cell (``parsers.wordgrid.BlockText``)."""

    def __init__(self, boxes: list[Any], symbols: dict[str, str]) -> None:
        super().__init__(boxes)
        self.symbols = symbols  # text style name -> symbol font it sets ("wingdings")

    def block(self, element: Any) -> Block | None:
        name = local_name(element.tag)
        if name in ("p", "h"):
            return "paragraph"
        if name == "table":
            return "table"
        return "wrapper" if name in _BLOCK_WRAPPERS else None

    def rows(self, table: Any) -> list[Any]:
        return _rows(table)

    def cells(self, row: Any) -> list[Any]:
        return [cell for cell in row if local_name(cell.tag) == "table-cell"]

    def another(self) -> _Text:
        return _Text(self.boxes, self.symbols)

    def inline(self, element: Any, depth: int) -> None:
        if element.text:
            self.parts.append(element.text)
        if depth > MAX_DEPTH:
            return
        for child in element:
            name = local_name(child.tag)
            if name == "s":
                self.parts.append(" " * min(_int(child.get(f"{{{_TEXT}}}c")), 1000))
            elif name == "tab":
                self.parts.append("\t")
            elif name == "line-break":
                self.parts.append("\n")
            elif name == "text-box":
                self.boxes.append(child)
            elif name == "fieldmark-start" or name == "fieldmark":
                self.parts.append(_check_box(child))
            elif name == "span" and child.get(f"{{{_TEXT}}}style-name") in self.symbols:
                start = len(self.parts)
                self.inline(child, depth + 1)
                mapping = SYMBOL_GLYPHS[self.symbols[str(child.get(f"{{{_TEXT}}}style-name"))]]
                for index in range(start, len(self.parts)):
                    self.parts[index] = "".join(
                        mapping.get(ord(ch) & 0xFF, ch) if ord(ch) >= 0x80 else ch
                        for ch in self.parts[index]
                    )
            elif name not in _NOT_TEXT:
                self.inline(child, depth + 1)
            if child.tail:
                self.parts.append(child.tail)


def _check_box(mark: Any) -> str:
    """A Word FORMCHECKBOX kept as an ODF fieldmark: its state as the box Word shows."""
    kind = str(mark.get(f"{{{_FIELD}}}type", ""))
    if not kind.endswith("FORMCHECKBOX"):
        return ""
    for param in mark:
        if (
            local_name(param.tag) == "param"
            and param.get(f"{{{_FIELD}}}name") == "Checkbox_Checked"
        ):
            return "☑" if str(param.get(f"{{{_FIELD}}}value", "")).lower() == "true" else "☐"
    return "☐"
