"""Dashboard benchmark: the server-side time of the overview, a province page and a review
page on a campaign-sized database (the synthetic registry's 7,850 LAOs and 10,000 submissions,
each with its message; a fifth waiting for review), on SQLite and, when it answers, PostgreSQL.

Each page is requested in-process through Starlette's TestClient as a signed-in admin (routing,
the sign-in gate, the queries, the template; no network), after two warm-up requests. Prints
the median and the 95th percentile in milliseconds, and the median CPU time of this process
(SQLite runs in it; PostgreSQL's own work is the server's). The overview is measured twice: with
its figures counted afresh (the first request after mail arrived) and from the memo (nothing
changed since the last request). Figures, never assertions (issue 14's
target: median <= 100 ms, p95 <= 300 ms).

    python -m bench.dashboard                    # SQLite, and PostgreSQL at 127.0.0.1:5432/test
    python -m bench.dashboard --pg URL           # another PostgreSQL server (a scratch database
                                                 # is created on it and dropped afterwards)
    python -m bench.dashboard --tiny             # CI: ~300 LAOs, a few requests
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from app.wiring import build_services
from core import config as config_module
from core.enums import StaffRole
from parsers import read_attachment
from parsers.results import FormReading
from samples import forms
from samples.registry import sample_rows
from storage.db import migrate_url
from storage.models import Attachment, Message, ReviewItem, Submission
from storage.registry import RegistryRow, import_rows
from storage.users import add_user

NOW = datetime(2021, 10, 5, 3, 0, tzinfo=UTC)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench password"  # noqa: S105 - a scratch database


def _registry(tiny: bool) -> list[RegistryRow]:
    rows = sample_rows()
    if not tiny:
        return rows
    provinces = sorted({r.province for r in rows if r.lao_type == "provincial_office"})[:3]
    return [r for r in rows if r.province in provinces]


def _fill(services: Any, rows: list[RegistryRow], submissions: int, seed: int) -> str:
    """Bulk-insert ``submissions`` (with their messages) over the LAOs; a fifth wait for
    review. The first waiting one carries a real xlsx form read by the extractor (cells to
    mark). Returns that item's ref."""
    rng = random.Random(seed)
    laos = [r for r in rows if r.lao_type != "provincial_office"]
    statuses = ["accepted"] * 7 + ["needs_review"] * 2 + ["rejected"]
    messages: list[dict[str, Any]] = []
    subs: list[dict[str, Any]] = []
    for index in range(submissions):
        lao = laos[index % len(laos)] if index < len(laos) * 0.8 else rng.choice(laos)
        at = NOW - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 1440))
        digest = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()
        messages.append(
            {
                "sha256": digest,
                "size": 1,
                "received_at": at,
                "stored_at": at,
                "state": "processed",
                "attempts": 1,
                "from_address": f"office{index}@example.org",
                "subject": "ส่งแบบรายงาน",
            }
        )
        status = rng.choice(statuses)
        subs.append(
            {
                "receipt_no": f"ONEP-2564-{index + 1:06d}",
                "sha": digest,
                "slot": "pos:1",
                "lao_code": lao.lao_code,
                "form_version": "2564.1",
                "status": status,
                "fields": {
                    "lao_name": lao.name,
                    "population": rng.randint(800, 40_000),
                    "green_total_area_m2": round(rng.uniform(500, 90_000), 2),
                    "has_master_plan": rng.random() < 0.5,
                },
                "provenance": {},
                "problems": [],
                "identification": {},
                "received_at": at,
                "reading_no": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
    with services.sessions() as session, session.begin():
        session.execute(insert(Message), messages)
        ids = dict(session.execute(select(Message.sha256, Message.id)).all())
        for sub in subs:
            sub["message_id"] = ids[sub.pop("sha")]
        session.execute(insert(Submission), subs)
        waiting = session.execute(
            select(Submission.id, Submission.message_id, Submission.lao_code)
            .where(Submission.status == "needs_review")
            .order_by(Submission.id)
        ).all()
        session.execute(
            insert(ReviewItem),
            [
                {
                    "cause_key": f"submission:{sub_id}",
                    "kind": "problems",
                    "state": "open",
                    "message_id": message_id,
                    "submission_id": sub_id,
                    "reason": "ข้อมูลบางช่องไม่ชัดเจน",
                    "candidates": [],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for sub_id, message_id, _code in waiting
            ],
        )
        first_id, first_message, first_code = waiting[0]
        lao = next(r for r in laos if r.lao_code == first_code)
        truth = forms.registry_truth(rng, lao)
        data = forms.fill_xlsx(truth, layout="template_beside", rng=rng)
        reading = read_attachment(data, filename="form.xlsx")
        assert isinstance(reading, FormReading)
        digest = services.blobs.put(data)
        attachment = Attachment(
            message_id=first_message,
            part_path="2",
            sha256=digest,
            filename="แบบรายงาน.xlsx",
            size=len(data),
            format="xlsx",
            role="form",
        )
        session.add(attachment)
        session.flush()
        sub = session.get(Submission, first_id)
        assert sub is not None
        sub.attachment_id = attachment.id
        sub.fields = dict(reading.fields)
        sub.provenance = {
            key: {"source": p.source, "raw": p.raw, "confidence": p.confidence}
            for key, p in reading.provenance.items()
        }
        receipt = sub.receipt_no
        add_user(session, "bench", role=StaffRole.ADMIN, password=PASSWORD,
                 display_name="bench", position="", now=NOW)  # fmt: skip
    assert receipt is not None
    return receipt


def _timings(
    get: Callable[[], Any], runs: int, before: Callable[[], None] = lambda: None
) -> tuple[float, float, float]:
    """(median, p95 of wall time; median of this process's CPU time), in ms. The CPU time
    leaves out waiting for a busy machine (and, on PostgreSQL, the server's own work)."""
    for _ in range(2):
        before()
        get()
    samples, cpu = [], []
    for _ in range(runs):
        before()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = get()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.text[:500]
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, statistics.median(cpu)


def measure(url: str, tmp: Path, *, tiny: bool, label: str) -> None:
    from starlette.testclient import TestClient

    from web.app import create_app

    cfg = config_module.from_mapping(
        {"database": {"url": url}, "storage": {"dir": str(tmp / "store")}}, base_dir=tmp
    )
    migrate_url(url)
    rows = _registry(tiny)
    submissions = 300 if tiny else 10_000
    runs = 5 if tiny else 40
    with build_services(cfg, clock=lambda: NOW) as services:
        with services.sessions() as session, session.begin():
            import_rows(session, rows, now=NOW, synthetic=True)
        started = time.perf_counter()
        ref = _fill(services, rows, submissions, seed=14)
        laos = sum(1 for r in rows if r.lao_type != "provincial_office")
        print(f"{label}: {laos} LAOs, {submissions} submissions"
              f" (filled in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        counts: dict[str, int] = {}
        for row in rows:
            if row.lao_type != "provincial_office":
                counts[row.province] = counts.get(row.province, 0) + 1
        province = max(counts, key=lambda name: counts[name])
        client = TestClient(create_app(services))
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"csrf": token.group(1), "username": "bench",
                                    "password": PASSWORD})  # fmt: skip
        memo = client.app.state.web.memo  # type: ignore[attr-defined]
        pages = {
            "overview / (figures counted afresh)": "/",
            "overview / (figures unchanged since the last request)": "/",
            f"province /province/{province} ({counts[province]} LAOs)": f"/province/{province}",
            f"review /review/{ref} (xlsx beside the values)": f"/review/{ref}",
        }
        for name, path in pages.items():
            before = memo.clear if "afresh" in name else (lambda: None)
            median, p95, cpu = _timings(
                lambda path=path: client.get(path),  # type: ignore[misc]
                runs,
                before,
            )
            print(f"  {name}: median {median:.0f} ms, p95 {p95:.0f} ms, CPU here {cpu:.0f} ms"
                  f" ({runs} requests)")  # fmt: skip


@contextmanager
def _scratch_postgres(url: str) -> Iterator[str | None]:
    """A fresh database on the server of ``url``, dropped afterwards; None when it does not
    answer."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    parsed = make_url(url)
    conninfo = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": parsed.database or "postgres",
        "connect_timeout": 3,
    }
    if parsed.password:
        conninfo["password"] = parsed.password
    try:
        admin = psycopg.connect(**conninfo, autocommit=True)  # type: ignore[arg-type]
    except psycopg.Error:
        yield None
        return
    name = f"onep_bench_dashboard_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield parsed.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument(
        "--pg", default=DEFAULT_PG, help=f"PostgreSQL server (default {DEFAULT_PG})"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="onep-bench-dashboard-") as folder:
        tmp = Path(folder)
        (tmp / "sqlite").mkdir()
        measure(f"sqlite:///{tmp / 'sqlite' / 'bench.sqlite3'}", tmp / "sqlite", tiny=args.tiny,
                label="SQLite")  # fmt: skip
        with _scratch_postgres(args.pg) as url:
            if url is None:
                print(
                    f"PostgreSQL: not reachable at {make_url(args.pg).render_as_string()}; not measured"
                )
            else:
                (tmp / "pg").mkdir()
                measure(url, tmp / "pg", tiny=args.tiny, label="PostgreSQL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
