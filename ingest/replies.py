"""Stage *queue reply*: choose and queue the answer to one processed message.

Called inside the processing transaction, so the reply is queued exactly when its cause is
recorded. What the LAO gets: an acknowledgement with receipt numbers, the key figures read and
the problems to fix; "no form was attached"; "we could not read the file"; or "this file was
already received". Nothing goes to automatic senders (see :mod:`ingest.classify`). The dedupe key
includes a digest of the outcome, so re-processing sends again only when the outcome changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.classify import Classification
from ingest.config import SmtpConfig
from ingest.mime import ParsedMail
from outbound.outbox import Draft, enqueue
from outbound.render import Renderer
from outbound.thaidate import thai_date
from storage.models import Message, Submission

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
    readable = [s for s in submissions if not _unreadable(s)]
    if readable:
        template = "ack"
    elif submissions:
        template = "unreadable"
    elif duplicates:
        template = "duplicate"
    else:
        template = "no_form"
    greeting = mail.from_name or "ผู้ประสานงาน"
    context = {
        "greeting": greeting,
        "subject": mail.subject,
        "received_at": message.received_at,
        "receipt_numbers": [s.receipt_no for s in submissions]
        or [d.original.receipt_no for d in duplicates],
        "any_problems": any(s.problems for s in submissions),
        "submissions": [
            {
                "receipt_no": s.receipt_no,
                "lao_name": (s.lao.name if s.lao is not None else s.fields.get("lao_name")),
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
