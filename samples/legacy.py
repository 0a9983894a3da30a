"""Generated forms in the formats LAO offices save besides OOXML (SYNTHETIC data).

Place in the flow: none; it produces inputs for ``tests.test_form_legacy`` and
``bench.parse_legacy``. The parsers never import this module.

The filled workbooks (``samples.forms.fill_xlsx``) and Word documents
(``samples.wordforms.fill_docx``) are converted by LibreOffice headless, as an office
does with "Save as": Word 97-2003 ``.doc``, OpenDocument ``.odt`` and ``.ods``, Calc's
"HTML (StarCalc)" web page (which offices rename ``.xls``). :data:`TARGETS` names each format's
LibreOffice filter and source kind. Excel 2003 XML (SpreadsheetML) is written here, from the
filled workbook, by :func:`spreadsheetml` (LibreOffice 7.4's XSLT export of it recurses without
end on Calc's 16,384 repeated columns), the way Excel writes it: sparse cells placed with
``ss:Index``, merges as ``ss:MergeAcross``/``ss:MergeDown``, typed ``Data``. :func:`windows_874`
re-encodes an HTML page the way Thai government systems serve it. Small hand-built byte fixtures
live with the tests, next to what they test.

One LibreOffice run converts a whole batch (:func:`convert`); it needs ``soffice``
(``samples.scans.soffice`` says whether it is installed).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import openpyxl

from samples.forms import DEV_LAYOUTS, HELD_OUT_LAYOUTS, fill_xlsx
from samples.scans import Sample, Source, convert_documents, sample_truth
from samples.wordforms import WORD_DEV_LAYOUTS, WORD_HELD_OUT_LAYOUTS, fill_docx


@dataclass(frozen=True)
class Target:
    """How LibreOffice writes one format: the ``--convert-to`` argument, the extension of its
    output, and whether it starts from a workbook ("xlsx") or a Word document ("docx")."""

    convert_to: str
    extension: str
    source: str


TARGETS: dict[str, Target] = {
    "doc": Target('doc:"MS Word 97"', "doc", "docx"),
    "odt": Target("odt", "odt", "docx"),
    "ods": Target("ods", "ods", "xlsx"),
    "html": Target('html:"HTML (StarCalc)"', "html", "xlsx"),
    "spreadsheetml": Target("", "xml", "xlsx"),  # written by spreadsheetml(), not LibreOffice
}


def layouts(fmt: str, *, held_out: bool) -> tuple[str, ...]:
    """The development or held-out layouts of ``fmt``'s source kind."""
    if TARGETS[fmt].source == "docx":
        return WORD_HELD_OUT_LAYOUTS if held_out else WORD_DEV_LAYOUTS
    return HELD_OUT_LAYOUTS if held_out else DEV_LAYOUTS


def convert(
    documents: Sequence[tuple[str, bytes]], fmt: str, *, timeout: float = 600
) -> list[bytes]:
    """``documents`` ((file name with extension, bytes)) converted to ``fmt`` (a key of
    :data:`TARGETS`) in one LibreOffice run with a private profile."""
    if fmt == "spreadsheetml":
        return [spreadsheetml(data) for _, data in documents]
    target = TARGETS[fmt]
    return convert_documents(
        documents, target.convert_to.replace('"', ""), target.extension, timeout=timeout
    )


def sources(count: int, fmt: str, *, seed: int = 0, held_out: bool = False) -> list[Source]:
    """``count`` filled forms for ``fmt``, cycling through its layouts; deterministic."""
    rng = random.Random(seed)
    kind = TARGETS[fmt].source
    plan = layouts(fmt, held_out=held_out)
    made: list[Source] = []
    for number in range(count):
        layout = plan[number % len(plan)]
        truth = sample_truth(rng)
        fill = fill_docx if kind == "docx" else fill_xlsx
        data = fill(truth, layout=layout, rng=rng)
        made.append(Source(fmt, layout, truth, f"{layout}.{kind}", data))
    return made


