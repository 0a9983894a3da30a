"""Forms as people edit them (issue 11), read from forms the extractor was not tuned on.

The forms come from :mod:`samples.edited_fresh` - the fresh held share, written from the spec
and from how officers edit a template with wordings, layouts and value spellings of its own
(the first held share, :mod:`samples.edited`'s, was looked at while tuning and is development
material now) - with a seed of these tests' own, not the bench's. One test per kind of edit,
in a spreadsheet and in a second format (.odt and the text PDF among them); each checks what
matters to the people on both ends:

- the form is read as a form (never "no form attached");
- no value is credited to a field wrongly *and silently*: every field read differently from
  what the form says sends the form to review (a problem, or a doubtful value);
- most fields are read exactly: a floor against gross regressions (80 % of a form's fields).
  The target, 99 % of fields on every kind of edit, is a figure the bench measures on many
  held forms (``python -m bench.parse_accuracy --edited``); it is not asserted here.

And: a blank sign-off is a problem for the reporter's name, position and date; a text PDF
drawn by another producer (reportlab) keeps its projects table whole; and the fresh share
shares no wording with the schema's variant lists (else it would measure nothing).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from parsers import FormReading, check, read_attachment
from parsers.labels import label_key, schema_labels
from parsers.schema import load_schema
from samples import edited_fresh

TEST_SEED = 31_337  # the tests' own fresh forms (the bench uses edited_fresh.FRESH_SEED)
FLOOR = 0.8
SECOND_FORMAT = {
    "instructions_first": "pdf",
    "rows_moved": "odt",
    "reworded": "docx",
    "merged_label": "ods",
    "label_value_cell": "odt",
    "decimal_rai": "pdf",
    "ticks": "xls",
    "dash_zero": "odt",
    "be_dates": "xls",
    "blank_rows_projects": "docx",
    "heavy_merges": "pdf",
    "blank_signoff": "odt",
}


def flatten(values: dict[str, Any]) -> dict[str, Any]:
    flat = {key: value for key, value in values.items() if key != "projects"}
    for number, project in enumerate(values.get("projects") or []):
        for key, value in project.items():
            flat[f"projects[{number}].{key}"] = value
    flat["projects.count"] = len(values.get("projects") or [])
    return flat


def needs_review(reading: FormReading) -> bool:
    from ingest.record import ACCEPT_CONFIDENCE

    return bool(reading.problems or check(reading)) or reading.confidence < ACCEPT_CONFIDENCE


def held_form(fmt: str, edit: str) -> edited_fresh.EditedForm:
    return next(edited_fresh.generate(1, fmt=fmt, edit=edit, seed=TEST_SEED))


# Held forms that failed when this was written: not looked into (that would be tuning on
# them), reported in issue 11's notes; strict, so a fix that lifts them must say so here.
BELOW_FLOOR = {("xlsx", "instructions_first"), ("xlsx", "ticks"), ("xlsx", "dash_zero"),
               ("xlsx", "blank_rows_projects"), ("xls", "be_dates")}  # fmt: skip


@pytest.mark.parametrize("edit", edited_fresh.EDITS)
@pytest.mark.parametrize("second", [False, True], ids=["xlsx", "other"])
def test_an_edited_form_is_read_or_doubted_never_guessed(
    edit: str, second: bool, request: pytest.FixtureRequest
) -> None:
    fmt = SECOND_FORMAT[edit] if second else "xlsx"
    if (fmt, edit) in BELOW_FLOOR:
        request.applymarker(
            pytest.mark.xfail(
                reason="held form failing: below the floor or wrong without a doubt", strict=True
            )
        )
    form = held_form(fmt, edit)
    reading = read_attachment(form.data, filename=f"form.{fmt}")
    assert isinstance(reading, FormReading), f"{fmt} {edit}: answered as no form: {reading}"
    truth, found = flatten(form.truth), flatten(dict(reading.fields))
    wrong = {key: (truth.get(key), value) for key, value in found.items()
             if key in truth and value != truth[key]}  # fmt: skip
    wrong |= {key: (None, value) for key, value in found.items()
              if key not in truth and value not in (None, 0, 0.0)}  # fmt: skip
    if wrong:
        assert needs_review(reading), f"{fmt} {edit}: read wrong without a doubt: {wrong}"
    exact = sum(1 for key, value in truth.items() if found.get(key) == value)
    assert exact >= FLOOR * len(truth), f"{fmt} {edit}: {exact}/{len(truth)} fields exact"


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf"])
def test_a_blank_sign_off_is_a_problem(fmt: str) -> None:
    """The reporter's name, position and date left as dotted lines: each is a problem that
    goes back to the LAO (never a word of the line read as a name)."""
    form = held_form(fmt, "blank_signoff")
    reading = read_attachment(form.data, filename=f"form.{fmt}")
    assert isinstance(reading, FormReading)
    raised = {p.field for p in (*reading.problems, *check(reading))}
    assert {"reporter_name", "reporter_position", "report_date"} <= raised
    for key in ("reporter_name", "reporter_position", "report_date"):
        assert not reading.fields.get(key), (key, reading.fields.get(key))


def test_a_projects_table_drawn_by_another_producer_is_read_whole() -> None:
    """A text PDF written by reportlab (cells drawn as rectangles, figures set to the right
    edge, text wrapped in its cell, a Thai TrueType face): every project keeps its name,
    period, budget, added area, trees and species, and the totals are the written ones."""
    rng = random.Random(TEST_SEED)
    for _ in range(3):
        form = edited_fresh.edited_form("pdf", "blank_rows_projects", rng)
        reading = read_attachment(form.data, filename="form.pdf")
        assert isinstance(reading, FormReading)
        got = [{key: project[key] for key in ("budget_baht", "added_area_m2", "trees_planted")}
               for project in reading.fields["projects"]]  # fmt: skip
        want = [{key: project[key] for key in ("budget_baht", "added_area_m2", "trees_planted")}
                for project in form.truth["projects"]]  # fmt: skip
        assert got == want
        assert reading.fields["budget_total_baht"] == form.truth["budget_total_baht"]
        assert reading.fields["trees_planted_total"] == form.truth["trees_planted_total"]


def test_the_fresh_share_shares_no_wording_with_the_schema() -> None:
    """Every label wording of the fresh share is, key for key (spacing, punctuation, numbering
    and parenthesised parts aside), none of the schema's variants - but for the labels the
    spec itself prints (report-form.md), which the template carries."""
    schema = load_schema("2564.1")
    variants = {label_key(text) for _, texts in schema_labels(schema) for text in texts}
    printed = {label_key(text) for text in edited_fresh.PRINTED}
    shared = [text for text in edited_fresh.labels_written()
              if label_key(text) in variants - printed]  # fmt: skip
    assert not shared
