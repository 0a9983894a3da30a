"""One LAO: every mail in and out, every form it sent over time, and each value of a form
with where it was read (sheet and cell, page, OCR line) and how sure the reading is."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from staff.review_show import field_labels
from storage.dashboard import lao_history
from web.guard import Ctx


def lao(ctx: Ctx) -> Response:
    code = ctx.request.path_params["code"]
    with ctx.services.sessions() as session:
        history = lao_history(session, code)
        if history is None:
            return PlainTextResponse(f"ไม่พบ อปท. รหัส {code}", 404)
        labels = field_labels(ctx.services.config.campaign.form_version)
        return ctx.render(
            "lao.html",
            title=history.lao.name,
            h=history,
            labels=labels,
        )
