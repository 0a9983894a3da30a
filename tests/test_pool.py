"""Reading side by side: the pure stages in worker processes (``processing.workers``), the
recording here in the order fetched, ``processing.batch`` messages a transaction; a message
with a page to OCR goes to a lane of its own. The same mailbox gives the same rows whichever way
it is read; a message that fails, in a worker or while recorded inside a batch, fails alone,
with its stage and traceback."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.config import ProcessingConfig
from ingest import pipeline
from ingest.maildir import MaildirSource
from ingest.pipeline import POOL_FROM, Stage, poll_once
from ingest.services import Services
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.models import Message, OutboxMail, Submission
from tests.support import embedded_services

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
REGISTRY = [r for r in sample_rows() if r.province in {"เชียงใหม่", "ลำพูน", "น่าน"}]
COUNT = POOL_FROM + 6


@pytest.fixture(scope="module")
def mails() -> list[sample_mailbox.SampleMail]:
    return sample_mailbox.generate(REGISTRY, COUNT, seed=15)


def _services(tmp_path: Path, workers: int, batch: int) -> Services:
    services = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", REGISTRY, NOW)
    processing = ProcessingConfig(workers=workers, batch=batch)
    return replace(services, config=replace(services.config, processing=processing))


def _poll(services: Services, mails: list[sample_mailbox.SampleMail]) -> None:
    folder = services.config.mailbox.path
    sample_mailbox.write_maildir(folder, mails)
    poll_once(services, MaildirSource(folder))


def _result(services: Services) -> dict[str, Any]:
    with services.sessions() as session:
        messages = {
            m.header_message_id: (m.state, m.outcome, m.failed_stage)
            for m in session.scalars(select(Message))
        }
        ids = dict(session.execute(select(Message.id, Message.header_message_id)).all())
        submissions = sorted(
            (ids[s.message_id], s.slot, s.lao_code, s.status, repr(sorted(s.fields.items())))
            for s in session.scalars(select(Submission))
        )
        outbox = sorted(
            (o.to_address, o.kind, o.subject, ids.get(o.cause_message_id or 0))
            for o in session.scalars(select(OutboxMail))
        )
    return {"messages": messages, "submissions": submissions, "outbox": outbox}


@pytest.fixture
def here(tmp_path: Path) -> Iterator[Services]:
    with _services(tmp_path / "here", workers=1, batch=1) as services:
        yield services


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[Services]:
    with _services(tmp_path / "pooled", workers=2, batch=4) as services:
        yield services


def test_a_pool_and_batches_record_what_one_process_records(
    here: Services,
    pooled: Services,
    mails: list[sample_mailbox.SampleMail],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pools: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, workers: int, **options: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **options)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Counted)
    _poll(here, mails)
    assert pools == []
    _poll(pooled, mails)
    assert pools == [2]
    expected = _result(here)
    assert len(expected["messages"]) == COUNT
    assert expected["submissions"]  # forms were read
    assert {state for state, _, _ in expected["messages"].values()} == {"processed"}
    assert _result(pooled) == expected


def _page_scan() -> bytes:
    """An image-only PDF: one page of printed minutes, no form, but text to OCR."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=28)
    for n in range(30):
        line = f"Minutes of the village meeting, item {n}: the pond was dredged"
        draw.text((100, 100 + n * 50), line, fill=0, font=font)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150)
    return buffer.getvalue()


def _scan_mail(when: datetime) -> sample_mailbox.SampleMail:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "clerk@village-office.example"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = "minutes"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = "<minutes-1@village-office.example>"
    msg.set_content("Scanned minutes attached.")
    msg.add_attachment(_page_scan(), "application", "pdf", filename="minutes.pdf")
    return sample_mailbox.SampleMail(msg.as_bytes(), "scan", None, when)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract (system-deps)")
def test_a_page_to_ocr_goes_to_its_own_lane_and_is_recorded_the_same(
    here: Services,
    pooled: Services,
    mails: list[sample_mailbox.SampleMail],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pools: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, workers: int, **options: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **options)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Counted)
    mixed = [*mails[:2], _scan_mail(mails[1].internal_date + timedelta(minutes=1)), *mails[2:10]]
    _poll(here, mixed)
    _poll(pooled, mixed)
    assert pools == [2, 1]  # the digital lane's two, then the OCR lane's one
    expected = _result(here)
    assert expected["messages"]["<minutes-1@village-office.example>"][:2] == (
        "processed",
        "no_form",
    )
    assert _result(pooled) == expected


def test_a_message_whose_reading_fails_in_a_worker_fails_alone(
    pooled: Services, mails: list[sample_mailbox.SampleMail]
) -> None:
    folder = pooled.config.mailbox.path
    sample_mailbox.write_maildir(folder, mails)
    source = MaildirSource(folder)
    # store without processing, then lose one raw file: its reading fails where it runs
    real = pipeline.process_pending
    try:
        pipeline.process_pending = lambda *_a, **_k: pipeline.ProcessSummary()
        poll_once(pooled, source)
    finally:
        pipeline.process_pending = real
    with pooled.sessions() as session:
        victim = session.scalars(select(Message).order_by(Message.id).offset(3).limit(1)).one()
    pooled.blobs.path_for(victim.sha256).unlink()
    summary = pipeline.process_pending(pooled)
    assert summary.failed == 1
    assert summary.processed == COUNT - 1
    with pooled.sessions() as session:
        failed = session.scalars(select(Message).where(Message.state == "failed")).one()
        assert failed.id == victim.id
        assert failed.failed_stage == "load"
        assert failed.traceback is not None
        assert "StoreError" in failed.traceback


def test_a_message_whose_recording_fails_inside_a_batch_fails_alone(
    here: Services, mails: list[sample_mailbox.SampleMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = replace(here, config=replace(here.config, processing=ProcessingConfig(1, 5)))
    victim_index = 2

    def link(work: Any) -> Any:
        if work.message.header_message_id == victim:
            raise RuntimeError("the link stage broke on this one")
        return real_link(work)

    victim = _message_id_header(mails[victim_index].raw)
    stages = list(pipeline.RECORD)
    at = [s.name for s in stages].index("link")
    real_link = stages[at].run
    stages[at] = Stage("link", link)
    monkeypatch.setattr(pipeline, "RECORD", tuple(stages))
    _poll(services, mails)
    result = _result(services)
    failed = {k: v for k, v in result["messages"].items() if v[0] == "failed"}
    assert list(failed) == [victim]
    assert failed[victim][2] == "link"
    assert sum(1 for v in result["messages"].values() if v[0] == "processed") == COUNT - 1
    # its batch-mates were recorded: each has its answer
    assert len(result["outbox"]) >= COUNT - 3


def _message_id_header(raw: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError("no Message-ID")
