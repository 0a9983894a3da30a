"""What kind of file is this? Decided from the bytes, never from the name or Content-Type.

Place in the flow: the first step of ``parsers.read_attachment``; its answer picks the reader from
``parsers.readers``. Formats: "xlsx" (also .xlsm), "xlsb", "docx", "ods", "odt", "zip", "xls", "doc",
"encrypted-ooxml" (a password-protected xlsx/docx is an OLE2 file holding "EncryptionInfo"),
"ole2", "pdf", "rtf", "tnef" (Outlook's winmail.dat), "jpeg", "png", "gif", "tiff", "heic" (an
iPhone's photo: an ISO-BMFF ``ftyp`` box of a HEIF brand), "spreadsheetml" (Excel 2003 XML: an XML
document whose Workbook is in urn:schemas-microsoft-com:office:spreadsheet), "html" (markup
starting with ``<html``, ``<!DOCTYPE html``, ``<table``, ``<head``, ``<body`` or ``<meta``, or an
XML/comment prologue followed by ``<html``/``<table``: the web pages offices save as ".xls"),
"empty", "unknown". Text formats are recognised after a BOM (UTF-8 or UTF-16) and white space.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from parsers.ooxml import declared_members

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIMPLE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"{\\rtf", "rtf"),
    (b"\x78\x9f\x3e\x22", "tnef"),  # Outlook's winmail.dat: ingest lists the files inside it
)
_OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.text": "odt",
}


def sniff(data: bytes) -> str:
    """The format of ``data`` (see the module docstring for the names)."""
    if not data.strip():
        return "empty"
    if data.startswith(_OLE2):
        return _sniff_ole2(data)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, name in _SIMPLE_MAGIC:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    return _sniff_markup(data)


_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                          b"mif1", b"msf1"})  # fmt: skip


_SPREADSHEET_NS = b"urn:schemas-microsoft-com:office:spreadsheet"
_HTML_STARTS = (b"<html", b"<!doctype html", b"<table", b"<head", b"<body", b"<meta")
_PROLOGUES = (b"<?xml", b"<!--", b"<!doctype")


def _sniff_markup(data: bytes) -> str:
    """A text format ("spreadsheetml", "html") or "unknown", from the first 8 KiB."""
    head = data[:8192]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(codec, errors="ignore").encode("ascii", errors="ignore")
            break
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(_HTML_STARTS):
        return "html"
    if not head.startswith(_PROLOGUES):
        return "unknown"
    if _SPREADSHEET_NS in head and (b"<workbook" in head or b":workbook" in head):
        return "spreadsheetml"
    if b"<html" in head or b"<table" in head:
        return "html"
    return "unknown"


_MAX_DIRECTORY = 10_000
"""Entries a zip may declare before its central directory is read to name it: more is a bomb
(400,000 empty entries cost 30 s and 220 MB to list), sniffed as a plain zip unread."""


def _sniff_zip(data: bytes) -> str:
    declared = declared_members(data)
    if declared is not None and declared > _MAX_DIRECTORY:
        return "zip"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
            content_types = _content_types(archive, names)
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, ValueError, NotImplementedError):
        # Truncated or damaged: the local headers still name the parts.
        if b"xl/workbook.xml" in data or b"xl/worksheets/" in data:
            return "xlsx"
        if b"word/document.xml" in data:
            return "docx"
        return "zip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "word/document.xml" in names:
        return "docx"
    if mimetype in _OPEN_DOCUMENT:
        return _OPEN_DOCUMENT[mimetype]
    return _by_content_types(content_types)


def _content_types(archive: zipfile.ZipFile, names: set[str]) -> bytes:
    """``[Content_Types].xml`` when small and readable, else nothing (damaged or encrypted)."""
    if "[Content_Types].xml" not in names or names & {"xl/workbook.xml", "word/document.xml"}:
        return b""
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size >= 1 << 20:
        return b""
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error):
        return b""
    except NotImplementedError:
        return b""


_MAIN_PARTS = (
    (b"spreadsheetml.sheet.main+xml", "xlsx"),
    (b"ms-excel.sheet.macroEnabled.main+xml", "xlsx"),
    (b"wordprocessingml.document.main+xml", "docx"),
)


def _by_content_types(content_types: bytes) -> str:
    """An OOXML package whose main part is not where Office puts it (``xl/workbook.xml``):
    named by ``[Content_Types].xml``, as the format says (ECMA-376 Part 2)."""
    for marker, name in _MAIN_PARTS:
        if marker in content_types:
            return name
    return "zip"


def _sniff_ole2(data: bytes) -> str:
    names = ole2_directory(data) or ole2_stream_names(data)
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return "encrypted-ooxml"
    folded = {name.lower() for name in names}  # CFB names compare without case ([MS-CFB] 2.6.4)
    if "workbook" in folded or "book" in folded:
        return "xls"
    if "worddocument" in folded:
        return "doc"
    return "ole2"


_FREE = 0xFFFFFFFA  # sector numbers from here up are markers (end of chain, free, FAT, DIFAT)
_MAX_CHAIN = 100_000


def ole2_directory(data: bytes) -> set[str]:
    """Names in an OLE2 (Compound File) directory, read the way the format says: the header's
    sector size and first directory sector, the FAT (from the header's and the chained DIFAT
    sectors), the directory's sector chain. Empty when the header or a chain is damaged."""
    try:
        (shift,) = struct.unpack_from("<H", data, 0x1E)
        fat_count, first_dir = struct.unpack_from("<II", data, 0x2C)
        if shift not in (9, 12):
            return set()
        size = 1 << shift
        difat_first, difat_count = struct.unpack_from("<II", data, 0x44)
        fat_sectors = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < _FREE]
        sector, hops = difat_first, 0
        while sector < _FREE and hops < min(difat_count, _MAX_CHAIN):
            entries = struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size)
            fat_sectors += [n for n in entries[:-1] if n < _FREE]
            sector, hops = entries[-1], hops + 1
        fat: list[int] = []
        for number in fat_sectors[: max(fat_count, 0) or len(fat_sectors)]:
            fat += struct.unpack_from(f"<{size // 4}I", data, (number + 1) * size)
        names: set[str] = set()
        sector, seen = first_dir, set[int]()
        while sector < _FREE and sector not in seen and len(seen) < _MAX_CHAIN:
            seen.add(sector)
            start = (sector + 1) * size
            for offset in range(start, start + size, 128):
                name = _entry_name(data, offset)
                if name:
                    names.add(name)
            sector = fat[sector] if sector < len(fat) else _FREE
        return names
    except struct.error:
        return set()


