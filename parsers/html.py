"""The HTML table reader: a web page that calls itself a spreadsheet -> Document.

Place in the flow: registered for the sniffed format "html" (``parsers.sniff``: markup after a
BOM and whitespace, whatever the file is named). Government systems export reports as an HTML
table named ``.xls``, and Excel's and Calc's "Save as Web Page" write the same; Excel opens them
without a word, so LAO offices send them on as the form. ``parsers.extract`` then reads the
form from the cells exactly as for a workbook.

The bytes are decoded by their BOM, else the charset a ``<meta>`` (or XML declaration) names,
else UTF-8 if they are valid UTF-8, else windows-874 (Thai Windows, a superset of TIS-620): a
Thai page saved by an older system often says nothing. Every Thai code page name (windows-874,
x-windows-874, tis-620, iso-8859-11, ms874) decodes as cp874.

At most the first 2 MiB of markup is read (see ``_MAX_MARKUP``). Each top-level ``<table>`` is a
sheet ("table1", "table2", ... within ``max_sheets``); its rows
and cells are laid out as a browser lays them out, ``rowspan``/``colspan`` making one cell that
spans (clamped to ``max_rows``/``max_cols``), sources in A1 form ("table1!B7"). A cell's text
is what the page shows: whitespace collapsed, ``<br>`` and block ends as line breaks, scripts and
styles left out; a table nested in a cell is more lines of that cell (cells joined by tabs).
Numbers Calc wrote with ``sdval`` (and Excel with ``x:num``) keep their value, a date format
(``sdnum``) making the value a date, so the cells are typed as an .xls would be.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from parsers.cells import Cell, Document, a1_source
from parsers.readers import ReadContext, register
from parsers.results import ReadLimits
from parsers.xlsx import typed_value

_THAI_CODECS = frozenset({"windows874", "xwindows874", "tis620", "iso885911", "ms874", "cp874",
                          "thai", "windows874thai"})  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.-]+)""")
