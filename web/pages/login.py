"""Signing in and out. The sign-in form (``username``, ``password``) carries its own CSRF
token, kept in a short-lived cookie until the session exists (double submit); after that the
session's token guards every form. Every sign-in, failed sign-in and sign-out is audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from storage.models import AuditEntry
from storage.users import authenticate
from storage.websessions import end, start
from web.guard import LOGIN_COOKIE, SESSION_COOKIE, Ctx, WebState, secure_request


def _safe_next(target: str | None) -> str:
    """Only a path of ours: never another site (``//evil``, ``https://...``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(request: Request, web: WebState, *, error: str | None, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    page = web.templates.get_template("login.html").render(
        csrf=token, error=error, next=_safe_next(request.query_params.get("next"))
    )
    response = HTMLResponse(page, status_code=status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=1800,
        httponly=True,
        samesite="strict",
        secure=secure_request(request, web.config),
        path="/login",
    )
    return response


async def login(request: Request) -> Response:
    web: WebState = request.app.state.web
    if request.method != "POST":
        return _form(request, web, error=None, status=200)
    data = await request.form()
    sent, expected = data.get("csrf"), request.cookies.get(LOGIN_COOKIE, "")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        return PlainTextResponse("CSRF token ไม่ถูกต้อง / bad CSRF token: reload the page", 403)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return _form(request, web, error="กรอกชื่อผู้ใช้และรหัสผ่าน", status=400)
    token = await run_in_threadpool(_sign_in, web, username, password)
    if token is None:
        return _form(request, web, error="ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", status=401)
    target = data.get("next")
    response = RedirectResponse(_safe_next(target if isinstance(target, str) else None), 303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=web.config.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_request(request, web.config),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _sign_in(web: WebState, username: str, password: str) -> str | None:
    services = web.services
    now = services.clock()
    with services.sessions() as session, session.begin():
        user = authenticate(session, username, password)
        if user is None:
            session.add(
                AuditEntry(
                    at=now,
                    actor=username.strip()[:200] or "-",
                    action="web.login_failed",
                    target=None,
                    details={},
                )
            )
            return None
        token, _csrf = start(
            session, user.name, now=now, lifetime=timedelta(hours=web.config.session_hours)
        )
        session.add(AuditEntry(at=now, actor=user.name, action="web.login", details={}))
    return token


def logout(ctx: Ctx) -> Response:
    services = ctx.services
    with services.sessions() as session, session.begin():
        end(session, ctx.request.cookies.get(SESSION_COOKIE, ""))
        session.add(
            AuditEntry(at=services.clock(), actor=ctx.who.name, action="web.logout", details={})
        )
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
