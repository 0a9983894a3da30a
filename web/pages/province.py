"""A province: its standing and each of its LAOs with status, last contact, reminders sent and
failing addresses. The page's scope is the province (the policy decides who may see it)."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from storage.dashboard import progress, province_laos
from web.guard import Ctx

FILTERS = {
    "all": "ทั้งหมด",
    "missing": "ยังไม่ส่ง",
    "needs_review": "รอตรวจสอบ",
    "accepted": "รับแล้ว",
}


def province(ctx: Ctx) -> Response:
    name = ctx.request.path_params["province"]
    show = ctx.request.query_params.get("show", "all")
    if show not in FILTERS:
        show = "all"
    with ctx.services.sessions() as session:
        rows, total = progress(session, province=name)
        laos = province_laos(session, name)
    if not rows:
        return PlainTextResponse(f"ไม่พบจังหวัด {name}", 404)
    if show == "missing":
        laos = [lao for lao in laos if lao.status not in ("accepted", "needs_review")]
    elif show != "all":
        laos = [lao for lao in laos if lao.status == show]
    return ctx.render(
        "province.html",
        title=f"จังหวัด{name}",
        province=name,
        total=total,
        laos=laos,
        filters=FILTERS,
        show=show,
    )
