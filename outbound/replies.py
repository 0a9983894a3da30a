"""Stage *queue reply*: choose and queue the answer to one processed message.

Called inside the processing transaction, so the reply is queued exactly when its cause is
recorded. What the LAO gets: an acknowledgement with receipt numbers, the key figures read and
the problems to fix; "no form was attached"; "we could not read the file"; or "this file was
already received" (plain text and an HTML alternative, :mod:`outbound.render`). Nothing goes to
automatic senders (see :mod:`ingest.classify`). The dedupe key includes a digest of the outcome,
so re-processing sends again only when the outcome changed.

Threading: our reply carries In-Reply-To/References of the LAO's mail and the receipt numbers in
its subject (``[ONEP-2564-000123]``). :func:`linked_submission` goes the other way: a mail that
answers ours (its In-Reply-To/References name an outbox Message-ID, or its subject carries a
receipt number) is linked to the submission it is about.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import SmtpConfig
from core.dates import thai_date
from ingest.classify import Classification
from ingest.mime import ParsedMail
from outbound.outbox import Draft, enqueue
from outbound.render import Renderer
from storage.models import Message, OutboxMail, Submission

_THAI = re.compile(r"[\u0e01-\u0e5b]")
_RECEIPT = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-[0-9]{6,})(?![\w-])")
_MAX_LOOKUPS = 10

FIGURES: tuple[tuple[str, str, str], ...] = (
    ("lao_name", "ชื่อ อปท.", ""),
    ("population", "จำนวนประชากร", " คน"),
    ("green_total_area_m2", "พื้นที่สีเขียวรวม", " ตร.ม."),
    ("green_per_capita_m2", "พื้นที่สีเขียวต่อประชากร", " ตร.ม./คน"),
    ("report_date", "วันที่รายงาน", ""),
)


@dataclass(frozen=True, slots=True)
class DuplicateFile:
    filename: str | None
    original: Submission


def _figures(fields: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, label, unit in FIGURES:
        if key not in fields:
            continue
        value = fields[key]
        if key == "report_date":
            try:
                text = thai_date(datetime.fromisoformat(str(value)).date())
            except ValueError:
                text = str(value)
        elif isinstance(value, float):
            text = f"{value:,.2f}".rstrip("0").rstrip(".")
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = str(value)
        out.append((label, text + unit))
    projects = fields.get("projects")
    if isinstance(projects, list):
        out.append(("จำนวนโครงการ/กิจกรรม", f"{len(projects)} โครงการ"))
    return out


def queue_reply(
    session: Any,
    *,
    renderer: Renderer,
    smtp: SmtpConfig,
    message: Message,
    mail: ParsedMail,
    classification: Classification,
    submissions: Sequence[Submission],
    decided: Mapping[int, str],
    duplicates: Sequence[DuplicateFile],
    filenames: Sequence[str],
    now: datetime,
) -> str | None:
    """Queue the right reply; return the template used, or None when nothing is sent.

    ``decided`` holds each submission's status as this reading earned it: a later resubmission
    superseding it is not a new outcome for this message and sends nothing.
    """
    if not classification.may_reply or classification.reply_to is None:
        return None
    if submissions and all(s.reviewed_at is not None for s in submissions):
        return None  # a reviewer decided them, and the review's own mail told the sender
    readable = [s for s in submissions if not _unreadable(s)]
    if readable:
        template = "ack"
    elif submissions:
        template = "unreadable"
    elif duplicates:
        template = "duplicate"
    else:
        template = "no_form"
    context = {
        "greeting": _greeting(mail, submissions, duplicates),
        "reply_address": smtp.from_address,
        "subject": mail.subject,
        "received_at": message.received_at,
        "receipt_numbers": [s.receipt_no for s in submissions]
        or [d.original.receipt_no for d in duplicates],
        "any_problems": any(s.problems for s in submissions),
        "submissions": [
            {
                "receipt_no": s.receipt_no,
                "lao_name": (s.lao.name if s.lao is not None else s.fields.get("lao_name")),
                "lao_code": s.lao_code,
                "filename": s.attachment.filename if s.attachment is not None else None,
                "status": s.status,
                "figures": _figures(s.fields),
                "problems": s.problems,
            }
            for s in submissions
        ],
        "duplicates": [
            {
                "filename": d.filename,
                "receipt_no": d.original.receipt_no,
                "received_at": d.original.received_at,
            }
            for d in duplicates
        ],
        "filenames": list(filenames),
    }
    rendered = renderer.render(template, context)
    outcome = json.dumps(
        [
            template,
            sorted(
                (
                    s.receipt_no or "",
                    s.lao_code or "",
                    decided.get(s.id, s.status),
                    sorted(str(p.get("code")) for p in s.problems),
                )
                for s in submissions
            ),
            sorted(d.original.receipt_no or "" for d in duplicates),
        ],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(outcome.encode()).hexdigest()[:16]
    references = tuple(mail.references) + ((mail.message_id,) if mail.message_id else ())
    lao_codes = {s.lao_code for s in submissions if s.lao_code}
    enqueue(
        session,
        Draft(
            kind=template.replace("_", "-"),
            dedupe_key=f"reply:{message.id}:{digest}",
            to_address=classification.reply_to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            in_reply_to=mail.message_id,
            references=references[-10:],
            auto_submitted="auto-replied",
            lao_code=lao_codes.pop() if len(lao_codes) == 1 else None,
            submission_id=submissions[0].id if len(submissions) == 1 else None,
            cause_message_id=message.id,
        ),
        config=smtp,
        now=now,
    )
    return template


def _unreadable(submission: Submission) -> bool:
    return any(p.get("code") == "unreadable" for p in submission.problems)


def _greeting(
    mail: ParsedMail, submissions: Sequence[Submission], duplicates: Sequence[DuplicateFile]
) -> str:
    """Who the reply is addressed to: the sender's own Thai display name, else the LAO."""
    name = mail.from_name.strip()
    if _THAI.search(name):
        return name
    laos = {s.lao.name for s in submissions if s.lao is not None}
    laos |= {d.original.lao.name for d in duplicates if d.original.lao is not None}
    if len(laos) == 1:
        return f"ผู้ประสานงาน {laos.pop()}"
    return "ท่านผู้ประสานงาน"


