"""Legacy and other-office formats benchmark: Word 97-2003 .doc, .odt, .ods, HTML tables and
Excel 2003 XML, converted from the generated forms (``samples.legacy``).

Prints, per format and split (development layouts / held-out layouts, never tuned on): forms,
field-level accuracy as ``bench.parse_accuracy`` counts it (each project cell is a field), forms
not read as a form, median ms per form. Target: >= 99 % of fields exact. Figures only: it never
asserts. Needs LibreOffice for all but SpreadsheetML (written without it).

    python -m bench.parse_legacy              # 32 development + 12 held-out forms per format
    python -m bench.parse_legacy --n 64 --held 20
    python -m bench.parse_legacy --tiny       # CI: 3 + 1 forms per format, well under a minute
    python -m bench.parse_legacy --show 10    # the first 10 wrong fields (development only)
"""

from __future__ import annotations

import argparse
import statistics
import time

TARGET = 0.99


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=32, help="development forms per format")
    parser.add_argument("--held", type=int, default=12, help="held-out forms per format")
    parser.add_argument("--seed", type=int, default=2564)
    parser.add_argument("--formats", default="", help="comma-separated (default: all)")
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--show", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)
    if args.tiny:
        args.n, args.held = 3, 1

    from bench.parse_accuracy import Tally, score
    from parsers import read_attachment
    from samples import legacy, scans

    wanted = [name for name in args.formats.split(",") if name] or list(legacy.TARGETS)
    if scans.soffice() is None:
        print("parse_legacy: LibreOffice is not installed: SpreadsheetML only")
        wanted = [name for name in wanted if name == "spreadsheetml"]
    tallies: dict[tuple[str, bool], Tally] = {}
    for fmt in wanted:
        started = time.perf_counter()
        samples = legacy.legacy_forms(args.n, fmt, seed=args.seed)
        samples += legacy.legacy_forms(args.held, fmt, seed=args.seed + 1, held_out=True)
        print(f"parse_legacy: {len(samples)} {fmt} forms made in "
              f"{time.perf_counter() - started:.1f} s (SYNTHETIC), seed {args.seed}")  # fmt: skip
        read_attachment(samples[0].data)  # warm up: schema, label index
        for sample in samples:
            tally = tallies.setdefault((fmt, sample.held_out), Tally())
            start, cpu = time.perf_counter(), time.thread_time()
            result = read_attachment(sample.data, filename="form.xls")
            tally.cpu_ms.append((time.thread_time() - cpu) * 1000)
            tally.ms.append((time.perf_counter() - start) * 1000)
            score(tally, sample.layout, sample.truth or {}, result)

    header = (f"{'format':<15}{'split':<10}{'forms':>6}{'fields':>8}{'exact':>8}{'accuracy':>10}"
              f"{'not read':>10}{'median ms':>11}{'cpu ms':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for (fmt, held_out), tally in tallies.items():
        print(f"{fmt:<15}{'held-out' if held_out else 'dev':<10}{tally.forms:>6}"
              f"{tally.fields:>8}{tally.exact:>8}{tally.accuracy:>9.2%} {tally.not_read:>9}"
              f"{statistics.median(tally.ms):>11.1f}{statistics.median(tally.cpu_ms):>9.1f}")  # fmt: skip
    for (fmt, held_out), tally in tallies.items():
        if tally.accuracy < TARGET:
            split = "held-out" if held_out else "dev"
            print(f"MISSES the {TARGET:.0%} target: {fmt} {split} {tally.accuracy:.2%}")
    if args.show:
        for (fmt, held_out), tally in tallies.items():
            if not held_out:
                for layout, key, want, got in tally.wrong[: args.show]:
                    print(f"  {fmt} {layout}: {key}: want {want!r}, read {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
