"""The blank ONEP templates (.xlsx and .docx), generated from the schema (never edited by hand).

Place in the flow: not part of reading. ``python -m parsers.template`` regenerates
``parsers/forms/template-<version>.xlsx`` and ``template-<version>.docx`` (the files sent to
LAOs, and the bases of the sample forms in ``samples/forms.py``); :func:`build_template`
and :func:`build_docx_template` return the bytes. Every label is the first label of its schema
entry, so the templates always read back through the extractor.

.xlsx layout: column A labels; Part 1 and 5 values in B (units in C); Part 2 a table (type,
แห่ง, พื้นที่ (ตร.ม.)); Part 3 a table (item, มี, ไม่มี) then the projects table (ลำดับ + six
columns, blank rows, a total row); Part 4 answers in B:G merged.

.docx layout: the same tables for Parts 1, 2, 3 and the projects (label | value | unit for
Part 1), each under its section heading paragraph; Part 4 a label paragraph and a dotted line
to write over for each question; Part 5 a paragraph per field ("ลงชื่อ ......").
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parsers.schema import FieldSpec, FormSchema, load_schema

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

SHEET_TITLE = "แบบรายงาน"
PROJECT_ROWS = 5
_FONT = "TH Sarabun New"
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E2EFDA")
_LAO_TYPE_CHOICES = "อบจ.,ทน.,ทม.,ทต.,อบต.,กทม.,เมืองพัทยา"


class _Writer:
    """Writes rows top to bottom on one worksheet."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 1

    def put(self, col: int, text: object, *, bold: bool = False, box: bool = False,
            head: bool = False) -> None:  # fmt: skip
        cell = self.sheet.cell(row=self.row, column=col, value=text)
        cell.font = Font(name=_FONT, size=14, bold=bold or head)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        if box or head:
            cell.border = _BOX
        if head:
            cell.fill = _HEAD_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def line(
        self, *texts: object, bold: bool = False, box: bool = False, head: bool = False
    ) -> None:
        for col, text in enumerate(texts, start=1):
            if text is not None or box or head:
                self.put(col, text, bold=bold, box=box, head=head)
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        self.line(text, bold=True)


