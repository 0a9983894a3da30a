"""Database tables (SQLAlchemy 2 declarative). Alembic migrations in ``storage/migrations``.

One row per thing a person would name: a received message and where it sits on the server, each
attachment, each submission (with its earlier readings), each LAO and its addresses, each queued
outgoing mail, each poll, each staff action. Units of work are rows with a state (``messages.state``,
``outbox.status``) so that several processes can later claim them (roadmap: SKIP LOCKED leases).

Datetimes are stored in UTC and come back timezone-aware; JSON is JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.enums import (
    AddressSource,
    AttachmentRole,
    LaoType,
    MessageKind,
    MessageState,
    OutboxStatus,
    Outcome,
    Resolution,
    ReviewKind,
    ReviewState,
    RoundKind,
    StaffRole,
    SubmissionStatus,
    check_sql,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend: stored as UTC, returned with tzinfo=UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given to the database: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Message(Base):
    """One received message, identified by the sha256 of its bytes (the raw file's name)."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(check_sql("state", MessageState), name="state"),
        CheckConstraint(check_sql("kind", MessageKind, nullable=True), name="kind"),
        CheckConstraint(check_sql("outcome", Outcome, nullable=True), name="outcome"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    header_message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str | None] = mapped_column(String(20))
    """normal | auto_reply | bounce | bulk (RFC 3834 / RFC 3464), set by *classify*."""
    state: Mapped[str] = mapped_column(String(20), default=MessageState.STORED, index=True)
    """stored (waiting to be processed) | processed | failed."""
    outcome: Mapped[str | None] = mapped_column(String(40))
    """What processing found: forms | no_form | unreadable | duplicate | automatic | ..."""
    failed_stage: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    linked_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", use_alter=True), nullable=True
    )
    """The submission this message answers (In-Reply-To our mail, or its receipt number)."""
    # Migration 0006 (issue 12):
    core_sha256: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    """sha256 of the message without its trace headers (Received, Return-Path, Delivered-To,
    X-Spam-*, Authentication-Results ...): the same message delivered twice has the same one."""
    auth: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    """What our receiving server's Authentication-Results said: spf, dkim, dmarc (pass, fail,
    none ...), the From domain and the server that said it (:mod:`ingest.authresults`)."""
    reply_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why no automatic answer was sent, when none was (automatic mail, a question in one of
    our threads, an address that cannot be answered ...)."""

    locations: Mapped[list[MessageLocation]] = relationship(back_populates="message")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )


class MessageLocation(Base):
    """Where a message was seen: (mailbox, UIDVALIDITY, UID or Maildir key). The ingestion key."""

    __tablename__ = "message_locations"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "item"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    item: Mapped[str] = mapped_column(String(255))
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    marked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the server-side mark (keyword or move) was done; NULL = still to do."""

    message: Mapped[Message] = relationship(back_populates="locations")


class Attachment(Base):
    """One file found in a message (nested messages and zips included), stored by hash."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("message_id", "part_path"),
        CheckConstraint(check_sql("role", AttachmentRole, nullable=True), name="role"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    part_path: Mapped[str] = mapped_column(String(500))
    """Where in the message: MIME part numbers, then ``!member`` inside archives."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(Text)
    """The sender's name for the file: shown to people, never used as a path."""
    content_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(20))
    """form | not_form | unreadable | duplicate | skipped."""
    note: Mapped[str | None] = mapped_column(Text)
    duplicate_of_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", use_alter=True), nullable=True
    )

    message: Mapped[Message] = relationship(back_populates="attachments")


class Lao(Base):
    """A local administrative organisation, or a provincial office (``lao_type`` provincial_office)."""

    __tablename__ = "laos"
    __table_args__ = (CheckConstraint(check_sql("lao_type", LaoType), name="lao_type"),)

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    """Type and place name without spacing or short forms (:func:`core.laonames.key`)."""
    lao_type: Mapped[str] = mapped_column(String(30), index=True)
    province: Mapped[str] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    subdistrict: Mapped[str | None] = mapped_column(String(100))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    addresses: Mapped[list[LaoAddress]] = relationship(back_populates="lao")


