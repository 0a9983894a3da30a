"""closed vocabularies: a CHECK constraint on every status and kind column

Each column that holds a value of one of ``core.enums``' vocabularies admits exactly those
values. The lists are written out here (a migration is a snapshot of its day); the test
``tests/test_schema.py`` fails when ``core.enums`` gains a value that no migration admits yet.
SQLite cannot add a constraint to a table: Alembic's batch mode copies the table.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: (table, column, values, nullable)
CHECKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("messages", "state", ("stored", "processed", "failed"), False),
    ("messages", "kind", ("normal", "auto_reply", "bounce", "bulk"), True),
    (
        "messages",
        "outcome",
        ("forms", "no_form", "unreadable", "duplicate", "automatic", "too_large"),
        True,
    ),
    ("attachments", "role", ("form", "not_form", "unreadable", "duplicate", "skipped"), True),
    (
        "laos",
        "lao_type",
        (
            "pao",
            "city_municipality",
            "town_municipality",
            "subdistrict_municipality",
            "sao",
            "bangkok",
            "pattaya",
            "provincial_office",
        ),
        False,
    ),
    ("lao_addresses", "source", ("registry", "learned"), False),
    ("submissions", "status", ("accepted", "needs_review", "rejected", "superseded"), False),
    (
        "submission_readings",
        "status",
        ("accepted", "needs_review", "rejected", "superseded"),
        False,
    ),
    ("outbox", "status", ("pending", "sent", "failed", "suppressed"), False),
    (
        "review_items",
        "kind",
        ("unknown_sender", "uncertain_lao", "unreadable", "problems", "question"),
        False,
    ),
    ("review_items", "state", ("open", "resolved"), False),
    (
        "review_items",
        "resolution",
        ("accepted", "rejected", "answered", "closed", "auto_resolved"),
        True,
    ),
    ("reminders", "kind", ("reminder", "digest"), False),
)


def condition(column: str, values: tuple[str, ...], nullable: bool) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


def upgrade() -> None:
    tables: dict[str, list[tuple[str, tuple[str, ...], bool]]] = {}
    for table, column, values, nullable in CHECKS:
        tables.setdefault(table, []).append((column, values, nullable))
    for table, checks in tables.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values, nullable in checks:
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), condition(column, values, nullable)
                )


def downgrade() -> None:
    tables: dict[str, list[str]] = {}
    for table, column, _values, _nullable in CHECKS:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
