"""Alembic environment: runs on the engine handed in by :func:`storage.db.migrate`.

On SQLite a migration that changes a table copies it (batch mode) and drops the original, which
foreign-key enforcement refuses while other tables point at its rows: enforcement is off for
the migration (SQLite's own procedure for schema changes), the result is checked with
``PRAGMA foreign_key_check`` before the transaction commits, and it is on again afterwards.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `onep-inbox init` (storage.db.migrate)")

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside any transaction
        connection.commit()
    try:
        with connection.begin():
            context.configure(
                connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite
            )
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
