"""The review queue and one item: the attachment beside the values read, doubtful values marked
with their confidence and reason, and the decisions, which are the very functions
``onep-inbox review`` calls (:mod:`staff.review`): assign, correct a value, accept, reject with
a reason (mailed to the LAO), answer a question, close without mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from core.enums import ReviewKind
from core.errors import OnepInboxError
from staff import review as decisions
from staff.review_show import describe, field_labels, save_name
from storage.corrections import history, latest
from storage.dashboard import review_queue
from storage.models import Attachment, ReviewItem
from storage.reviews import find_item, ref_of
from web import viewer
from web.guard import Ctx

STATES = {"open": "รอดำเนินการ", "resolved": "ดำเนินการแล้ว", "all": "ทั้งหมด"}


def queue(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    state = params.get("state", "open")
    state = state if state in STATES else "open"
    kind = params.get("kind") or None
    kind = kind if kind in set(ReviewKind) else None
    with ctx.services.sessions() as session:
        rows = review_queue(session, state=state, kind=kind)
    return ctx.render(
        "review_list.html",
        title="รายการรอตรวจสอบ",
        rows=rows,
        state=state,
        kind=kind,
        states=STATES,
        kinds=list(ReviewKind),
    )


def _mailer(ctx: Ctx) -> decisions.Mailer:
    services = ctx.services
    return decisions.Mailer(
        renderer=services.renderer, smtp=services.config.smtp, staff=services.config.staff
    )


def item(ctx: Ctx) -> Response:
    ref = ctx.request.path_params["ref"]
    with ctx.services.sessions() as session:
        try:
            details = describe(session, ref)
        except OnepInboxError as exc:
            return PlainTextResponse(str(exc), 404)
        found = find_item(session, ref)
        submission = found.submission
        fields: list[dict[str, Any]] = []
        corrections: list[Any] = []
        marked: set[str] = set()
        if submission is not None:
            labels = field_labels(submission.form_version)
            corrected = latest(session, [submission.id]).get(submission.id, {})
            doubtful = {entry["key"]: entry for entry in details["doubtful"]}
            provenance = submission.provenance or {}
            for key in sorted(set(submission.fields or {}) | set(corrected)):
                value = (submission.fields or {}).get(key)
                if isinstance(value, list | dict):
                    continue
                where = provenance.get(key) or {}
                source = where.get("source")
                if isinstance(source, str):
                    marked.add(source)
                fields.append(
                    {
                        "key": key,
                        "label": labels.get(key, key),
                        "value": value,
                        "corrected": corrected.get(key),
                        "has_correction": key in corrected,
                        "source": source,
                        "confidence": where.get("confidence"),
                        "doubt": doubtful.get(key),
                    }
                )
            corrections = history(session, submission.id)
        files = _files(found, marked)
        primary: dict[str, Any] = {"shown": "none", "pages": range(0), "grids": []}
        if files:
            first: Attachment = files[0]["attachment"]
            primary = _view(ctx, first, marked)
        return ctx.render(
            "review_item.html",
            title=f"ตรวจสอบ {details['ref']}",
            d=details,
            ref=details["ref"],
            item=found,
            submission=submission,
            fields=fields,
            corrections=corrections,
            files=files,
            question=found.kind == ReviewKind.QUESTION,
            primary=primary,
        )


def _view(ctx: Ctx, attachment: Attachment, marked: set[str]) -> dict[str, Any]:
    """How one attachment is shown: PDF pages, an image, or the tables of a spreadsheet
    with the cells values came from marked."""
    shown = viewer.kind(attachment.format)
    if shown == "none":
        return {"shown": shown, "pages": range(0), "grids": []}
    data = ctx.services.blobs.get(attachment.sha256)
    pages = viewer.page_count(data) if shown == "pages" else 0
    grids = viewer.tables(data, attachment.format or "", marked) if shown == "table" else []
    return {"shown": shown, "pages": range(1, pages + 1), "grids": grids}


def _files(found: ReviewItem, marked: set[str]) -> list[dict[str, Any]]:
    """The message's attachments, each with how it is shown; the form's own first."""
    form_id = found.submission.attachment_id if found.submission is not None else None
    out = []
    for number, attachment in enumerate(found.message.attachments, start=1):
        out.append(
            {
                "number": number,
                "attachment": attachment,
                "kind": viewer.kind(attachment.format),
                "is_form": attachment.id == form_id,
                "save_name": save_name(ref_of(found), number, attachment.filename),
            }
        )
    out.sort(key=lambda f: (not f["is_form"], f["number"]))
    return out


def view_file(ctx: Ctx) -> Response:
    """An attachment shown in the page: a PDF's pages, an image, a table."""
    ref = ctx.request.path_params["ref"]
    number = int(ctx.request.path_params["number"])
    with ctx.services.sessions() as session:
        try:
            found = find_item(session, ref)
        except OnepInboxError as exc:
            return PlainTextResponse(str(exc), 404)
        attachment = _attachment(found, number)
        if attachment is None:
            return PlainTextResponse("ไม่มีไฟล์แนบลำดับนี้", 404)
        marked: set[str] = set()
        if found.submission is not None and found.submission.attachment_id == attachment.id:
            for where in (found.submission.provenance or {}).values():
                if isinstance(where, dict) and isinstance(where.get("source"), str):
                    marked.add(where["source"])
        return ctx.render(
            "review_file.html",
            title=attachment.filename or f"ไฟล์ {number}",
            ref=ref_of(found),
            number=number,
            attachment=attachment,
            **_view(ctx, attachment, marked),
        )


