"""Dashboard sessions kept in the database (``web_sessions``): made at sign-in, looked up on
every request, ended at sign-out or when they expire. The cookie carries a random token; the
table keeps only its sha256. Used by :mod:`web.sessions`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import User, WebSession


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a session belongs to, and the CSRF token its forms carry."""

    user: str
    display_name: str
    role: str
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, user: str, *, now: datetime, lifetime: timedelta) -> tuple[str, str]:
    """A new session for ``user``: (the cookie's token, the CSRF token). The caller commits."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_sha256=_digest(token),
            user_name=user,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.flush()
    return token, csrf


def find(session: Session, token: str, *, now: datetime, idle: timedelta) -> SignedIn | None:
    """The live session of ``token``, its idle time renewed; None when there is none, it
    expired, or its user was disabled. The caller commits."""
    if not token:
        return None
    row = session.execute(
        select(WebSession, User)
        .join(User, User.name == WebSession.user_name)
        .where(WebSession.token_sha256 == _digest(token))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= now or web.last_seen_at + idle <= now or user.disabled_at is not None:
        session.delete(web)
        return None
    if (now - web.last_seen_at).total_seconds() > 60:
        web.last_seen_at = now
    return SignedIn(user.name, user.display_name, user.role, web.csrf_token)


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_sha256 == _digest(token)))
