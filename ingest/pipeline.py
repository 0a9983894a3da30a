"""The flow of a message, in one place: the stages in the order they run.

    poll_once (a batch at a time)
      fetch        source.list() minus what the store knows by (mailbox, UIDVALIDITY, item);
                   source.fetch() in batches                          (ingest.imap, ingest.maildir)
      store_raw    bytes -> content-addressed file, rows committed   (ingest.store)
      mark         keyword or move on the server, only after store_raw committed
    process_message (one message; a failure is recorded on it with the stage and the
    traceback, and ``process --message ID`` replays it)
      ANALYSE, pure: bytes in, an Analysis out; no database, no clock (ingest.stages.*)
      RECORD, one transaction: rows, the reply and the review items together

Delivery of the outbox is separate (``send``, :mod:`outbound.outbox`). Every dependency comes in
through :class:`~ingest.services.Services`. ``docs/FLOW.md`` draws it; ``docs/ARCHITECTURE.md``
says where each piece lives.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import MessageKind, MessageState, Outcome
from core.errors import MailboxError
from core.progress import Progress, silent
from ingest.services import Services
from ingest.source import MailboxSource
from ingest.stages import (
    bounce,
    classify,
    extract,
    files,
    identify,
    link,
    parse,
    record,
    reply,
    review,
    validate,
)
from ingest.store import known_items, set_marked, store_batch, unmarked_items
from ingest.work import Analysis, Context, Settings, Work
from storage.lookups import SqlRegistryView
from storage.models import Message, OutboxMail, Poll

log = logging.getLogger(__name__)
W = TypeVar("W")
FAILED = "failed"
"""What :func:`process_message` returns for a message a stage failed on."""


@dataclass(frozen=True, slots=True)
class Stage(Generic[W]):
    name: str
    run: Callable[[W], W]


ANALYSE: tuple[Stage[Analysis], ...] = (
    Stage("classify", classify.run),  # person, auto-reply, bounce or list; may we answer
    Stage("extract", extract.run),  # MIME parts, forwarded mail, zips -> files
    Stage("parse", parse.run),  # each file -> a form reading, not a form, or unreadable
)
RECORD: tuple[Stage[Work], ...] = (
    Stage("bounce", bounce.run),  # a bounce is matched to our mail; automatic mail ends here
    Stage("files", files.run),  # attachment rows and roles; duplicates; the best file per form
    Stage("link", link.run),  # the submission this mail answers about, if any
    Stage("identify", identify.run),  # which LAO: addresses, code, name, district, province
    Stage("validate", validate.run),  # the form's rules, and an uncertain LAO
    Stage("record", record.run),  # a submission per form, keyed by (message, slot)
    Stage("queue_reply", reply.run),  # the acknowledgement, into the outbox
    Stage("review", review.run),  # what needs a person opens a review item
)
STAGES: tuple[str, ...] = (
    "fetch",
    "store_raw",
    "mark",
    *(stage.name for stage in ANALYSE),
    *(stage.name for stage in RECORD),
)


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
    queued: int = 0
    """Mails put in the outbox meanwhile (acknowledgements and the like)."""

    def line(self) -> str:
        details = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"processed {self.processed}, failed {self.failed}"
            + (f" ({details})" if details else "")
            + f"; queued {self.queued}"
        )


# --- fetch, store raw, mark ------------------------------------------------------------------


def poll_once(
    services: Services, source: MailboxSource, *, progress: Progress = silent
) -> PollSummary:
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
            progress("fetch", 0, len(todo))
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
                services.crash("after_store")
                fetched += len(batch)
                new += len(stored.new_message_ids)
                progress("fetch", fetched, len(todo))
            with services.sessions() as session:
                unmarked = unmarked_items(session, source.name, listing.uidvalidity)
            if unmarked:
                source.mark(unmarked)
                services.crash("after_mark")
                with services.sessions() as session, session.begin():
                    set_marked(
                        session, source.name, listing.uidvalidity, unmarked, services.clock()
                    )
                marked = len(unmarked)
    except MailboxError as exc:
        _finish_poll(services, poll.id, ok=False, fetched=fetched, new=new, error=str(exc))
        raise
    _finish_poll(services, poll.id, ok=True, fetched=fetched, new=new, error=None)
    processed = process_pending(services, progress=progress)
    return PollSummary(listed, fetched, new, marked, processed)


def _finish_poll(
    services: Services, poll_id: int, *, ok: bool, fetched: int, new: int, error: str | None
) -> None:
    with services.sessions() as session, session.begin():
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.finished_at = services.clock()
        poll.ok, poll.fetched, poll.new, poll.error = ok, fetched, new, error


# --- the stages of one message ----------------------------------------------------------------


def pending_ids(session: Session, *, include_failed: bool = False) -> list[int]:
    states = (
        (MessageState.STORED, MessageState.FAILED) if include_failed else (MessageState.STORED,)
    )
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.state.in_(states))
            .order_by(Message.received_at, Message.id)
        )
    )


def process_pending(
    services: Services,
    ids: Iterable[int] | None = None,
    *,
    include_failed: bool = False,
    progress: Progress = silent,
) -> ProcessSummary:
    with services.sessions() as session:
        if ids is None:
            ids = pending_ids(session, include_failed=include_failed)
        outbox_before = _last_outbox_id(session)
    todo = list(ids)
    processed = failed = 0
    outcomes: dict[str, int] = {}
    if todo:
        progress("process", 0, len(todo))
    for done, message_id in enumerate(todo, start=1):
        outcome = process_message(services, message_id)
        if outcome == FAILED:
            failed += 1
        else:
            processed += 1
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        progress("process", done, len(todo))
    queued = 0
    if todo:
        with services.sessions() as session:
            queued = int(
                session.scalar(
                    select(func.count(OutboxMail.id)).where(OutboxMail.id > outbox_before)
                )
                or 0
            )
    return ProcessSummary(processed=processed, failed=failed, outcomes=outcomes, queued=queued)


def _last_outbox_id(session: Session) -> int:
    return int(session.scalar(select(func.max(OutboxMail.id))) or 0)


class _Current:
    """The stage that is running, so that a failure is recorded against it, and how long each
    stage took (for the ``-v`` line of each message)."""

    def __init__(self, crash: Callable[[str], None]) -> None:
        self.name = "load"
        self._crash = crash
        self._started = self._began = time.perf_counter()
        self.timings: dict[str, float] = {}

    def enter(self, name: str) -> None:
        self.time(name)
        self._crash(f"before_{name}")

    def time(self, name: str) -> None:
        """From now on, time goes to ``name`` (without the crash hook's stop)."""
        self._lap()
        self.name = name

    def _lap(self) -> None:
        now = time.perf_counter()
        self.timings[self.name] = self.timings.get(self.name, 0.0) + now - self._started
        self._started = now

    def line(self) -> str:
        """``total 41 ms (load 2, classify 1, ..., review 0)``, stage times in ms."""
        self._lap()
        stages = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in self.timings.items())
        return f"{(self._started - self._began) * 1000:.0f} ms ({stages})"


