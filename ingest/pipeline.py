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
import multiprocessing
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import MessageKind, MessageState, Outcome
from core.errors import MailboxError
from core.progress import Progress, silent
from ingest.services import Services, no_crash
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
from storage.blobs import BlobStore
from storage.lookups import SqlRegistryView
from storage.models import Message, OutboxMail, Poll

if TYPE_CHECKING:
    from PIL import Image

    from parsers.ocr.engine import Word

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
    for done, (_message_id, outcome) in enumerate(_process(services, todo), start=1):
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

    def __init__(
        self, crash: Callable[[str], None], timings: dict[str, float] | None = None
    ) -> None:
        self.name = "load"
        self._crash = crash
        self._started = time.perf_counter()
        self.timings: dict[str, float] = dict(timings or {})
        self._stopped = False

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

    def stop(self) -> None:
        """The message's own stages are over (the rest of its batch is recorded, then all of
        it committed: :meth:`add` adds that)."""
        self._lap()
        self._stopped = True

    def add(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    def line(self) -> str:
        """``total 41 ms (load 2, classify 1, ..., review 0, commit 3)``, stage times in ms."""
        if not self._stopped:
            self._lap()
        stages = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in self.timings.items())
        return f"{sum(self.timings.values()) * 1000:.0f} ms ({stages})"


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
    return next(_process(services, [message_id]))[1]


# --- reading side by side, recording in order ---------------------------------------------------

POOL_FROM = 8
"""Messages waiting before they are read in worker processes (starting one costs about a second
of imports; a handful of messages is read sooner here)."""
_WINDOW_PER_WORKER = 4
"""Messages handed to each worker ahead of the one being recorded: enough to keep them busy,
few enough that memory stays flat whatever the size of the mailbox."""


@dataclass(frozen=True, slots=True)
class _Read:
    """One message after the pure stages, in this process or a worker: its analysis, or where
    and how they failed."""

    message_id: int
    analysis: Analysis | None
    stage: str
    error: str = ""
    traceback: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    needs_ocr: bool = False
    """Read in the digital lane, it reached a page to OCR: it goes to the OCR lane."""


class NeedsOcr(Exception):  # noqa: N818 - a signal between the lanes, not an error
    """Raised by the digital lane's OCR engine (:class:`_Refusing`) at the first page to OCR."""


@dataclass(frozen=True, slots=True)
class _Refusing:
    """The OCR engine of the digital lane: a message with a page to OCR (seconds a page) stops
    there and is read again in the OCR lane, so that it never holds up the spreadsheets."""

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        raise NeedsOcr


def _process(services: Services, todo: Sequence[int]) -> Iterator[tuple[int, str]]:
    """Each message's (id, outcome) in the order of ``todo``: read (pure stages) ahead, side by
    side in worker processes when there are enough, and recorded here in that order,
    ``processing.batch`` messages a transaction."""
    if not todo:
        return
    settings = Settings.from_config(services.config, services.ocr_engine())
    batch: list[_Read] = []
    for read in _reads(services, settings, todo):
        if read is None:  # the next one is not read yet: record what is, rather than wait
            if batch:
                yield from _record_batch(services, batch)
                batch = []
            continue
        batch.append(read)
        if len(batch) >= services.config.processing.batch:
            yield from _record_batch(services, batch)
            batch = []
    if batch:
        yield from _record_batch(services, batch)


def worker_count(services: Services) -> int:
    """``processing.workers``, 0 meaning one per core."""
    return services.config.processing.workers or os.cpu_count() or 1


