"""The flow of a message, in one place.

    poll_once
      1. fetch        source.list() minus what the store knows by (mailbox, UIDVALIDITY, item);
                      source.fetch() in batches                         (ingest.imap / ingest.maildir)
      2. store raw    bytes -> content-addressed file, rows committed  (ingest.store)
      3. mark         keyword or move on the server, only after 2 committed
    process_message (a failure is recorded on the message, with the stage and the traceback, and
    `process --message ID` replays it)
      analyse: pure, outside any transaction                             (ingest.analyse)
      4. classify     person / auto-reply / bounce / bulk, and may we answer (ingest.classify);
                      a bounce is matched to the outbox mail it reports (outbound.bounces)
      5. extract      MIME tree, forwarded messages, zips -> files      (ingest.mime, ingest.attachments)
      6. parse        each file -> form reading / not a form / unreadable (parsers)
      record: one transaction
      7. identify     which LAO: address, code, name, province          (ingest.identify)
      8. validate     the form's own rules (parsers.validate) + identity problems
      9. record       submission per LAO per message; resubmission rules (ingest.record)
     10. queue reply  acknowledgement into the outbox, same transaction (outbound.replies);
                      what needs a person opens a review item              (staff.review)

Delivery of the outbox is separate (``send``, :mod:`outbound.outbox`). Every dependency comes in
through :class:`Services`; nothing here reads globals or the environment (but the crash hooks).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import parsers
from core.config import Config
from core.errors import MailboxError
from ingest import attachments as attachments_stage
from ingest import mime
from ingest.analyse import Analysis, analyse
from ingest.classify import Kind
from ingest.crashpoints import crash_point
from ingest.identify import Identification, identify
from ingest.record import FORMAT_RANK, record, slot_for
from ingest.source import MailboxSource
from ingest.store import known_items, set_marked, store_batch, unmarked_items
from outbound.bounces import record_bounce
from outbound.render import Renderer
from outbound.replies import DuplicateFile, linked_submission, queue_reply
from staff.review import open_items_for
from storage.blobs import BlobStore
from storage.db import SessionFactory
from storage.lookups import SqlRegistryView
from storage.models import Attachment, Message, Poll, Submission

STAGES = (
    "fetch",
    "store_raw",
    "mark",
    "classify",
    "extract",
    "parse",
    "identify",
    "validate",
    "record",
    "queue_reply",
)


@dataclass(frozen=True)
class Services:
    """Everything a stage may use, built once (:func:`app.wiring.build_services`) and passed in.

    A context manager: leaving it closes the database connections.
    """

    config: Config
    sessions: SessionFactory
    blobs: BlobStore
    renderer: Renderer
    clock: Callable[[], datetime]
    engine: Engine | None = None

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


@dataclass(frozen=True, slots=True)
class PollSummary:
    listed: int
    fetched: int
    new_messages: int
    marked: int
    processed: ProcessSummary

    def line(self) -> str:
        return (
            f"fetched {self.fetched} (new {self.new_messages}), marked {self.marked}; "
            + self.processed.line()
        )


@dataclass(frozen=True, slots=True)
class ProcessSummary:
    processed: int = 0
    failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        details = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return f"processed {self.processed}, failed {self.failed}" + (
            f" ({details})" if details else ""
        )


# --- 1-3: fetch, store raw, mark --------------------------------------------------------------


def poll_once(services: Services, source: MailboxSource) -> PollSummary:
    config = services.config
    with services.sessions() as session, session.begin():
        poll = Poll(mailbox=source.name, started_at=services.clock(), fetched=0, new=0)
        session.add(poll)
    fetched = new = marked = listed = 0
    try:
        with source:
            listing = source.list()
            listed = len(listing.items)
            with services.sessions() as session:
                known = known_items(session, source.name, listing.uidvalidity)
            todo = [item for item in listing.items if item not in known]
            for start in range(0, len(todo), config.mailbox.fetch_batch):
                batch = todo[start : start + config.mailbox.fetch_batch]
                with services.sessions() as session, session.begin():
                    stored = store_batch(
                        session,
                        services.blobs,
                        mailbox=source.name,
                        uidvalidity=listing.uidvalidity,
                        fetched=source.fetch(batch),
                        now=services.clock(),
                    )
                crash_point("after_store")
                fetched += len(batch)
                new += len(stored.new_message_ids)
            with services.sessions() as session:
                unmarked = unmarked_items(session, source.name, listing.uidvalidity)
            if unmarked:
                source.mark(unmarked)
                crash_point("after_mark")
                with services.sessions() as session, session.begin():
                    set_marked(
                        session, source.name, listing.uidvalidity, unmarked, services.clock()
                    )
                marked = len(unmarked)
    except MailboxError as exc:
        _finish_poll(services, poll.id, ok=False, fetched=fetched, new=new, error=str(exc))
        raise
    _finish_poll(services, poll.id, ok=True, fetched=fetched, new=new, error=None)
    processed = process_pending(services)
    return PollSummary(listed, fetched, new, marked, processed)


def _finish_poll(
    services: Services, poll_id: int, *, ok: bool, fetched: int, new: int, error: str | None
) -> None:
    with services.sessions() as session, session.begin():
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.finished_at = services.clock()
        poll.ok, poll.fetched, poll.new, poll.error = ok, fetched, new, error


# --- 4-10: process ----------------------------------------------------------------------------


def pending_ids(session: Session, *, include_failed: bool = False) -> list[int]:
    states = ("stored", "failed") if include_failed else ("stored",)
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.state.in_(states))
            .order_by(Message.received_at, Message.id)
        )
    )


def process_pending(
    services: Services, ids: Iterable[int] | None = None, *, include_failed: bool = False
) -> ProcessSummary:
    if ids is None:
        with services.sessions() as session:
            ids = pending_ids(session, include_failed=include_failed)
    processed = failed = 0
    outcomes: dict[str, int] = {}
    for message_id in ids:
        outcome = process_message(services, message_id)
        if outcome == "failed":
            failed += 1
        else:
            processed += 1
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return ProcessSummary(processed=processed, failed=failed, outcomes=outcomes)


class _Stage:
    """Which stage is running, so a failure can be recorded against it."""

    def __init__(self) -> None:
        self.name = "load"

    def __call__(self, name: str) -> None:
        self.name = name
        crash_point(f"before_{name}")


def process_message(services: Services, message_id: int) -> str:
    """Run stages 4-10 on one stored message. Returns its outcome, or "failed".

    Stages 4-6 need only the bytes and run outside any transaction; 7-10 run in one.
    """
    stage = _Stage()
    try:
        with services.sessions() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"no message with id {message_id}")
            raw = services.blobs.get(message.sha256)
        analysis = analyse(raw, services.config, stage)
        with services.sessions() as session, session.begin():
            outcome = _record(services, session, message_id, analysis, stage)
    except Exception as exc:  # noqa: BLE001 - recorded on the message with its traceback
        _record_failure(services, message_id, stage.name, exc)
        return "failed"
    crash_point("after_process")
    return outcome


def _record_failure(services: Services, message_id: int, stage: str, exc: Exception) -> None:
    with services.sessions() as session, session.begin():
        message = session.get(Message, message_id)
        if message is not None:
            message.state = "failed"
            message.failed_stage = stage
            message.error = f"{type(exc).__name__}: {exc}"
            message.traceback = traceback.format_exc()
            message.attempts += 1


def _record(
    services: Services, session: Session, message_id: int, analysis: Analysis, stage: _Stage
) -> str:
    config = services.config
    now = services.clock()
    message = session.get(Message, message_id)
    if message is None:
        raise LookupError(f"no message with id {message_id}")
    message.attempts += 1
    mail, classification = analysis.mail, analysis.classification
    message.kind = classification.kind.value
    if analysis.bounce is not None:
        record_bounce(session, analysis.bounce, mail, now, message_id=message.id)
    if classification.kind is not Kind.NORMAL:
        return _done(message, "automatic", now)
    if analysis.too_large:
        return _done(message, "too_large", now)

    linked = linked_submission(session, mail)
    message.linked_submission_id = linked.id if linked is not None else None
    rows = _store_attachments(session, services.blobs, message, [f.item for f in analysis.files])
    readings: list[tuple[Attachment, parsers.FormReading]] = []
    unreadable: list[tuple[Attachment, str]] = []
    for row, parsed in zip(rows, analysis.files, strict=True):
        result = parsed.result
        if result is None:
            row.role, row.note = "unreadable", parsed.item.problem
            unreadable.append((row, parsed.item.problem or ""))
            continue
        row.format = result.format
        if isinstance(result, parsers.FormReading):
            row.role = "form"
            readings.append((row, result))
        elif isinstance(result, parsers.Unreadable):
            row.role, row.note = "unreadable", result.problem.message_th
            unreadable.append((row, result.problem.message_th))
        else:
            row.role, row.note = "not_form", result.reason

    stage("identify")
    registry = SqlRegistryView(session)
    senders = _senders(mail)
    texts = (mail.subject, mail.text, *(f.subject for f in mail.forwarded))
    duplicates: list[DuplicateFile] = []
    best: dict[str, tuple[Attachment, parsers.FormReading]] = {}
    for row, reading in readings:
        original = _earlier_submission_of(session, row.sha256, message.id)
        if original is not None:
            row.role, row.duplicate_of_submission_id = "duplicate", original.id
            duplicates.append(DuplicateFile(row.filename, original))
            continue
        slot = slot_for(reading.fields, row.sha256)
        current = best.get(slot)
        if current is None or _better(reading, current[1]):
            best[slot] = (row, reading)

    submissions: list[Submission] = []
    decided: dict[int, str] = {}
    for slot, (row, reading) in best.items():
        identification = identify(
            registry, sender_addresses=senders, form_fields=reading.fields, texts=texts
        )
        stage("validate")
        problems = [_problem_json(p) for p in reading.problems] + _identity_problems(identification)
        stage("record")
        recorded = record(
            session,
            message=message,
            slot=slot,
            attachment_id=row.id,
            form_version=reading.form_version,
            format=reading.format,
            fields=reading.fields,
            provenance={k: _provenance_json(v) for k, v in reading.provenance.items()},
            problems=problems,
            confidence=reading.confidence,
            identification=identification,
            receipt_prefix=config.campaign.receipt_prefix,
            now=now,
        )
        submissions.append(recorded.submission)
        decided[recorded.submission.id] = recorded.decided
        stage("identify")
    if not best and not duplicates and unreadable:
        for row, problem in unreadable:
            identification = identify(
                registry, sender_addresses=senders, form_fields=None, texts=texts
            )
            recorded = record(
                session,
                message=message,
                slot=slot_for(None, row.sha256),
                attachment_id=row.id,
                form_version=config.campaign.form_version,
                format=row.format,
                fields={},
                provenance={},
                confidence=None,
                identification=identification,
                problems=[
                    {
                        "code": "unreadable",
                        "field": None,
                        "value": row.filename,
                        "message_th": f"อ่านไฟล์ {row.filename or ''} ไม่ได้: {problem}",
                    }
                ],
                receipt_prefix=config.campaign.receipt_prefix,
                now=now,
            )
            submissions.append(recorded.submission)
            decided[recorded.submission.id] = recorded.decided

    stage("queue_reply")
    queue_reply(
        session,
        renderer=services.renderer,
        smtp=config.smtp,
        message=message,
        mail=mail,
        classification=classification,
        submissions=submissions,
        decided=decided,
        duplicates=duplicates,
        filenames=[r.filename for r in rows if r.filename],
        now=now,
    )
    if submissions:
        outcome = "forms" if best else "unreadable"
    elif duplicates:
        outcome = "duplicate"
    else:
        outcome = "no_form"
    open_items_for(session, message=message, submissions=submissions, outcome=outcome, now=now)
    return _done(message, outcome, now)


def _done(message: Message, outcome: str, now: datetime) -> str:
    message.state, message.outcome, message.processed_at = "processed", outcome, now
    message.failed_stage = message.error = message.traceback = None
    return outcome


def _senders(mail: mime.ParsedMail) -> list[str]:
    out: list[str] = []
    for address in (mail.from_address, mail.reply_to, *(f.from_address for f in mail.forwarded)):
        if address and address not in out:
            out.append(address)
    return out


def _better(candidate: parsers.FormReading, current: parsers.FormReading) -> bool:
    rank = FORMAT_RANK.get(candidate.format, 9), -candidate.confidence
    return rank < (FORMAT_RANK.get(current.format, 9), -current.confidence)


def _store_attachments(
    session: Session,
    blobs: BlobStore,
    message: Message,
    files: Sequence[attachments_stage.FileItem],
) -> list[Attachment]:
    existing = {a.part_path: a for a in message.attachments}
    rows: list[Attachment] = []
    for item in files:
        digest = blobs.put(item.data)
        row = existing.get(item.part_path)
        if row is None:
            row = Attachment(message_id=message.id, part_path=item.part_path[:500])
            session.add(row)
        row.sha256, row.size = digest, len(item.data)
        row.filename = item.filename
        row.content_type = item.content_type or None
        row.role = row.note = None
        row.duplicate_of_submission_id = None
        rows.append(row)
    session.flush()
    return rows


def _earlier_submission_of(session: Session, sha256: str, message_id: int) -> Submission | None:
    """A submission from another message read from a file with exactly these bytes."""
    return session.scalar(
        select(Submission)
        .join(Attachment, Submission.attachment_id == Attachment.id)
        .where(Attachment.sha256 == sha256, Submission.message_id != message_id)
        .order_by(Submission.received_at, Submission.id)
        .limit(1)
    )


def _identity_problems(identification: Identification) -> list[dict[str, Any]]:
    if identification.certain:
        return []
    return [
        {
            "code": "lao_unidentified" if not identification.candidates else "lao_uncertain",
            "field": "lao_name",
            "value": None,
            "message_th": "ระบบยังระบุไม่ได้แน่ชัดว่าแบบรายงานนี้เป็นของ อปท. ใด ("
            + identification.reason
            + ") เจ้าหน้าที่ สผ. จะตรวจสอบ กรุณาตรวจว่าได้กรอกชื่อ อปท. รหัส อปท. อำเภอ และจังหวัดครบถ้วน",
        }
    ]


def _problem_json(problem: parsers.Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "field": problem.field,
        "value": problem.value,
        "message_th": problem.message_th,
    }


def _provenance_json(provenance: parsers.Provenance) -> dict[str, Any]:
    return {"source": provenance.source, "raw": provenance.raw, "confidence": provenance.confidence}


__all__ = ["STAGES", "PollSummary", "ProcessSummary", "Services", "poll_once", "process_pending"]
