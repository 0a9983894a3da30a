"""``export``: submissions as JSON lines, CSV (with a projects file) or an .xlsx workbook.

The record shape is ``interface.md``'s (built in :func:`storage.queries.export_record`); CSV and
xlsx flatten it with ``fields.`` column prefixes and put projects one per row in a second file or
sheet, keyed by ``submission_id``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

BASE_COLUMNS = (
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
PROJECT_COLUMNS = ("name", "period", "budget_baht", "added_area_m2", "trees_planted", "species")


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def flatten(
    records: Sequence[dict[str, Any]],
) -> tuple[list[str], list[list[Any]], list[list[Any]]]:
    """(header, rows, project rows) with ``fields.<key>`` columns in first-seen order."""
    field_keys: list[str] = []
    for record in records:
        for key in record["fields"]:
            if key != "projects" and key not in field_keys:
                field_keys.append(key)
    header = [*BASE_COLUMNS, *(f"fields.{k}" for k in field_keys), "problems"]
    rows: list[list[Any]] = []
    projects: list[list[Any]] = []
    for record in records:
        fields = record["fields"]
        rows.append(
            [_cell(record.get(c)) for c in BASE_COLUMNS]
            + [_cell(fields.get(k)) for k in field_keys]
            + ["; ".join(f"{p.get('code')}: {p.get('message_th')}" for p in record["problems"])]
        )
        for index, project in enumerate(fields.get("projects") or [], start=1):
            projects.append(
                [record["submission_id"], record.get("lao_code"), index]
                + [_cell(project.get(c)) for c in PROJECT_COLUMNS]
            )
    return header, rows, projects


PROJECT_HEADER = ["submission_id", "lao_code", "row", *PROJECT_COLUMNS]


def write_csv(records: Sequence[dict[str, Any]], out: TextIO, projects_out: TextIO | None) -> int:
    header, rows, projects = flatten(records)
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    if projects_out is not None:
        project_writer = csv.writer(projects_out)
        project_writer.writerow(PROJECT_HEADER)
        project_writer.writerows(projects)
    return len(rows)


def xlsx_bytes(records: Sequence[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    header, rows, projects = flatten(records)
    book = Workbook()
    sheet = book.active
    sheet.title = "submissions"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    project_sheet = book.create_sheet("projects")
    project_sheet.append(PROJECT_HEADER)
    for row in projects:
        project_sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
