"""Stage *record*: a submission per form (:func:`ingest.record.record`: keyed by message and
the form's position in it, so a re-read updates it; the resubmission rules), or, when a
person's message carried only files that looked like the form but could not be read, a
submission per such file in review. The outcome: forms, unreadable, duplicate, unsupported (only
files we cannot open), no_form, or automatic (automatic mail that carried no form)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.enums import MessageKind, Outcome, ProblemCode
from ingest.record import Recorded, record
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
    person = work.analysis.sorted.kind is MessageKind.NORMAL
    if not work.forms and not work.duplicates and person:
        for position, file in enumerate(work.unreadable, start=1):
            assert file.identification is not None, "identify runs before record"
            row = file.attachment
            recorded.append(
                record(
                    context.session,
                    message=message,
                    slot=f"pos:{position}",
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
                            "cause": file.cause,
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
    elif not person:
        outcome = Outcome.AUTOMATIC
    elif work.unsupported:
        outcome = Outcome.UNSUPPORTED
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
