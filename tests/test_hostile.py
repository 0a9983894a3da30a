"""Hostile and broken files: each gives Unreadable (or NotAForm) with a reason, never an exception,
and the bombs are read in a child process whose peak RSS must stay under a generous bound.

Bombs are built on disk by streaming, so the test process never holds what they unpack to.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msoffcrypto.format.ooxml  # type: ignore[import-untyped]
import openpyxl
import pytest
import xlwt  # type: ignore[import-untyped]

from parsers import FormReading, NotAForm, ReadLimits, Unreadable, load_schema, read_attachment
from parsers.template import build_docx_template, build_template
from samples.forms import fill_xls, fill_xlsx
from samples.wordforms import fill_docx
from tests.test_form_xlsx import make_truth

SCHEMA = load_schema("2564.1")
PEAK_RSS_BOUND_MB = 300  # a memory bound, not a timing assertion
MB = 1024 * 1024
LOL = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)  # fmt: skip


def form(fmt: str, seed: int = 1) -> bytes:
    """A filled form, the same bytes on every run (zip timestamps and document dates fixed)."""
    fill = {"xlsx": fill_xlsx, "xls": fill_xls, "docx": fill_docx}[fmt]
    layout = "word_template" if fmt == "docx" else "template_beside"
    data = fill(make_truth(seed), layout=layout, rng=random.Random(seed))
    if fmt == "xls":
        return data
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            part = source.read(item)
            if item.filename == "docProps/core.xml":
                part = re.sub(rb">\d{4}-\d\d-\d\dT[0-9:.]+Z<", b">2021-01-01T00:00:00Z<", part)
            info = zipfile.ZipInfo(item.filename, (2021, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, part)
    return buffer.getvalue()


def unreadable(data: bytes, code: str, name: str = "form.bin", **limits: int) -> Unreadable:
    result = read_attachment(data, filename=name, limits=ReadLimits(**limits))
    assert isinstance(result, Unreadable), result
    assert result.problem.code == code, result
    assert result.problem.message_th
    return result


# --------------------------------------------------------------------------- building packages


def repack(
    data: bytes, replace: dict[str, Callable[[zipfile.ZipFile], None] | bytes], out: Path
) -> Path:
    """``data`` (a zip package) with parts replaced: bytes, or a writer streaming into the part."""
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for item in source.infolist():
            new = replace.get(item.filename)
            if new is None:
                target.writestr(item, source.read(item))
            elif isinstance(new, bytes):
                target.writestr(item.filename, new)
            else:
                new(target)
        for name, new in replace.items():
            if name not in source.namelist():
                target.writestr(name, new) if isinstance(new, bytes) else new(target)
    return out


def streamed(
    name: str, head: bytes, filler: bytes, size: int, tail: bytes
) -> Callable[[zipfile.ZipFile], None]:
    def write(target: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as part:
            part.write(head)
            written = 0
            while written < size:
                part.write(filler)
                written += len(filler)
            part.write(tail)

    return write


def lie_about_size(path: Path, name: str, declared: int) -> None:
    """Rewrite the unpacked size of part ``name`` in both headers (a bomb that lies)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    position = data.find(b"PK\x03\x04")
    while position >= 0:
        length = struct.unpack_from("<H", data, position + 26)[0]
        if data[position + 30 : position + 30 + length] == encoded:
            struct.pack_into("<I", data, position + 22, declared)
        position = data.find(b"PK\x03\x04", position + 4)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + length] == encoded:
            struct.pack_into("<I", data, position + 24, declared)
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- reading in a child

# The child reports its own peak: VmHWM of its address space after exec. (ru_maxrss from wait4
# would not do: Linux carries the parent's high-water mark across fork and exec.)
_CHILD = """
import json, sys
from parsers import read_attachment
data = open(sys.argv[1], "rb").read()
result = read_attachment(data, filename=sys.argv[2])
code = getattr(getattr(result, "problem", None), "code", None)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"type": type(result).__name__, "code": code, "peak_kb": int(status)}))
"""