def _attachment(found: ReviewItem, number: int) -> Attachment | None:
    attachments = list(found.message.attachments)
    return attachments[number - 1] if 1 <= number <= len(attachments) else None


def file_image(ctx: Ctx) -> Response:
    """Page ``page`` of a PDF attachment, or an image attachment, as PNG (made here)."""
    ref = ctx.request.path_params["ref"]
    number = int(ctx.request.path_params["number"])
    page = int(ctx.request.path_params["page"])
    with ctx.services.sessions() as session:
        try:
            found = find_item(session, ref)
        except OnepInboxError as exc:
            return PlainTextResponse(str(exc), 404)
        attachment = _attachment(found, number)
        if attachment is None:
            return PlainTextResponse("ไม่มีไฟล์แนบลำดับนี้", 404)
        data = ctx.services.blobs.get(attachment.sha256)
        shown = viewer.kind(attachment.format)
    png = viewer.pdf_page_png(data, page) if shown == "pages" else None
    if shown == "image" and page == 1:
        png = viewer.image_png(data)
    if png is None:
        return PlainTextResponse("แสดงหน้านี้ไม่ได้", 404)
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=600"})


# --- decisions --------------------------------------------------------------------------------


Action = Callable[[Session, str, Ctx], Any]


def _decide(ctx: Ctx, action: Action, done: str) -> Response:
    ref = ctx.request.path_params["ref"]
    services = ctx.services
    try:
        with services.sessions() as session, session.begin():
            found = action(session, ref, ctx)
            target = ref_of(found) if isinstance(found, ReviewItem) else ref
    except OnepInboxError as exc:
        return ctx.render("error.html", status_code=400, title="ทำรายการไม่ได้", error=str(exc),
                          back=f"/review/{quote(ref, safe='')}")  # fmt: skip
    return RedirectResponse(f"/review/{quote(target, safe='')}?done={done}", 303)


def assign(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.assign(
            s, ref, to=c.value("to") or c.who.name, by=c.who.name, now=c.services.clock()
        ),
        "assign",
    )


def accept(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.accept(
            s,
            ref,
            by=c.who.name,
            now=c.services.clock(),
            mailer=_mailer(c),
            lao_code=c.value("lao").strip() or None,
        ),
        "accept",
    )


def reject(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.reject(
            s,
            ref,
            reason=c.value("reason"),
            by=c.who.name,
            now=c.services.clock(),
            mailer=_mailer(c),
        ),
        "reject",
    )


def answer(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.answer(
            s,
            ref,
            text=c.value("text"),
            by=c.who.name,
            now=c.services.clock(),
            mailer=_mailer(c),
        ),
        "answer",
    )


def close(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.close(
            s, ref, reason=c.value("reason"), by=c.who.name, now=c.services.clock()
        ),
        "close",
    )


def correct(ctx: Ctx) -> Response:
    return _decide(
        ctx,
        lambda s, ref, c: decisions.correct(
            s,
            ref,
            c.value("field"),
            c.value("value"),
            by=c.who.name,
            now=c.services.clock(),
            note=c.value("note").strip() or None,
        ),
        "correct",
    )
