"""Where the campaign stands, for people: per province, and who has not reported.

Two questions, asked the same way by the xlsx report (:mod:`staff.export`) and the dashboard:
:func:`province_summary` (LAOs, reported, in review, missing, the figures of the accepted
reports) and :func:`missing_laos` (who has no report yet, with the addresses reminders go to).
"Current submission" is :func:`storage.queries.current_submission_ids`' (the latest that is not
superseded); provincial offices are not LAOs and are never counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import REPORTED, LaoType
from storage.dashboard import ProvinceRow as ProvinceRow
from storage.dashboard import progress
from storage.models import Lao, LaoAddress, Reminder, Submission
from storage.queries import current_submission_ids

POPULATION = "population"
GREEN_AREA = "green_total_area_m2"


@dataclass(frozen=True, slots=True)
class MissingLao:
    code: str
    name: str
    lao_type: str
    province: str
    district: str | None
    subdistrict: str | None
    addresses: tuple[str, ...]
    """Where reminders go (not failing)."""
    failing: tuple[str, ...]
    """Addresses that bounced (``addresses failing``)."""
    reminders: int
    last_reminder_at: datetime | None
    last_receipt: str | None
    """The receipt of what it sent that does not count (rejected, unreadable), if anything."""
    last_status: str | None


def _current(session: Session) -> dict[str, tuple[str, str | None, dict[str, Any]]]:
    """LAO code -> (status, receipt, fields) of its current submission."""
    ids = list(current_submission_ids(session).values())
    out: dict[str, tuple[str, str | None, dict[str, Any]]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for code, status, receipt, fields in session.execute(
            select(
                Submission.lao_code, Submission.status, Submission.receipt_no, Submission.fields
            ).where(Submission.id.in_(chunk))
        ):
            if code is not None:
                out[code] = (status, receipt, fields or {})
    return out


def province_summary(session: Session) -> tuple[list[ProvinceRow], ProvinceRow]:
    """(one row per province that has LAOs, in Thai alphabetical order; the whole country):
    the dashboard's own question (:func:`storage.dashboard.progress`), asked the same way."""
    return progress(session)


def missing_laos(session: Session) -> list[MissingLao]:
    """The LAOs with no accepted or waiting report, by province, district and code."""
    current = _current(session)
    missing = [
        lao
        for lao in session.scalars(
            select(Lao)
            .where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
            .order_by(Lao.province, Lao.district, Lao.code)
        )
        if current.get(lao.code, ("", None, {}))[0] not in REPORTED
    ]
    codes = {lao.code for lao in missing}
    working: dict[str, list[str]] = defaultdict(list)
    failing: dict[str, list[str]] = defaultdict(list)
    for code, address, failing_since in session.execute(
        select(LaoAddress.lao_code, LaoAddress.address, LaoAddress.failing_since).order_by(
            LaoAddress.id
        )
    ):
        if code in codes:
            (failing if failing_since is not None else working)[code].append(address)
    reminded = {
        code: (count, last)
        for code, count, last in session.execute(
            select(Reminder.lao_code, func.count(Reminder.id), func.max(Reminder.queued_at))
            .where(Reminder.kind == "reminder")
            .group_by(Reminder.lao_code)
        )
    }
    out: list[MissingLao] = []
    for lao in missing:
        status, receipt, _fields = current.get(lao.code, ("", None, {}))
        count, last = reminded.get(lao.code, (0, None))
        out.append(
            MissingLao(
                code=lao.code,
                name=lao.name,
                lao_type=lao.lao_type,
                province=lao.province,
                district=lao.district,
                subdistrict=lao.subdistrict,
                addresses=tuple(working.get(lao.code, ())),
                failing=tuple(failing.get(lao.code, ())),
                reminders=int(count),
                last_reminder_at=last,
                last_receipt=receipt,
                last_status=status or None,
            )
        )
    return out
