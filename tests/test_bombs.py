"""Hostile archives cost nothing: a zip that declares 20,001 entries is refused from its end
record, before anyone reads its central directory (400,000 empty entries used to cost 30 s and
220 MB); a DTD anywhere in an XML part of a workbook is refused, not only in its first 4 KiB."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import parsers
from core.config import LimitsConfig
from ingest.attachments import expand
from ingest.mime import Part
from parsers.sniff import sniff

TEMPLATE = Path(parsers.__file__).parent / "forms" / "template-2564.1.xlsx"


def _many_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(count):
            archive.writestr(str(index), b"")
    return buffer.getvalue()


def test_a_zip_declaring_too_many_entries_is_refused_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = _many_entries(20_001)
    reads: list[int] = []
    real = zipfile.ZipFile._RealGetContents  # type: ignore[attr-defined]

    def counting(self: zipfile.ZipFile) -> None:
        reads.append(1)
        real(self)

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", counting)
    assert sniff(bomb) == "zip"
    items = expand([Part("2", "bomb.zip", "application/zip", bomb, False)], LimitsConfig())
    assert [item.problem for item in items if item.problem] == ["ไฟล์ zip มีไฟล์มากเกินไป (20001 ไฟล์)"]
    result = parsers.read_attachment(bomb, filename="bomb.zip")
    assert isinstance(result, parsers.NotAForm)
    assert reads == []  # nobody listed 20,001 entries
    small = _many_entries(3)
    assert sniff(small) == "zip"
    assert len(expand([Part("2", "s.zip", "application/zip", small, False)], LimitsConfig())) == 4


def _with_part(name: str, change: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(TEMPLATE.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                head, sep, rest = data.partition(b"?>")
                data = head + sep + change + rest
            target.writestr(info, data)
    return out.getvalue()


def test_a_dtd_anywhere_in_a_workbook_part_is_refused() -> None:
    assert isinstance(parsers.read_attachment(TEMPLATE.read_bytes()), parsers.FormReading)
    padding = b"<!-- " + b"x" * 6000 + b" -->"
    dtd = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    for part in ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"):
        hostile = _with_part(part, padding + dtd)
        result = parsers.read_attachment(hostile, filename="form.xlsx")
        assert isinstance(result, parsers.Unreadable), part
        assert result.problem.code == "corrupt_file", part