class LaoAddress(Base):
    """An email address known to belong to an LAO: from the registry, or learned from a review."""

    __tablename__ = "lao_addresses"
    __table_args__ = (
        UniqueConstraint("address", "lao_code"),
        CheckConstraint(check_sql("source", AddressSource), name="source"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(320), index=True)
    lao_code: Mapped[str] = mapped_column(ForeignKey("laos.code"), index=True)
    source: Mapped[str] = mapped_column(String(20), default=AddressSource.REGISTRY)
    """registry | learned."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)

    lao: Mapped[Lao] = relationship(back_populates="addresses")
    failing_reason: Mapped[str | None] = mapped_column(Text)
    """Why the address is failing: the bounce's status and diagnostic (outbound.bounces)."""
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Confirmed hard bounces since the address last worked (migration 0006): failing from two,
    or from one with a 5.1.x status (:mod:`outbound.bounces`)."""


class Submission(Base):
    """One LAO's report as read from one message (the same form in several formats is one)."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(check_sql("status", SubmissionStatus), name="status"),
        UniqueConstraint("message_id", "slot"),
        Index("ix_submissions_lao_version", "lao_code", "form_version"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    receipt_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    slot: Mapped[str] = mapped_column(String(300))
    """Which form within the message: its position (``pos:1`` ...), so a re-read finds its row
    whatever it reads now (migration 0006; earlier, the LAO name as read)."""
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    lao_code: Mapped[str | None] = mapped_column(ForeignKey("laos.code"), index=True)
    form_version: Mapped[str] = mapped_column(String(20))
    format: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    """accepted | needs_review | rejected | superseded."""
    fields: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    identification: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    confidence: Mapped[float | None] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    reading_no: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    message: Mapped[Message] = relationship(foreign_keys=[message_id])
    attachment: Mapped[Attachment | None] = relationship(foreign_keys=[attachment_id])
    lao: Mapped[Lao | None] = relationship()
    # Migration 0002 (review queue):
    reviewed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The reviewer whose decision (accept or reject) set the status; a re-read keeps it."""
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SubmissionReading(Base):
    """An earlier reading of a submission, kept when ``process`` re-reads it."""

    __tablename__ = "submission_readings"
    __table_args__ = (CheckConstraint(check_sql("status", SubmissionStatus), name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    reading_no: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    lao_code: Mapped[str | None] = mapped_column(String(8))
    format: Mapped[str | None] = mapped_column(String(20))
    fields: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    identification: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class OutboxMail(Base):
    """One queued outgoing message to one address. Drained by ``send``."""

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint(check_sql("status", OutboxStatus), name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    """Why this mail exists; a second queueing for the same reason is a no-op."""
    kind: Mapped[str] = mapped_column(String(30), index=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    lao_code: Mapped[str | None] = mapped_column(String(8), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    cause_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    header_message_id: Mapped[str] = mapped_column(String(300), index=True)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    auto_submitted_kind: Mapped[str | None] = mapped_column(String(20))
    """auto-replied | auto-generated | None (a person's mail, e.g. a reviewer's answer)."""
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING, index=True)
    """pending | sent | failed (permanent) | suppressed (loop guard)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When a delivery-status report said this mail could not be delivered (outbound.bounces)."""
    bounce_status: Mapped[str | None] = mapped_column(String(20))
    """The report's status code (RFC 3463), e.g. ``5.1.1``."""
    bounce_diagnostic: Mapped[str | None] = mapped_column(Text)
    bounce_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    """The received message that reported the bounce."""


class Heartbeat(Base):
    """How a recurring job last went (poll, send, remind, monitor): for ``status`` and for the
    monitoring mail to staff (migration 0006). One row per job name."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """The first failure since the last success; None while the job works."""
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Failures in a row since the last success."""


class Poll(Base):
    """One run of *fetch* against the mailbox, for ``status`` and alerting."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Who did what, when (``--by``), for every staff action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class ReviewItem(Base):
    """Something that waits for a person (``onep-inbox review``), one row per cause.

    ``cause_key`` names the cause (``submission:<id>`` or ``question:<message id>``), so that
    re-processing a message finds its item instead of opening a second one. Kinds: unknown_sender,
    uncertain_lao, unreadable, problems (a submission in needs_review), question (mail from a
    person that carried no form). Every action on it is also in ``audit_log``.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(check_sql("kind", ReviewKind), name="kind"),
        CheckConstraint(check_sql("state", ReviewState), name="state"),
        CheckConstraint(check_sql("resolution", Resolution, nullable=True), name="resolution"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    cause_key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ReviewState.OPEN, index=True)
    """open | resolved."""
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id"), index=True, nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why a person must look, in Thai, as shown in ``review list``."""
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    """The LAOs the evidence could mean (code, name, district, province, what agrees)."""
    assigned_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(30), nullable=True)
    """accepted | rejected | answered | closed | auto_resolved (the cause went away)."""
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    message: Mapped[Message] = relationship(foreign_keys=[message_id])
    submission: Mapped[Submission | None] = relationship(foreign_keys=[submission_id])


class Reminder(Base):
    """One reminder round (or weekly digest) queued for one LAO (or สถจ.): the schedule's memory.

    ``(lao_code, round_key)`` is unique, so queueing a round twice is a no-op; the rows of an LAO
    say how many reminders it had and when the last went (``reminder_max``, the minimum
    interval). Written by :mod:`outbound.reminders` in the transaction that queues the mails.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("lao_code", "round_key"),
        CheckConstraint(check_sql("kind", RoundKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    lao_code: Mapped[str] = mapped_column(ForeignKey("laos.code"), index=True)
    round_key: Mapped[str] = mapped_column(String(40))
    """``before-3``, ``after-7`` (reminders) or ``digest-2`` (the third weekly digest)."""
    kind: Mapped[str] = mapped_column(String(20))
    """reminder | digest."""
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    addresses: Mapped[list[str]] = mapped_column(Json, default=list)
    """Where it went (the non-failing addresses at that moment)."""


class User(Base):
    """A staff account: who signs in to the dashboard and who acts with ``--by``.

    ``name`` is the login and the name the audit log records; ``display_name`` and ``position``
    sign the letters the person sends (never the login name). ``password_hash`` is argon2
    (None: no dashboard sign-in yet, CLI actions only).
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_sql("role", StaffRole), name="role"),)

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebSession(Base):
    """A signed-in dashboard session (migration 0007). The cookie carries a random token; only
    its sha256 is stored, so a copy of the database signs nobody in. ``csrf_token`` is what every
    form of the session must send back."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Correction(Base):
    """A reviewer's correction of one value of a submission (migration 0007). The value read
    stays in ``submissions.fields``; exports and the dashboard show the newest correction."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    field: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(Json, nullable=True)
    """The corrected value, typed as the form's field is (number, text, date as ISO, bool)."""
    read_value: Mapped[Any] = mapped_column(Json, nullable=True)
    """What was read, at the time of the correction."""
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Setting(Base):
    """A setting staff change at run time (migration 0007), e.g. ``campaign.paused`` from the
    dashboard's pause switch. ``value`` is JSON."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(Json, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
