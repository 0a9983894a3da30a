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
    python -m bench.parse_accuracy --tiny          # CI: 24 forms per format, a few seconds,
                                                   # then one edited form per format and edit
    python -m bench.parse_accuracy --show 10       # the first 10 wrong fields (development only)
    python -m bench.parse_accuracy --split dev     # while tuning: never the held-out layouts
    python -m bench.parse_accuracy --edited        # forms as people edit them (samples.edited),
                                                   # held share: one row per format and edit
    python -m bench.parse_accuracy --edited --share dev --show 10   # while tuning: dev share

``--edited`` reads the forms of :mod:`samples.edited` (written from the spec, never from the
schema's variants or the older generators) and prints, per format and kind of edit: fields read
exactly, forms that need review (a problem, or a value read with confidence under the
acceptance threshold), forms answered "no form", values read wrong on forms that would pass
without review (silently wrong: the target is 0; a value not read at all is absent, counted
apart, with which fields and what kind of wrong - classes, never forms), and ms per form. Targets on the held share:
>= 99 % of fields exact on every edit kind, 0 "no form", 0 silently wrong.
"""

from __future__ import annotations

import argparse
import gc
import math
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TARGET_EXACT = 0.99
_ROW = re.compile(r"\[\d+\]")
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
    parser.add_argument("--edited", action="store_true", help="forms as people edit them")
    parser.add_argument("--share", choices=("held", "dev", "old"), default="held",
                        help="--edited: held = samples.edited_fresh (measured only, never "
                             "tuned on); dev = samples.edited's dev share; old = its first "
                             "held share, looked at while tuning, so development material now")  # fmt: skip
    parser.add_argument("--edits", default="", help="--edited: comma-separated edit kinds")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat = 1
    if args.edited:
        return edited(args)

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
    if args.tiny:
        print()
        return edited(args)  # CI: the edited forms too, one per format and edit
    return 0


@dataclass
class EditTally:
    forms: int = 0
    fields: int = 0
    exact: int = 0
    review: int = 0
    no_form: int = 0
    silent_wrong: int = 0
    silent_missing: int = 0  # values not read on forms that pass without review
    problems_missed: int = 0
    ms: list[float] = field(default_factory=list)
    wrong: list[tuple[str, Any, Any]] = field(default_factory=list)


def needs_review(result: Any) -> bool:
    """Would the pipeline send this reading to review (a problem, or a doubtful value)?"""
    from ingest.record import ACCEPT_CONFIDENCE
    from parsers import FormReading, check

    if not isinstance(result, FormReading):
        return True
    return bool(result.problems or check(result)) or result.confidence < ACCEPT_CONFIDENCE


def _kind(key: str, expected: dict[str, Any], found: dict[str, Any]) -> str:
    """What a wrong value is, as a class (never which form): spacing only, another field's
    value, another project's value, or something else."""
    got, want = found.get(key), expected.get(key)
    if isinstance(got, str) and isinstance(want, str):
        if "".join(got.split()) == "".join(want.split()):
            return "spacing"
        if want in got:
            return "the value and more text"
        if got and got in want:
            return "part of the value"
    if any(other != key and value == got for other, value in expected.items()):
        same_column = _ROW.sub("[]", key)
        if any(other != key and _ROW.sub("[]", other) == same_column and value == got
               for other, value in expected.items()):  # fmt: skip
            return "another project's"
        return "another field's"
    return "other"


def edited(args: argparse.Namespace) -> int:
    from parsers import FormReading, NotAForm, check, read_attachment
    from samples import edited, edited_fresh

    per_cell = 1 if args.tiny else max(1, args.n // 40)
    known = edited_fresh.FORMATS if args.share == "held" else edited.FORMATS
    formats = [name for name in args.formats.split(",") if name] or list(known)
    edits = [name for name in args.edits.split(",") if name] or list(edited.EDITS)
    tallies: dict[tuple[str, str], EditTally] = {}
    silent_fields: Counter[str] = Counter()
    silent_kinds: Counter[str] = Counter()
    started = time.perf_counter()
    for fmt in formats:
        for edit in edits:
            tally = tallies[(fmt, edit)] = EditTally()
            if args.share == "held":
                forms = edited_fresh.generate(per_cell, fmt=fmt, edit=edit)
            else:
                old = "dev" if args.share == "dev" else "held"
                forms = edited.generate(per_cell, fmt=fmt, edit=edit, share=old)
            for form in forms:
                start = time.perf_counter()
                result = read_attachment(form.data, filename=f"form.{fmt}")
                tally.ms.append((time.perf_counter() - start) * 1000)
                expected = flatten(form.truth)
                found = flatten(dict(result.fields)) if isinstance(result, FormReading) else {}
                tally.forms += 1
                tally.fields += len(expected)
                review = needs_review(result)
                tally.review += review
                tally.no_form += isinstance(result, NotAForm)
                wrong: list[str] = []
                missing = 0
                for key, value in expected.items():
                    if key in found and found[key] == value:
                        tally.exact += 1
                    else:
                        if found.get(key) is not None:
                            wrong.append(key)  # read, and not what the form says
                        else:
                            missing += 1  # not read: absent, never a wrong value
                        tally.wrong.append((key, value, found.get(key, "<absent>")))
                wrong += [key for key in found if key not in expected and found[key] is not None]
                if not review:
                    tally.silent_wrong += len(wrong)
                    tally.silent_missing += missing
                    silent_fields.update(_ROW.sub("[]", key) for key in wrong)
                    silent_kinds.update(_kind(key, expected, found) for key in wrong)
                if form.expected_problems and isinstance(result, FormReading):
                    raised = {p.field for p in (*result.problems, *check(result))}
                    tally.problems_missed += len(set(form.expected_problems) - raised)
    elapsed = time.perf_counter() - started
    total = sum(t.forms for t in tallies.values())
    source = "samples.edited_fresh" if args.share == "held" else "samples.edited"
    print(f"edited forms ({args.share} share, SYNTHETIC, {source}): {total} forms, "
          f"{per_cell} per format and edit, {elapsed:.1f} s with generation")  # fmt: skip
    header = (f"{'format':<7}{'edit':<21}{'forms':>6}{'fields':>7}{'exact':>9}{'review':>8}"
              f"{'no form':>9}{'silent wrong':>14}{'ms/form':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for (fmt, edit), tally in tallies.items():
        share = tally.exact / tally.fields if tally.fields else 0.0
        print(f"{fmt:<7}{edit:<21}{tally.forms:>6}{tally.fields:>7}{share:>8.1%} "
              f"{tally.review:>7}{tally.no_form:>9}{tally.silent_wrong:>14}"
              f"{statistics.median(tally.ms):>9.1f}")  # fmt: skip
    for fmt in formats:
        rows = [t for (f, _), t in tallies.items() if f == fmt]
        fields, exact = sum(t.fields for t in rows), sum(t.exact for t in rows)
        print(f"{fmt:<7}{'(all edits)':<21}{sum(t.forms for t in rows):>6}{fields:>7}"
              f"{exact / fields:>8.1%} {sum(t.review for t in rows):>7}"
              f"{sum(t.no_form for t in rows):>9}{sum(t.silent_wrong for t in rows):>14}"
              f"{statistics.median([ms for t in rows for ms in t.ms]):>9.1f}")  # fmt: skip
    for edit in edits:
        rows = [t for (_, e), t in tallies.items() if e == edit]
        fields, exact = sum(t.fields for t in rows), sum(t.exact for t in rows)
        print(f"{'(all)':<7}{edit:<21}{sum(t.forms for t in rows):>6}{fields:>7}"
              f"{exact / fields:>8.1%} {sum(t.review for t in rows):>7}"
              f"{sum(t.no_form for t in rows):>9}{sum(t.silent_wrong for t in rows):>14}"
              f"{statistics.median([ms for t in rows for ms in t.ms]):>9.1f}")  # fmt: skip
    everything = list(tallies.values())
    fields, exact = sum(t.fields for t in everything), sum(t.exact for t in everything)
    print(f"{'(all)':<7}{'(all edits)':<21}{sum(t.forms for t in everything):>6}{fields:>7}"
          f"{exact / fields:>8.1%} {sum(t.review for t in everything):>7}"
          f"{sum(t.no_form for t in everything):>9}"
          f"{sum(t.silent_wrong for t in everything):>14}")  # fmt: skip
    if silent_fields:  # which fields, never which forms: a class of failure, not a case to tune
        print("silently wrong, by field: "
              + ", ".join(f"{key} {count}" for key, count in silent_fields.most_common()))  # fmt: skip
    print("values not read on forms that pass without review (absent, not wrong): "
          f"{sum(t.silent_missing for t in tallies.values())}")  # fmt: skip
    if silent_kinds:
        print("silently wrong, by kind: "
              + ", ".join(f"{kind} {count}" for kind, count in silent_kinds.most_common()))  # fmt: skip
    missed = sum(t.problems_missed for t in tallies.values())
    print(f"blank sign-offs whose missing name, position or date raised no problem: {missed}")
    misses = [(f, e) for (f, e), t in tallies.items() if t.exact < TARGET_EXACT * t.fields]
    if misses:
        print(f"MISSES the {TARGET_EXACT:.0%} target: " + ", ".join(f"{f}/{e}" for f, e in misses))
    if args.show:
        if args.share == "held" and not args.show_held_out:
            print(
                "(misses of the held share are not shown: --show-held-out to see a class of "
                "failure, never to tune)"
            )
            return 0
        for (fmt, edit), tally in tallies.items():
            for key, want, got in tally.wrong[: args.show]:
                print(f"  {fmt} {edit}: {key}: want {want!r}, read {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
