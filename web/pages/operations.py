"""Running the campaign: failing addresses (clear them), mail that failed (retry it), the
campaign (deadline, the reminder plan for the coming days, the end, the pause switch), the
service's health (last poll and send, errors, messages a stage failed on, with replay), the
audit log, search and downloads. Every action is one function the CLI also calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from core.dates import BANGKOK
from core.errors import OnepInboxError
from ingest.pipeline import process_message
from outbound.outbox import failed_mail, retry_failed
from outbound.reminders import decide, load_state
from outbound.schedule import next_allowed, reminder_rounds
from staff.review_show import save_name
from staff.workbook import build_report, xlsx_bytes
from storage import settings
from storage.addresses import clear_failing, failing_addresses
from storage.dashboard import audit_entries, failed_messages, message_attachment, search
from storage.health import heartbeats
from storage.models import AuditEntry
from storage.queries import service_health
from web.guard import Ctx

PLAN_DAYS = 14


def _error(ctx: Ctx, exc: Exception, back: str) -> Response:
    return ctx.render("error.html", status_code=400, title="ทำรายการไม่ได้", error=str(exc),
                      back=back)  # fmt: skip


def mail(ctx: Ctx) -> Response:
    with ctx.services.sessions() as session:
        failing = failing_addresses(session)
        failed = [
            {
                "id": r.id,
                "kind": r.kind,
                "to": r.to_address,
                "lao_code": r.lao_code,
                "subject": r.subject,
                "queued_at": r.queued_at,
                "attempts": r.attempts,
                "error": r.last_error,
            }
            for r in failed_mail(session)
        ]
    return ctx.render("mail.html", title="อีเมลส่งไม่ถึง", failing=failing, failed=failed)


def clear_address(ctx: Ctx) -> Response:
    try:
        with ctx.services.sessions() as session, session.begin():
            clear_failing(session, ctx.value("address"), by=ctx.who.name, now=ctx.services.clock())
    except OnepInboxError as exc:
        return _error(ctx, exc, "/mail")
    return RedirectResponse("/mail?done=clear", 303)


def retry_mail(ctx: Ctx) -> Response:
    wanted = ctx.form.get("id", [])
    try:
        ids = None if ctx.value("all") else [int(value) for value in wanted]
        with ctx.services.sessions() as session, session.begin():
            retry_failed(session, ids, by=ctx.who.name, now=ctx.services.clock())
    except (OnepInboxError, ValueError) as exc:
        return _error(ctx, exc, "/mail")
    return RedirectResponse("/mail?done=retry", 303)


def campaign(ctx: Ctx) -> Response:
    """The deadline, the end, the pause switch, and the reminder plan of the rounds due in the
    coming days: what ``remind --dry-run`` would say at each round's first allowed moment,
    on today's standing."""
    services = ctx.services
    config = services.config.campaign
    now = services.clock()
    with services.sessions() as session:
        paused_here = bool(settings.get(session, settings.PAUSED, False))
        effective = replace(config, paused=settings.campaign_paused(session, config.paused))
        state = load_state(session)
    horizon = now + timedelta(days=PLAN_DAYS)
    rounds = [r for r in reminder_rounds(config) if r.due <= horizon]
    current = [r for r in rounds if r.due <= now][-1:]
    upcoming = current + [r for r in rounds if r.due > now]
    days = []
    for round_ in upcoming:
        when = max(now, next_allowed(config, round_.due))
        days.append({"round": round_, "when": when, "plan": decide(effective, when, state)})
    return ctx.render(
        "campaign.html",
        title="การรณรงค์",
        config=config,
        last_day=config.last_day(),
        paused_file=config.paused,
        paused_here=paused_here,
        days=days,
        horizon=PLAN_DAYS,
    )


def pause(ctx: Ctx) -> Response:
    value = ctx.value("paused") == "1"
    with ctx.services.sessions() as session, session.begin():
        settings.put(session, settings.PAUSED, value, by=ctx.who.name, now=ctx.services.clock())
    return RedirectResponse("/campaign?done=" + ("pause" if value else "resume"), 303)


def health(ctx: Ctx) -> Response:
    with ctx.services.sessions() as session:
        report = service_health(session)
        beats = heartbeats(session)
        failed = failed_messages(session)
    return ctx.render("health.html", title="สถานะระบบ", report=report, beats=beats, failed=failed)


def replay(ctx: Ctx) -> Response:
    """``process --message ID`` from the page."""
    message_id = int(ctx.request.path_params["message_id"])
    services = ctx.services
    outcome = process_message(services, message_id)
    with services.sessions() as session, session.begin():
        session.add(
            AuditEntry(
                at=services.clock(),
                actor=ctx.who.name,
                action="message.replay",
                target=f"message:{message_id}",
                details={"outcome": outcome},
            )
        )
    return RedirectResponse(f"/health?done=replay&outcome={quote(outcome)}", 303)


def audit(ctx: Ctx) -> Response:
    with ctx.services.sessions() as session:
        entries = audit_entries(session)
    return ctx.render("audit.html", title="บันทึกการใช้งาน", entries=entries)


def find(ctx: Ctx) -> Response:
    text = ctx.request.query_params.get("q", "")[:200]
    with ctx.services.sessions() as session:
        hits = search(session, text)
    return ctx.render("search.html", title="ค้นหา", q=text, hits=hits)


def _audit_download(ctx: Ctx, target: str, details: dict[str, object]) -> None:
    with ctx.services.sessions() as session, session.begin():
        session.add(
            AuditEntry(
                at=ctx.services.clock(),
                actor=ctx.who.name,
                action="web.download",
                target=target,
                details=details,
            )
        )


def download_file(ctx: Ctx) -> Response:
    """An attachment as received (or with number 0 the whole message, .eml), always as a
    download under a name made here, never shown inline."""
    message_id = int(ctx.request.path_params["message_id"])
    number = int(ctx.request.path_params["number"])
    try:
        with ctx.services.sessions() as session:
            digest, filename = message_attachment(session, message_id, number)
    except LookupError:
        return PlainTextResponse("ไม่พบไฟล์", 404)
    data = ctx.services.blobs.get(digest)
    name = save_name(f"M{message_id}", number, filename)
    _audit_download(ctx, f"message:{message_id}", {"number": number, "name": name})
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def download_report(ctx: Ctx) -> Response:
    """The xlsx report of ``export --format xlsx`` (``all=1``: every submission)."""
    everything = ctx.request.query_params.get("all") == "1"
    with ctx.services.sessions() as session:
        report = build_report(
            session, everything=everything, form_version=ctx.services.config.campaign.form_version
        )
    data = xlsx_bytes(report)
    stamp = ctx.services.clock().astimezone(BANGKOK).strftime("%Y%m%d-%H%M")
    name = f"onep-report-{stamp}.xlsx"
    _audit_download(ctx, "report:xlsx", {"all": everything, "name": name})
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def downloads(ctx: Ctx) -> Response:
    return ctx.render("downloads.html", title="ดาวน์โหลด")