def linked_submission(session: Session, mail: ParsedMail) -> Submission | None:
    """The submission ``mail`` answers about, or None.

    First by threading: the newest of In-Reply-To and References that is the Message-ID of a
    mail in our outbox, whose submission (or the one submission of the message it answered) is
    the link. Then by a receipt number in the subject (``[ONEP-2564-000123]``, or the bare
    number). A mail about several submissions links to none: the caller decides by the form.
    The link is a hint for identification, not proof: anyone can type a receipt number.
    """
    candidates: list[str] = []
    for ref in (mail.in_reply_to, *reversed(mail.references)):
        if ref and ref not in candidates:
            candidates.append(ref)
    for ref in candidates[:_MAX_LOOKUPS]:
        row = session.scalar(select(OutboxMail).where(OutboxMail.header_message_id == ref).limit(1))
        if row is None:
            continue
        if row.submission_id is not None:
            return session.get(Submission, row.submission_id)
        if row.cause_message_id is not None:
            found = session.scalars(
                select(Submission).where(Submission.message_id == row.cause_message_id).limit(2)
            ).all()
            if len(found) == 1:
                return found[0]
        break  # ours, but about no single submission: the subject may still say which
    receipts = list(dict.fromkeys(m.group(1) for m in _RECEIPT.finditer(mail.subject)))
    found_by_receipt = [
        sub
        for number in receipts[:_MAX_LOOKUPS]
        if (sub := session.scalar(select(Submission).where(Submission.receipt_no == number)))
        is not None
    ]
    return found_by_receipt[0] if len(found_by_receipt) == 1 else None
