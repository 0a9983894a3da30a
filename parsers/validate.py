"""Validation of a reading against its schema (report-form.md, "Validation"): pure rules.

Place in the flow: ``parsers.read_attachment`` runs :func:`validate` on every FormReading and adds
the problems; any problem sends the submission to ``needs_review`` and its Thai message goes back
to the LAO. Rules are functions in :data:`RULES`; the pipeline adds rules that need more than the
form (the LAO-identity match against the registry) through ``extra_rules``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence

from core.dates import thai_date
from core.thai import PROVINCES
from parsers.messages import problem
from parsers.results import FormReading, Problem
from parsers.schema import FormSchema

Rule = Callable[[FormReading, FormSchema], Iterable[Problem]]
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")


def validate(
    reading: FormReading, schema: FormSchema, *, extra_rules: Sequence[Rule] = ()
) -> tuple[Problem, ...]:
    """Problems found by the schema's rules and ``extra_rules`` (none: the form is consistent)."""
    found: list[Problem] = []
    for rule in (*RULES, *extra_rules):
        found.extend(rule(reading, schema))
    return tuple(found)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _show(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def required_fields(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    already = {p.field for p in reading.problems}
    for spec in schema.all_fields():
        if spec.required and spec.key not in reading.fields and spec.key not in already:
            yield problem("missing_required", spec.key, None, spec.title)


def green_rows_present(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    table = schema.green_table
    if not table.required:
        return
    keys = [f(row.type) for row in table.rows for f in (table.sites_field, table.area_field)]
    if not any(key in reading.fields for key in keys):
        yield problem("missing_green_rows", None, None)


def ranges(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    for spec in schema.all_fields():
        number = _number(reading.fields.get(spec.key))
        if number is not None:
            yield from _range(spec.key, number, spec.min, spec.max, spec.title)
    projects = reading.fields.get(schema.projects.key)
    for index, project in enumerate(projects if isinstance(projects, list) else ()):
        for column in schema.projects.columns:
            number = _number(project.get(column.key))
            if number is not None:
                key = f"{schema.projects.key}[{index}].{column.key}"
                yield from _range(key, number, column.min, column.max, column.headers[0])


def _range(
    key: str, number: float, low: float | None, high: float | None, label: str
) -> Iterable[Problem]:
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = (
            f"{_show(low) if low is not None else '…'} – {_show(high) if high is not None else '…'}"
        )
        yield problem("out_of_range", key, _show(number), label, bounds=bounds)


def _area_rows(reading: FormReading, schema: FormSchema) -> list[float]:
    table = schema.green_table
    areas = [_number(reading.fields.get(table.area_field(row.type))) for row in table.rows]
    return [area for area in areas if area is not None]


def green_total(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    """The written total equals the sum of the Part 2 area rows within the tolerance."""
    rules = schema.validation
    total = _number(reading.fields.get(rules.total_key))
    present = _area_rows(reading, schema)
    if total is None or not present:
        return
    expected = sum(present)
    if abs(total - expected) > rules.total_tolerance * max(expected, total):
        yield problem("total_mismatch", rules.total_key, _show(total), expected=_show(expected))


def per_capita(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    """The written area per person equals total / population within the tolerance."""
    rules = schema.validation
    written = _number(reading.fields.get(rules.per_capita_key))
    population = _number(reading.fields.get(rules.population_key))
    total = _number(reading.fields.get(rules.total_key))
    if total is None:
        present = _area_rows(reading, schema)
        total = sum(present) if present else None
    if written is None or population is None or population <= 0 or total is None:
        return
    expected = total / population
    if abs(written - expected) > rules.per_capita_tolerance * max(expected, written):
        yield problem("per_capita_mismatch", rules.per_capita_key, _show(written),
                      expected=_show(expected))  # fmt: skip


def dates_in_fiscal_year(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    rules = schema.validation
    earliest = rules.fiscal_year_start - dt.timedelta(days=rules.days_before)
    latest = rules.fiscal_year_end + dt.timedelta(days=rules.days_after)
    for key in rules.date_fields:
        value = reading.fields.get(key)
        if not isinstance(value, str):
            continue
        day = dt.date.fromisoformat(value)
        if not earliest <= day <= latest:
            yield problem(
                "date_out_of_window", key, value, schema.field(key).title,
                date_th=thai_date(day),
                fiscal_year=str(rules.fiscal_year_end.year + 543),
                start_th=thai_date(rules.fiscal_year_start),
                end_th=thai_date(rules.fiscal_year_end),
            )  # fmt: skip


def formats(reading: FormReading, schema: FormSchema) -> Iterable[Problem]:
    """Values in the shape their type requires: LAO codes, provinces, e-mail, phone numbers."""
    rules = schema.validation
    for spec in schema.fields:
        value = reading.fields.get(spec.key)
        if not isinstance(value, str):
            continue
        if spec.type == "lao_code" and not re.match(rules.lao_code_pattern, value):
            yield problem("bad_lao_code", spec.key, value, spec.title)
        elif spec.type == "province" and value not in PROVINCES:
            yield problem("unknown_province", spec.key, value, spec.title)
        elif spec.type == "email" and not _EMAIL.match(value):
            yield problem("bad_email", spec.key, value, spec.title)
        elif spec.type == "phone" and rules.phone_digits:
            digits = reading.fields.get(f"{spec.key}_digits", "")
            if len(str(digits)) not in rules.phone_digits:
                yield problem("bad_phone", spec.key, value, spec.title)


RULES: tuple[Rule, ...] = (
    required_fields,
    green_rows_present,
    ranges,
    green_total,
    per_capita,
    dates_in_fiscal_year,
    formats,
)
