"""``export``: submissions as JSON lines, CSV (with a projects file) or an .xlsx workbook.

The record shape is ``interface.md``'s (built in :func:`storage.queries.export_record`); CSV and
xlsx flatten it into :func:`columns`: the record's own columns, then the form's fields in the
order the form prints them (Part 1 to Part 5, from the form's schema, so the order is the same
on SQLite and PostgreSQL, whose JSONB does not keep key order), then ``problems``. Projects go
one per row in a second file or sheet, keyed by ``submission_id``. The workbook for people
(Thai headers, formats, the province summary and the missing LAOs) is :mod:`staff.workbook`.

Formula injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (a sender chooses file names and form text) is prefixed with ``'`` in CSV
(:func:`csv_safe`) and written as text in xlsx.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TextIO

from parsers.schema import FieldSpec, FormSchema, available_versions, load_schema

BASE_COLUMNS: Final = (
    "submission_id",
    "message_id",
    "attachment",
    "lao_code",
    "lao_name",
    "province",
    "status",
    "received_at",
    "form_version",
)
BASE_HEADERS: Final = {
    "submission_id": ("เลขที่รับ", "text"),
    "message_id": ("Message-ID ของอีเมล", "text"),
    "attachment": ("ไฟล์แนบ", "text"),
    "lao_code": ("รหัส อปท.", "text"),
    "lao_name": ("ชื่อ อปท. (ตามทะเบียน)", "text"),
    "province": ("จังหวัด (ตามทะเบียน)", "text"),
    "status": ("สถานะ", "status"),
    "received_at": ("วันเวลาที่ได้รับ", "datetime"),
    "form_version": ("แบบฟอร์มฉบับ", "text"),
}
PROJECT_COLUMNS: Final = (
    "name",
    "period",
    "budget_baht",
    "added_area_m2",
    "trees_planted",
    "species",
)
PROJECT_KEYS: Final = ("submission_id", "lao_code", "row", *PROJECT_COLUMNS)
PROJECT_HEADER: Final = list(PROJECT_KEYS)
DANGEROUS: Final = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take for the start of a formula."""
_AREA_UNITS: Final = {"m2": "ตร.ม.", "km2": "ตร.กม."}


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: its machine key (``fields.population``), its Thai header and the
    kind of value (text, int, decimal, date, datetime, bool, status, lao_type, json)."""

    key: str
    header: str
    kind: str


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _schema(version: str | None) -> FormSchema | None:
    if version is None or version not in available_versions():
        return None
    return load_schema(version)


def _kind(spec: FieldSpec) -> str:
    return {
        "int": "int",
        "decimal": "decimal",
        "area": "decimal",
        "date": "date",
        "bool": "bool",
        "lao_type": "lao_type",
    }.get(spec.type, "text")


def _header(spec: FieldSpec, schema: FormSchema) -> str:
    title = spec.title
    if spec.key in {c.total_key for c in schema.projects.columns}:
        title = "รวม" + title
    unit = _AREA_UNITS.get(spec.unit or "") if spec.type == "area" else spec.unit_label
    if unit and unit not in title:
        title = f"{title} ({unit})"
    return title


def form_columns(schema: FormSchema) -> list[Column]:
    """The form's fields as columns, in the order the form prints them."""
    green = {
        key
        for row in schema.green_table.rows
        for key in (
            schema.green_table.sites_field(row.type),
            schema.green_table.area_field(row.type),
        )
    }
    totals = {c.total_key for c in schema.projects.columns if c.total_key}

    def place(spec: FieldSpec) -> tuple[int, int]:
        if spec.key in green:
            return (spec.part, 0)
        if spec.part == schema.green_table.part or spec.key in totals:
            return (spec.part, 1)
        return (spec.part, 0)

    out: list[Column] = []
    for spec in sorted(schema.all_fields(), key=place):  # stable: schema order within a place
        out.append(Column(f"fields.{spec.key}", _header(spec, schema), _kind(spec)))
        if spec.type == "phone":
            out.append(Column(f"fields.{spec.key}_digits", f"{spec.title} (ตัวเลข)", "text"))
    return out


def columns(records: Sequence[dict[str, Any]], form_version: str | None = None) -> list[Column]:
    """The columns of ``records``: theirs, the form's fields in form order (the schema of
    ``form_version``, else of the records' first version), fields the form does not know (sorted),
    and ``problems``."""
    versions = [form_version] + [r.get("form_version") for r in records]
    schema = next((s for v in versions if (s := _schema(v)) is not None), None)
    known = form_columns(schema) if schema is not None else []
    named = {column.key for column in known}
    seen = {f"fields.{k}" for r in records for k in r["fields"] if k != "projects"}
    extra = [Column(key, key.removeprefix("fields."), "text") for key in sorted(seen - named)]
    base = [Column(key, *BASE_HEADERS[key]) for key in BASE_COLUMNS]
    return [*base, *known, *extra, Column("problems", "ประเด็นที่ต้องแก้ไข", "text")]


def project_columns(form_version: str | None = None) -> list[Column]:
    schema = _schema(form_version)
    headers = (
        {c.key: (c.headers[0], "decimal" if c.type in ("decimal", "area") else c.type)
         for c in schema.projects.columns}
        if schema is not None
        else {}
    )  # fmt: skip
    fixed = [
        Column("submission_id", "เลขที่รับ", "text"),
        Column("lao_code", "รหัส อปท.", "text"),
        Column("row", "ลำดับ", "int"),
    ]
    return fixed + [Column(key, *headers.get(key, (key, "text"))) for key in PROJECT_COLUMNS]


def _value(record: dict[str, Any], key: str) -> Any:
    if key == "problems":
        return "; ".join(f"{p.get('code')}: {p.get('message_th')}" for p in record["problems"])
    if key.startswith("fields."):
        return record["fields"].get(key.removeprefix("fields."))
    return record.get(key)


def flatten(
    records: Sequence[dict[str, Any]], form_version: str | None = None
) -> tuple[list[Column], list[list[Any]], list[list[Any]]]:
    """(columns, one row per record, one row per project) with raw values."""
    cols = columns(records, form_version)
    rows = [[_value(record, column.key) for column in cols] for record in records]
    projects: list[list[Any]] = []
    for record in records:
        for index, project in enumerate(record["fields"].get("projects") or [], start=1):
            if not isinstance(project, dict):
                continue
            projects.append(
                [record["submission_id"], record.get("lao_code"), index]
                + [project.get(c) for c in PROJECT_COLUMNS]
            )
    return cols, rows, projects


def write_csv(
    records: Sequence[dict[str, Any]],
    out: TextIO,
    projects_out: TextIO | None,
    form_version: str | None = None,
) -> tuple[int, int]:
    """Write the submissions (and, given ``projects_out``, their projects); (rows, projects)."""
    cols, rows, projects = flatten(records, form_version)
    writer = csv.writer(out)
    writer.writerow([column.key for column in cols])
    for row in rows:
        writer.writerow([csv_safe(_cell(value)) for value in row])
    if projects_out is not None:
        project_writer = csv.writer(projects_out)
        project_writer.writerow(PROJECT_HEADER)
        for project in projects:
            project_writer.writerow([csv_safe(_cell(value)) for value in project])
    return len(rows), len(projects)


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(value: str) -> str:
    """Text an xlsx cell can hold: no control characters XML forbids, at most 32,767 long."""
    value = _ILLEGAL_XML.sub("\ufffd", value)
    return value if len(value) <= 32_767 else value[:32_766] + "…"