def legacy_forms(count: int, fmt: str, *, seed: int = 0, held_out: bool = False) -> list[Sample]:
    """:func:`sources` converted to ``fmt`` in one LibreOffice run, as samples with truth."""
    made = sources(count, fmt, seed=seed, held_out=held_out)
    converted = convert([(source.name, source.document) for source in made], fmt)
    return [
        Sample(fmt, source.layout, source.truth, data, held_out)
        for source, data in zip(made, converted, strict=True)
    ]


_META_CHARSET = re.compile(rb"""(<meta[^>]*charset\s*=\s*["']?)[\w-]+""", re.IGNORECASE)


def windows_874(page: bytes) -> bytes:
    """A UTF-8 HTML page re-encoded as windows-874, its meta charset saying so (characters
    the code page lacks become numeric character references, as browsers save them)."""
    text = page.decode("utf-8")
    encoded = text.encode("cp874", errors="xmlcharrefreplace")
    if _META_CHARSET.search(encoded):
        return _META_CHARSET.sub(rb"\1windows-874", encoded, count=1)
    return encoded.replace(
        b"<head>",
        b'<head><meta http-equiv="Content-Type" content="text/html; charset=windows-874">',
        1,
    )


_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def spreadsheetml(xlsx: bytes) -> bytes:
    """The workbook ``xlsx`` as Excel 2003 XML, written as Excel writes it (UTF-8)."""
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        f'<Workbook xmlns="{_SS}" xmlns:o="urn:schemas-microsoft-com:office:office" '
        f'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="{_SS}">'
    ]
    for sheet in workbook.worksheets:
        merges = {
            (r.min_row, r.min_col): (r.max_row - r.min_row, r.max_col - r.min_col)
            for r in sheet.merged_cells.ranges
        }
        covered = {
            (row, col)
            for r in sheet.merged_cells.ranges
            for row in range(r.min_row, r.max_row + 1)
            for col in range(r.min_col, r.max_col + 1)
            if (row, col) != (r.min_row, r.min_col)
        }
        out.append(f"<Worksheet ss:Name={quoteattr(sheet.title)}><Table>")
        last_row = 0
        for row in sheet.iter_rows():
            cells = [c for c in row if c.value is not None and (c.row, c.column) not in covered]
            if not cells:
                continue
            number = row[0].row
            out.append("<Row" + (f' ss:Index="{number}"' if number != last_row + 1 else "") + ">")
            last_row, last_col = number, 0
            for cell in cells:
                attrs = f' ss:Index="{cell.column}"' if cell.column != last_col + 1 else ""
                down, across = merges.get((cell.row, cell.column), (0, 0))
                attrs += f' ss:MergeAcross="{across}"' if across else ""
                attrs += f' ss:MergeDown="{down}"' if down else ""
                out.append(f"<Cell{attrs}>{_data(cell.value)}</Cell>")
                last_col = cell.column + across
            out.append("</Row>")
        out.append("</Table>")
        if sheet.sheet_state != "visible":
            out.append('<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
                       "<Visible>SheetHidden</Visible></WorksheetOptions>")  # fmt: skip
        out.append("</Worksheet>")
    out.append("</Workbook>")
    return "".join(out).encode("utf-8")


def _data(value: object) -> str:
    if isinstance(value, bool):
        return f'<Data ss:Type="Boolean">{int(value)}</Data>'
    if isinstance(value, int | float):
        return f'<Data ss:Type="Number">{value!r}</Data>'
    if isinstance(value, dt.datetime):
        return f'<Data ss:Type="DateTime">{value.isoformat(timespec="milliseconds")}</Data>'
    if isinstance(value, dt.date):
        return f'<Data ss:Type="DateTime">{value.isoformat()}T00:00:00.000</Data>'
    return f'<Data ss:Type="String">{escape(str(value))}</Data>'
