"""The .docx reader: the Word form -> Document of positioned cells on one sheet.

Place in the flow: registered for the sniffed format "docx"; ``parsers.read_attachment`` calls
it, then ``parsers.extract`` reads the form from the cells, exactly as for a spreadsheet. The
package is opened within ``ReadLimits`` (``parsers.ooxml``: part count, unpacked size, ratio)
and the main part is parsed with defusedxml (no DTD: an entity bomb is a corrupt file).

The body becomes one grid (``parsers.wordgrid``), top to bottom: a paragraph is a cell in
column 0 of its own row (source "p14": the 14th paragraph of the body); a table takes one row
per table row, its cells at their grid columns (``gridBefore`` and ``gridSpan`` counted, a vertical merge is one cell
spanning rows; source "table2!R3C2": table 2, row 3, grid column 2). Empty paragraphs take no
row; empty table rows do (a blank row of a table is a blank row). A cell's paragraphs are its
lines; a table nested in a cell is read as more lines of that cell.

What a reader of the printed page would see is what a cell says: tracked insertions are in,
deletions are out; a legacy check-box field is "☑"/"☐"; a Wingdings/Wingdings 2 check-box
symbol is its Unicode box; ``mc:Fallback`` copies and field instructions are skipped; text
boxes are read as paragraphs after the paragraph that anchors them.
"""

from __future__ import annotations

import contextlib
from typing import Any

from parsers.cells import Document, FullError
from parsers.ooxml import local_name, open_package, parse_xml, read_part
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.wordgrid import MAX_DEPTH, SHEET, SYMBOL_GLYPHS, Block, BlockText, WordGrid

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL_OFFICE = "/officeDocument"
_SKIPPED = frozenset({"pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr", "del", "moveFrom",
                      "delText", "instrText", "fldSimpleInstr", "commentReference",
                      "footnoteReference", "endnoteReference", "tblGrid", "sdtPr",
                      "sdtEndPr", "bookmarkStart", "bookmarkEnd", "proofErr"})  # fmt: skip
_BLOCK_WRAPPERS = frozenset({"sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag"})


@register("docx")
def read_docx(data: bytes, context: ReadContext) -> Document:
    """Read a .docx document; ReadError("corrupt_file" | "too_large") when it cannot be."""
    limits = context.limits
    with open_package(data, limits) as archive:
        name = _main_part(archive, limits)
        root = parse_xml(read_part(archive, name, limits))
    body = next((child for child in root if local_name(child.tag) == "body"), None)
    if body is None:
        raise ReadError("corrupt_file", f"{name} has no document body")
    grid = _Grid(limits)
    with contextlib.suppress(FullError):
        grid.blocks(body, 0)
    return Document.from_cells("docx", grid.cells, [SHEET])


def _main_part(archive: Any, limits: ReadLimits) -> str:
    """The officeDocument part named by the package relationships (word/document.xml)."""
    names = set(archive.namelist())
    if "_rels/.rels" in names:
        rels = parse_xml(read_part(archive, "_rels/.rels", limits))
        for rel in rels:
            if str(rel.get("Type", "")).endswith(_REL_OFFICE):
                target = str(rel.get("Target", "")).lstrip("/")
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    raise ReadError("corrupt_file", "no main document part in the package")


def _namespace(tag: object) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _attr(element: Any, name: str) -> str | None:
    for namespace in (_W, _W_STRICT):
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return str(value)
    return None


