"""Who may do what: roles, permissions and scopes, decided in one policy object.

Every route names the permission it needs (:mod:`web.app`'s route table); the pages never test
roles themselves. A scope is what a page is about: the whole country, or one province
(roadmap: a provincial office will get a read-only link to its own province's page; such a
principal is scoped to that province and the policy refuses it everything else).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from core.enums import StaffRole


class Permission(StrEnum):
    VIEW = "view"
    """Read the campaign's pages, download reports and attachments."""
    REVIEW = "review"
    """Decide review items: assign, correct, accept, reject, answer, close; replay a message."""
    OPERATE = "operate"
    """Mail and the campaign: clear failing addresses, retry failed mail, pause reminders."""
    AUDIT = "audit"
    """Read the audit log."""


GRANTS: Final[dict[StaffRole, frozenset[Permission]]] = {
    StaffRole.VIEWER: frozenset({Permission.VIEW}),
    StaffRole.REVIEWER: frozenset({Permission.VIEW, Permission.REVIEW}),
    StaffRole.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What a request is about: ``province`` None is the whole country."""

    province: str | None = None

    @property
    def national(self) -> bool:
        return self.province is None


NATION: Final = Scope()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in account, with the scope it may see."""

    name: str
    display_name: str
    role: StaffRole
    scope: Scope = NATION


@dataclass(frozen=True, slots=True)
class Policy:
    """The one place that says yes or no."""

    grants: dict[StaffRole, frozenset[Permission]]

    def allows(self, who: Principal, permission: Permission, scope: Scope = NATION) -> bool:
        if permission not in self.grants.get(who.role, frozenset()):
            return False
        if who.scope.national:
            return True
        return scope.province == who.scope.province

    def permissions(self, who: Principal) -> frozenset[Permission]:
        return self.grants.get(who.role, frozenset())


DEFAULT_POLICY: Final = Policy(GRANTS)
