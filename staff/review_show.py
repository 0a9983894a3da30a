"""What a reviewer sees of one item (``review show``, and the dashboard's item page), and the
files behind it (``review save``).

On top of :func:`storage.reviews.show` (the item, its candidates, its history): each doubtful
field of the form, named as the form names it, with the value read, where it was read (the
sheet and cell, or the page and box or OCR line) and how sure the reading is; the message's
attachments, numbered, each with the command that saves it; times in Bangkok time with
Buddhist-era dates. A field is doubtful when its reading is less sure than a submission needs
to be accepted by itself (:data:`DOUBT_BELOW`), or when a problem names it.

Files are saved under a name made here (``ONEP-2564-000011-1.xlsx``), never under the name the
sender chose; an existing file is never overwritten.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from core.dates import thai_datetime
from core.errors import ReviewError
from ingest.record import ACCEPT_CONFIDENCE
from parsers.schema import available_versions, load_schema
from storage.blobs import BlobStore
from storage.models import Attachment, Submission
from storage.reviews import find_item, ref_of, show

DOUBT_BELOW: Final = ACCEPT_CONFIDENCE
_SUFFIX = re.compile(r"\.([A-Za-z0-9]{1,5})$")


def describe(session: Session, ref: str) -> dict[str, Any]:
    """:func:`storage.reviews.show` plus ``doubtful`` fields, numbered ``attachments`` with
    their ``save`` commands, and ``*_th`` times (Bangkok, Buddhist era)."""
    details = show(session, ref)
    item = find_item(session, ref)
    reference = ref_of(item)
    details["received_at_th"] = thai_datetime(item.message.received_at)
    for entry in details["history"]:
        entry["at_th"] = thai_datetime(datetime.fromisoformat(entry["at"]))
    details["attachments"] = [
        {
            "number": number,
            "filename": attachment.filename,
            "role": attachment.role,
            "format": attachment.format,
            "size": attachment.size,
            "note": attachment.note,
            "save": f"onep-inbox review save {reference} {number} --output"
            f" {save_name(reference, number, attachment.filename)}",
        }
        for number, attachment in enumerate(item.message.attachments, start=1)
    ]
    details["save_message"] = (
        f"onep-inbox review save {reference} 0 --output {save_name(reference, 0, None)}"
    )
    details["doubtful"] = doubtful_fields(item.submission) if item.submission is not None else []
    return details


def doubtful_fields(submission: Submission) -> list[dict[str, Any]]:
    """The fields a person should look at, least sure first."""
    labels = _labels(submission.form_version)
    named: dict[str, list[str]] = {}
    written: dict[str, Any] = {}
    for problem in submission.problems or []:
        field = problem.get("field")
        if isinstance(field, str) and field:
            named.setdefault(field, []).append(
                str(problem.get("message_th") or problem.get("code"))
            )
            written.setdefault(field, problem.get("value"))
    out: list[dict[str, Any]] = []
    provenance = submission.provenance or {}
    for key in sorted(set(provenance) | set(named)):
        where = provenance.get(key) or {}
        confidence = where.get("confidence")
        unsure = isinstance(confidence, int | float) and confidence < DOUBT_BELOW
        if not unsure and key not in named:
            continue
        out.append(
            {
                "key": key,
                "label": labels.get(key, key),
                "value": (submission.fields or {}).get(key),
                "source": where.get("source"),
                "raw": where.get("raw", written.get(key)),
                "confidence": confidence,
                "problems": named.get(key, []),
            }
        )
    out.sort(key=lambda f: (f["confidence"] if f["confidence"] is not None else 1.0, f["key"]))
    return out


def _labels(version: str) -> dict[str, str]:
    if version not in available_versions():
        return {}
    schema = load_schema(version)
    labels = {spec.key: spec.title for spec in schema.all_fields()}
    labels.update({f"{spec.key}_digits": spec.title for spec in schema.all_fields()})
    return labels


def save_name(ref: str, number: int, filename: str | None) -> str:
    """A file name of ours for attachment ``number`` of item ``ref`` (0: the whole message),
    keeping only a plain suffix of the sender's name (``.xlsx``)."""
    if number == 0:
        return f"{ref}.eml"
    found = _SUFFIX.search(filename or "")
    return f"{ref}-{number}" + (f".{found.group(1).lower()}" if found else ".bin")


def save(session: Session, blobs: BlobStore, ref: str, number: int, output: Path) -> Path:
    """Write attachment ``number`` (as ``review show`` numbers them; 0: the message as
    received, .eml) of item ``ref`` to ``output`` (a file, or a folder to put it in under
    :func:`save_name`). Never overwrites."""
    item = find_item(session, ref)
    attachments: list[Attachment] = list(item.message.attachments)
    if number == 0:
        digest, filename = item.message.sha256, None
    elif 1 <= number <= len(attachments):
        digest, filename = attachments[number - 1].sha256, attachments[number - 1].filename
    else:
        raise ReviewError(
            f"ไม่มีไฟล์แนบลำดับที่ {number} (มี {len(attachments)} ไฟล์) / no attachment {number}:"
            f" {ref_of(item)} has {len(attachments)} (0 is the whole message)"
        )
    target = output / save_name(ref_of(item), number, filename) if output.is_dir() else output
    data = blobs.get(digest)
    try:
        with target.open("xb") as out:
            out.write(data)
    except FileExistsError as exc:
        raise ReviewError(f"มีไฟล์ {target} อยู่แล้ว / {target} exists; not overwritten") from exc
    except OSError as exc:
        raise ReviewError(f"เขียนไฟล์ {target} ไม่ได้ / cannot write {target}: {exc}") from exc
    return target


def field_labels(version: str) -> dict[str, str]:
    """Field key -> how the form names it (empty for an unknown form version)."""
    return _labels(version)
