"""Crashes: ``poll --once`` killed with SIGKILL at points of the flow (``ONEP_INBOX_CRASH_AT``),
then run again, over a mailbox that holds forms, read receipts without Auto-Submitted, and
questions citing a receipt number. Nothing is lost, nothing is recorded twice, and neither the
receipts nor the questions are ever answered, however the runs were cut.
"""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.db import make_engine, make_session_factory
from storage.models import Message, MessageLocation, OutboxMail, Submission

POINTS = ("after_mark", "before_queue_reply", "after_process")


def _receipt(index: int) -> bytes:
    return (
        f"From: saraban_{index:08d}@dla.go.th\r\nTo: onep.uem@onep.go.th\r\n"
        f"Subject: Read: report {index}\r\nMessage-ID: <mdn-{index}@dla.go.th>\r\n"
        "Date: Wed, 29 Sep 2021 09:10:00 +0700\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="r"\r\n'
        "\r\n--r\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
        "--r\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Final-Recipient: rfc822;saraban@dla.go.th\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n--r--\r\n"
    ).encode()


def _question(index: int) -> bytes:
    return (
        f"From: officer{index}@sao-example.go.th\r\nTo: onep.uem@onep.go.th\r\n"
        f"Subject: Re: [ONEP-2564-{index:06d}] question\r\n"
        f"Message-ID: <question-{index}@sao-example.go.th>\r\n"
        "Date: Wed, 29 Sep 2021 09:20:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\nMust we send the photos too?\r\n"
    ).encode()


def _cli(config: Path, *args: str, crash_at: str | None = None) -> int:
    env = dict(os.environ)
    env.pop("ONEP_INBOX_CRASH_AT", None)
    if crash_at is not None:
        env["ONEP_INBOX_CRASH_AT"] = crash_at
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--config", str(config), *args],
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )
    return done.returncode


def test_crashes_lose_nothing_and_never_answer_receipts_or_questions(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n'
        f'[storage]\ndir = "{tmp_path / "store"}"\n'
        f'[mailbox]\nkind = "maildir"\npath = "{tmp_path / "maildir"}"\n'
        f'[smtp]\nkind = "directory"\ndirectory = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    assert _cli(config, "init") == 0
    assert _cli(config, "registry", "sample", "--output", str(tmp_path / "laos.csv")) == 0
    assert _cli(config, "registry", "import", str(tmp_path / "laos.csv")) == 0
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    forms = sample_mailbox.generate(sample_rows(), 2 * len(POINTS), seed=41)
    automatic = {f"<mdn-{i}@dla.go.th>" for i in range(3)}
    questions = {f"<question-{i}@sao-example.go.th>" for i in range(1, 4)}
    for round_no, point in enumerate(POINTS):  # new mail arrives between the crashes
        for mail in forms[round_no * 2 : round_no * 2 + 2]:
            box.add(mail.raw)
        if round_no < len(POINTS):
            box.add(_receipt(round_no))
            box.add(_question(round_no + 1))
        assert _cli(config, "poll", "--once", crash_at=point) == -signal.SIGKILL, point
        assert _cli(config, "poll", "--once") == 0, point
    assert _cli(config, "process", "--all") == 0  # a re-read too: nothing doubles

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with make_session_factory(engine)() as session:
            stored = session.scalar(select(func.count(MessageLocation.id)))
            assert stored == len(box)
            assert (
                session.scalar(select(func.count(Message.id)).where(Message.state != "processed"))
                == 0
            )
            slots = session.execute(select(Submission.message_id, Submission.slot)).all()
            assert len(slots) == len(set(slots))
            per_message = session.execute(
                select(Submission.message_id, func.count(Submission.id)).group_by(
                    Submission.message_id
                )
            ).all()
            assert all(count == 1 for _, count in per_message)
            silent = session.scalars(
                select(Message.id).where(Message.header_message_id.in_(automatic | questions))
            ).all()
            assert len(silent) == 6
            answered = session.scalar(
                select(func.count(OutboxMail.id)).where(OutboxMail.cause_message_id.in_(silent))
            )
            assert answered == 0
            replies = session.execute(
                select(OutboxMail.cause_message_id, func.count(OutboxMail.id)).group_by(
                    OutboxMail.cause_message_id
                )
            ).all()
            assert all(count == 1 for _, count in replies)  # one answer per message at most
    finally:
        engine.dispose()
