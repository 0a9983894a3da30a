"""The answer to one processed message: chosen, rendered and queued (stage *queue reply*).

Called inside the processing transaction, so the reply is queued exactly when its cause is
recorded. What the LAO gets: an acknowledgement with receipt numbers, the key figures read and
the problems to fix; "no form was attached" (with the blank forms attached); "we cannot open
.xlsb/.rar/.msg, or download from a link; please attach .xlsx" (the blank forms attached); "we
could not read the file"; or "this file was already received" (plain text and an HTML
alternative, :mod:`outbound.render`). Nothing goes to automatic senders (``Inbound.reply_to`` is
None: :mod:`ingest.classify` and the *queue reply* stage decide). The dedupe key includes a
digest of the outcome, so re-processing sends again only when what the sender was told changed.

Threading: our reply carries In-Reply-To/References of the LAO's mail and the receipt numbers in
its subject (``[ONEP-2564-000123]``); :mod:`ingest.link` goes the other way.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import parsers.forms
from core.config import SmtpConfig
from core.dates import thai_date
from core.enums import Outcome, SubmissionStatus, is_unreadable, person_reads_unreadable
from core.numbers import format_number
from outbound.compose import Attachment
from outbound.outbox import Draft, enqueue
from outbound.render import Renderer
from storage.models import Message, Submission

_THAI = re.compile(r"[\u0e01-\u0e5b]")

FIGURES: tuple[tuple[str, str, str], ...] = (
    ("lao_name", "ชื่อ อปท.", ""),
    ("population", "จำนวนประชากร", " คน"),
    ("green_total_area_m2", "พื้นที่สีเขียวรวม", " ตร.ม."),
    ("green_per_capita_m2", "พื้นที่สีเขียวต่อประชากร", " ตร.ม./คน"),
    ("report_date", "วันที่รายงาน", ""),
)


@dataclass(frozen=True, slots=True)
class Inbound:
    """What a reply needs of the mail it answers (built by the *queue reply* stage)."""

    reply_to: str | None
    """Where an answer goes; None when none may be sent (automatic mail, no address, ...)."""
    from_name: str
    subject: str
    message_id: str | None
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CannotOpen:
    """A file we cannot open, as the sender is told: its name and its kind (``.xlsb``)."""

    filename: str | None
    kind: str


_CLOUD = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*(drive\.google\.com|docs\.google\.com|1drv\.ms|"
    r"onedrive\.live\.com|[a-z0-9-]+\.sharepoint\.com|(?:www\.)?dropbox\.com|"
    r"we\.tl|wetransfer\.com|mega\.nz|app\.box\.com|icloud\.com|"
    r"terabox\.com)(?:/[^\s<>\"')\]]*)?",
    re.I,
)


def cloud_links(text: str, limit: int = 5) -> tuple[str, ...]:
    """Links to a cloud drive in ``text`` (Google Drive, OneDrive, Dropbox, WeTransfer ...):
    a form sent as a link, which we do not download."""
    return tuple(dict.fromkeys(m.group(0)[:200] for m in _CLOUD.finditer(text)))[:limit]


BLANK_FORM_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@cache
def blank_forms(form_version: str) -> tuple[Attachment, ...]:
    """The blank form of ``form_version`` as .xlsx and .docx (``parsers/forms/template-*``),
    attached to answers that ask for the form; none when the templates are missing."""
    folder = Path(parsers.forms.__file__).parent
    found: list[Attachment] = []
    for suffix, content_type in BLANK_FORM_TYPES.items():
        path = folder / f"template-{form_version}{suffix}"
        if path.is_file():
            name = f"แบบรายงานพื้นที่สีเขียว-{form_version}{suffix}"
            found.append(Attachment(name, content_type, path.read_bytes()))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A file already received: its name here, and the submission it was first read for."""

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
        else:
            text = format_number(value)
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
    inbound: Inbound,
    submissions: Sequence[Submission],
    decided: Mapping[int, str],
    duplicates: Sequence[Duplicate],
    filenames: Sequence[str],
    now: datetime,
    cannot_open: Sequence[CannotOpen] = (),
    links: Sequence[str] = (),
    blank: Sequence[Attachment] = (),
) -> str | None:
    """Queue the right reply; return the template used, or None when nothing is sent.

    ``decided`` holds each submission's status as this reading earned it: a later resubmission
    superseding it is not a new outcome for this message and sends nothing.
    """
    if inbound.reply_to is None:
        return None
    if submissions and all(s.reviewed_at is not None for s in submissions):
        return None  # a reviewer decided them, and the review's own mail told the sender
    readable = [s for s in submissions if not is_unreadable(s.problems)]
    if readable:
        template = "ack"
    elif submissions:
        template = Outcome.UNREADABLE
    elif duplicates:
        template = Outcome.DUPLICATE
    elif cannot_open or links:
        template = Outcome.UNSUPPORTED
    else:
        template = Outcome.NO_FORM
    context = {
        "greeting": _greeting(inbound, submissions, duplicates),
        "reply_address": smtp.from_address,
        "subject": inbound.subject,
        "received_at": message.received_at,
        "receipt_numbers": [s.receipt_no for s in submissions]
        or [d.original.receipt_no for d in duplicates],
        "any_problems": any(s.problems for s in submissions),
        # unreadable only because OCR could not (budget, failure, HEIC...): a person reads it
        "person_reads": bool(submissions)
        and all(person_reads_unreadable(s.problems) for s in submissions),
        "submissions": [
            {
                "receipt_no": s.receipt_no,
                "lao_name": (s.lao.name if s.lao is not None else s.fields.get("lao_name")),
                "lao_code": s.lao_code,
                "filename": s.attachment.filename if s.attachment is not None else None,
                "status": s.status,
                "figures": _figures(s.fields),
                "problems": s.problems,
                "replaces": replaced_receipts(session, s),
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
        "unsupported": [{"filename": f.filename, "kind": f.kind} for f in cannot_open],
        "links": list(links),
    }
    rendered = renderer.render(template, context)
    told: list[Any] = [
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
    ]
    if template == Outcome.UNSUPPORTED:  # only then: the digests of earlier answers stay the same
        told += [sorted(f"{f.filename}|{f.kind}" for f in cannot_open), sorted(links)]
    outcome = json.dumps(told, ensure_ascii=False)
    digest = hashlib.sha256(outcome.encode()).hexdigest()[:16]
    references = inbound.references + ((inbound.message_id,) if inbound.message_id else ())
    lao_codes = {s.lao_code for s in submissions if s.lao_code}
    enqueue(
        session,
        Draft(
            kind=template.replace("_", "-"),
            dedupe_key=f"reply:{message.id}:{digest}",
            to_address=inbound.reply_to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            in_reply_to=inbound.message_id,
            references=references[-10:],
            auto_submitted="auto-replied",
            lao_code=lao_codes.pop() if len(lao_codes) == 1 else None,
            submission_id=submissions[0].id if len(submissions) == 1 else None,
            cause_message_id=message.id,
            attachments=tuple(blank) if template in (Outcome.NO_FORM, Outcome.UNSUPPORTED) else (),
        ),
        config=smtp,
        now=now,
    )
    return template


def replaced_receipts(session: Session, submission: Submission) -> list[str]:
    """The receipt numbers ``submission`` replaces: those it superseded, else the LAO's latest
    earlier submission of the same form that nothing else superseded (waiting, rejected or
    accepted: a resubmission names what it corrects)."""
    if submission.lao_code is None:
        return []
    earlier = session.scalars(
        select(Submission)
        .where(
            Submission.lao_code == submission.lao_code,
            Submission.form_version == submission.form_version,
            Submission.id != submission.id,
            Submission.received_at <= submission.received_at,
        )
        .order_by(Submission.received_at, Submission.id)
    ).all()
    earlier = [
        s for s in earlier if (s.received_at, s.id) < (submission.received_at, submission.id)
    ]
    superseded = [s.receipt_no for s in earlier if s.superseded_by_id == submission.id]
    if superseded:
        return [r for r in superseded if r]
    open_ = [s for s in earlier if s.status != SubmissionStatus.SUPERSEDED and s.receipt_no]
    return [open_[-1].receipt_no] if open_ and open_[-1].receipt_no else []


def _greeting(
    inbound: Inbound, submissions: Sequence[Submission], duplicates: Sequence[Duplicate]
) -> str:
    """Who the reply is addressed to: the sender's own Thai display name, else the LAO."""
    name = inbound.from_name.strip()
    if _THAI.search(name):
        return name
    laos = {s.lao.name for s in submissions if s.lao is not None}
    laos |= {d.original.lao.name for d in duplicates if d.original.lao is not None}
    if len(laos) == 1:
        return f"ผู้ประสานงาน {laos.pop()}"
    return "ท่านผู้ประสานงาน"