def _reads(services: Services, settings: Settings, todo: Sequence[int]) -> Iterator[_Read | None]:
    """Each message read, in the order of ``todo`` (the OCR lane's as they are done); None
    when the next one is not ready yet (so that what is read is recorded meanwhile)."""
    workers = min(worker_count(services), len(todo))
    # the crash tests' hook stops this process at a named stage: read here, where it can
    if workers <= 1 or len(todo) < POOL_FROM or services.crash is not no_crash:
        for message_id, sha256 in _digests(services, todo):
            yield _read(services.blobs, settings, message_id, sha256, services.crash)
        return
    context = multiprocessing.get_context("spawn")  # no database connection crosses a fork
    lanes = _Lanes(services, settings, context, ocr_workers=max(1, workers // 2))
    digital = replace(settings, ocr=_Refusing()) if settings.ocr is not None else settings
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(services.blobs.root, digital),
    ) as pool:
        try:
            window: deque[tuple[int, str | None, Future[_Read]]] = deque()
            digests = _digests(services, todo)
            for message_id, sha256 in digests:
                try:
                    future = pool.submit(_read_in_worker, message_id, sha256)
                except BrokenProcessPool:  # a worker died: the rest is read here
                    while window:
                        yield from lanes.take(_ready(services, settings, window))
                    yield _read(services.blobs, settings, message_id, sha256, services.crash)
                    for rest_id, rest_sha in digests:
                        yield _read(services.blobs, settings, rest_id, rest_sha, services.crash)
                    break
                window.append((message_id, sha256, future))
                if len(window) >= workers * _WINDOW_PER_WORKER:
                    yield from lanes.take(_ready(services, settings, window))
            while window:
                yield from lanes.take(_ready(services, settings, window))
            yield from lanes.rest()
        finally:
            lanes.close()


class _Lanes:
    """The OCR lane: messages the digital lane found a page to OCR in are read again here, in a
    pool of their own (started at the first one), and recorded as they are done, in the order
    they came; the digital forms around them go on being recorded meanwhile."""

    def __init__(
        self,
        services: Services,
        settings: Settings,
        context: multiprocessing.context.BaseContext,
        ocr_workers: int,
    ) -> None:
        self._services, self._settings, self._context = services, settings, context
        self._workers = ocr_workers
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: deque[tuple[int, str | None, Future[_Read]]] = deque()

    def take(self, ready: Iterator[_Read | None]) -> Iterator[_Read | None]:
        """The digital lane's next read (None first if it is not done yet) unless it goes into
        the OCR lane; then the OCR lane's finished ones."""
        for read in ready:
            if read is not None:
                break
            yield None
        assert read is not None
        if read.needs_ocr:
            self._waiting.append(self._submit(read.message_id))
        else:
            yield read
        while self._waiting and self._waiting[0][2].done():
            yield _result(self._services, self._settings, *self._waiting.popleft())

    def rest(self) -> Iterator[_Read | None]:
        while self._waiting:
            if not self._waiting[0][2].done():
                yield None
            yield _result(self._services, self._settings, *self._waiting.popleft())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def _submit(self, message_id: int) -> tuple[int, str | None, Future[_Read]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=self._context,
                initializer=_start_worker,
                initargs=(self._services.blobs.root, self._settings),
            )
        with self._services.sessions() as session:
            sha256 = session.scalar(select(Message.sha256).where(Message.id == message_id))
        return message_id, sha256, self._pool.submit(_read_in_worker, message_id, sha256)


def _ready(
    services: Services,
    settings: Settings,
    window: deque[tuple[int, str | None, Future[_Read]]],
) -> Iterator[_Read | None]:
    """The oldest read of ``window``: None first when it is not done yet."""
    if not window[0][2].done():
        yield None
    yield _result(services, settings, *window.popleft())


def _result(
    services: Services,
    settings: Settings,
    message_id: int,
    sha256: str | None,
    future: Future[_Read],
) -> _Read:
    try:
        return future.result()
    except BrokenProcessPool:  # a worker died (killed, out of memory): read it here instead
        log.warning("message %d: its reading process died; reading it in this one", message_id)
        return _read(services.blobs, settings, message_id, sha256, services.crash)


def _digests(services: Services, ids: Sequence[int]) -> Iterator[tuple[int, str | None]]:
    """(id, sha256 of its raw file) for each id in order, looked up a chunk at a time."""
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with services.sessions() as session:
            found: dict[int, str] = {
                message_id: sha256
                for message_id, sha256 in session.execute(
                    select(Message.id, Message.sha256).where(Message.id.in_(chunk))
                )
            }
        for message_id in chunk:
            yield message_id, found.get(message_id)


def _read(
    blobs: BlobStore,
    settings: Settings,
    message_id: int,
    sha256: str | None,
    crash: Callable[[str], None] = no_crash,
) -> _Read:
    current = _Current(crash)
    try:
        if sha256 is None:
            raise LookupError(f"no message with id {message_id}")
        analysis = analyse(blobs.get(sha256), settings, current.enter)
    except NeedsOcr:
        return _Read(message_id, None, current.name, timings=current.timings, needs_ocr=True)
    except Exception as exc:  # noqa: BLE001 - recorded on the message with its traceback
        current.time(current.name)
        return _Read(message_id, None, current.name, f"{type(exc).__name__}: {exc}",
                     traceback.format_exc(), current.timings)  # fmt: skip
    current.time("load")
    return _Read(message_id, analysis, current.name, timings=current.timings)


_worker: tuple[BlobStore, Settings] | None = None


def _start_worker(root: Path, settings: Settings) -> None:
    global _worker  # one per worker process, set once by its initializer
    _worker = (BlobStore(root), settings)


def _read_in_worker(message_id: int, sha256: str | None) -> _Read:
    assert _worker is not None, "started by _start_worker"
    read = _read(_worker[0], _worker[1], message_id, sha256)
    if read.analysis is None:
        return read
    return replace(read, analysis=replace(read.analysis, raw=b""))  # the recorder needs no raw


def _record_batch(services: Services, reads: Sequence[_Read]) -> Iterator[tuple[int, str]]:
    """Record ``reads`` in one transaction; if any fails, each again in a transaction of its
    own, so that only the failing one is marked failed (with its stage and traceback)."""
    results: dict[int, tuple[str, _Current | None]] = {}
    readable = [read for read in reads if read.analysis is not None]
    for read in reads:
        if read.analysis is None:
            _record_failure(services, read.message_id, read.stage, read.error, read.traceback)
            log.warning("message %d failed in %s: %s", read.message_id, read.stage, read.error)
            results[read.message_id] = (FAILED, None)
    done: list[tuple[int, Outcome, _Current]] = []
    current = _Current(services.crash)
    committing = 0.0
    try:
        with services.sessions() as session, session.begin():
            registry = SqlRegistryView(session)
            for read in readable:
                assert read.analysis is not None
                current = _Current(services.crash, read.timings)
                outcome = _record(
                    services, session, read.message_id, read.analysis, current, registry
                )
                current.stop()
                done.append((read.message_id, outcome, current))
            current.name = "commit"  # a failure from here on is the commit's
            committing = time.perf_counter()
    except Exception as exc:  # noqa: BLE001 - recorded on the message with its traceback
        if len(readable) > 1:
            for read in readable:
                results.update((i, (o, None)) for i, o in _record_batch(services, [read]))
        elif readable:
            message_id = readable[0].message_id
            _record_failure(services, message_id, current.name, f"{type(exc).__name__}: {exc}",
                            traceback.format_exc())  # fmt: skip
            log.warning("message %d failed in %s: %s: %s", message_id, current.name,
                        type(exc).__name__, exc)  # fmt: skip
            results[message_id] = (FAILED, None)
    else:
        committed = time.perf_counter() - committing
        for message_id, outcome, timed in done:
            timed.add("commit", committed)
            results[message_id] = (outcome, timed)
    for read in reads:
        said, timing = results[read.message_id]
        if said != FAILED and timing is not None:
            services.crash("after_process")
            if log.isEnabledFor(logging.DEBUG):
                log.debug("message %d: %s in %s", read.message_id, said, timing.line())
        yield read.message_id, said


def _record(
    services: Services,
    session: Session,
    message_id: int,
    analysis: Analysis,
    current: _Current,
    registry: SqlRegistryView,
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
        registry=registry,
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


def _record_failure(
    services: Services, message_id: int, stage: str, error: str, trace: str
) -> None:
    with services.sessions() as session, session.begin():
        message = session.get(Message, message_id)
        if message is not None:
            message.state = MessageState.FAILED
            message.failed_stage = stage
            message.error = error
            message.traceback = trace
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
