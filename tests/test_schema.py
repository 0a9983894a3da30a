"""The database admits only the values of core.enums, on SQLite and PostgreSQL, and an existing
database upgrades to the checked schema with its rows kept."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core import enums
from storage.db import MIGRATIONS, _alembic_config, make_engine, migrate

NOW = datetime(2021, 9, 28, 3, 0, tzinfo=UTC)
COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("messages", "state"): enums.MessageState,
    ("messages", "kind"): enums.MessageKind,
    ("messages", "outcome"): enums.Outcome,
    ("attachments", "role"): enums.AttachmentRole,
    ("laos", "lao_type"): enums.LaoType,
    ("lao_addresses", "source"): enums.AddressSource,
    ("submissions", "status"): enums.SubmissionStatus,
    ("submission_readings", "status"): enums.SubmissionStatus,
    ("outbox", "status"): enums.OutboxStatus,
    ("review_items", "kind"): enums.ReviewKind,
    ("review_items", "state"): enums.ReviewState,
    ("review_items", "resolution"): enums.Resolution,
    ("reminders", "kind"): enums.RoundKind,
    ("users", "role"): enums.StaffRole,
}


def _migration(name: str) -> ModuleType:
    path = MIGRATIONS / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_vocabulary_is_admitted_by_a_migration() -> None:
    """Adding a value to an enum needs a migration that widens its CHECK constraint."""
    admitted: dict[tuple[str, str], set[str]] = {}
    for name in ("0004_checks.py", "0006_trust.py"):  # later revisions widen earlier ones
        for table, column, values, _ in _migration(name).CHECKS:
            admitted[(table, column)] = set(values)
    admitted[("users", "role")] = set(_migration("0005_users.py").ROLES)
    for key, vocabulary in COLUMNS.items():
        assert admitted[key] == {value.value for value in vocabulary}, key


def test_the_models_carry_the_same_checks() -> None:
    from storage.models import Base

    named = {
        (table.name, constraint.name)
        for table in Base.metadata.tables.values()
        for constraint in table.constraints
        if constraint.__class__.__name__ == "CheckConstraint"
    }
    assert {(table, f"ck_{table}_{column}") for table, column in COLUMNS} <= {
        (table, str(name)) for table, name in named
    }


def _message(connection: object, state: str, sha: str = "a" * 64) -> None:
    connection.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO messages (sha256, size, received_at, stored_at, state, attempts)"
            " VALUES (:sha, 1, :now, :now, :state, 0)"
        ),
        {"sha": sha, "now": NOW.replace(tzinfo=None), "state": state},
    )


def test_a_value_outside_the_vocabulary_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            for index, state in enumerate(enums.MessageState):
                _message(connection, state.value, sha=str(index) * 64)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _message(connection, "done", sha="f" * 64)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO laos (code, name, name_key, lao_type, province, synthetic)"
                    " VALUES ('6000001', 'x', 'x', 'village', 'น่าน', false)"
                )
            )
    finally:
        engine.dispose()


def test_an_existing_database_upgrades_with_its_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        command.upgrade(_alembic_config(engine), "0003")
        with engine.begin() as connection:
            _message(connection, "processed")
            connection.execute(
                text(
                    "INSERT INTO attachments (message_id, part_path, sha256, size, role)"
                    " VALUES (1, '2', :sha, 10, 'form')"
                ),
                {"sha": "b" * 64},
            )
        migrate(engine)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM attachments")).scalar() == 1
            assert connection.execute(text("SELECT state FROM messages")).scalar() == "processed"
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE attachments SET role = 'cover_letter'"))
    finally:
        engine.dispose()


def test_0006_turns_name_slots_into_positions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        command.upgrade(_alembic_config(engine), "0004")
        with engine.begin() as connection:
            _message(connection, "processed")
            _message(connection, "processed", sha="c" * 64)
            for message_id, part, sha in ((1, "2", "b"), (1, "3", "d"), (2, "2", "e")):
                connection.execute(
                    text(
                        "INSERT INTO attachments (message_id, part_path, sha256, size, role)"
                        " VALUES (:m, :p, :sha, 10, 'form')"
                    ),
                    {"m": message_id, "p": part, "sha": sha * 64},
                )
            for message_id, slot, attachment in (
                (1, "form:ตำบลบางแขม|นครปฐม", 2),  # the second file of message 1
                (1, "form:ตำบลตาก้อง|นครปฐม", 1),
                (2, "file:" + "e" * 32, 3),
            ):
                connection.execute(
                    text(
                        "INSERT INTO submissions (message_id, slot, attachment_id, form_version,"
                        " status, fields, provenance, problems, identification, received_at,"
                        " reading_no, created_at, updated_at) VALUES (:m, :slot, :a, '2564.1',"
                        " 'accepted', '{}', '{}', '[]', '{}', :now, 1, :now, :now)"
                    ),
                    {
                        "m": message_id,
                        "slot": slot,
                        "a": attachment,
                        "now": NOW.replace(tzinfo=None),
                    },
                )
        migrate(engine)
        with engine.begin() as connection:
            slots = connection.execute(
                text("SELECT message_id, attachment_id, slot FROM submissions ORDER BY id")
            ).all()
            assert [tuple(row) for row in slots] == [
                (1, 2, "pos:2"),
                (1, 1, "pos:1"),
                (2, 3, "pos:1"),
            ]
            kinds = connection.execute(text("SELECT count(*) FROM heartbeats")).scalar()
            assert kinds == 0
        with engine.begin() as connection:
            connection.execute(text("UPDATE messages SET kind = 'receipt', outcome = 'redelivery'"))
    finally:
        engine.dispose()
