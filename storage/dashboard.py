"""Questions the staff dashboard asks, each one query aggregated in SQL (GROUP BY), never a
query per LAO and never an ORM object per LAO.

The campaign's standing (:func:`progress`) is also what the xlsx report prints
(:func:`storage.reports.province_summary` calls it), so the page and the workbook cannot
disagree. Every question takes a *scope*: ``province`` None for the whole country, or one
province's name (roadmap: each provincial office sees its own).

"Current submission" follows :func:`storage.queries.current_submission_ids`: per LAO, the latest
(by received_at, then id) that is not superseded, where a file that could not be read at all
is current only while the LAO has nothing readable. Here that rule is a window function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Subquery

from core.enums import LaoType, ProblemCode, SubmissionStatus
from storage.models import (
    Lao,
    LaoAddress,
    Message,
    OutboxMail,
    Reminder,
    ReviewItem,
    Submission,
)

POPULATION = "population"
GREEN_AREA = "green_total_area_m2"
COUNTRY = "ทั้งประเทศ"
_UNREADABLE_JSON = f'%"code": "{ProblemCode.UNREADABLE.value}"%'


@dataclass(frozen=True, slots=True)
class ProvinceRow:
    """One province's standing; the figures come from accepted reports only."""

    province: str
    laos: int
    reported: int
    """LAOs whose current submission is accepted."""
    in_review: int
    """... is waiting for a person (needs_review)."""
    missing: int
    """The rest: nothing received, or only rejected or unreadable files."""
    population: int
    green_area_m2: float
    per_capita_m2: float | None
    """green_area_m2 / population over the accepted reports that give both."""

    @property
    def done_share(self) -> float:
        """Reported or waiting, as a share of the LAOs (0 to 1)."""
        return (self.reported + self.in_review) / self.laos if self.laos else 0.0


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _json_number(session: Session, key: str) -> ColumnElement[Any]:
    """``fields[key]`` as a float when it is a JSON number, else NULL (a boolean, a text)."""
    if _dialect(session) == "postgresql":
        kind = func.jsonb_typeof(Submission.fields[key])
        numeric = kind == "number"
    else:
        kind = func.json_type(Submission.fields, f'$."{key}"')
        numeric = kind.in_(("integer", "real"))
    return case((numeric, Submission.fields[key].as_float()), else_=None)


def readable_flag() -> ColumnElement[int]:
    """1 for a submission whose file could be read, 0 for an unreadable one."""
    return case((cast(Submission.problems, String).like(_UNREADABLE_JSON), 0), else_=1)


def current_submissions(session: Session, *, province: str | None = None) -> Subquery:
    """Each LAO's current submission (see the docstring): columns ``lao_code``, ``id``,
    ``status``, ``receipt_no``. A window function ranks every LAO's submissions; only the
    first of each is kept. With ``province``, only that province's LAOs are ranked."""
    rank = (
        func.row_number()
        .over(
            partition_by=Submission.lao_code,
            order_by=(
                readable_flag().desc(),
                Submission.received_at.desc(),
                Submission.id.desc(),
            ),
        )
        .label("rank")
    )
    ranked = select(
        Submission.lao_code, Submission.id, Submission.status, Submission.receipt_no, rank
    ).where(
        Submission.lao_code.is_not(None),
        Submission.status != SubmissionStatus.SUPERSEDED,
    )
    if province is not None:
        ranked = ranked.where(
            Submission.lao_code.in_(select(Lao.code).where(Lao.province == province))
        )
    inner = ranked.subquery("ranked")
    return (
        select(inner.c.lao_code, inner.c.id, inner.c.status, inner.c.receipt_no)
        .where(inner.c.rank == 1)
        .subquery("current")
    )


