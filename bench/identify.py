"""Identification benchmark: the generated corpus (:mod:`samples.identity`) against the
full SYNTHETIC sample registry in a fresh SQLite database, through the SQL registry view.

Prints, overall and by hard-case category (and by tag): the share identified automatically and
correctly, the share sent to review, and - as its own figure - wrong automatic identifications
(a report credited to the wrong LAO). Then ms per identification. Targets: >= 97 % automatic and
correct, 0 wrong.

    python -m bench.identify              # 5,000 cases
    python -m bench.identify --n 20000 --seed 7
    python -m bench.identify --tiny       # CI: 300 cases, a few seconds
    python -m bench.identify --show-review 20   # print cases sent to review, with the reason
    python -m bench.identify --edited 4   # forms as people edit them (samples.edited_fresh, the
                                          # held share) of registry LAOs: read, then identified

``--edited K`` writes K forms per format and kind of edit of the fresh held share, each for an
LAO of the registry (its name full or short, its district, province and, sometimes, code), sent
from an address the registry does not know (half of them: the form alone names the LAO) or
from the LAO's registered address; reads each with ``parsers.read_attachment`` and identifies
it from what was read. WRONG automatic identifications must be 0.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.identify import Identification
    from samples.identity import IdentityCase

TARGET_AUTO = 0.97


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2564)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--show-review", type=int, default=0, metavar="K")
    parser.add_argument("--edited", type=int, default=0, metavar="K",
                        help="K edited forms per format and edit, read then identified")  # fmt: skip
    args = parser.parse_args(argv)
    n = 300 if args.tiny else args.n

    from sqlalchemy import insert

    from ingest.identify import identify
    from samples import identity as corpus_module
    from samples.registry import sample_rows
    from storage.db import make_engine, make_session_factory, migrate
    from storage.lookups import SqlRegistryView
    from storage.models import LaoAddress
    from storage.registry import import_rows

    now = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
    started = time.perf_counter()
    registry = sample_rows()
    corpus = corpus_module.generate(registry, n, seed=args.seed)
    print(
        f"corpus: {n} cases, seed {args.seed}, registry {len(registry)} rows (SYNTHETIC) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="onep-bench-identify-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            migrate(engine)
            sessions = make_session_factory(engine)
            with sessions() as session, session.begin():
                import_rows(session, registry, now=now, synthetic=True)
                if corpus.learned:
                    session.execute(
                        insert(LaoAddress),
                        [
                            {
                                "address": address,
                                "lao_code": code,
                                "source": "learned",
                                "created_at": now,
                                "created_by": "bench",
                            }
                            for address, code in corpus.learned
                        ],
                    )
            if args.edited:
                with sessions() as session:
                    _edited(SqlRegistryView(session), registry, args.edited, args.seed)
                return 0
            results: list[tuple[IdentityCase, Identification]] = []
            timings: list[float] = []
            with sessions() as session:
                for case in corpus.cases:
                    tick = time.perf_counter()
                    view = SqlRegistryView(session)  # one view per message, as the pipeline does
                    found = identify(
                        view,
                        sender_addresses=case.sender_addresses,
                        form_fields=case.form_fields,
                        texts=case.texts,
                    )
                    timings.append(time.perf_counter() - tick)
                    results.append((case, found))
        finally:
            engine.dispose()

    _report(results, group=lambda case: (case.category,), title="category")
    _report(results, group=lambda case: case.tags, title="tag")
    wrong = [(c, f) for c, f in results if f.certain and f.lao_code != c.truth]
    auto_ok = sum(1 for c, f in results if f.certain and f.lao_code == c.truth)
    share = auto_ok / len(results)
    print(
        f"\nOVERALL  automatic and correct {share:.2%} (target >= {TARGET_AUTO:.0%}), "
        f"to review {sum(1 for _, f in results if not f.certain) / len(results):.2%}, "
        f"WRONG AUTOMATIC {len(wrong)} (target 0)"
    )
    missing_truth = sum(1 for c, f in results if not f.certain and c.truth not in f.candidates)
    print(f"review cases whose candidates miss the right LAO: {missing_truth}")
    ms = [t * 1000 for t in timings]
    print(
        f"ms per identification: mean {statistics.fmean(ms):.2f}, "
        f"median {statistics.median(ms):.2f}, p95 {_percentile(ms, 0.95):.2f}, max {max(ms):.2f}"
    )
    for case, found in wrong:
        print(f"  WRONG {case.category} {case.tags} truth {case.truth} got {found.lao_code}")
        print(f"        {case.sender_addresses} {case.form_fields} -> {found.reason}")
    if args.show_review:
        shown = 0
        for case, found in results:
            if found.certain or shown >= args.show_review:
                continue
            shown += 1
            print(f"  review [{case.category}] {case.form_fields} {case.sender_addresses}")
            print(
                f"         {found.method}: {found.reason}; candidates {list(found.candidates)}"
                f" (truth {case.truth})"
            )
    return 0


def _edited(view: object, registry: Sequence[object], per_cell: int, seed: int) -> None:
    """Edited forms of registry LAOs, read and identified (see the module docstring)."""
    import random

    from ingest.identify import identify
    from parsers import FormReading, read_attachment
    from samples import edited_fresh

    short = {"sao": "อบต.", "subdistrict_municipality": "ทต.", "town_municipality": "ทม.",
             "pao": "อบจ."}  # fmt: skip
    laos = [row for row in registry if getattr(row, "lao_type", None) in edited_fresh.TYPE_WORDS]
    rng = random.Random(f"identify-edited-{seed}")
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[str] = []
    started = time.perf_counter()
    for fmt in edited_fresh.FORMATS:
        for edit in edited_fresh.EDITS:
            for _ in range(per_cell):
                lao: Any = rng.choice(laos)
                name = lao.name
                full = edited_fresh.TYPE_WORDS[lao.lao_type][1]
                if rng.random() < 0.5 and name.startswith(full):
                    name = short[lao.lao_type] + name[len(full) :]
                fields: dict[str, str | None] = {
                    "lao_name": name,
                    "lao_type": lao.lao_type,
                    "district": lao.district,
                    "province": lao.province,
                    "lao_code": lao.lao_code if rng.random() < 0.5 else None,
                }
                form = edited_fresh.edited_form(fmt, edit, rng, lao=fields)
                reading = read_attachment(form.data, filename=f"form.{fmt}")
                official = rng.random() < 0.5
                sender = (
                    lao.emails[0]
                    if official and lao.emails
                    else f"green{rng.randint(1, 999)}@gmail.com"
                )
                found = identify(
                    view,  # type: ignore[arg-type]
                    sender_addresses=[sender],
                    form_fields=dict(reading.fields) if isinstance(reading, FormReading) else None,
                )
                outcome = ("auto_ok" if found.certain and found.lao_code == lao.lao_code
                           else "wrong" if found.certain else "review")  # fmt: skip
                for key in (fmt, edit, "official address" if official else "unknown address"):
                    rows[key][outcome] += 1
                    rows[key]["n"] += 1
                if outcome == "wrong":
                    wrong.append(f"{fmt} {edit}: {lao.lao_code} {name} read as {found.lao_code} "
                                 f"({found.reason})")  # fmt: skip
    total = sum(rows[fmt]["n"] for fmt in edited_fresh.FORMATS)
    print(f"edited forms of registry LAOs (samples.edited_fresh, SYNTHETIC): {total} forms, "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"   {'':<29} {'n':>6} {'auto+correct':>13} {'review':>8} {'WRONG auto':>11}")
    for key, row in rows.items():
        print(f"   {key:<29} {row['n']:>6} {row['auto_ok'] / row['n']:>12.1%} "
              f"{row['review'] / row['n']:>8.1%} {row['wrong']:>11}")  # fmt: skip
    print(f"WRONG AUTOMATIC {len(wrong)} (target 0)")
    for line in wrong:
        print("  WRONG", line)


def _report(
    results: list[tuple[IdentityCase, Identification]],
    *,
    group: Callable[[IdentityCase], Sequence[str]],
    title: str,
) -> None:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for case, found in results:
        outcome = (
            "auto_ok"
            if found.certain and found.lao_code == case.truth
            else "wrong"
            if found.certain
            else "review"
        )
        for key in group(case):
            rows[key][outcome] += 1
            rows[key]["n"] += 1
    print(f"\nby {title:<26} {'n':>6} {'auto+correct':>13} {'review':>8} {'WRONG auto':>11}")
    for key in sorted(rows, key=lambda k: -rows[k]["n"]):
        row = rows[key]
        print(
            f"   {key:<29} {row['n']:>6} {row['auto_ok'] / row['n']:>12.1%} "
            f"{row['review'] / row['n']:>8.1%} {row['wrong']:>11}"
        )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


if __name__ == "__main__":
    raise SystemExit(main())
