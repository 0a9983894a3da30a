"""Corrections of values read from a form (``corrections``): a reviewer says what a value
should be; the reading stays as it was read (``submissions.fields``) and the correction is
kept beside it with who and when. Exports and the dashboard show the newest correction of each
field (:func:`corrected_fields`). Made by :func:`staff.review.correct`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Correction


def add(
    session: Session,
    submission_id: int,
    field: str,
    value: Any,
    *,
    read_value: Any,
    by: str,
    now: datetime,
    note: str | None = None,
) -> Correction:
    row = Correction(
        submission_id=submission_id,
        field=field,
        value=value,
        read_value=read_value,
        by=by,
        at=now,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def latest(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """submission id -> {field: the newest corrected value}, in one query per 1,000 ids."""
    ids = sorted(set(submission_ids))
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        for sub_id, field, value in session.execute(
            select(Correction.submission_id, Correction.field, Correction.value)
            .where(Correction.submission_id.in_(ids[start : start + 1000]))
            .order_by(Correction.at, Correction.id)
        ):
            out.setdefault(sub_id, {})[field] = value
    return out


def history(session: Session, submission_id: int) -> list[Correction]:
    return list(
        session.scalars(
            select(Correction)
            .where(Correction.submission_id == submission_id)
            .order_by(Correction.at, Correction.id)
        )
    )


def corrected_fields(fields: Mapping[str, Any], corrections: Mapping[str, Any]) -> dict[str, Any]:
    """The fields as read with the corrections laid over them (a correction to None removes
    the value)."""
    out = dict(fields)
    for key, value in corrections.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out