def progress(
    session: Session, *, province: str | None = None
) -> tuple[list[ProvinceRow], ProvinceRow]:
    """(one row per province that has LAOs, in Thai alphabetical order; their total). Two
    queries: the LAOs per province, and their current submissions' standing and figures,
    each grouped by province in SQL."""
    current = current_submissions(session, province=province)
    population = _json_number(session, POPULATION)
    area = _json_number(session, GREEN_AREA)
    accepted = current.c.status == SubmissionStatus.ACCEPTED
    paired = and_(accepted, population > 0, area.is_not(None))

    def total(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    standing = (
        select(
            Lao.province,
            total(accepted),
            total(current.c.status == SubmissionStatus.NEEDS_REVIEW),
            total(accepted, func.coalesce(population, 0)),
            total(accepted, func.coalesce(area, 0.0)),
            total(paired, population),
            total(paired, area),
        )
        .select_from(current)
        .join(Submission, Submission.id == current.c.id)
        .join(Lao, Lao.code == current.c.lao_code)
        .where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
        .group_by(Lao.province)
    )
    counted = (
        select(Lao.province, func.count(Lao.code))
        .where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
        .group_by(Lao.province)
    )
    if province is not None:
        counted = counted.where(Lao.province == province)
    figures = {str(row[0]): tuple(row[1:]) for row in session.execute(standing)}
    rows: list[ProvinceRow] = []
    sums = [0, 0, 0, 0, 0.0, 0.0, 0.0]
    for name, laos in session.execute(counted):
        values = (laos, *figures.get(str(name), (0, 0, 0, 0.0, 0, 0.0)))
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        rows.append(_row(str(name), *values))
    rows.sort(key=lambda row: row.province)
    return rows, _row(province or COUNTRY, *sums)


def _row(
    name: str,
    laos: Any,
    reported: Any,
    review: Any,
    people: Any,
    area: Any,
    paired_people: Any,
    paired_area: Any,
) -> ProvinceRow:
    return ProvinceRow(
        province=name,
        laos=int(laos),
        reported=int(reported),
        in_review=int(review),
        missing=int(laos) - int(reported) - int(review),
        population=int(people or 0),
        green_area_m2=round(float(area or 0), 2),
        per_capita_m2=(
            round(float(paired_area) / float(paired_people), 2) if paired_people else None
        ),
    )


def _bangkok_day(session: Session, column: Any) -> ColumnElement[Any]:
    if _dialect(session) == "postgresql":
        return func.date(func.timezone("Asia/Bangkok", column))
    return func.date(column, "+7 hours")


def arrivals_per_day(session: Session, *, province: str | None = None) -> list[tuple[date, int]]:
    """Forms received per day (Bangkok time): every submission recorded, unidentified ones
    included for the whole country, one GROUP BY."""
    day = _bangkok_day(session, Submission.received_at).label("day")
    query = select(day, func.count(Submission.id)).group_by(day).order_by(day)
    if province is not None:
        query = query.join(Lao, Lao.code == Submission.lao_code).where(Lao.province == province)
    out: list[tuple[date, int]] = []
    for value, count in session.execute(query):
        found = value if isinstance(value, date) else date.fromisoformat(str(value))
        out.append((found, int(count)))
    return out


def open_reviews(session: Session, *, province: str | None = None) -> int:
    query = select(func.count(ReviewItem.id)).where(ReviewItem.state == "open")
    if province is not None:
        query = (
            query.join(Submission, Submission.id == ReviewItem.submission_id)
            .join(Lao, Lao.code == Submission.lao_code)
            .where(Lao.province == province)
        )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class LaoStanding:
    """One LAO of a province page."""

    code: str
    name: str
    lao_type: str
    district: str | None
    status: str | None
    """Its current submission's status; None: nothing received."""
    receipt_no: str | None
    last_in: datetime | None
    """When its last form arrived."""
    last_out: datetime | None
    """When our last mail to it went (sent) or was queued."""
    reminders: int
    addresses: int
    failing: tuple[str, ...]


def province_laos(session: Session, province: str) -> list[LaoStanding]:
    """The LAOs of ``province`` with their standing: four grouped queries for the province,
    whatever its size."""
    current = current_submissions(session, province=province)
    laos = session.execute(
        select(
            Lao.code,
            Lao.name,
            Lao.lao_type,
            Lao.district,
            current.c.status,
            current.c.receipt_no,
        )
        .outerjoin(current, current.c.lao_code == Lao.code)
        .where(Lao.province == province, Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
        .order_by(Lao.district, Lao.name, Lao.code)
    ).all()
    in_province = select(Lao.code).where(Lao.province == province).scalar_subquery()
    last_in = dict(
        session.execute(
            select(Submission.lao_code, func.max(Submission.received_at))
            .where(Submission.lao_code.in_(in_province))
            .group_by(Submission.lao_code)
        ).all()
    )
    last_out = dict(
        session.execute(
            select(
                OutboxMail.lao_code,
                func.max(func.coalesce(OutboxMail.sent_at, OutboxMail.queued_at)),
            )
            .where(OutboxMail.lao_code.in_(in_province))
            .group_by(OutboxMail.lao_code)
        ).all()
    )
    reminders = dict(
        session.execute(
            select(Reminder.lao_code, func.count(Reminder.id))
            .where(Reminder.lao_code.in_(in_province), Reminder.kind == "reminder")
            .group_by(Reminder.lao_code)
        ).all()
    )
    addresses: dict[str, int] = {}
    failing: dict[str, list[str]] = {}
    for code, address, failing_since in session.execute(
        select(LaoAddress.lao_code, LaoAddress.address, LaoAddress.failing_since)
        .where(LaoAddress.lao_code.in_(in_province))
        .order_by(LaoAddress.id)
    ):
        addresses[code] = addresses.get(code, 0) + 1
        if failing_since is not None:
            failing.setdefault(code, []).append(address)
    out = []
    for code, name, lao_type, district, status, receipt in laos:
        last = last_out.get(code)
        out.append(
            LaoStanding(
                code=code,
                name=name,
                lao_type=lao_type,
                district=district,
                status=status,
                receipt_no=receipt,
                last_in=_aware(last_in.get(code)),
                last_out=_aware(last),
                reminders=int(reminders.get(code, 0)),
                addresses=addresses.get(code, 0),
                failing=tuple(failing.get(code, ())),
            )
        )
    return out


def _aware(value: Any) -> datetime | None:
    """A max() over a UtcDateTime column comes back without the column's type on SQLite."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def provinces(session: Session) -> list[str]:
    """Provinces that have LAOs, in Thai alphabetical order."""
    return sorted(
        session.scalars(
            select(Lao.province).where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE).distinct()
        )
    )


@dataclass(frozen=True, slots=True)
class Found:
    """One search hit: what it is (lao, message, submission), its key and a line to show."""

    kind: str
    key: str
    title: str
    detail: str


def search(session: Session, text: str, *, limit: int = 50) -> list[Found]:
    """LAOs by name or code, messages by sender address, submissions by receipt number."""
    wanted = text.strip()
    if not wanted:
        return []
    like = f"%{_escape_like(wanted.lower())}%"
    found: list[Found] = []
    for code, name, province in session.execute(
        select(Lao.code, Lao.name, Lao.province)
        .where(
            or_(
                Lao.code == wanted,
                func.lower(Lao.name).like(like, escape="\\"),
                Lao.name_key.like(like, escape="\\"),
            )
        )
        .order_by(Lao.province, Lao.name)
        .limit(limit)
    ):
        found.append(Found("lao", code, name, f"{code} · {province}"))
    for code, name, address in session.execute(
        select(Lao.code, Lao.name, LaoAddress.address)
        .join(Lao, Lao.code == LaoAddress.lao_code)
        .where(func.lower(LaoAddress.address).like(like, escape="\\"))
        .order_by(LaoAddress.address)
        .limit(limit)
    ):
        found.append(Found("lao", code, name, f"{address} (ที่อยู่ในทะเบียน)"))
    for message_id, sender, subject, _received in session.execute(
        select(Message.id, Message.from_address, Message.subject, Message.received_at)
        .where(func.lower(Message.from_address).like(like, escape="\\"))
        .order_by(Message.received_at.desc())
        .limit(limit)
    ):
        found.append(Found("message", str(message_id), sender or "", subject or ""))
    for sub_id, receipt, lao_code, status in session.execute(
        select(Submission.id, Submission.receipt_no, Submission.lao_code, Submission.status)
        .where(func.lower(Submission.receipt_no).like(like, escape="\\"))
        .order_by(Submission.receipt_no)
        .limit(limit)
    ):
        found.append(
            Found("submission", str(sub_id), receipt or "", f"{lao_code or '-'} · {status}")
        )
    return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = [
    "COUNTRY",
    "Found",
    "LaoStanding",
    "ProvinceRow",
    "arrivals_per_day",
    "current_submissions",
    "open_reviews",
    "progress",
    "province_laos",
    "provinces",
    "search",
]


@dataclass(frozen=True, slots=True)
class LaoHistory:
    """Everything about one LAO: its registry entry, addresses, every form it sent (each
    reading's values with where they came from), every mail in and out, its reminders."""

    lao: Lao
    addresses: list[LaoAddress]
    submissions: list[Submission]
    current_id: int | None
    messages: list[Message]
    outbox: list[dict[str, Any]]
    reminders: list[Reminder]
    corrections: dict[int, dict[str, Any]]


def lao_history(session: Session, code: str) -> LaoHistory | None:
    from storage.corrections import latest

    lao = session.get(Lao, code)
    if lao is None:
        return None
    addresses = list(
        session.scalars(
            select(LaoAddress).where(LaoAddress.lao_code == code).order_by(LaoAddress.id)
        )
    )
    submissions = list(
        session.scalars(
            select(Submission)
            .where(Submission.lao_code == code)
            .order_by(Submission.received_at.desc(), Submission.id.desc())
        )
    )
    ranked = current_submissions(session, province=lao.province)
    current = (
        session.scalar(select(ranked.c.id).where(ranked.c.lao_code == code))
        if submissions
        else None
    )
    own = [a.address.lower() for a in addresses]
    conditions = [Message.id.in_(select(Submission.message_id).where(Submission.lao_code == code))]
    if own:
        conditions.append(func.lower(Message.from_address).in_(own))
    messages = list(
        session.scalars(
            select(Message).where(or_(*conditions)).order_by(Message.received_at.desc())
        )
    )
    outbox = [
        dict(row._mapping)
        for row in session.execute(
            select(
                OutboxMail.id,
                OutboxMail.kind,
                OutboxMail.to_address,
                OutboxMail.subject,
                OutboxMail.status,
                OutboxMail.queued_at,
                OutboxMail.sent_at,
                OutboxMail.last_error,
                OutboxMail.bounce_status,
            )
            .where(OutboxMail.lao_code == code)
            .order_by(OutboxMail.queued_at.desc(), OutboxMail.id.desc())
        )
    ]
    reminders = list(
        session.scalars(
            select(Reminder).where(Reminder.lao_code == code).order_by(Reminder.queued_at)
        )
    )
    return LaoHistory(
        lao=lao,
        addresses=addresses,
        submissions=submissions,
        current_id=current,
        messages=messages,
        outbox=outbox,
        reminders=reminders,
        corrections=latest(session, [s.id for s in submissions]),
    )


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the review queue, read with its message and submission in one query."""

    id: int
    kind: str
    state: str
    ref: str
    received_at: datetime
    sender: str | None
    subject: str | None
    lao_code: str | None
    lao_name: str | None
    province: str | None
    status: str | None
    reason: str
    assigned_to: str | None
    resolution: str | None
    resolved_by: str | None


def review_queue(
    session: Session,
    *,
    state: str = "open",
    kind: str | None = None,
    province: str | None = None,
    limit: int = 500,
) -> list[QueueRow]:
    """Items oldest first (one query), as ``review list`` orders them."""
    query = (
        select(
            ReviewItem.id,
            ReviewItem.kind,
            ReviewItem.state,
            ReviewItem.submission_id,
            ReviewItem.message_id,
            Submission.receipt_no,
            Message.received_at,
            Message.from_address,
            Message.subject,
            Submission.lao_code,
            Lao.name,
            Lao.province,
            Submission.status,
            ReviewItem.reason,
            ReviewItem.assigned_to,
            ReviewItem.resolution,
            ReviewItem.resolved_by,
        )
        .join(Message, Message.id == ReviewItem.message_id)
        .outerjoin(Submission, Submission.id == ReviewItem.submission_id)
        .outerjoin(Lao, Lao.code == Submission.lao_code)
        .order_by(ReviewItem.created_at, ReviewItem.id)
        .limit(limit)
    )
    if state != "all":
        query = query.where(ReviewItem.state == state)
    if kind is not None:
        query = query.where(ReviewItem.kind == kind)
    if province is not None:
        query = query.where(Lao.province == province)
    out = []
    for row in session.execute(query):
        sub_id, message_id = row[3], row[4]
        ref = row[5] or (f"S{sub_id}" if sub_id is not None else f"M{message_id}")
        out.append(
            QueueRow(
                id=row[0],
                kind=row[1],
                state=row[2],
                ref=ref,
                received_at=row[6],
                sender=row[7],
                subject=row[8],
                lao_code=row[9],
                lao_name=row[10],
                province=row[11],
                status=row[12],
                reason=row[13] or "",
                assigned_to=row[14],
                resolution=row[15],
                resolved_by=row[16],
            )
        )

    return out


@dataclass(frozen=True, slots=True)
class FailedMessage:
    id: int
    received_at: datetime
    sender: str | None
    subject: str | None
    stage: str | None
    error: str | None
    attempts: int


def failed_messages(session: Session, *, limit: int = 200) -> list[FailedMessage]:
    """Messages a stage failed on (``process --message ID`` replays one), newest first."""
    return [
        FailedMessage(*row)
        for row in session.execute(
            select(
                Message.id,
                Message.received_at,
                Message.from_address,
                Message.subject,
                Message.failed_stage,
                Message.error,
                Message.attempts,
            )
            .where(Message.state == "failed")
            .order_by(Message.received_at.desc(), Message.id.desc())
            .limit(limit)
        )
    ]


def audit_entries(session: Session, *, limit: int = 500) -> list[Any]:
    """The newest staff actions first."""
    from storage.models import AuditEntry

    return list(
        session.scalars(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        )
    )


def message_attachment(session: Session, message_id: int, number: int) -> tuple[str, str | None]:
    """(sha256, the sender's file name) of attachment ``number`` (1-based, as ``review show``
    numbers them) of a message; number 0 is the message itself. Raises LookupError."""
    from storage.models import Attachment

    if number == 0:
        digest = session.scalar(select(Message.sha256).where(Message.id == message_id))
        if digest is None:
            raise LookupError(message_id)
        return digest, None
    row = session.execute(
        select(Attachment.sha256, Attachment.filename)
        .where(Attachment.message_id == message_id)
        .order_by(Attachment.id)
        .offset(number - 1)
        .limit(1)
    ).first()
    if row is None or number < 1:
        raise LookupError(message_id)
    return row[0], row[1]


def data_version(session: Session) -> tuple[Any, ...]:
    """What changes whenever the campaign's standing can change (a submission recorded or
    decided, an LAO imported, a review item opened or closed): one cheap query, for the
    dashboard's memo of :func:`progress` and friends. Counts by status and the sum of
    reading numbers as well as times, so a decision or a re-read taken within the same second
    (or under a fixed test clock) still changes it."""
    by_status = [
        select(func.count(Submission.id)).where(Submission.status == status).scalar_subquery()
        for status in SubmissionStatus
    ]
    return tuple(
        session.execute(
            select(
                *by_status,
                select(func.coalesce(func.sum(Submission.reading_no), 0)).scalar_subquery(),
                select(func.count(Submission.lao_code)).scalar_subquery(),
                select(func.max(Submission.updated_at)).scalar_subquery(),
                select(func.count(Lao.code)).scalar_subquery(),
                select(func.max(Lao.updated_at)).scalar_subquery(),
                select(func.count(ReviewItem.id)).scalar_subquery(),
                select(func.max(ReviewItem.updated_at)).scalar_subquery(),
            )
        ).one()
    )