def _child(element: Any, name: str) -> Any:
    for child in element:
        if local_name(child.tag) == name:
            return child
    return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Grid(WordGrid):
    """The body's paragraphs and tables on the grid (``parsers.wordgrid``)."""

    def blocks(self, element: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for child in element:
            name = local_name(child.tag)
            if name == "p":
                self.paragraph(child)
            elif name == "tbl":
                self.table(child)
            elif name in _BLOCK_WRAPPERS:
                self.blocks(child, depth + 1)
            elif name == "AlternateContent":
                choice = _child(child, "Choice")
                if choice is not None:
                    self.blocks(choice, depth + 1)

    def paragraph(self, element: Any) -> None:
        boxes: list[Any] = []
        self.add_paragraph(_Text(boxes).of(element))
        for box in boxes:
            self.blocks(box, 1)

    def table(self, element: Any) -> None:
        table = self.start_table()
        rows = _within(element, "tr")
        for index, row in enumerate(rows):
            if table.top + index >= self.limits.max_rows:
                break
            col = _grid_before(row)
            for cell in _within(row, "tc"):
                properties = _child(cell, "tcPr")
                span = 1
                merge: str | None = None
                if properties is not None:
                    grid_span = _child(properties, "gridSpan")
                    span = max(1, _int(_attr(grid_span, "val"), 1)) if grid_span is not None else 1
                    vmerge = _child(properties, "vMerge")
                    if vmerge is not None:
                        merge = _attr(vmerge, "val") or "continue"
                span = min(span, self.limits.max_cols)
                if not (merge == "continue" and table.continued(col)):
                    table.add(_Text([]).cell(cell), index, col, span, merge=merge == "restart")
                col += span
        self.add_table(table, len(rows))


def _grid_before(row: Any) -> int:
    properties = _child(row, "trPr")
    before = _child(properties, "gridBefore") if properties is not None else None
    return max(0, _int(_attr(before, "val"), 0)) if before is not None else 0


def _within(element: Any, name: str, depth: int = 0) -> list[Any]:
    """The children of ``element`` named ``name`` (a table's "tr", a row's "tc"), those inside
    block wrappers (``sdt``, ``customXml``, ...) too."""
    found: list[Any] = []
    for child in element:
        local = local_name(child.tag)
        if local == name:
            found.append(child)
        elif local in _BLOCK_WRAPPERS and depth < MAX_DEPTH:
            found.extend(_within(child, name, depth + 1))
    return found


class _Text(BlockText):
    """The visible text of a paragraph or a table cell (``parsers.wordgrid.BlockText``)."""

    def block(self, element: Any) -> Block | None:
        name = local_name(element.tag)
        if name == "p":
            return "paragraph"
        if name == "tbl":
            return "table"
        return "wrapper" if name in _BLOCK_WRAPPERS else None

    def rows(self, table: Any) -> list[Any]:
        return _within(table, "tr")

    def cells(self, row: Any) -> list[Any]:
        return _within(row, "tc")

    def another(self) -> _Text:
        return _Text(self.boxes)

    def inline(self, element: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for child in element:
            tag = child.tag
            name = local_name(tag)
            if name in _SKIPPED or (name == "Fallback" and _namespace(tag) == _MC):
                continue
            if name == "t":
                self.parts.append(child.text or "")
            elif name == "r":
                self.run(child, depth)
            elif name == "tab":
                self.parts.append("\t")
            elif name in ("br", "cr"):
                self.parts.append("\n")
            elif name == "noBreakHyphen":
                self.parts.append("-")
            elif name == "sym":
                self.parts.append(_symbol(_attr(child, "font"), _attr(child, "char")))
            elif name == "fldChar":
                self.parts.append(_check_box(child))
            elif name == "txbxContent":
                self.boxes.append(child)
            else:
                self.inline(child, depth + 1)

    def run(self, run: Any, depth: int) -> None:
        font = _run_font(run)
        if font not in SYMBOL_GLYPHS:
            self.inline(run, depth + 1)
            return
        start = len(self.parts)
        self.inline(run, depth + 1)
        mapping = SYMBOL_GLYPHS[font]
        for index in range(start, len(self.parts)):
            self.parts[index] = "".join(mapping.get(ord(ch) & 0xFF, ch) for ch in self.parts[index])


def _run_font(run: Any) -> str:
    properties = _child(run, "rPr")
    fonts = _child(properties, "rFonts") if properties is not None else None
    if fonts is None:
        return ""
    return (_attr(fonts, "ascii") or _attr(fonts, "hAnsi") or "").lower()


def _symbol(font: str | None, char: str | None) -> str:
    try:
        code = int(char or "", 16)
    except ValueError:
        return ""
    mapping = SYMBOL_GLYPHS.get((font or "").lower())
    if mapping is not None and (code & 0xFF) in mapping:
        return mapping[code & 0xFF]
    return chr(code) if code < 0xF000 else ""


def _check_box(field_char: Any) -> str:
    """A legacy FORMCHECKBOX field: its state, drawn as the box Word shows."""
    if _attr(field_char, "fldCharType") != "begin":
        return ""
    form = _child(field_char, "ffData")
    box = _child(form, "checkBox") if form is not None else None
    if box is None:
        return ""
    checked = _child(box, "checked")
    if checked is not None:
        state = _attr(checked, "val")
        return "☐" if state in ("0", "false", "off") else "☑"
    default = _child(box, "default")
    return "☑" if default is not None and _attr(default, "val") in ("1", "true", "on") else "☐"
