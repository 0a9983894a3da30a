"""Stage *store raw*: raw bytes -> the content-addressed store and a committed ``messages`` row.

This is the first thing that happens to a fetched message and the only thing that must succeed
before the server-side mark. Idempotent by explicit keys: the location (mailbox, UIDVALIDITY,
item) is unique, and the message is identified by the sha256 of its bytes, so a re-run, an
overlapping poll or a UIDVALIDITY reset adds a location at most, never a second message. A shared
or missing Message-ID never merges two messages.
"""

from __future__ import annotations

import email
import email.utils
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.enums import MessageState
from ingest.mime import _date, _received_date, decode_text_header
from ingest.source import FetchedMessage
from ingest.trace import core_digest
from storage.blobs import BlobStore
from storage.models import Message, MessageLocation


@dataclass(frozen=True, slots=True)
class StoredBatch:
    new_message_ids: tuple[int, ...]
    """Messages whose bytes were not in the store before."""
    known: int
    """Fetched messages whose bytes were already stored (e.g. after a UIDVALIDITY reset)."""


def known_items(session: Session, mailbox: str, uidvalidity: int) -> set[str]:
    rows = session.scalars(
        select(MessageLocation.item).where(
            MessageLocation.mailbox == mailbox, MessageLocation.uidvalidity == uidvalidity
        )
    )
    return set(rows)


def unmarked_items(session: Session, mailbox: str, uidvalidity: int) -> list[str]:
    rows = session.scalars(
        select(MessageLocation.item).where(
            MessageLocation.mailbox == mailbox,
            MessageLocation.uidvalidity == uidvalidity,
            MessageLocation.marked_at.is_(None),
        )
    )
    return list(rows)


def set_marked(
    session: Session, mailbox: str, uidvalidity: int, items: Sequence[str], now: datetime
) -> None:
    for start in range(0, len(items), 500):
        session.execute(
            update(MessageLocation)
            .where(
                MessageLocation.mailbox == mailbox,
                MessageLocation.uidvalidity == uidvalidity,
                MessageLocation.item.in_(items[start : start + 500]),
            )
            .values(marked_at=now)
        )


def received_at(raw: bytes, internal_date: datetime | None, fallback: datetime) -> datetime:
    """When the mail reached our server: INTERNALDATE, else the topmost Received, else Date.

    ``fallback`` (when the source saw the file, e.g. a Maildir file's mtime) is used only when the
    message carries no usable date at all; never the time of the poll if anything better exists.
    """
    if internal_date is not None:
        return internal_date.astimezone(UTC)
    headers = email.message_from_bytes(_header_block(raw))
    for candidate in (_received_date(headers), _date(headers.get("Date"))):
        if candidate is not None:
            return candidate.astimezone(UTC)
    return fallback.astimezone(UTC)


def _header_block(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            return raw[: end + len(separator)]
    return raw


def store_batch(
    session: Session,
    blobs: BlobStore,
    *,
    mailbox: str,
    uidvalidity: int,
    fetched: Iterable[FetchedMessage],
    now: datetime,
    fallback_date: Callable[[FetchedMessage], datetime] | None = None,
) -> StoredBatch:
    """Write each message's bytes, then its rows. The caller commits (one transaction a batch)."""
    new_ids: list[int] = []
    known = 0
    for item in fetched:
        digest = blobs.put(item.raw)
        message = session.scalar(select(Message).where(Message.sha256 == digest))
        if message is None:
            headers = email.message_from_bytes(_header_block(item.raw))
            from_name, from_address = email.utils.parseaddr(decode_text_header(headers.get("From")))
            message_id = decode_text_header(headers.get("Message-ID")) or None
            fallback = fallback_date(item) if fallback_date is not None else now
            message = Message(
                sha256=digest,
                size=len(item.raw),
                header_message_id=message_id[:998] if message_id else None,
                subject=decode_text_header(headers.get("Subject")) or None,
                from_address=from_address.lower() or None,
                from_name=from_name or None,
                received_at=received_at(item.raw, item.internal_date, fallback),
                core_sha256=core_digest(item.raw),
                stored_at=now,
                state=MessageState.STORED,
                attempts=0,
            )
            session.add(message)
            session.flush()
            new_ids.append(message.id)
        else:
            known += 1
        exists = session.scalar(
            select(MessageLocation.id).where(
                MessageLocation.mailbox == mailbox,
                MessageLocation.uidvalidity == uidvalidity,
                MessageLocation.item == item.item,
            )
        )
        if exists is None:
            session.add(
                MessageLocation(
                    message_id=message.id,
                    mailbox=mailbox,
                    uidvalidity=uidvalidity,
                    item=item.item,
                    seen_at=now,
                )
            )
    session.flush()
    return StoredBatch(new_message_ids=tuple(new_ids), known=known)
