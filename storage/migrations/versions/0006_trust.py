"""trust: automatic kinds, redeliveries, authentication results, confirmed bounces, heartbeats

* ``messages.kind`` admits ``receipt``, ``feedback``, ``calendar``, ``own``; ``messages.outcome``
  admits ``redelivery`` and ``unsupported`` (the CHECK constraints of 0004, widened).
* ``messages.core_sha256`` (the message without its trace headers: a second delivery of the same
  mail is known by it), ``messages.auth`` (SPF, DKIM, DMARC as our server recorded them),
  ``messages.reply_note`` (why no automatic answer went out).
* ``lao_addresses.hard_bounces``: an address fails after two confirmed hard bounces (or one 5.1.x).
* ``heartbeats``: how poll, send, remind and the monitor last went (``status``, alerts to staff).
* ``submissions.slot`` becomes the form's position in its message (``pos:1``, ``pos:2`` ... in the
  order of the files the forms were read from), no longer the LAO name as read, so a re-read after
  a parser change finds its submission whatever name it reads now.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The CHECK constraints this revision widens: (table, column, values, nullable).
CHECKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    (
        "messages",
        "kind",
        ("normal", "auto_reply", "bounce", "bulk", "receipt", "feedback", "calendar", "own"),
        True,
    ),
    (
        "messages",
        "outcome",
        (
            "forms",
            "no_form",
            "unreadable",
            "duplicate",
            "automatic",
            "too_large",
            "redelivery",
            "unsupported",
        ),
        True,
    ),
)
OLD_CHECKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("messages", "kind", ("normal", "auto_reply", "bounce", "bulk"), True),
    (
        "messages",
        "outcome",
        ("forms", "no_form", "unreadable", "duplicate", "automatic", "too_large"),
        True,
    ),
)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def condition(column: str, values: tuple[str, ...], nullable: bool) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


def _replace_checks(checks: tuple[tuple[str, str, tuple[str, ...], bool], ...]) -> None:
    with op.batch_alter_table("messages") as batch_op:
        for table, column, values, nullable in checks:
            assert table == "messages"
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_{column}"), condition(column, values, nullable)
            )


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("core_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("auth", _JSON, nullable=True))
        batch_op.add_column(sa.Column("reply_note", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_core_sha256"), ["core_sha256"])
    _replace_checks(CHECKS)
    with op.batch_alter_table("lao_addresses") as batch_op:
        batch_op.add_column(
            sa.Column("hard_bounces", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeats")),
    )
    _positional_slots()


def _positional_slots() -> None:
    """``form:<name>|<province>`` / ``file:<sha>`` -> ``pos:N``, N in the order of the files
    (attachment rows are created in the message's order) the submissions were read from."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.message_id FROM submissions s"
            " LEFT JOIN attachments a ON a.id = s.attachment_id"
            " ORDER BY s.message_id, a.id, s.id"
        )
    ).all()
    position: dict[int, int] = {}
    for submission_id, message_id in rows:
        position[message_id] = position.get(message_id, 0) + 1
        bind.execute(
            sa.text("UPDATE submissions SET slot = :slot WHERE id = :id"),
            {"slot": f"pos:{position[message_id]}", "id": submission_id},
        )


def downgrade() -> None:
    op.drop_table("heartbeats")
    with op.batch_alter_table("lao_addresses") as batch_op:
        batch_op.drop_column("hard_bounces")
    _replace_checks(OLD_CHECKS)
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_core_sha256"))
        batch_op.drop_column("reply_note")
        batch_op.drop_column("auth")
        batch_op.drop_column("core_sha256")
