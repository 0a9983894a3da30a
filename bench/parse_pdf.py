"""PDF and scan benchmark: generated forms printed to PDF by LibreOffice, and those PDFs scanned.

Prints, per kind (text PDF from a workbook, text PDF from a Word document, 300-dpi scan as an
image-only PDF) and split (development layouts / held-out layouts, never tuned on): forms,
field-level accuracy as ``bench.parse_accuracy`` counts it (each project cell is a field), forms
not read as a form, median ms per text PDF and seconds per scanned page. Targets: >= 99 % of
fields exact on text PDFs, >= 90 % on 300-dpi scans, <= 10 s per scanned page. Figures only:
it never asserts. Needs LibreOffice (and Tesseract with Thai for the scans).

    python -m bench.parse_pdf                  # 30 workbook PDFs, 15 Word PDFs, 10 scans
                                               # (held-out layouts' share of them too)
    python -m bench.parse_pdf --n 60 --scans 20
    python -m bench.parse_pdf --tiny           # CI: 6 + 2 PDFs and 1 scan, well under a minute
    python -m bench.parse_pdf --show 10        # the first 10 wrong fields (development only)
    python -m bench.parse_pdf --show 10 --show-held-out   # held-out fields too: to see a class
                                               # of failure, never to tune on a layout
    python -m bench.parse_pdf --honest 6       # scans as offices and phones send them (below)
    python -m bench.parse_pdf --honest 6 --split dev --show 10   # while tuning: dev share only

``--honest N`` prints one row per kind of scan and split for N forms per split, each printed in
Arundina (a face the Thai digit reader never uses; ``samples.scans.honest_scans``) and sent as
an image-only PDF scanned at 100, 150, 200 and 300 dpi (some pages turned 90/180/270), as phone
photos (a JPEG a page: perspective, desk, shadow, uneven light) and as a page a file in any
order (PNG, JPEG, one-page PDF). Each message is read as the parse stage reads it
(``parsers.read_attachments``, one OCR budget for the message); columns: fields exact, forms
that would go to review, forms lost as "no form", values read wrong on forms that would pass
without review (silent), seconds per page. The held-out share (held-out layouts, its own seed)
is never tuned on. Targets (issue 11): >= 95 % of fields on scans at 150 dpi and above, >= 90 %
on photos, 0 "no form", <= 10 s per 300-dpi page on one core.
"""

from __future__ import annotations

import argparse
import math
import pickle
import random
import statistics
import time
from pathlib import Path

TARGET_TEXT = 0.99
TARGET_SCAN = 0.90
TARGET_PAGE_SECONDS = 10.0


