"""Access on every request: security headers, the sign-in gate, and the guarded route.

* :class:`SecurityHeaders` adds CSP (``default-src 'self'``: every asset is ours, no remote
  content), ``frame-ancestors 'none'``, nosniff and a referrer policy to every response.
* :class:`SignInGate` refuses every path but the public ones (:data:`PUBLIC`) without a live
  session: a GET goes to the sign-in page, anything else gets 403. Default deny: a route added
  to the table is behind sign-in whether or not its author thought of it.
* :class:`GuardedRoute` is how the route table names a page: its permission (checked by the
  policy, :mod:`web.access`) and, for a POST, the session's CSRF token in the form. The page's
  handler is plain synchronous code run in a worker thread, given a :class:`Ctx`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import WebConfig
from core.enums import StaffRole
from ingest.services import Services
from storage.websessions import find
from web import access
from web.access import Permission, Policy, Principal
from web.memo import Memo

SESSION_COOKIE: Final = "onep_session"
LOGIN_COOKIE: Final = "onep_login_csrf"
PUBLIC: Final = ("/login", "/healthz")
PUBLIC_PREFIXES: Final = ("/static/",)
CSP: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS: Final = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


@dataclass(frozen=True)
class WebState:
    """What every page needs, built once by :func:`web.app.create_app`."""

    services: Services
    config: WebConfig
    templates: Environment
    policy: Policy = access.DEFAULT_POLICY
    memo: Memo = field(default_factory=Memo)


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def secure_request(request: Request | Scope, config: WebConfig) -> bool:
    """Whether cookies should be Secure: over TLS, directly or through a trusted proxy."""
    if config.secure_cookies != "auto":
        return config.secure_cookies == "always"
    scope = request.scope if isinstance(request, Request) else request
    if str(scope.get("scheme")) == "https":
        return True
    if config.trust_forwarded_proto:
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1")
        return proto.split(",")[0].strip().lower() == "https"
    return False


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in HEADERS if h[0] not in present)
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class SignInGate:
    """Sets ``request.state.principal`` and ``request.state.csrf`` from the session cookie,
    or refuses the request (see the module docstring)."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(SESSION_COOKIE, "")
        signed = await run_in_threadpool(self._lookup, token) if token else None
        if signed is None:
            response: Response
            if scope["method"] in ("GET", "HEAD"):
                target = scope["path"] + (
                    "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
                )
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            else:
                response = PlainTextResponse("ต้องเข้าสู่ระบบก่อน / sign in first", 403)
            await response(scope, receive, send)
            return
        principal, csrf = signed
        scope.setdefault("state", {})
        scope["state"]["principal"] = principal
        scope["state"]["csrf"] = csrf
        await self.app(scope, receive, send)

    def _lookup(self, token: str) -> tuple[Principal, str] | None:
        services = self.state.services
        with services.sessions() as session, session.begin():
            found = find(
                session,
                token,
                now=services.clock(),
                idle=timedelta(minutes=self.state.config.idle_minutes),
            )
        if found is None:
            return None
        principal = Principal(found.user, found.display_name, StaffRole(found.role))
        return principal, found.csrf_token


@dataclass(frozen=True)
class Ctx:
    """One request as a page handler sees it."""

    request: Request
    who: Principal
    csrf: str
    web: WebState
    form: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return self.web.services

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default

    def can(self, permission: Permission) -> bool:
        return self.web.policy.allows(self.who, permission)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        page = self.web.templates.get_template(template).render(
            who=self.who,
            csrf=self.csrf,
            can={p.value: self.can(p) for p in Permission},
            path=self.request.url.path,
            done=self.request.query_params.get("done"),
            **context,
        )
        return HTMLResponse(page, status_code=status_code)


Handler = Callable[[Ctx], Response]


class GuardedRoute(Route):
    """A page behind the policy: ``permission`` for ``scope`` (a province page is about its
    province), and for POST the CSRF token."""

    def __init__(
        self,
        path: str,
        handler: Handler,
        permission: Permission,
        *,
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
    ) -> None:
        self.permission = permission
        self.handler = handler

        async def endpoint(request: Request) -> Response:
            web: WebState = request.app.state.web
            who: Principal | None = getattr(request.state, "principal", None)
            csrf: str = getattr(request.state, "csrf", "")
            if who is None:
                return PlainTextResponse("ต้องเข้าสู่ระบบก่อน / sign in first", 403)
            scope = access.Scope(request.path_params.get("province"))
            if not web.policy.allows(who, permission, scope):
                return PlainTextResponse("ไม่มีสิทธิ์ / not allowed for your role", 403)
            form: dict[str, list[str]] = {}
            if request.method == "POST":
                data = await request.form()
                sent = data.get("csrf")
                if not isinstance(sent, str) or not secrets.compare_digest(sent, csrf):
                    return PlainTextResponse("CSRF token ไม่ถูกต้อง / bad CSRF token", 403)
                for key, value in data.multi_items():
                    if isinstance(value, str):
                        form.setdefault(key, []).append(value)
            ctx = Ctx(request, who, csrf, web, form)
            return await run_in_threadpool(handler, ctx)

        super().__init__(path, endpoint, methods=list(methods), name=name or handler.__name__)
