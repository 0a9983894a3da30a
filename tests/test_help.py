"""Help that teaches: every command, option and argument says what it is for; the commands
come in the order of a campaign; the help people stumbled on says what they needed."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from app.cli import _parser

SCRIPT = Path(sys.executable).with_name("onep-inbox")
CAMPAIGN_ORDER = [
    "init",
    "users",
    "registry",
    "poll",
    "process",
    "send",
    "run",
    "remind",
    "review",
    "addresses",
    "outbox",
    "status",
    "export",
    "serve",
    "demo",
]


def parsers(
    parser: argparse.ArgumentParser, path: str = "onep-inbox"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def test_every_command_option_and_argument_has_help() -> None:
    missing: list[str] = []
    for path, parser in parsers(_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing.extend(
                    f"{path} {choice.dest}"
                    for choice in action._choices_actions
                    if not (choice.help or "").strip()
                )
                continue
            if not (action.help or "").strip():
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, "no help text: " + ", ".join(missing)


def help_of(*args: str) -> str:
    result = subprocess.run(
        [str(SCRIPT), *args, "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    return " ".join(result.stdout.split())


def test_the_commands_come_in_the_order_of_a_campaign() -> None:
    text = subprocess.run(
        [str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    listed = [
        line.split()[0]
        for line in text.split("positional arguments:")[1].split("options:")[0].splitlines()
        if line.startswith("    ") and line.split() and not line.startswith("     ")
    ]
    assert listed == CAMPAIGN_ORDER
    assert "order of a campaign" in text


def test_the_help_people_needed() -> None:
    review = help_of("review", "show")
    for form in ("ONEP-2564-000011", "M20", "12"):
        assert form in review
    by = help_of("review", "accept")
    assert "--by NAME your name for the audit log" in by
    process = help_of("process")
    assert "queue" in process
    assert "mail" in process
    assert "LAO" in process
    assert "Message-ID" in process
    export = help_of("export")
    assert "required for xlsx" in export
    registry = help_of("registry", "import")
    for word in ("windows-874", ".xlsx", "อบต.", "--dry-run"):
        assert word in registry
