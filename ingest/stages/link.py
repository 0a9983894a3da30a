"""Stage *link*: the submission this message answers about, if it answers our mail
(:mod:`ingest.link`); kept on the message for staff."""

from __future__ import annotations

from dataclasses import replace

from ingest.link import linked_submission
from ingest.work import Work


def run(work: Work) -> Work:
    linked = linked_submission(work.context.session, work.analysis.parsed)
    work.message.linked_submission_id = linked.id if linked is not None else None
    return replace(work, linked=linked)