def read_in_child(path: Path, name: str) -> tuple[dict[str, Any], float]:
    """(the result as JSON, the child's peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), name],
        capture_output=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    return result, result.pop("peak_kb") / 1024


def assert_bounded(path: Path, name: str, kind: str, code: str | None) -> None:
    result, peak = read_in_child(path, name)
    print(f"{path.name}: {result}, child peak RSS {peak:.0f} MB")
    assert result == {"type": kind, "code": code}
    assert peak < PEAK_RSS_BOUND_MB, f"child peak RSS {peak:.0f} MB reading {path.name}"


# --------------------------------------------------------------------------- zip bombs


@pytest.mark.parametrize(
    ("fmt", "part", "name"),
    [("xlsx", "xl/worksheets/sheet1.xml", "form.xlsx"), ("docx", "word/document.xml", "f.docx")],
)
def test_zip_bomb_by_ratio_is_refused_with_bounded_memory(
    fmt: str, part: str, name: str, tmp_path: Path
) -> None:
    bomb = streamed(part, b"<x>", b" " * MB, 180 * MB, b"</x>")
    path = repack(form(fmt), {part: bomb}, tmp_path / name)
    assert path.stat().st_size < 2 * MB
    unreadable(path.read_bytes(), "too_large", name)
    assert_bounded(path, name, "Unreadable", "too_large")


@pytest.mark.parametrize(
    ("fmt", "part", "name"),
    [("xlsx", "xl/worksheets/sheet1.xml", "form.xlsx"), ("docx", "word/document.xml", "f.docx")],
)
def test_zip_bomb_lying_about_its_size_stops_at_the_declared_size(
    fmt: str, part: str, name: str, tmp_path: Path
) -> None:
    bomb = streamed(part, b"<x>", b"<y/>" * (MB // 4), 150 * MB, b"</x>")
    path = repack(form(fmt), {part: bomb}, tmp_path / name)
    lie_about_size(path, part, 4000)
    unreadable(path.read_bytes(), "corrupt_file", name)
    assert_bounded(path, name, "Unreadable", "corrupt_file")


def test_total_unpacked_size_and_part_size_are_capped(tmp_path: Path) -> None:
    rng = random.Random(3)
    noise = {f"xl/media/image{n}.bin": rng.randbytes(2 * MB) for n in range(3)}
    data = repack(form("xlsx"), dict(noise), tmp_path / "big.xlsx").read_bytes()  # type: ignore[arg-type]
    unreadable(data, "too_large", "big.xlsx", max_unpacked_bytes=4 * MB)
    assert isinstance(
        read_attachment(data, limits=ReadLimits(max_unpacked_bytes=64 * MB)), FormReading
    )
    unreadable(form("docx"), "too_large", "f.docx", max_part_bytes=4096)


def test_too_many_parts_is_refused_before_the_directory_is_parsed() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(form("xlsx"))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        for number in range(3000):
            target.writestr(f"customXml/item{number}.xml", b"<a/>")
    unreadable(buffer.getvalue(), "too_large", "form.xlsx")
    assert isinstance(
        read_attachment(buffer.getvalue(), limits=ReadLimits(max_zip_members=5000)), FormReading
    )


# --------------------------------------------------------------------------- XML entity bombs


BILLION_LAUGHS = (LOL + "<sst><si><t>&lol9;</t></si></sst>").encode()
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


@pytest.mark.parametrize(
    ("fmt", "part"),
    [
        ("xlsx", "xl/sharedStrings.xml"),
        ("xlsx", "xl/worksheets/sheet1.xml"),
        ("xlsx", "xl/workbook.xml"),
        ("docx", "word/document.xml"),
        ("docx", "_rels/.rels"),
    ],
)
@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external"])
def test_entity_bombs_are_corrupt_files(
    fmt: str, part: str, payload: bytes, tmp_path: Path
) -> None:
    name = f"form.{fmt}"
    path = repack(form(fmt), {part: payload}, tmp_path / name)
    unreadable(path.read_bytes(), "corrupt_file", name)


def test_entity_bomb_memory_is_bounded(tmp_path: Path) -> None:
    body = (
        LOL.replace("lolz", "w:document")
        + '<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    )
    path = repack(form("docx"), {"word/document.xml": body.encode()}, tmp_path / "lol.docx")
    assert_bounded(path, "lol.docx", "Unreadable", "corrupt_file")
    path = repack(form("xlsx"), {"xl/sharedStrings.xml": BILLION_LAUGHS}, tmp_path / "lol.xlsx")
    assert_bounded(path, "lol.xlsx", "Unreadable", "corrupt_file")


# --------------------------------------------------------------------------- passwords


PASSWORD = "onep2564"


def encrypted(data: bytes, password: str = PASSWORD) -> bytes:
    office = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data))
    out = io.BytesIO()
    office.encrypt(password, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_real_password_protected_files_say_so(fmt: str) -> None:
    data = encrypted(form(fmt))
    result = unreadable(data, "password_protected", f"form.{fmt}")
    assert result.format == "encrypted-ooxml"
    assert "ไฟล์มีรหัสผ่าน" in result.problem.message_th
    office = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data))  # and it really is encrypted
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    assert isinstance(read_attachment(plain.getvalue()), FormReading)


def test_encrypted_xls_says_so() -> None:
    """An .xls with a FILEPASS record (what Excel writes for "password to open"); SYNTHETIC: the
    CODEPAGE record of an xlwt workbook renamed in place, as msoffcrypto cannot encrypt .xls."""
    data = bytearray(form("xls"))
    codepage = data.find(b"\x42\x00\x02\x00\xb0\x04")
    assert codepage > 0
    data[codepage : codepage + 2] = b"\x2f\x00"
    result = unreadable(bytes(data), "password_protected", "form.xls")
    assert "ไฟล์มีรหัสผ่าน" in result.problem.message_th


# --------------------------------------------------------------------------- corrupt and truncated


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "docx"])
def test_truncated_files_are_unreadable(fmt: str) -> None:
    data = form(fmt)
    for cut in (600, 2000, len(data) // 2, len(data) - 200):
        result = read_attachment(data[:cut], filename=f"form.{fmt}")
        assert isinstance(result, Unreadable), (cut, result)
        assert result.problem.code == "corrupt_file"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "docx"])
def test_damaged_bytes_never_raise(fmt: str) -> None:
    data = form(fmt)
    rng = random.Random(fmt)
    outcomes: set[str] = set()
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.choice((1, 4, 32))):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            start = rng.randrange(len(damaged))
            damaged[start : start + rng.randint(16, 512)] = bytes(rng.randint(16, 512))
        result = read_attachment(bytes(damaged), filename=f"form.{fmt}")
        assert isinstance(result, FormReading | NotAForm | Unreadable)
        outcomes.add(type(result).__name__)
    assert "Unreadable" in outcomes


# --------------------------------------------------------------------------- absurd sizes


def test_absurd_xls_sheet_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    """65,536 rows with a value in the last column: xlrd would pad 16.7 M slots."""
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("absurd", cell_overwrite_ok=True)
    sheet = book.get_sheet(0)
    for row in range(65_536):
        sheet.write(row, 255, row)
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "absurd.xls"
    path.write_bytes(buffer.getvalue())
    unreadable(buffer.getvalue(), "too_large", "absurd.xls")
    assert_bounded(path, "absurd.xls", "Unreadable", "too_large")


def test_absurd_xlsx_extent_memory_is_bounded(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(SCHEMA)))
    workbook.active["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    workbook.save(path)
    assert_bounded(path, "far.xlsx", "FormReading", None)


def test_huge_number_of_sheets_reads_only_the_first(tmp_path: Path) -> None:
    data = form("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        workbook = source.read("xl/workbook.xml").decode()
        rels = source.read("xl/_rels/workbook.xml.rels").decode()
    count = 20_000
    sheets = "".join(
        f'<sheet name="S{n}" sheetId="{n + 10}" r:id="rIdX{n}"/>' for n in range(count)
    )
    targets = "".join(
        f'<Relationship Id="rIdX{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        for n in range(count)
    )
    workbook = workbook.replace("</sheets>", sheets + "</sheets>")
    rels = rels.replace("</Relationships>", targets + "</Relationships>")
    path = repack(
        data,
        {"xl/workbook.xml": workbook.encode(), "xl/_rels/workbook.xml.rels": rels.encode()},
        tmp_path / "many.xlsx",
    )
    result = read_attachment(path.read_bytes(), filename="many.xlsx")
    assert isinstance(result, FormReading)
    assert result.fields["lao_name"] == make_truth(1)["lao_name"]
    assert_bounded(path, "many.xlsx", "FormReading", None)


def test_many_xls_sheets_reads_at_most_max_sheets() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    for number in range(400):
        book.add_sheet(f"S{number}").write(0, 0, f"แผ่นที่ {number}")
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_attachment(
        buffer.getvalue(), filename="many.xls", limits=ReadLimits(max_sheets=50)
    )
    assert isinstance(result, NotAForm)


def test_deeply_nested_word_tables_do_not_recurse_without_end(tmp_path: Path) -> None:
    depth = 3000
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = (
        "<w:tbl><w:tr><w:tc>" * depth
        + "<w:p><w:r><w:t>ลึก</w:t></w:r></w:p>"
        + "</w:tc></w:tr></w:tbl>" * depth
    )
    document = f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
    path = repack(
        build_docx_template(SCHEMA),
        {"word/document.xml": document.encode()},
        tmp_path / "deep.docx",
    )
    result = read_attachment(path.read_bytes(), filename="deep.docx")
    assert isinstance(result, NotAForm)


def test_deflate_stream_that_is_not_deflate_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(form("docx"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 64] = zlib.compress(b"x")[:2] * 32
    unreadable(bytes(data), "corrupt_file", "form.docx")


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_zip_encrypted_part_is_password_protected(fmt: str) -> None:
    """A package zipped with a password (zip's own encryption flag on a part)."""
    data = bytearray(form(fmt))
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position >= 0:
            data[position + flags] |= 0x1
            position = data.find(signature, position + 4)
    result = unreadable(bytes(data), "password_protected", f"form.{fmt}")
    assert "ไฟล์มีรหัสผ่าน" in result.problem.message_th


def test_a_far_cell_however_its_reference_is_quoted_is_caught(tmp_path: Path) -> None:
    """XML allows r='XFD1048576' and r = "XFD1048576": the extent check reads both (calamine
    would allocate the whole grid from A1 to there)."""
    data = form("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        sheet = source.read("xl/worksheets/sheet1.xml").decode()
    for far in ("<c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>",
                '<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>'):  # fmt: skip
        row = f"<row r='1048576'>{far}</row></sheetData>"
        path = repack(data, {"xl/worksheets/sheet1.xml": sheet.replace("</sheetData>", row)
                             .encode()}, tmp_path / "far.xlsx")  # fmt: skip
        assert_bounded(path, "far.xlsx", "FormReading", None)
