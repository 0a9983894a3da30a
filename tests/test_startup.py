"""Start-up stays light: ``--help`` and ``status`` load neither the parsers and their libraries
(openpyxl, numpy, pypdfium2, PIL ...) nor Jinja, Alembic or the scheduler; the commands that read
mail load them when they need them. Structural, not timed (bench/startup.py has the figures):
each check runs in a fresh interpreter and reads ``sys.modules``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "parsers",
    "openpyxl",
    "numpy",
    "pypdfium2",
    "PIL",
    "python_calamine",
    "xlrd",
    "docx",
    "jinja2",
    "alembic",
    "apscheduler",
    "imapclient",
    "rapidfuzz",
)

_PROBE = """
import contextlib, io, json, sys
from app.cli import main
argv = json.loads(sys.argv[1])
if argv:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    assert code == 0, code
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def loaded_after(argv: list[str]) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n'
        f'[storage]\ndir = "{tmp_path / "store"}"\n'
        f'[mailbox]\nkind = "maildir"\npath = "{tmp_path / "maildir"}"\n'
        f'[smtp]\nkind = "directory"\ndirectory = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    from app.cli import main

    assert main(["--config", str(path), "init"]) == 0
    return path


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert loaded_after([]).isdisjoint(HEAVY)


def test_help_loads_nothing_heavy() -> None:
    assert loaded_after(["--help"]).isdisjoint(HEAVY)


def test_status_loads_neither_parsers_nor_templates(config: Path) -> None:
    loaded = loaded_after(["--config", str(config), "status"])
    assert "sqlalchemy" in loaded  # it did read the database
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_reading_mail_still_loads_the_parsers_and_finds_the_ocr_engine(config: Path) -> None:
    """The counter-check: the services a command builds still find Tesseract, on first use."""
    from app.wiring import build_services
    from core.config import load

    with build_services(load(config)) as services:
        assert services.ocr is None
        assert services.ocr_factory is not None
        engine = services.ocr_engine()
        assert services.ocr_factory is None
        assert services.ocr_engine() is engine
        assert (engine is not None) == (shutil.which("tesseract") is not None)