def analyse(
    raw: bytes, settings: Settings, enter: Callable[[str], None] = lambda _name: None
) -> Analysis:
    """The pure stages over one message's bytes. ``enter`` is told each stage as it starts."""
    analysis = Analysis(raw, settings)
    for stage in ANALYSE:
        if analysis.done:
            break
        enter(stage.name)
        analysis = stage.run(analysis)
    return analysis


def process_message(services: Services, message_id: int) -> str:
    """Run the stages on one stored message. Returns its outcome, or "failed"."""
    current = _Current(services.crash)
    try:
        with services.sessions() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"no message with id {message_id}")
            raw = services.blobs.get(message.sha256)
        settings = Settings.from_config(services.config, services.ocr_engine())
        analysis = analyse(raw, settings, current.enter)
        with services.sessions() as session, session.begin():
            outcome = _record(services, session, message_id, analysis, current)
            current.time("commit")
    except Exception as exc:  # noqa: BLE001 - recorded on the message with its traceback
        _record_failure(services, message_id, current.name, exc)
        log.warning("message %d failed in %s: %s: %s", message_id, current.name,
                    type(exc).__name__, exc)  # fmt: skip
        return FAILED
    services.crash("after_process")
    if log.isEnabledFor(logging.DEBUG):
        log.debug("message %d: %s in %s", message_id, outcome, current.line())
    return outcome


def _record(
    services: Services, session: Session, message_id: int, analysis: Analysis, current: _Current
) -> Outcome:
    now = services.clock()
    message = session.get(Message, message_id)
    if message is None:
        raise LookupError(f"no message with id {message_id}")
    message.attempts += 1
    message.kind = analysis.classification.kind if analysis.classification else MessageKind.NORMAL
    context = Context(
        session=session,
        config=services.config,
        blobs=services.blobs,
        renderer=services.renderer,
        registry=SqlRegistryView(session),
        now=now,
    )
    work = Work(context, message, analysis)
    for stage in RECORD:
        if work.done:
            break
        current.enter(stage.name)
        work = stage.run(work)
    assert work.outcome is not None, "the record stage decides the outcome"
    message.state, message.outcome, message.processed_at = (
        MessageState.PROCESSED,
        work.outcome,
        now,
    )
    message.failed_stage = message.error = message.traceback = None
    return work.outcome


def _record_failure(services: Services, message_id: int, stage: str, exc: Exception) -> None:
    with services.sessions() as session, session.begin():
        message = session.get(Message, message_id)
        if message is not None:
            message.state = MessageState.FAILED
            message.failed_stage = stage
            message.error = f"{type(exc).__name__}: {exc}"
            message.traceback = traceback.format_exc()
            message.attempts += 1


__all__ = [
    "ANALYSE",
    "RECORD",
    "STAGES",
    "PollSummary",
    "ProcessSummary",
    "Services",
    "analyse",
    "poll_once",
    "process_message",
    "process_pending",
]
