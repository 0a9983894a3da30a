"""Stage *bounce*: a delivery report is recorded against the mail of ours it is about
(:func:`outbound.bounces.record_bounce`); automatic mail and mail over the size limit are done
here, with nothing read and nothing answered."""

from __future__ import annotations

from dataclasses import replace

from core.enums import Outcome
from ingest.work import Work
from outbound.bounces import record_bounce


def run(work: Work) -> Work:
    analysis, context = work.analysis, work.context
    if analysis.bounce is not None:
        record_bounce(context.session, analysis.bounce, context.now, message_id=work.message.id)
    if not analysis.done:
        return work
    outcome = Outcome.TOO_LARGE if analysis.too_large else Outcome.AUTOMATIC
    return replace(work, outcome=outcome, done=True)