def _entry_name(data: bytes, offset: int) -> str | None:
    length, kind = struct.unpack_from("<HB", data, offset + 64)
    if not (2 <= length <= 64 and length % 2 == 0 and kind in (1, 2, 5)):
        return None
    try:
        return data[offset : offset + length - 2].decode("utf-16-le").lstrip("\x01\x05\x06")
    except UnicodeDecodeError:
        return None


def ole2_stream_names(data: bytes) -> set[str]:
    """Names in an OLE2 (Compound File) directory, found by scanning the directory entries.

    Entries are 128 bytes, aligned on 128 inside sectors that follow the 512-byte header; an
    entry is accepted when its name length, object type and UTF-16 name are consistent. Good
    enough to tell xls, doc and encrypted OOXML apart without a full CFB parser.
    """
    names: set[str] = set()
    limit = min(len(data), 8 * 1024 * 1024)
    for offset in range(512, limit - 127, 128):
        length, kind = struct.unpack_from("<HB", data, offset + 64)
        if not (2 <= length <= 64 and length % 2 == 0 and kind in (1, 2, 5)):
            continue
        raw = data[offset : offset + length - 2]
        if data[offset + length - 2 : offset + length] != b"\x00\x00":
            continue
        try:
            name = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            continue
        if name.isprintable() or name.lstrip("\x01\x05\x06").isprintable():
            names.add(name.lstrip("\x01\x05\x06"))
    return names
