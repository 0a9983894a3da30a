"""Stage *review*: what needs a person gets a review item (:mod:`ingest.triage`): a submission
in review, or a person's mail that carried no form (a question)."""

from __future__ import annotations

from ingest.triage import open_items_for
from ingest.work import Work


def run(work: Work) -> Work:
    assert work.outcome is not None, "record runs before review"
    open_items_for(
        work.context.session,
        message=work.message,
        submissions=work.submissions,
        outcome=work.outcome,
        now=work.context.now,
    )
    return work
