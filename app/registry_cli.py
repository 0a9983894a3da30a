"""``onep-inbox registry import FILE [--dry-run] [--synthetic]`` and ``registry sample``.

Wired into :mod:`app.cli` by :func:`register`; the reading is :func:`storage.registry.read_registry`
(.xlsx or CSV in UTF-8, UTF-8 with BOM or windows-874; Thai or English headers; Thai types),
the change :func:`storage.registry.plan_import` / :func:`~storage.registry.apply_plan`, all in one
transaction: a file with any bad row changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import OnepInboxError
from core.progress import Progress, silent

if TYPE_CHECKING:
    from ingest.services import Services


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``registry`` and its actions to the CLI's sub-commands."""
    registry: argparse.ArgumentParser = subparsers.add_parser(
        "registry",
        help="the LAO registry: import DLA's list (.xlsx or .csv), or write the sample",
        description="The LAO registry: who may report, their codes, provinces and addresses.",
    )
    actions = registry.add_subparsers(dest="registry_command", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="load a registry file (.xlsx or .csv); all or nothing",
        description="Load the registry from FILE: .xlsx, or .csv in UTF-8 (with or without BOM)"
        " or windows-874 as Thai Excel saves it. Columns by English key or Thai name:"
        " lao_code/รหัส อปท., name/ชื่อ อปท., lao_type/ประเภท, province/จังหวัด, and optionally"
        " district/อำเภอ, subdistrict/ตำบล, emails/อีเมล (several separated by ;). lao_type as"
        " the key (sao ...) or in Thai (องค์การบริหารส่วนตำบล or อบต., ทต., ทม., ทน., อบจ.,"
        " กรุงเทพมหานคร, เมืองพัทยา, สถจ.). An upsert by lao_code: nothing is deleted; a bad row"
        " is reported by its line and nothing is imported.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help="the registry, .xlsx or .csv")
    load.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would change (LAOs added and changed, addresses added and removed),"
        " change nothing",
    )
    load.add_argument(
        "--synthetic",
        action="store_true",
        help="mark the rows as made up (the sample registry; `registry sample` writes it)",
    )
    sample = actions.add_parser(
        "sample",
        help="write the SYNTHETIC sample registry (for trying things, never for real mail)",
    )
    sample.add_argument(
        "--output", type=Path, required=True, metavar="FILE.csv", help="where to write it"
    )
    return registry


def sample(args: argparse.Namespace) -> int:
    """``registry sample``: write the synthetic registry as a CSV."""
    from samples.registry import ATTRIBUTION, sample_rows
    from storage.registry import write_csv

    rows = sample_rows()
    try:
        out = args.output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OnepInboxError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    with out:
        write_csv(rows, out)
    print(f"{len(rows)} SYNTHETIC rows -> {args.output}\n{ATTRIBUTION}")
    return 0


def handle(args: argparse.Namespace, services: Services, *, progress: Progress = silent) -> int:
    """``registry import``: read, check, show or apply; prints the summary on stdout."""
    from samples.registry import looks_like_sample
    from storage.registry import apply_plan, plan_import, read_registry

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise OnepInboxError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    found = read_registry(data, args.file.name, progress=progress)
    if not args.synthetic and looks_like_sample(found.rows):
        print(
            "onep-inbox: คำเตือน: ไฟล์นี้คือทะเบียนตัวอย่างที่สร้างขึ้น (SYNTHETIC) ไม่ใช่ทะเบียนจริง"
            " / warning: this is the SYNTHETIC sample registry, imported here as real LAOs;"
            " add --synthetic to mark it as made up",
            file=sys.stderr,
        )
    with services.sessions() as session, session.begin():
        plan = plan_import(session, found.rows, synthetic=args.synthetic)
        if not args.dry_run:
            apply_plan(session, plan, now=services.clock(), progress=progress)
    notes = [f"read as {found.encoding}"]
    if found.ignored_columns:
        notes.append("columns not read: " + ", ".join(found.ignored_columns))
    if found.absent_columns:
        notes.append("columns absent (left empty): " + ", ".join(found.absent_columns))
    if args.dry_run:
        for line in plan.lines():
            print(line)
    print(f"{len(found.rows)} rows ({'; '.join(notes)}): {plan.summary().line()}")
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0