_TAB = "\x1f"  # a nested table's cell boundary: a tab once white space is collapsed
_SPACE = re.compile(r"[ \t\r\n\f\u200b]+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CHUNK = 1 << 20  # large: html.parser rescans an unfinished construct on every feed
# html.parser (CPython before 3.12.11/3.13.4) is quadratic on some hostile markup ("<<<<...",
# a tag that never closes): 4 MB of it costs ~25 s. A form page is 50-500 KB; markup beyond
# this is not read (as rows beyond max_rows are not), so a hostile page costs a few seconds.
_MAX_MARKUP = 2 * 1024 * 1024
_BLOCKS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
_DATE_CODE = re.compile(r"[DY]|\[\$-", re.I)  # a number format that shows a date


@register("html")
def read_html(data: bytes, context: ReadContext) -> Document:
    """Read the tables of an HTML page; never raises for markup (a browser shows anything)."""
    limits = context.limits
    parser = _Tables(limits)
    text = decode_html(data)[:_MAX_MARKUP]
    for start in range(0, len(text), _CHUNK):  # stop early once the cell budget is spent
        parser.feed(text[start : start + _CHUNK])
        if parser.full:
            break
    parser.close()
    return Document.from_cells("html", parser.cells, parser.names)


def decode_html(data: bytes) -> str:
    """The page as text (see the module docstring for the order of the clues)."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    head = data[:8192]
    named = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if named:
        label = _codec(named.group(1).decode("ascii", errors="replace"))
        if label is not None:
            return data.decode(label, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp874", errors="replace")


def _codec(name: str) -> str | None:
    """A Python codec for a charset label; the Thai labels as cp874; None when unknown."""
    compact = re.sub(r"[^a-z0-9]", "", name.lower())
    if compact in _THAI_CODECS:
        return "cp874"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # A page cannot really be UTF-16 when its bytes were read as ASCII to find this label.
    return "utf-8" if info.name.startswith("utf-16") else info.name


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    row: int = 0
    col: int = 0
    rows: int = 1
    cols: int = 1
    number: str | None = None
    number_format: str = ""


@dataclass
class _Table:
    number: int  # 1-based among top-level tables
    row: int = -1
    col: int = 0
    covered: dict[int, tuple[int, int]] = field(default_factory=dict)  # col -> (last row, cols)
    cell: _Cell | None = None


class _Tables(HTMLParser):
    """Lays out the top-level tables of a page; text outside them is not read."""

    def __init__(self, limits: ReadLimits) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.cells: list[Cell] = []
        self.names: list[str] = []
        self.tables = 0
        self.current: _Table | None = None
        self.depth = 0  # table nesting; 1 is a top-level table
        self.hidden = 0  # inside script, style, head ...
        self.full = False

    # ------------------------------------------------------------------ tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "table":
            self.start_table()
        elif self.depth == 1 and self.current is not None:
            if tag == "tr":
                self.start_row()
            elif tag in ("td", "th"):
                self.start_cell(dict(attrs))
            elif tag == "br":
                self.text("\n")
        elif self.depth > 1:
            if tag == "td" or tag == "th":
                self.text(_TAB)
            elif tag == "br":
                self.text("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.text("\n")
        elif tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if tag == "table":
            self.end_table()
        elif self.depth == 1 and tag in ("td", "th", "tr"):
            self.end_cell()
        elif self.depth >= 1 and tag in _BLOCKS:
            self.text("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.text(data)

    # ------------------------------------------------------------------ layout

    def text(self, text: str) -> None:
        table = self.current
        if self.depth >= 1 and table is not None and table.cell is not None:
            table.cell.parts.append(text)

    def start_table(self) -> None:
        self.depth += 1
        if self.depth > 1:
            self.text("\n")
        if self.depth == 1:
            self.tables += 1
            if self.tables <= self.limits.max_sheets and not self.full:
                self.current = _Table(self.tables)
                self.names.append(f"table{self.tables}")
            else:
                self.current = None

    def end_table(self) -> None:
        if self.depth == 1:
            self.end_cell()
            self.current = None
        elif self.depth > 1:
            self.text("\n")
        self.depth = max(0, self.depth - 1)

    def start_row(self) -> None:
        table = self.current
        if table is None:
            return
        self.end_cell()
        table.row += 1
        table.col = 0

    def start_cell(self, attrs: dict[str, str | None]) -> None:
        table = self.current
        if table is None:
            return
        self.end_cell()
        if table.row < 0:
            table.row = 0  # a cell before any <tr>: browsers open a row for it
        while table.col in table.covered and table.covered[table.col][0] >= table.row:
            table.col += table.covered[table.col][1]
        rows = min(_span(attrs.get("rowspan")), self.limits.max_rows)
        cols = min(_span(attrs.get("colspan")), self.limits.max_cols)
        number = attrs.get("sdval") or attrs.get("x:num")
        number_format = attrs.get("sdnum") or ""
        table.cell = _Cell([], table.row, table.col, rows, cols, number, number_format)
        if rows > 1:
            table.covered[table.col] = (table.row + rows - 1, cols)
        table.col += cols

    def end_cell(self) -> None:
        table = self.current
        if table is None or table.cell is None:
            return
        cell, table.cell = table.cell, None
        limits = self.limits
        if self.full or cell.row >= limits.max_rows or cell.col >= limits.max_cols:
            return
        text = _shown(cell.parts)
        if not text:
            return
        name = f"table{table.number}"
        cols = min(cell.cols, limits.max_cols - cell.col)
        value = _value(cell, text)
        source = a1_source(name, cell.row, cell.col)
        self.cells.append(Cell(text, value, name, cell.row, cell.col, source, cell.rows, cols))
        if len(self.cells) >= limits.max_cells:
            self.full = True


def _span(value: str | None) -> int:
    try:
        return max(1, int((value or "1").strip().rstrip(";")))
    except ValueError:
        return 1


def _shown(parts: list[str]) -> str:
    """Text as a browser shows it: runs of white space as one space, lines trimmed."""
    lines = [
        _SPACE.sub(" ", line).replace(_TAB, "\t").strip(" \t")
        for line in "".join(parts).split("\n")
    ]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines).replace("\u00a0", " ").strip()


def _value(cell: _Cell, text: str) -> object:
    """The typed value of a cell Calc (``sdval``/``sdnum``) or Excel (``x:num``) wrote a number
    for; None when there is none or when the page shows something else than a number."""
    if cell.number is None:
        return None
    try:
        number = float(cell.number)
    except ValueError:
        return None
    if number != number or abs(number) == float("inf"):
        return None
    number_format = cell.number_format.split(";", 2)[-1] if cell.number_format.count(";") else ""
    if _DATE_CODE.search(number_format) and 1 <= number < 2_958_466:
        return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    if re.search(r"[/\u0e01-\u0e4f]", text):  # a date or words shown: the number is not it
        return None
    return typed_value(number)
