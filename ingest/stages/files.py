"""Stage *files*: each file of the message becomes an attachment row with its role, and the
forms are sorted out: a file already received (same bytes, another message) is a duplicate of
that submission; of the files that carry one form (one slot), the best format is read
(xlsx > xls > docx > text PDF > scan; shared/spec/interface.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

import parsers
from core.enums import AttachmentRole
from ingest.attachments import FileItem
from ingest.record import FORMAT_RANK, slot_for
from ingest.work import Form, UnreadableFile, Work
from outbound.replies import Duplicate
from storage.blobs import BlobStore
from storage.models import Attachment, Message, Submission


def run(work: Work) -> Work:
    session, message = work.context.session, work.message
    files = work.analysis.files
    rows = _store(session, work.context.blobs, message, [f.item for f in files])
    readings: list[tuple[Attachment, parsers.FormReading]] = []
    unreadable: list[UnreadableFile] = []
    for row, parsed in zip(rows, files, strict=True):
        result = parsed.result
        if result is None:
            row.role, row.note = AttachmentRole.UNREADABLE, parsed.item.problem
            unreadable.append(UnreadableFile(row, parsed.item.problem or ""))
            continue
        row.format = result.format
        if isinstance(result, parsers.FormReading):
            row.role = AttachmentRole.FORM
            readings.append((row, result))
        elif isinstance(result, parsers.Unreadable):
            row.role, row.note = AttachmentRole.UNREADABLE, result.problem.message_th
            unreadable.append(UnreadableFile(row, result.problem.message_th))
        else:
            row.role, row.note = AttachmentRole.NOT_FORM, result.reason

    duplicates: list[Duplicate] = []
    best: dict[str, Form] = {}
    for row, reading in readings:
        original = _earlier_submission_of(session, row.sha256, message.id)
        if original is not None:
            row.role, row.duplicate_of_submission_id = AttachmentRole.DUPLICATE, original.id
            duplicates.append(Duplicate(row.filename, original))
            continue
        slot = slot_for(reading.fields, row.sha256)
        current = best.get(slot)
        if current is None or _better(reading, current.reading):
            best[slot] = Form(row, reading, slot)
    return replace(
        work,
        attachments=tuple(rows),
        forms=tuple(best.values()),
        unreadable=tuple(unreadable),
        duplicates=tuple(duplicates),
    )


def _better(candidate: parsers.FormReading, current: parsers.FormReading) -> bool:
    rank = FORMAT_RANK.get(candidate.format, 9), -candidate.confidence
    return rank < (FORMAT_RANK.get(current.format, 9), -current.confidence)


def _store(
    session: Session, blobs: BlobStore, message: Message, files: Sequence[FileItem]
) -> list[Attachment]:
    """A row per file, found again by its place in the message when the message is re-read."""
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
