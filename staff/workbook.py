"""The .xlsx report for people: ``export --format xlsx`` and the dashboard's download.

Four sheets, each with Thai headers in row 1, the machine keys in row 2 (what ``jsonl``/``csv``
call the column), the header frozen and filters on:

* รายงาน (submissions): one row per submission (current ones, or all with ``--all``), the form's
  fields in the form's order (:func:`staff.export.columns`);
* โครงการ (projects): one row per project of those submissions;
* สรุปรายจังหวัด (provinces): LAOs, reported, in review, missing, the figures of the accepted
  reports and m² per person, per province and for the whole country
  (:func:`storage.reports.province_summary`);
* ยังไม่ส่ง (missing): the LAOs with nothing accepted or waiting, with the addresses reminders
  go to and the ones that bounce (:func:`storage.reports.missing_laos`).

Numbers are numbers (``#,##0``, ``#,##0.00``), dates are dates shown in the Buddhist era
(``[$-107041E]d mmm yyyy``: Excel and LibreOffice both show 28 ก.ย. 2564), times in Bangkok
time. Text that begins like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is stored as text,
never as a formula. Written with openpyxl's write-only mode (a whole campaign in seconds).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any, Final

from sqlalchemy.orm import Session

from core.dates import BANGKOK
from core.enums import STATUS_NAMES
from core.laonames import TYPE_NAMES
from staff.export import DANGEROUS, Column, flatten, project_columns, xml_text
from storage.queries import export_record, export_rows
from storage.reports import MissingLao, ProvinceRow, missing_laos, province_summary

DATE_FORMAT: Final = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT: Final = "[$-107041E]d mmm yyyy hh:mm"
INT_FORMAT: Final = "#,##0"
DECIMAL_FORMAT: Final = "#,##0.00"
SHEETS: Final = (
    "รายงาน (submissions)",
    "โครงการ (projects)",
    "สรุปรายจังหวัด (provinces)",
    "ยังไม่ส่ง (missing)",
)
PROVINCE_COLUMNS: Final = (
    Column("province", "จังหวัด", "text"),
    Column("laos", "อปท. ทั้งหมด", "int"),
    Column("reported", "ส่งแล้ว (รับแล้ว)", "int"),
    Column("in_review", "รอตรวจสอบ", "int"),
    Column("missing", "ยังไม่ส่ง", "int"),
    Column("population", "ประชากร (จากรายงานที่รับแล้ว)", "int"),
    Column("green_area_m2", "พื้นที่สีเขียวรวม (ตร.ม.)", "decimal"),
    Column("per_capita_m2", "พื้นที่สีเขียวต่อประชากร (ตร.ม./คน)", "decimal"),
)
MISSING_COLUMNS: Final = (
    Column("code", "รหัส อปท.", "text"),
    Column("name", "ชื่อ อปท.", "text"),
    Column("lao_type", "ประเภท", "lao_type"),
    Column("province", "จังหวัด", "text"),
    Column("district", "อำเภอ", "text"),
    Column("subdistrict", "ตำบล", "text"),
    Column("addresses", "อีเมล", "text"),
    Column("failing", "อีเมลที่ส่งไม่ถึง", "text"),
    Column("reminders", "เตือนแล้ว (ครั้ง)", "int"),
    Column("last_reminder_at", "เตือนครั้งล่าสุด", "datetime"),
    Column("last_receipt", "เลขที่รับล่าสุด (ไม่นับ)", "text"),
    Column("last_status", "สถานะล่าสุด", "status"),
)


@dataclass(frozen=True)
class Report:
    """Everything the workbook shows, read in one session."""

    records: list[dict[str, Any]]
    provinces: list[ProvinceRow]
    country: ProvinceRow
    missing: list[MissingLao]
    form_version: str | None = None


def build_report(session: Session, *, everything: bool, form_version: str | None) -> Report:
    """Read the report: current submissions (``everything``: all), provinces, missing LAOs."""
    records = [export_record(row) for row in export_rows(session, everything=everything)]
    provinces, country = province_summary(session)
    return Report(records, provinces, country, missing_laos(session), form_version)


def write_xlsx(report: Report, out: IO[bytes]) -> None:
    """The workbook of ``report`` (see the module docstring)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    cols, rows, projects = flatten(report.records, report.form_version)
    _sheet(book, SHEETS[0], cols, rows)
    _sheet(book, SHEETS[1], project_columns(report.form_version), projects)
    province_rows = [_attributes(row, PROVINCE_COLUMNS) for row in report.provinces]
    _sheet(
        book,
        SHEETS[2],
        list(PROVINCE_COLUMNS),
        province_rows,
        footer=_attributes(report.country, PROVINCE_COLUMNS),
    )
    missing_rows = [_attributes(lao, MISSING_COLUMNS) for lao in report.missing]
    _sheet(book, SHEETS[3], list(MISSING_COLUMNS), missing_rows)
    book.save(out)


def xlsx_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    return buffer.getvalue()


def _attributes(item: object, cols: Sequence[Column]) -> list[Any]:
    values = [getattr(item, column.key) for column in cols]
    return ["; ".join(v) if isinstance(v, tuple) else v for v in values]


def _sheet(
    book: Any,
    title: str,
    cols: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    footer: Sequence[Any] | None = None,
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A3"
    for index, column in enumerate(cols, start=1):
        width = min(max(len(column.header) * 0.9, len(column.key) * 0.8, 10), 45)
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    headers = []
    for column in cols:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        headers.append(cell)
    sheet.append(headers)
    grey = Font(color="808080", size=8)
    keys = []
    for column in cols:
        cell = WriteOnlyCell(sheet, column.key)
        cell.font = grey
        keys.append(cell)
    sheet.append(keys)
    for row in rows:
        sheet.append(
            [_write(sheet, column, value) for column, value in zip(cols, row, strict=True)]
        )
    if footer is not None:
        cells = [_write(sheet, column, value) for column, value in zip(cols, footer, strict=True)]
        for cell in cells:
            cell.font = bold
        sheet.append(cells)
    last = 2 + len(rows)  # the footer (the country's total) stays out of sorting and filters
    sheet.auto_filter.ref = f"A2:{get_column_letter(max(len(cols), 1))}{max(last, 2)}"


def _write(sheet: Any, column: Column, value: Any) -> Any:
    """One cell: the value in the kind the column says, with its number format."""
    from openpyxl.cell import WriteOnlyCell

    number_format: str | None = None
    if value is None or value == "":
        value = None
    elif column.kind == "status":
        value = STATUS_NAMES.get(value, str(value))
    elif column.kind == "lao_type":
        value = TYPE_NAMES.get(str(value), str(value))
    elif column.kind == "bool" and isinstance(value, bool):
        value = "มี" if value else "ไม่มี"
    elif column.kind in ("int", "decimal") and _is_number(value):
        number_format = INT_FORMAT if column.kind == "int" else DECIMAL_FORMAT
    elif column.kind == "date" and (day := _date(value)) is not None:
        value, number_format = day, DATE_FORMAT
    elif column.kind == "datetime" and (moment := _datetime(value)) is not None:
        value, number_format = moment, DATETIME_FORMAT
    elif isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = xml_text(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text begins with
        if value.startswith(DANGEROUS):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK).replace(tzinfo=None)
    return moment.replace(microsecond=0)
