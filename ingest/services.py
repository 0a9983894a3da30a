"""Everything a stage may use, built once by the application's wiring (:mod:`app.wiring`) and
passed in: nothing in the flow reads globals or the environment.

Tests hand in their own clock, OCR engine or crash hook; the wiring hands in the real ones.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from core.config import Config
from outbound.render import Renderer
from storage.blobs import BlobStore
from storage.db import SessionFactory, make_session_factory, open_database

if TYPE_CHECKING:
    from parsers.ocr import Engine as OcrEngine


def no_crash(_point: str) -> None:
    """The crash hook of a normal run: named points in the flow pass by."""


@dataclass(frozen=True)
class Services:
    """A context manager: leaving it closes the database connections."""

    config: Config
    sessions: SessionFactory
    blobs: BlobStore
    renderer: Renderer
    clock: Callable[[], datetime]
    engine: Engine | None = None
    ocr: OcrEngine | None = None
    """The OCR engine for scans and photos (None: they are not read, as without Tesseract)."""
    ocr_factory: Callable[[], OcrEngine | None] | None = None
    """Builds :attr:`ocr` the first time a message is read (:meth:`ocr_engine`), so that a
    command that reads no mail (``status``, ``export``) never loads the parsers and
    Tesseract's language check: ``open_services`` passes :func:`default_ocr`."""
    crash: Callable[[str], None] = no_crash
    """Called at named points of the flow (``after_store``, ``before_parse`` ...): the crash
    tests' hook (``ONEP_INBOX_CRASH_AT``, read by the wiring), a no-op otherwise."""

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def ocr_engine(self) -> OcrEngine | None:
        """:attr:`ocr`, built by :attr:`ocr_factory` on first use (then kept)."""
        if self.ocr is None and self.ocr_factory is not None:
            object.__setattr__(self, "ocr", self.ocr_factory())
            object.__setattr__(self, "ocr_factory", None)
        return self.ocr

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def utc_now() -> datetime:
    return datetime.now(UTC)


SECRET_FILE = "id-secret"  # noqa: S105 - a file name, not a secret


def with_id_secret(config: Config) -> Config:
    """``config`` with ``smtp.id_secret`` filled in: from the config or the environment when
    set there, else from ``<storage.dir>/id-secret``, made (random, mode 0600) the first time.
    Every process of one installation shares the store, so it shares the secret."""
    if config.smtp.id_secret:
        return config
    path = config.storage.dir / SECRET_FILE
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = ""
    if not secret:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_urlsafe(32)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(fresh + "\n")
            secret = fresh
        except FileExistsError:  # another process made it first
            secret = path.read_text(encoding="ascii").strip()
    return replace(config, smtp=replace(config.smtp, id_secret=secret))


def default_ocr() -> OcrEngine | None:
    """Tesseract when it is installed (:func:`parsers.ocr.default_engine`), imported only
    when first needed: the parsers and their libraries take a third of a second to load."""
    from parsers.ocr import default_engine

    return default_engine()


def open_services(
    config: Config,
    *,
    clock: Callable[[], datetime] = utc_now,
    crash: Callable[[str], None] = no_crash,
) -> Services:
    """The services for ``config``, with Tesseract when it is installed. The database must
    exist and be migrated (``init``): otherwise :class:`~core.errors.DatabaseError` says what to
    do, and nothing is created. The application's wiring (:mod:`app.wiring`) calls this with
    the crash hook it reads from the environment."""
    engine = open_database(config.database.url)
    config = with_id_secret(config)
    return Services(
        config=config,
        sessions=make_session_factory(engine),
        blobs=BlobStore(config.storage.dir),
        renderer=Renderer.from_config(config.smtp),
        clock=clock,
        engine=engine,
        ocr_factory=default_ocr,
        crash=crash,
    )
