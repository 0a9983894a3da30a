"""Stage *extract*: MIME parts (:mod:`ingest.mime`) -> the files to look at.

Pure. Zip archives are opened (recursively, within the limits in ``[limits]``) and their members
listed as files of their own, with a part path ``2!folder/form.xlsx``; an archive that is too
big, too deep, too compressed (a bomb) or encrypted yields a file item carrying the problem
instead, so it reaches a person rather than crashing the pipeline. Office files are zips too and
are never opened here.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.config import LimitsConfig
from ingest.mime import Part
from ingest.tnef import TNEF_SIGNATURE, TnefError, read_tnef
from parsers.ooxml import declared_members

_OOXML_MARKERS = ("[Content_Types].xml",)
_ODF_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument."
_HUGE_DIRECTORY = 10_000
"""Entries a zip's end record may declare before we look at its central directory at all
(reading 400,000 entries cost 30 s and 220 MB): more is refused as a bomb."""


@dataclass(frozen=True, slots=True)
class FileItem:
    part_path: str
    filename: str | None
    content_type: str
    data: bytes
    problem: str | None = None
    """Why this file could not be opened (Thai, for the reply), when it could not."""


def is_plain_zip(data: bytes) -> bool:
    """A zip archive to open here: not an office document (OOXML, OpenDocument), which the
    readers take whole."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    if data[30 : 30 + len(_ODF_MIMETYPE)] == _ODF_MIMETYPE:
        return False  # .ods/.odt/.odp: the first member is "mimetype", stored (ODF 1.2 §3.3)
    declared = declared_members(data)
    if declared is not None and declared > _HUGE_DIRECTORY:
        return True  # not opened here: _expand_item refuses it
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # a broken zip is still a zip; expand() reports it as damaged
    if "mimetype" in names and any(n in names for n in ("content.xml", "META-INF/manifest.xml")):
        return False  # OpenDocument whose mimetype member is not first
    return not any(marker in names for marker in _OOXML_MARKERS)


def expand(parts: Iterable[Part], limits: LimitsConfig) -> list[FileItem]:
    items: list[FileItem] = []
    for part in parts:
        item = FileItem(part.part_path, part.filename, part.content_type, part.data)
        items.extend(_expand_item(item, limits, depth=0, budget=[limits.zip_max_total_bytes]))
    return items[: limits.max_attachments]


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: Thai Windows zips use cp874
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("cp874")
    return name


def _expand_item(
    item: FileItem, limits: LimitsConfig, *, depth: int, budget: list[int]
) -> Iterator[FileItem]:
    if item.data.startswith(TNEF_SIGNATURE):
        yield from _expand_tnef(item, limits, depth=depth, budget=budget)
        return
    if not is_plain_zip(item.data):
        yield item
        return
    declared = declared_members(item.data)
    if declared is not None and declared > limits.zip_max_members:
        yield FileItem(item.part_path, item.filename, "application/zip", item.data)
        yield _problem(item, f"ไฟล์ zip มีไฟล์มากเกินไป ({declared} ไฟล์)")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(item.data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        # one item, bytes kept: a damaged archive (or a damaged .xlsx/.docx, which is a zip too)
        yield FileItem(
            item.part_path,
            item.filename,
            item.content_type,
            item.data,
            f"ไฟล์เสียหาย เปิดไม่ได้ (damaged file: {exc})",
        )
        return
    yield FileItem(item.part_path, item.filename, "application/zip", item.data)
    if depth >= limits.max_nesting:
        archive.close()
        yield _problem(item, "ไฟล์ zip ซ้อนกันหลายชั้นเกินไป (nested too deep)")
        return
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > limits.zip_max_members:
            yield _problem(item, f"ไฟล์ zip มีไฟล์มากเกินไป ({len(infos)} ไฟล์)")
            return
        for info in infos:
            name = _member_name(info)
            path = f"{item.part_path}!{name}"
            if info.flag_bits & 0x1:
                yield FileItem(
                    path, posixpath.basename(name), "", b"", "ไฟล์มีรหัสผ่าน (encrypted zip)"
                )
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_attachment_bytes or ratio > limits.zip_max_ratio:
                yield FileItem(
                    path,
                    posixpath.basename(name),
                    "",
                    b"",
                    f"ไฟล์ในไฟล์ zip ใหญ่หรือถูกบีบอัดผิดปกติ ({info.file_size} ไบต์)",
                )
                continue
            if info.file_size > budget[0]:
                yield FileItem(path, posixpath.basename(name), "", b"", "ไฟล์ zip ใหญ่เกินกำหนด")
                return
            try:
                data = _read_bounded(archive, info, limit=limits.max_attachment_bytes)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
                yield FileItem(
                    path, posixpath.basename(name), "", b"", f"อ่านไฟล์ใน zip ไม่ได้ ({exc})"
                )
                continue
            budget[0] -= len(data)
            member = FileItem(path, posixpath.basename(name), "", data)
            yield from _expand_item(member, limits, depth=depth + 1, budget=budget)


def _expand_tnef(
    item: FileItem, limits: LimitsConfig, *, depth: int, budget: list[int]
) -> Iterator[FileItem]:
    """Outlook's winmail.dat (TNEF): the item, then the files inside it as items of their own."""
    yield FileItem(item.part_path, item.filename, "application/ms-tnef", item.data)
    try:
        files = read_tnef(item.data, max_files=limits.zip_max_members)
    except TnefError as exc:
        yield _problem(item, f"เปิดไฟล์ winmail.dat ไม่ได้ (damaged TNEF: {exc})")
        return
    if depth >= limits.max_nesting:
        yield _problem(item, "ไฟล์ซ้อนกันหลายชั้นเกินไป (nested too deep)")
        return
    for index, found in enumerate(files, start=1):
        name = found.filename or f"attachment-{index}"
        path = f"{item.part_path}!{index}:{name}"
        if len(found.data) > limits.max_attachment_bytes or len(found.data) > budget[0]:
            yield FileItem(path, name, "", b"", "ไฟล์ใน winmail.dat ใหญ่เกินกำหนด")
            continue
        budget[0] -= len(found.data)
        member = FileItem(path, name, "", found.data)
        yield from _expand_item(member, limits, depth=depth + 1, budget=budget)


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> bytes:
    """Read a member, refusing to inflate past ``limit`` whatever its header claims."""
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"member inflates beyond {limit} bytes")
    return data


def _problem(item: FileItem, problem: str) -> FileItem:
    return FileItem(f"{item.part_path}#problem", item.filename, item.content_type, b"", problem)
