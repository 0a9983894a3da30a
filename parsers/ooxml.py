"""Zip-based Office packages (xlsx, docx) opened within ReadLimits; their XML parsed safely.

Place in the flow: ``parsers.xlsx`` and ``parsers.docx`` open every package through
:func:`open_package` before reading a byte of it. A package is refused (``ReadError``) when its
central directory lists too many parts (checked before ``zipfile`` builds an entry per part),
when its parts unpack to more than ``max_unpacked_bytes``, or when one part over 1 MiB unpacks
more than ``max_compression_ratio`` times its packed size (a zip bomb). :func:`read_part` reads
one part with a hard cap, never trusting the sizes the zip declares; :func:`parse_xml` parses it
with defusedxml and no DTD at all (OOXML parts never have one), so an entity bomb ("billion
laughs") or an external entity fails as a corrupt file instead of expanding; the readers of
XML (xlsx, docx, odf, SpreadsheetML) name parsed elements by :func:`local_name`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from parsers.readers import ReadError
from parsers.results import ReadLimits

_RATIO_FLOOR = 1024 * 1024  # parts smaller than this may compress as well as they like
_CHUNK = 256 * 1024
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError)


def open_package(data: bytes, limits: ReadLimits) -> zipfile.ZipFile:
    """The zip package in ``data``, checked against ``limits`` (see the module docstring)."""
    members = declared_members(data)
    if members is not None and members > limits.max_zip_members:
        raise ReadError(
            "too_large", f"{members} parts in the package (limit {limits.max_zip_members})"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise ReadError("corrupt_file", f"not a readable zip package: {exc}") from exc
    except NotImplementedError as exc:
        raise ReadError("corrupt_file", str(exc)) from exc
    try:
        check_members(archive.infolist(), limits)
    except ReadError:
        archive.close()
        raise
    return archive


def declared_members(data: bytes) -> int | None:
    """The number of entries the end-of-central-directory record declares (None: not found)."""
    tail_start = max(0, len(data) - 65_557)
    position = data.rfind(_EOCD, tail_start)
    if position < 0 or position + 22 > len(data):
        return None
    (count,) = struct.unpack_from("<H", data, position + 10)
    if count != 0xFFFF:
        return int(count)
    position64 = data.rfind(_EOCD64, max(0, position - 4096), position)
    if position64 < 0 or position64 + 40 > len(data):
        return None
    (count64,) = struct.unpack_from("<Q", data, position64 + 32)
    return int(count64)


def check_members(members: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    """Refuse too many parts, too much unpacked data, a part that inflates like a bomb, or an
    encrypted part (a package zipped with a password)."""
    if len(members) > limits.max_zip_members:
        raise ReadError("too_large", f"{len(members)} parts in the package")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:  # zip's own (traditional) encryption of a part
            raise ReadError("password_protected", f"{member.filename} is encrypted")
        total += member.file_size
        if total > limits.max_unpacked_bytes:
            raise ReadError("too_large", "the package unpacks to more than the limit")
        if member.file_size > _RATIO_FLOOR:
            packed = max(member.compress_size, 1)
            if member.file_size / packed > limits.max_compression_ratio:
                raise ReadError(
                    "too_large",
                    f"{member.filename} unpacks {member.file_size // packed}x (a zip bomb)",
                )


def read_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo | str, limits: ReadLimits) -> bytes:
    """One part's bytes, at most ``max_part_bytes`` whatever the zip says about its size."""
    cap = limits.max_part_bytes
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise ReadError("too_large", f"a part unpacks to more than {cap} bytes")
                chunks.append(chunk)
    except KeyError as exc:
        raise ReadError("corrupt_file", f"missing part: {exc}") from exc
    except _ZIP_ERRORS as exc:
        raise ReadError("corrupt_file", f"damaged part: {exc}") from exc
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise ReadError("password_protected", str(exc)) from exc
    except NotImplementedError as exc:  # an unsupported compression method
        raise ReadError("corrupt_file", str(exc)) from exc
    return b"".join(chunks)


def has_doctype(part: bytes) -> bool:
    """A DTD or an entity declaration anywhere in an XML part (never in a genuine OOXML part;
    where entity bombs live). The whole part is searched: a DTD after 4 KiB of padding or a
    comment is still one. Also in UTF-16, which XML allows."""
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        if marker in part or marker.decode().encode("utf-16-le") in part:
            return True
    return False


def parse_xml(part: bytes) -> Any:
    """The root element of ``part``; ReadError("corrupt_file") for bad XML or any DTD."""
    try:
        return fromstring(part, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReadError("corrupt_file", f"XML with a DTD or entities: {exc!r}") from exc
    except (ParseError, ValueError) as exc:
        raise ReadError("corrupt_file", f"not well-formed XML: {exc}") from exc


_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: object) -> str:
    """The name without its namespace ("{...}tbl" -> "tbl"; comments and the like -> "")."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 4096:  # a hostile part could invent names without end
            _LOCAL_NAMES[tag] = name
    return name
