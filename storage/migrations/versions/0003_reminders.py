"""reminders and bounces

The campaign schedule's memory (``reminders``: one row per LAO and round, unique), and where
bounces are recorded: on the outbox row that bounced (``bounced_at``, ``bounce_status``,
``bounce_diagnostic``, ``bounce_message_id``) and on the address (``failing_reason`` beside the
existing ``failing_since``). A message that answers one of our mails (by In-Reply-To or the
receipt number in its subject) is linked to that submission (``messages.linked_submission_id``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("lao_code", sa.String(length=8), nullable=False),
        sa.Column("round_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "addresses",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["lao_code"], ["laos.code"], name=op.f("fk_reminders_lao_code_laos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("lao_code", "round_key", name=op.f("uq_reminders_lao_code_round_key")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_lao_code"), ["lao_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_queued_at"), ["queued_at"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bounce_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("bounce_diagnostic", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("bounce_message_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_bounce_message_id_messages"),
            "messages",
            ["bounce_message_id"],
            ["id"],
        )

    with op.batch_alter_table("lao_addresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_submission_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_linked_submission_id_submissions"),
            "submissions",
            ["linked_submission_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_messages_linked_submission_id_submissions"), type_="foreignkey"
        )
        batch_op.drop_column("linked_submission_id")

    with op.batch_alter_table("lao_addresses", schema=None) as batch_op:
        batch_op.drop_column("failing_reason")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_bounce_message_id_messages"), type_="foreignkey"
        )
        batch_op.drop_column("bounce_message_id")
        batch_op.drop_column("bounce_diagnostic")
        batch_op.drop_column("bounce_status")
        batch_op.drop_column("bounced_at")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_queued_at"))
        batch_op.drop_index(batch_op.f("ix_reminders_lao_code"))
    op.drop_table("reminders")
