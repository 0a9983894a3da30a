"""Staff accounts: creating them, checking a password, and who signs a letter.

Passwords are hashed with argon2id (argon2-cffi, MIT; its default parameters, which follow
RFC 9106's second recommendation); a hash made with older parameters is re-made at the next
successful sign-in. Used by ``onep-inbox users`` (:mod:`app.cli`), the dashboard's sign-in, and
the review actions that mail an LAO in a person's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from core.enums import StaffRole
from core.errors import OnepInboxError
from storage.models import User

_HASHER = PasswordHasher()
MIN_PASSWORD = 10
"""Characters: a shorter password is refused."""


class UserError(OnepInboxError):
    """An account cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class Signature:
    """How a person signs a letter: the display name and the position, never the login."""

    name: str
    position: str


def add_user(
    session: Session,
    name: str,
    *,
    role: StaffRole,
    password: str | None,
    display_name: str | None,
    position: str,
    now: datetime,
) -> User:
    """Create an account; ``password`` None makes one without dashboard sign-in."""
    login = name.strip()
    if not login or any(char.isspace() for char in login) or len(login) > 200:
        raise UserError(f"ชื่อผู้ใช้ {name!r} ใช้ไม่ได้ / user name must be one word")
    if session.get(User, login) is not None:
        raise UserError(f"มีผู้ใช้ {login} อยู่แล้ว / user {login!r} exists")
    user = User(
        name=login,
        display_name=(display_name or login).strip(),
        position=position.strip(),
        role=StaffRole(role),
        password_hash=hash_password(password) if password is not None else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD} ตัวอักษร"
            f" / the password needs at least {MIN_PASSWORD} characters"
        )
    return _HASHER.hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The account when ``password`` is its password (and it is enabled), else None. The
    same work is done for an unknown name, so timing does not tell which names exist."""
    user = session.get(User, name.strip())
    stored = user.password_hash if user is not None else None
    try:
        _HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or user.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(stored):
        user.password_hash = _HASHER.hash(password)
    return user


def signature(session: Session, name: str) -> Signature | None:
    """How ``name`` (a ``--by`` name or a login) signs a letter, when there is such an account."""
    user = session.get(User, name.strip())
    if user is None:
        return None
    return Signature(user.display_name, user.position)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not the password of anyone")
