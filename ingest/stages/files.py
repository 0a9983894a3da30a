"""Stage *files*: each file of the message becomes an attachment row with its role, and the
forms are sorted out: a file already received (same bytes, another message) is a duplicate of
that submission; of the files that carry one form (the same LAO named), the best format is read
(xlsx > xls > docx > text PDF > scan; shared/spec/interface.md). Each form's slot is its
position in the message (``pos:1``, ``pos:2`` ... in the order of the files read), so a
re-read after a parser change finds its submission whatever name it reads now. Files in a format
we cannot open (an .xlsb, a .rar, an Outlook .msg) are listed, so the sender is told which."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

import parsers
import parsers.readers
from core.enums import AttachmentRole
from ingest.attachments import FileItem
from ingest.record import FORMAT_RANK, slot_for
from ingest.work import Form, UnreadableFile, UnsupportedFile, Work
from outbound.replies import Duplicate
from storage.blobs import BlobStore
from storage.models import Attachment, Message, Submission


def run(work: Work) -> Work:
    session, message = work.context.session, work.message
    files = work.analysis.files
    rows = _store(session, work.context.blobs, message, [f.item for f in files])
    readings: list[tuple[Attachment, parsers.FormReading]] = []
    unreadable: list[UnreadableFile] = []
    unsupported: list[UnsupportedFile] = []
    paths = [f.item.part_path for f in files]
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
            unreadable.append(
                UnreadableFile(row, result.problem.message_th, cause=result.problem.code)
            )
        else:
            row.role, row.note = AttachmentRole.NOT_FORM, result.reason
            kind = unsupported_kind(parsed.item, result.format, paths)
            if kind is not None:
                unsupported.append(UnsupportedFile(row, kind))

    duplicates: list[Duplicate] = []
    best: dict[str, Form] = {}  # by the LAO the form names
    for row, reading in readings:
        original = _earlier_submission_of(session, row.sha256, message.id)
        if original is not None:
            row.role, row.duplicate_of_submission_id = AttachmentRole.DUPLICATE, original.id
            duplicates.append(Duplicate(row.filename, original))
            continue
        named = slot_for(reading.fields, row.sha256)
        current = best.get(named)
        if current is None or _better(reading, current.reading):
            best[named] = Form(row, reading, "")
    # a form's slot: the position of the file it is read from among the forms' files (the
    # order migration 0006 gave the rows of earlier versions)
    order = {id(row): index for index, row in enumerate(rows)}
    chosen = sorted(best.values(), key=lambda form: order[id(form.attachment)])
    forms = tuple(replace(form, slot=f"pos:{n}") for n, form in enumerate(chosen, start=1))
    return replace(
        work,
        attachments=tuple(rows),
        forms=forms,
        unreadable=tuple(unreadable),
        unsupported=tuple(unsupported),
        duplicates=tuple(duplicates),
    )


_ARCHIVES = (
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gz"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_NOT_DOCUMENTS = frozenset({"empty", "unknown", "gif", "png", "jpeg", "tiff"})
"""Formats that are not a document someone meant us to read: an empty part, text, a logo."""


def unsupported_kind(item: FileItem, found: str, paths: Sequence[str]) -> str | None:
    """``.xlsb``, ``.rar`` ...: what the sender should be told we cannot open, or None.

    A document format no reader reads (xlsb, rtf, an Outlook .msg or other OLE2 file, a zip we
    did not open such as a .pptx), or an archive we do not unpack (rar, 7z, gz ...). A zip or a
    winmail.dat whose files were listed is not one: the files inside are.
    """
    suffix = PurePosixPath((item.filename or "").lower()).suffix
    for magic, name in _ARCHIVES:
        if item.data.startswith(magic):
            return f".{name}"
    if found in _NOT_DOCUMENTS or found in parsers.readers.formats():
        return None
    if any(p.startswith(item.part_path + "!") for p in paths):
        return None  # a zip or winmail.dat whose files were listed: they are the files
    return suffix or f".{found}"


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
        digest = blobs.put(item.data, durable=False)  # the message's own file is durable
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
