"""Reading report forms from attachments: bytes in, values out (no database, no network, no files).

The flow of one attachment through :func:`read_attachment`::

    bytes ─ sniff (magic bytes) ─ reader registry ─ Document of positioned cells
          ─ extract (schema labels -> values + provenance) ─ FormReading
    FormReading ─ check (the schema's rules, ``parsers.validate``) ─ problems

Readers register themselves for a sniffed format (``parsers.readers``): ``parsers.xlsx``,
``parsers.xls``, ``parsers.docx``, ``parsers.doc`` (Word 97-2003), ``parsers.odf`` (.ods, .odt),
``parsers.html`` (HTML tables, often named .xls), ``parsers.spreadsheetml`` (Excel 2003 XML),
``parsers.pdf`` (text layer; scans go on to ``parsers.ocr``, which also reads JPEG/PNG photos). Formats without a reader give ``NotAForm`` saying so
explicitly; a file of a known format that cannot be opened (corrupt, password-protected, too
large, a zip or entity bomb) gives ``Unreadable`` with the problem.
The form itself is data: ``parsers/forms/<version>.toml``, loaded by ``parsers.schema``.
The OCR engine is the caller's (``read_attachment(..., ocr=...)``; the application builds it
once with ``parsers.ocr.default_engine()``): without one, images and scanned pages are not read.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

import parsers.doc  # registers the Word 97-2003 reader
import parsers.docx  # registers the docx reader
import parsers.html  # registers the HTML table reader (web pages saved as .xls)
import parsers.ocr
import parsers.odf  # registers the OpenDocument (ods, odt) readers
import parsers.pdf  # registers the pdf reader, and through parsers.ocr jpeg and png
import parsers.spreadsheetml  # registers the Excel 2003 XML reader
import parsers.xls  # registers the xls reader
import parsers.xlsx
from core.enums import PERSON_READS
from core.thai import register_thai_codecs
from parsers.budget import OcrBudget
from parsers.cells import Document
from parsers.extract import extract, form_like
from parsers.messages import problem
from parsers.ocr.engine import Engine
from parsers.readers import ReadContext, ReadError, reader_for
from parsers.results import (
    FormReading,
    NotAForm,
    Problem,
    Provenance,
    ReadLimits,
    ReadResult,
    Unreadable,
)
from parsers.schema import FormSchema, available_versions, load_schema
from parsers.sniff import sniff
from parsers.validate import validate

__all__ = [
    "FormReading",
    "FormSchema",
    "NotAForm",
    "OcrBudget",
    "Problem",
    "Provenance",
    "ReadLimits",
    "ReadResult",
    "Unreadable",
    "available_versions",
    "check",
    "load_schema",
    "read_attachment",
    "read_attachments",
    "reading_of",
    "register_thai_codecs",
    "sniff",
    "validate",
]

# Names a sender gives to office documents: bytes that are none of our formats but carry such a
# name are a damaged form rather than not a form (the name is a hint here, never the format).
_SCANNED = frozenset({"image", "pdf_scan"})  # documents read by OCR alone
_DOCUMENT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".docx", ".doc", ".pdf", ".ods", ".odt")


def read_attachment(
    data: bytes,
    *,
    filename: str | None = None,
    form_version: str = "2564.1",
    limits: ReadLimits | None = None,
    ocr: Engine | None = None,
    budget: OcrBudget | None = None,
) -> ReadResult:
    """Read one attachment as a report form of ``form_version``: the values found and what
    could not be read; the form's rules are :func:`check`'s (the *validate* stage). Images and
    the pages of a PDF without a text layer are read by ``ocr`` (``parsers.ocr.default_engine()``,
    built once by the application), within ``budget`` (what OCR may still cost for the message:
    one per message, shared by its files; None: a budget of the defaults for this file alone);
    without an engine they are not read."""
    limits = limits or ReadLimits()
    schema = load_schema(form_version)
    found = sniff(data)
    if len(data) > limits.max_bytes:
        return Unreadable(found, problem("too_large", None, None))
    if found == "encrypted-ooxml":
        return Unreadable(found, problem("password_protected", None, None))
    reader = reader_for(found)
    if reader is None:
        return _without_reader(found, filename)
    try:
        document = reader(data, ReadContext(limits, ocr, budget or OcrBudget()))
    except ReadError as exc:
        return Unreadable(found, problem(exc.code, None, exc.detail[:300]))
    return reading_of(document, schema, found)


def read_attachments(
    files: Sequence[tuple[bytes, str | None]],
    *,
    form_version: str = "2564.1",
    limits: ReadLimits | None = None,
    ocr: Engine | None = None,
    budget: OcrBudget | None = None,
) -> list[ReadResult]:
    """The files of one message ((bytes, file name) each), each read as :func:`read_attachment`
    reads it, except the pages of one form sent as several files: two or more files that are
    each one scanned page (a JPEG, PNG or GIF photo or scan, a one-page image-only PDF) are read
    together as one form, in the form's order found from their content, so that the message
    makes one reading (one submission, one receipt), never a receipt per page. That reading is
    the first such file's; the others are "not a form" saying which file they were read with.
    ``budget`` is shared by all the files (None: the defaults, for the message)."""
    limits = limits or ReadLimits()
    budget = budget or OcrBudget()
    pages = [
        index
        for index, (data, _) in enumerate(files)
        if ocr is not None and len(data) <= limits.max_bytes and _one_page(data)
    ]
    results: list[ReadResult | None] = [None] * len(files)
    if len(pages) >= 2 and ocr is not None:
        schema = load_schema(form_version)
        first = pages[0]
        try:
            document = parsers.ocr.read_page_files(
                [files[i][0] for i in pages], limits, ocr, budget
            )
            together = reading_of(document, schema, sniff(files[first][0]))
        except ReadError as exc:
            together = Unreadable(sniff(files[first][0]), problem(exc.code, None, exc.detail[:300]))
        results[first] = together
        name = files[first][1] or f"file {first + 1}"
        for index in pages[1:]:
            results[index] = NotAForm(
                sniff(files[index][0]),
                f"a page of the form read together with {name} ({len(pages)} page files)",
            )
    read = [
        result
        if result is not None
        else read_attachment(
            data, filename=filename, form_version=form_version, limits=limits, ocr=ocr,
            budget=budget,
        )
        for (data, filename), result in zip(files, results, strict=True)
    ]  # fmt: skip
    return read


def _one_page(data: bytes) -> bool:
    """One scanned page alone in a file: a single-frame image, or a one-page scanned PDF."""
    found = sniff(data)
    if found in ("jpeg", "png", "gif", "heic"):
        return True
    if found == "tiff":
        return _frames(data) == 1
    return found == "pdf" and parsers.pdf.one_scanned_page(data)


def _frames(data: bytes) -> int:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, SyntaxError):
        return 0


def reading_of(document: Document, schema: FormSchema, found: str) -> ReadResult:
    """What ``document`` (read from a file sniffed as ``found``) says as a form of ``schema``.

    A scan or photo that is plainly the form (a first look saw its labels, or its title and
    part headings are there) but gave too few values is a reading that a person completes
    (``scan_partly_read``), never "not a form"; one whose pages were not all read (over the
    OCR budget, OCR failed) carries that problem, and is unreadable when what was read is not
    recognisably the form."""
    extraction = extract(document, schema)
    needed = schema.matching.min_labels
    problems = document.problems
    if extraction.labels_found < needed:
        scan = document.format in _SCANNED
        if document.form_seen or (scan and form_like(document, schema)):
            partly = problem("scan_partly_read", None, f"{extraction.labels_found} labels")
            problems = (partly, *problems)
        elif problems:
            return Unreadable(found, problems[0])
        else:
            return NotAForm(
                found,
                f"found {extraction.labels_found} of the form's labels (fields and Part 2 rows);"
                f" at least {needed} make a {schema.version} form",
            )
    confidences = [p.confidence for p in extraction.provenance.values()]
    return FormReading(
        form_version=schema.version,
        format=document.format,  # pdf, pdf_scan or image: what was really read
        fields=extraction.fields,
        provenance=extraction.provenance,
        problems=(*problems, *extraction.problems),
        confidence=min(confidences, default=0.0),
        labels_found=extraction.labels_found,
    )


def check(reading: FormReading) -> tuple[Problem, ...]:
    """The form's own rules (``parsers.validate``) on a reading: the *validate* stage's part.
    None on a scan a person must read (part of): what OCR did read of it is not what the LAO
    wrote in full, and asking the LAO to correct it would be false."""
    if any(p.code in PERSON_READS for p in reading.problems):
        return ()
    return validate(reading, load_schema(reading.form_version))


def _without_reader(found: str, filename: str | None) -> ReadResult:
    if found == "empty":
        return NotAForm(found, "the attachment is empty")
    if found == "tnef":
        return NotAForm(found, "Outlook's winmail.dat: the files inside it are read one by one")
    named_like_a_document = bool(filename and filename.lower().endswith(_DOCUMENT_SUFFIXES))
    if found in ("ole2", "zip") and named_like_a_document:
        # An OLE2 file without a workbook or document stream, or a zip whose parts cannot be
        # named (truncated): a damaged office document rather than something else.
        return Unreadable(found, problem("corrupt_file", None, None))
    if found == "unknown":
        if named_like_a_document:
            return Unreadable(found, problem("corrupt_file", None, None))
        return NotAForm(found, "not a document or image format (unrecognised bytes)")
    return NotAForm(found, f"no reader for {found} yet (not read, so it may still be a form)")
