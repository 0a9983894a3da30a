"""Stage *identify*: which LAO each form is from, from all the evidence (:mod:`ingest.identify`):
the sender addresses (forwarders included), the form's own name, code, district and province,
and the mail's subject and text. A message with no form but an unreadable one is identified
from the mail alone, so that a person knows whom to ask."""

from __future__ import annotations

from dataclasses import replace

from ingest.identify import identify
from ingest.mime import ParsedMail
from ingest.work import Work


def run(work: Work) -> Work:
    mail, registry = work.analysis.parsed, work.context.registry
    senders = _senders(mail)
    texts = (mail.subject, mail.text, *(f.subject for f in mail.forwarded))
    forms = tuple(
        replace(
            form,
            identification=identify(
                registry, sender_addresses=senders, form_fields=form.reading.fields, texts=texts
            ),
        )
        for form in work.forms
    )
    unreadable = work.unreadable
    if not forms and not work.duplicates:
        unreadable = tuple(
            replace(
                file,
                identification=identify(
                    registry, sender_addresses=senders, form_fields=None, texts=texts
                ),
            )
            for file in unreadable
        )
    return replace(work, forms=forms, unreadable=unreadable)


def _senders(mail: ParsedMail) -> list[str]:
    out: list[str] = []
    for address in (mail.from_address, mail.reply_to, *(f.from_address for f in mail.forwarded)):
        if address and address not in out:
            out.append(address)
    return out