def build_template(schema: FormSchema) -> bytes:
    """The blank template of ``schema`` as .xlsx bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    writer = _Writer(sheet)
    writer.line(schema.title, bold=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=7)
    writer.line(schema.subtitle, bold=True)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    parts = {section.part: section.labels[0] for section in schema.sections}
    by_part: dict[int, list[FieldSpec]] = {}
    for spec in schema.fields:
        by_part.setdefault(spec.part, []).append(spec)

    writer.heading(parts[1])
    for spec in by_part.get(1, []):
        _field_row(writer, spec)
    writer.heading(parts[2])
    _green_table(writer, schema, by_part.get(2, []))
    writer.heading(parts[3])
    _yes_no_table(writer, schema, by_part.get(3, []))
    writer.row += 1
    _projects_table(writer, schema)
    writer.heading(parts[4])
    for spec in by_part.get(4, []):
        writer.line(spec.label, bold=True)
        sheet.merge_cells(start_row=writer.row - 1, start_column=2, end_row=writer.row - 1,
                          end_column=7)  # fmt: skip
        sheet.row_dimensions[writer.row - 1].height = 60
    writer.heading(parts[5])
    for spec in by_part.get(5, []):
        _field_row(writer, spec)

    for letter, width in zip("ABCDEFG", (48, 30, 18, 18, 22, 18, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    workbook.properties.creator = "onep-inbox"
    workbook.properties.created = workbook.properties.modified = dt.datetime(2021, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _field_row(writer: _Writer, spec: FieldSpec) -> None:
    writer.line(spec.label, None, spec.unit_label)
    if spec.type == "lao_type":
        choice = DataValidation(type="list", formula1=f'"{_LAO_TYPE_CHOICES}"', allow_blank=True)
        choice.prompt = spec.options_hint or _LAO_TYPE_CHOICES
        choice.promptTitle = spec.label
        writer.sheet.add_data_validation(choice)
        choice.add(f"B{writer.row - 1}")


def _green_table(writer: _Writer, schema: FormSchema, totals: list[FieldSpec]) -> None:
    table = schema.green_table
    writer.line(table.row_header[0], table.columns["sites"][0], table.columns["area"][0], head=True)
    for row in table.rows:
        writer.line(row.labels[0], None, None, box=True)
    for spec in totals:
        writer.line(spec.label, None, None, bold=True, box=True)


def _yes_no_table(writer: _Writer, schema: FormSchema, items: list[FieldSpec]) -> None:
    yes_no = schema.yes_no
    writer.line(yes_no.item_header[0], yes_no.yes[0], yes_no.no[0], head=True)
    for spec in items:
        writer.line(spec.label, None, None, box=True)


def _projects_table(writer: _Writer, schema: FormSchema) -> None:
    projects = schema.projects
    writer.line(projects.title[0], bold=True)
    writer.line(projects.ordinal[0], *(column.headers[0] for column in projects.columns), head=True)
    for number in range(1, PROJECT_ROWS + 1):
        writer.line(number, *([None] * len(projects.columns)), box=True)
    writer.line(projects.total_row[0], *([None] * len(projects.columns)), bold=True, box=True)


# ---------------------------------------------------------------------------- .docx

FILL_LINE = "." * 60


def build_docx_template(schema: FormSchema) -> bytes:
    """The blank template of ``schema`` as .docx bytes (see the module docstring).

    Needs python-docx, imported here: reading forms and building the .xlsx template do not."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), _FONT)
    for text in (schema.title, schema.subtitle):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text).bold = True
    parts = {section.part: section.labels[0] for section in schema.sections}
    by_part: dict[int, list[FieldSpec]] = {}
    for spec in schema.fields:
        by_part.setdefault(spec.part, []).append(spec)

    _docx_heading(document, parts[1])
    _docx_table(document, [[spec.label, "", spec.unit_label or ""] for spec in by_part[1]])
    _docx_heading(document, parts[2])
    table = schema.green_table
    rows = [[table.row_header[0], table.columns["sites"][0], table.columns["area"][0]]]
    rows += [[row.labels[0], "", ""] for row in table.rows]
    rows += [[spec.label, "", ""] for spec in by_part.get(2, [])]
    _docx_table(document, rows, header=True)
    _docx_heading(document, parts[3])
    yes_no = schema.yes_no
    rows = [[yes_no.item_header[0], yes_no.yes[0], yes_no.no[0]]]
    rows += [[spec.label, "", ""] for spec in by_part.get(3, [])]
    _docx_table(document, rows, header=True)
    projects = schema.projects
    _docx_heading(document, projects.title[0])
    rows = [[projects.ordinal[0], *(column.headers[0] for column in projects.columns)]]
    rows += [[str(number)] + [""] * len(projects.columns) for number in range(1, PROJECT_ROWS + 1)]
    rows.append([projects.total_row[0]] + [""] * len(projects.columns))
    _docx_table(document, rows, header=True)
    _docx_heading(document, parts[4])
    for spec in by_part.get(4, []):
        document.add_paragraph().add_run(spec.label).bold = True
        document.add_paragraph(FILL_LINE)
    _docx_heading(document, parts[5])
    for spec in by_part.get(5, []):
        document.add_paragraph(f"{spec.label} {FILL_LINE}")
    properties = document.core_properties
    properties.author = "onep-inbox"
    properties.title = schema.title
    properties.created = properties.modified = dt.datetime(2021, 1, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_heading(document: WordDocument, text: str) -> None:
    document.add_paragraph().add_run(text).bold = True


def _docx_table(document: WordDocument, rows: list[list[str]], *, header: bool = False) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for cells, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(cells.cells, texts, strict=True):
            cell.text = text
    if header:
        for cell in table.rows[0].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True


def template_path(version: str, suffix: str = ".xlsx") -> Path:
    return Path(__file__).parent / "forms" / f"template-{version}{suffix}"


def main(argv: list[str] | None = None) -> int:
    """Regenerate the shipped templates: ``python -m parsers.template [VERSION ...]``."""
    versions = argv if argv else ["2564.1"]
    for version in versions:
        schema = load_schema(version)
        for suffix, build in ((".xlsx", build_template), (".docx", build_docx_template)):
            path = template_path(version, suffix)
            path.write_bytes(build(schema))
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