def _split(count: int, dev: tuple[str, ...], held: tuple[str, ...]) -> tuple[int, int]:
    """(development, held-out) counts: the held-out share of the layouts, at least one each."""
    if count <= 1:
        return count, 0
    held_count = max(1, math.ceil(count * len(held) / (len(dev) + len(held))))
    return count - held_count, held_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=30, help="text PDFs printed from workbooks")
    parser.add_argument("--word", type=int, default=15, help="text PDFs printed from Word")
    parser.add_argument("--scans", type=int, default=10, help="scanned forms (image-only PDFs)")
    parser.add_argument("--seed", type=int, default=2564)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--show", type=int, default=0, metavar="K")
    parser.add_argument("--show-held-out", action="store_true", help="also show held-out misses")
    parser.add_argument("--honest", type=int, default=0, metavar="N",
                        help="scans as people send them: N forms per split, every kind")  # fmt: skip
    parser.add_argument("--split", choices=("all", "dev", "held-out"), default="all")
    parser.add_argument("--kinds", default="", help="honest kinds, comma-separated (default: all)")
    parser.add_argument("--cache", default="", metavar="PATH",
                        help="honest scans: load them from PATH if it exists, else save them "
                        "there (to measure two versions of the reader on the same files)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.honest:
        return honest(args)
    if args.tiny:
        args.n, args.word, args.scans = 6, 2, 1

    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    import parsers.pdf  # noqa: F401  (registers the PDF and image readers)
    from bench.parse_accuracy import Tally, score
    from parsers import read_attachment
    from parsers.ocr import default_engine
    from samples import forms, scans, wordforms

    if scans.soffice() is None:
        print("parse_pdf: LibreOffice is not installed (apt-get install libreoffice-calc-nogui "
              "libreoffice-writer-nogui fonts-thai-tlwg): nothing measured")  # fmt: skip
        return 0
    started = time.perf_counter()
    sources: list[scans.Source] = []
    plan = (
        ("text_pdf", args.n, forms.DEV_LAYOUTS, forms.HELD_OUT_LAYOUTS),
        ("word_pdf", args.word, wordforms.WORD_DEV_LAYOUTS, wordforms.WORD_HELD_OUT_LAYOUTS),
    )
    for offset, (kind, count, dev, held) in enumerate(plan):
        for split, layouts in zip(_split(count, dev, held), (dev, held), strict=True):
            if not split:
                continue
            seed = args.seed * 10 + offset * 2 + (layouts is held)
            if kind == "text_pdf":
                sources += scans.form_documents(split, seed=seed, layouts=layouts)
            else:
                sources += scans.form_documents(split, seed=seed, layouts=(), word_layouts=layouts)
    samples = scans.printed(sources, scans.convert_to_pdf([(s.name, s.document) for s in sources]))
    generated = time.perf_counter() - started
    print(f"parse_pdf: {len(samples)} forms printed to PDF by LibreOffice in {generated:.1f} s "
          f"(SYNTHETIC), seed {args.seed}")  # fmt: skip

    engine = default_engine()  # as the application builds it at start-up (None: no Tesseract)
    read_attachment(samples[0].data, ocr=engine)  # warm up: schema, label index, pdfium
    tallies: dict[tuple[str, bool], Tally] = {}
    for sample in samples:
        tally = tallies.setdefault((sample.kind, sample.held_out), Tally())
        start, cpu = time.perf_counter(), time.thread_time()
        result = read_attachment(sample.data, filename="form.pdf", ocr=engine)
        tally.cpu_ms.append((time.thread_time() - cpu) * 1000)
        tally.ms.append((time.perf_counter() - start) * 1000)
        score(tally, sample.layout, sample.truth or {}, result)

    page_seconds: list[float] = []
    printed_pdfs = [s for s in samples if s.kind == "text_pdf"]
    dev_scans, held_scans = _split(args.scans, forms.DEV_LAYOUTS, forms.HELD_OUT_LAYOUTS)
    to_scan = [s for s in printed_pdfs if not s.held_out][:dev_scans]
    to_scan += [s for s in printed_pdfs if s.held_out][:held_scans]
    if to_scan and engine is None:
        print("parse_pdf: Tesseract with tha+eng is not installed: scans not measured")
        to_scan = []
    rng = random.Random(args.seed)
    for sample in to_scan:
        scan = scans.scan_sample(sample, "scan_pdf", rng)
        pages = len(pdfium.PdfDocument(scan.data))
        tally = tallies.setdefault(("scan_pdf", sample.held_out), Tally())
        start = time.perf_counter()
        result = read_attachment(scan.data, filename="scan.pdf", ocr=engine)
        seconds = time.perf_counter() - start
        tally.ms.append(seconds * 1000)
        tally.cpu_ms.append(seconds * 1000)
        page_seconds.append(seconds / pages)
        score(tally, sample.layout, sample.truth or {}, result)

    header = (f"{'kind':<10}{'split':<10}{'forms':>6}{'fields':>8}{'exact':>8}{'accuracy':>10}"
              f"{'not read':>10}{'median ms':>11}{'cpu ms':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for (kind, held_out), tally in sorted(tallies.items()):
        print(f"{kind:<10}{'held-out' if held_out else 'dev':<10}{tally.forms:>6}"
              f"{tally.fields:>8}{tally.exact:>8}{tally.accuracy:>9.2%} {tally.not_read:>9}"
              f"{statistics.median(tally.ms):>11.1f}{statistics.median(tally.cpu_ms):>9.1f}")  # fmt: skip
    for (kind, held_out), tally in sorted(tallies.items()):
        target = TARGET_SCAN if kind == "scan_pdf" else TARGET_TEXT
        if tally.accuracy < target:
            split = "held-out" if held_out else "dev"
            print(f"MISSES the {target:.0%} target: {kind} {split} {tally.accuracy:.2%}")
    if page_seconds:
        median = statistics.median(page_seconds)
        verdict = "meets" if median <= TARGET_PAGE_SECONDS else "MISSES"
        print(f"scanned page: median {median:.1f} s, max {max(page_seconds):.1f} s "
              f"({verdict} the {TARGET_PAGE_SECONDS:g} s target; one single-threaded Tesseract "
              f"per core, first look included)")  # fmt: skip
    if args.show:
        for (kind, held_out), tally in sorted(tallies.items()):
            if held_out and not args.show_held_out:
                continue
            split = "held-out " if held_out else ""
            for layout, key, want, got in tally.wrong[: args.show]:
                print(f"  {kind} {split}{layout}: {key}: want {want!r}, read {got!r}")
    return 0


HONEST_SEEDS = {"dev": 7101, "held-out": 9377}
"""The honest forms' seeds: the held-out share's was never used while tuning."""
TARGET_HONEST = {"scan_150": 0.95, "scan_200": 0.95, "scan_300": 0.95, "photo": 0.90}


def honest(args: argparse.Namespace) -> int:
    """Scans as offices and phones send them (see the module docstring)."""
    import parsers
    from bench.parse_accuracy import EditTally, flatten, needs_review
    from parsers.ocr import default_engine
    from samples import forms, scans

    if scans.soffice() is None:
        print("parse_pdf: LibreOffice is not installed: nothing measured")
        return 0
    engine = default_engine()
    if engine is None:
        print("parse_pdf: Tesseract with tha+eng is not installed: scans not measured")
        return 0
    kinds = [k for k in args.kinds.split(",") if k] or [
        "scan_100", "scan_150", "scan_200", "scan_300", "photo", "multi_file"]  # fmt: skip
    count = args.honest
    splits = ("dev", "held-out") if args.split == "all" else (args.split,)
    if args.tiny:
        count, kinds, splits = 1, ["scan_150"], ("dev",)
    started = time.perf_counter()
    made: list[scans.Scan] = []
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        made = [s for s in pickle.loads(cache.read_bytes())  # noqa: S301  (our own file)
                if s.kind in kinds and ("held-out" if s.held_out else "dev") in splits]  # fmt: skip
    else:
        for split in splits:
            layouts = forms.DEV_LAYOUTS if split == "dev" else forms.HELD_OUT_LAYOUTS
            made += scans.honest_scans(count, seed=HONEST_SEEDS[split], layouts=layouts,
                                       held_out=split == "held-out", kinds=kinds)  # fmt: skip
        if cache is not None:
            cache.write_bytes(pickle.dumps(made))
    count = max(1, len(made) // max(1, len(kinds) * len(splits)))
    print(f"parse_pdf --honest: {len(made)} messages of {count} forms per split generated in "
          f"{time.perf_counter() - started:.1f} s (SYNTHETIC, Arundina)")  # fmt: skip
    together = getattr(parsers, "read_attachments", None)  # older versions: file by file
    tallies: dict[tuple[str, str], EditTally] = {}
    page_seconds: dict[tuple[str, str], list[float]] = {}
    for scan in made:
        split = "held-out" if scan.held_out else "dev"
        tally = tallies.setdefault((scan.kind, split), EditTally())
        start = time.perf_counter()
        files = [(data, name) for name, data in scan.files]
        if together is not None:
            budget = parsers.OcrBudget()  # the defaults of [ocr], as the parse stage makes it
            results = together(files, ocr=engine, budget=budget)
        else:
            results = [parsers.read_attachment(d, filename=n, ocr=engine) for d, n in files]
        seconds = time.perf_counter() - start
        page_seconds.setdefault((scan.kind, split), []).append(seconds / scan.pages)
        readings = [r for r in results if isinstance(r, parsers.FormReading)]
        expected = flatten(scan.truth)
        tally.forms += 1
        tally.fields += len(expected)
        tally.no_form += not readings and all(isinstance(r, parsers.NotAForm) for r in results)
        if len(readings) > 1:
            tally.problems_missed += len(readings) - 1  # receipts beyond one: a form split up
        best = max(readings, key=lambda r: len(r.fields), default=None)
        found = flatten(dict(best.fields)) if best is not None else {}
        review = needs_review(best) if best is not None else True
        tally.review += review
        wrong = 0
        for key, value in expected.items():
            if key in found and found[key] == value:
                tally.exact += 1
            else:
                wrong += key in found
                tally.wrong.append((key, value, found.get(key, "<absent>")))
        if not review:
            tally.silent_wrong += wrong
    header = (f"{'kind':<11}{'split':<10}{'forms':>6}{'fields':>7}{'exact':>9}{'review':>8}"
              f"{'no form':>8}{'split up':>9}{'silent':>7}{'s/page':>8}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for kind in kinds:
        for split in splits:
            row = tallies.get((kind, split))
            if row is None:
                continue
            exact = row.exact / row.fields if row.fields else 0.0
            seconds = statistics.median(page_seconds[(kind, split)])
            print(f"{kind:<11}{split:<10}{row.forms:>6}{row.fields:>7}{exact:>8.1%} "
                  f"{row.review:>7}{row.no_form:>8}{row.problems_missed:>9}"
                  f"{row.silent_wrong:>7}{seconds:>8.1f}")  # fmt: skip
    for (kind, split), tally in sorted(tallies.items()):
        target = TARGET_HONEST.get(kind)
        exact = tally.exact / tally.fields if tally.fields else 0.0
        if target is not None and exact < target:
            print(f"MISSES the {target:.0%} target: {kind} {split} {exact:.1%}")
        if tally.no_form:
            print(f"MISSES 0 'no form': {kind} {split} {tally.no_form} forms lost")
    if args.show:
        for (kind, split), tally in sorted(tallies.items()):
            if split == "held-out" and not args.show_held_out:
                continue
            for key, want, got in tally.wrong[: args.show]:
                print(f"  {kind} {split}: {key}: want {want!r}, read {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
