"""Stage *record*: a submission per form (:func:`ingest.record.record`: keyed by message and
slot, so a re-read updates it; the resubmission rules), or, when the message carried only files
that looked like the form but could not be read, a submission per such file in review."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.enums import Outcome, ProblemCode
from ingest.record import Recorded, record, slot_for
from ingest.work import Work


def run(work: Work) -> Work:
    context, message = work.context, work.message
    campaign = context.config.campaign
    recorded: list[Recorded] = []
    for form in work.forms:
        assert form.identification is not None, "identify runs before record"
        reading = form.reading
        recorded.append(
            record(
                context.session,
                message=message,
                slot=form.slot,
                attachment_id=form.attachment.id,
                form_version=reading.form_version,
                format=reading.format,
                fields=reading.fields,
                provenance={k: _provenance_json(v) for k, v in reading.provenance.items()},
                problems=form.problems,
                confidence=reading.confidence,
                identification=form.identification,
                receipt_prefix=campaign.receipt_prefix,
                now=context.now,
            )
        )
    if not work.forms and not work.duplicates:
        for file in work.unreadable:
            assert file.identification is not None, "identify runs before record"
            row = file.attachment
            recorded.append(
                record(
                    context.session,
                    message=message,
                    slot=slot_for(None, row.sha256),
                    attachment_id=row.id,
                    form_version=campaign.form_version,
                    format=row.format,
                    fields={},
                    provenance={},
                    confidence=None,
                    identification=file.identification,
                    problems=[
                        {
                            "code": ProblemCode.UNREADABLE.value,
                            "field": None,
                            "value": row.filename,
                            "message_th": f"อ่านไฟล์ {row.filename or ''} ไม่ได้: {file.problem}",
                        }
                    ],
                    receipt_prefix=campaign.receipt_prefix,
                    now=context.now,
                )
            )
    if recorded:
        outcome = Outcome.FORMS if work.forms else Outcome.UNREADABLE
    elif work.duplicates:
        outcome = Outcome.DUPLICATE
    else:
        outcome = Outcome.NO_FORM
    return replace(
        work,
        submissions=tuple(r.submission for r in recorded),
        decided={r.submission.id: r.decided for r in recorded},
        outcome=outcome,
    )


def _provenance_json(provenance: Any) -> dict[str, Any]:
    return {"source": provenance.source, "raw": provenance.raw, "confidence": provenance.confidence}
