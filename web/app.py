"""The dashboard's application and its route table.

:data:`ROUTES` is the whole surface: every page, the permission it needs (:mod:`web.access`)
and its methods. Public are only the sign-in page, the static assets and the health probe
(:data:`web.guard.PUBLIC`); everything else is refused without a session by
:class:`~web.guard.SignInGate` and checked against the policy by
:class:`~web.guard.GuardedRoute`. ``tests/test_web.py`` requests every route of this table
without a session, so a route added here cannot be left open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ingest.services import Services
from web.access import DEFAULT_POLICY, Permission, Policy
from web.guard import GuardedRoute, SecurityHeaders, SignInGate, WebState
from web.pages import lao, login, operations, overview, province, review

STATIC: Final = Path(__file__).parent / "static"
VIEW, REVIEW, OPERATE, AUDIT = (
    Permission.VIEW,
    Permission.REVIEW,
    Permission.OPERATE,
    Permission.AUDIT,
)
POST: Final = ("POST",)


async def healthz(request: Request) -> Response:
    """The probe for a load balancer or systemd: the database answers. Says nothing else."""
    web: WebState = request.app.state.web

    def ping() -> bool:
        try:
            with web.services.sessions() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy", said as 503
            return False

    healthy = await run_in_threadpool(ping)
    return PlainTextResponse("ok" if healthy else "database unavailable", 200 if healthy else 503)


ROUTES: Final[list[BaseRoute]] = [
    Route("/login", login.login, methods=["GET", "POST"], name="login"),
    Route("/healthz", healthz, name="healthz"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
    GuardedRoute("/logout", login.logout, VIEW, methods=POST),
    GuardedRoute("/", overview.overview, VIEW),
    GuardedRoute("/province/{province}", province.province, VIEW),
    GuardedRoute("/lao/{code}", lao.lao, VIEW),
    GuardedRoute("/review", review.queue, VIEW),
    GuardedRoute("/review/{ref}", review.item, VIEW),
    GuardedRoute("/review/{ref}/file/{number:int}", review.view_file, VIEW),
    GuardedRoute("/review/{ref}/file/{number:int}/page/{page:int}.png", review.file_image, VIEW),
    GuardedRoute("/review/{ref}/assign", review.assign, REVIEW, methods=POST),
    GuardedRoute("/review/{ref}/correct", review.correct, REVIEW, methods=POST),
    GuardedRoute("/review/{ref}/accept", review.accept, REVIEW, methods=POST),
    GuardedRoute("/review/{ref}/reject", review.reject, REVIEW, methods=POST),
    GuardedRoute("/review/{ref}/answer", review.answer, REVIEW, methods=POST),
    GuardedRoute("/review/{ref}/close", review.close, REVIEW, methods=POST),
    GuardedRoute("/mail", operations.mail, VIEW),
    GuardedRoute("/mail/clear", operations.clear_address, OPERATE, methods=POST),
    GuardedRoute("/mail/retry", operations.retry_mail, OPERATE, methods=POST),
    GuardedRoute("/campaign", operations.campaign, VIEW),
    GuardedRoute("/campaign/pause", operations.pause, OPERATE, methods=POST),
    GuardedRoute("/health", operations.health, VIEW),
    GuardedRoute("/health/replay/{message_id:int}", operations.replay, REVIEW, methods=POST),
    GuardedRoute("/search", operations.find, VIEW),
    GuardedRoute("/downloads", operations.downloads, VIEW),
    GuardedRoute("/downloads/report.xlsx", operations.download_report, VIEW),
    GuardedRoute(
        "/downloads/message/{message_id:int}/{number:int}", operations.download_file, VIEW
    ),
    GuardedRoute("/audit", operations.audit, AUDIT),
]


def create_app(services: Services, *, policy: Policy = DEFAULT_POLICY) -> Starlette:
    """The dashboard on ``services`` (the caller keeps and closes them)."""
    from web.render import environment

    state = WebState(
        services=services, config=services.config.web, templates=environment(), policy=policy
    )
    app = Starlette(
        routes=list(ROUTES),
        middleware=[Middleware(SecurityHeaders), Middleware(SignInGate, state=state)],
    )
    app.state.web = state
    return app
