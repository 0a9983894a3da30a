"""The blank ONEP template .xlsx, generated from the schema (never edited by hand).

Place in the flow: not part of reading. ``python -m parsers.template`` regenerates
``parsers/forms/template-<version>.xlsx`` (the file sent to LAOs, and the base of the sample
forms in ``ingest/samples/forms.py``); :func:`build_template` returns the bytes. Every label is
the first label of its schema entry, so the template always reads back through the extractor.

Layout: column A labels; Part 1 and 5 values in B (units in C); Part 2 a table (type, แห่ง,
พื้นที่ (ตร.ม.)); Part 3 a table (item, มี, ไม่มี) then the projects table (ลำดับ + six
columns, blank rows, a total row); Part 4 answers in B:G merged.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parsers.schema import FieldSpec, FormSchema, load_schema

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


def template_path(version: str) -> Path:
    return Path(__file__).parent / "forms" / f"template-{version}.xlsx"


def main(argv: list[str] | None = None) -> int:
    """Regenerate the shipped template(s): ``python -m parsers.template [VERSION ...]``."""
    versions = argv if argv else ["2564.1"]
    for version in versions:
        path = template_path(version)
        path.write_bytes(build_template(load_schema(version)))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
