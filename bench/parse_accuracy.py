"""Parse-accuracy benchmark: generated forms with known truth, per format, read by the parsers.

For each format of :mod:`samples.corpus` (xlsx, xls, docx; text PDF and scans plug in
there) and each split - development layouts and held-out layouts (never tuned on: the honest
figure) - prints: forms, field-level accuracy (fields read exactly / fields in the truth; each
project cell is a field, and so is the number of projects), fields read that the form does not
hold, forms with a problem (spurious: every generated form is consistent), and the median ms of
``parsers.read_attachment`` per form (wall clock, and CPU time of the reading thread: on a
shared machine the CPU figure is the steadier one). Each form is read ``--repeat`` times (3) and
its time is the fastest read: this VM's speed changes from one second to the next (the same code
measured 4.4-8.1 ms a form in back-to-back runs), and the fastest read is the form's own cost. Forms are generated before any is timed. Targets: >= 99 % exact on xlsx, xls, docx (held-out
included), median <= 5 ms per .xlsx form. Figures only: it never asserts.

    python -m bench.parse_accuracy                 # 200 forms per format
    python -m bench.parse_accuracy --n 500 --formats xlsx,docx
    python -m bench.parse_accuracy --tiny          # CI: 24 forms per format, a few seconds
    python -m bench.parse_accuracy --show 10       # the first 10 wrong fields (development only)
    python -m bench.parse_accuracy --split dev     # while tuning: never the held-out layouts
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

TARGET_EXACT = 0.99
TARGET_XLSX_MS = 5.0
EXACT_FORMATS = ("xlsx", "xls", "docx", "pdf")


@dataclass
class Tally:
    forms: int = 0
    fields: int = 0
    exact: int = 0
    extra: int = 0
    with_problems: int = 0
    not_read: int = 0
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    wrong: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.exact / self.fields if self.fields else 0.0


def flatten(values: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields, with the projects list as one field per cell plus its length."""
    flat = {key: value for key, value in values.items() if key != "projects"}
    projects = values.get("projects")
    if isinstance(projects, list):
        flat["projects.count"] = len(projects)
        for index, project in enumerate(projects):
            for key, value in project.items():
                flat[f"projects[{index}].{key}"] = value
    return flat


def score(tally: Tally, layout: str, truth: dict[str, Any], result: Any) -> None:
    from parsers import FormReading, check

    expected = flatten(truth)
    found = flatten(dict(result.fields)) if isinstance(result, FormReading) else {}
    tally.forms += 1
    tally.fields += len(expected)
    if not isinstance(result, FormReading):
        tally.not_read += 1
    for key, value in expected.items():
        if key in found and found[key] == value:
            tally.exact += 1
        else:
            tally.wrong.append((layout, key, value, found.get(key, "<absent>")))
    tally.extra += sum(1 for key in found if key not in expected)
    if not isinstance(result, FormReading) or result.problems or check(result):
        tally.with_problems += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="forms per format")
    parser.add_argument("--seed", type=int, default=2564)
    parser.add_argument("--formats", default="", help="comma-separated (default: all)")
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--split", choices=("all", "dev", "held-out"), default="all")
    parser.add_argument("--show", type=int, default=0, metavar="K")
    parser.add_argument("--show-held-out", action="store_true", help="also show held-out misses")
    parser.add_argument("--repeat", type=int, default=3,
                        help="reads per form; its time is the fastest (default 3)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat = 1

    from parsers import read_attachment
    from samples import corpus

    per_format = 24 if args.tiny else args.n
    formats = [name for name in args.formats.split(",") if name] or list(corpus.GENERATORS)
    for fmt in formats:  # warm up: schema, label index, imports
        read_attachment(next(corpus.generate(1, fmt=fmt, held_out=False, seed=-1)).data)
    tallies: dict[tuple[str, bool], Tally] = {}
    started = time.perf_counter()
    for fmt in formats:
        dev, held = corpus.DEV_LAYOUTS[fmt], corpus.HELD_OUT_LAYOUTS[fmt]
        held_count = max(len(held), math.ceil(per_format * len(held) / (len(dev) + len(held))))
        splits = ((False, per_format - held_count), (True, held_count))
        for held_out, count in splits:
            if args.split != "all" and held_out != (args.split == "held-out"):
                continue
            tally = tallies[(fmt, held_out)] = Tally()
            samples = list(corpus.generate(count, fmt=fmt, held_out=held_out, seed=args.seed))
            gc.collect()  # the generators' garbage is not the reader's cost
            for sample in samples:
                walls, cpus = [], []
                for _ in range(max(1, args.repeat)):
                    start, cpu = time.perf_counter(), time.thread_time()
                    result = read_attachment(sample.data, filename=f"form.{fmt}")
                    cpus.append((time.thread_time() - cpu) * 1000)
                    walls.append((time.perf_counter() - start) * 1000)
                tally.cpu_ms.append(min(cpus))  # the form's cost, not the neighbours' bursts
                tally.ms.append(min(walls))
                score(tally, sample.layout, sample.truth, result)
    elapsed = time.perf_counter() - started
    total = sum(t.forms for t in tallies.values())
    print(f"parse accuracy: {total} generated forms (SYNTHETIC), seed {args.seed}, "
          f"{elapsed:.1f} s with generation")  # fmt: skip
    header = (f"{'format':<7}{'split':<10}{'forms':>6}{'fields':>8}{'exact':>8}{'accuracy':>10}"
              f"{'extra':>7}{'w/ problems':>13}{'not read':>10}{'median ms':>11}{'cpu ms':>8}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for (fmt, held_out), tally in tallies.items():
        median = statistics.median(tally.ms) if tally.ms else 0.0
        print(f"{fmt:<7}{'held-out' if held_out else 'dev':<10}{tally.forms:>6}{tally.fields:>8}"
              f"{tally.exact:>8}{tally.accuracy:>9.2%} {tally.extra:>6}{tally.with_problems:>13}"
              f"{tally.not_read:>10}{median:>11.2f}{statistics.median(tally.cpu_ms):>8.2f}")  # fmt: skip
    xlsx_ms = [ms for (fmt, _), t in tallies.items() if fmt == "xlsx" for ms in t.ms]
    xlsx_cpu = [ms for (fmt, _), t in tallies.items() if fmt == "xlsx" for ms in t.cpu_ms]
    if xlsx_ms:
        median = statistics.median(xlsx_ms)
        verdict = "meets" if median <= TARGET_XLSX_MS else "MISSES"
        print(f"median per .xlsx form: {median:.2f} ms wall, {statistics.median(xlsx_cpu):.2f} ms "
              f"CPU ({verdict} the {TARGET_XLSX_MS:g} ms target on wall time; the machine is "
              f"shared, so CPU time is the steadier figure)")  # fmt: skip
    for (fmt, held_out), tally in tallies.items():
        if fmt in EXACT_FORMATS and tally.accuracy < TARGET_EXACT:
            split = "held-out" if held_out else "dev"
            print(f"MISSES the {TARGET_EXACT:.0%} target: {fmt} {split} {tally.accuracy:.2%}")
    if args.show:
        for (fmt, held_out), tally in tallies.items():
            if held_out and not args.show_held_out:
                continue
            for layout, key, want, got in tally.wrong[: args.show]:
                print(f"  {fmt} {layout}: {key}: want {want!r}, read {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
