"""Outlook's ``winmail.dat`` (TNEF, [MS-OXTNEF]): the files inside it. Pure, bytes in.

Outlook and Exchange send rich-text mail as one ``application/ms-tnef`` part that holds the real
attachments; the *extract* stage (:mod:`ingest.attachments`) lists them as files of their own,
like the members of a zip. Written here from the published format, small and permissive (MIT
like the rest): tnefparse, the usual Python reader, is LGPL-3.0.

The stream: a signature, a key, then attributes, each ``level (1 byte), id (4), length (4),
data, checksum (2)``. ``attAttachRenddata`` starts an attachment, ``attAttachTitle`` names it
(8.3), ``attAttachData`` holds its bytes, and ``attAttachment`` its MAPI properties, among them
the long file name (``PR_ATTACH_LONG_FILENAME``), which wins over the title.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
_LEVEL_ATTACHMENT = 2
_ATT_ATTACH_RENDDATA = 0x00069002
_ATT_ATTACH_TITLE = 0x00018010
_ATT_ATTACH_DATA = 0x0006800F
_ATT_ATTACHMENT = 0x00069005
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_DATA_BIN = 0x3701
_FIXED = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
          0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16, 0x0001: 0}  # fmt: skip
_VARIABLE = {0x001E, 0x001F, 0x0102, 0x000D}


class TnefError(ValueError):
    """Not a TNEF stream, or a damaged one."""


@dataclass(slots=True)
class TnefFile:
    filename: str | None = None
    data: bytes = b""
    _title: str | None = field(default=None, repr=False)


def read_tnef(data: bytes, *, max_files: int = 200) -> list[TnefFile]:
    """The attachments in a TNEF stream, in order; raises :class:`TnefError` when it is not
    one. A stream cut short or with junk at its end gives what was read before (Outlook and
    gateways write such files; their attachments are still whole)."""
    if not data.startswith(TNEF_SIGNATURE) or len(data) < 6:
        raise TnefError("no TNEF signature")
    files: list[TnefFile] = []
    offset = 6
    while offset < len(data):
        if offset + 9 > len(data):
            break  # junk or a cut at the end
        level = data[offset]
        attribute, length = struct.unpack_from("<II", data, offset + 1)
        start, end = offset + 9, offset + 9 + length
        if end > len(data):
            break
        value = data[start:end]
        offset = end + 2  # the checksum is not worth refusing a file over
        if level != _LEVEL_ATTACHMENT:
            continue
        if attribute == _ATT_ATTACH_RENDDATA:
            if len(files) >= max_files:
                raise TnefError(f"more than {max_files} attachments")
            files.append(TnefFile())
        elif not files:
            continue
        elif attribute == _ATT_ATTACH_TITLE:
            files[-1]._title = _text(value.split(b"\x00", 1)[0])
        elif attribute == _ATT_ATTACH_DATA:
            files[-1].data = value
        elif attribute == _ATT_ATTACHMENT:
            _apply_properties(files[-1], value)
    for found in files:
        if found.filename is None:
            found.filename = found._title
    return [f for f in files if f.data]


def _text(raw: bytes) -> str:
    for codec in ("utf-8", "cp874", "latin-1"):
        try:
            return raw.decode(codec).strip("\x00").strip()
        except UnicodeDecodeError:
            continue
    return ""  # pragma: no cover - latin-1 decodes anything


def _apply_properties(target: TnefFile, block: bytes) -> None:
    """The long file name (and the data, when only the properties carry it) from a MAPI
    property list; a list we cannot follow to the end is left for what was read."""
    try:
        for prop_id, prop_type, values in _properties(block):
            if not values:
                continue
            if prop_id in (_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_FILENAME):
                raw = values[0]
                name = (
                    raw.decode("utf-16-le", "replace").strip("\x00")
                    if prop_type == 0x001F
                    else _text(raw.split(b"\x00", 1)[0])
                )
                if name and (prop_id == _PR_ATTACH_LONG_FILENAME or target.filename is None):
                    target.filename = name
            elif prop_id == _PR_ATTACH_DATA_BIN and prop_type == 0x0102 and not target.data:
                target.data = values[0]
    except (struct.error, IndexError):
        return


def _properties(block: bytes) -> list[tuple[int, int, list[bytes]]]:
    (count,) = struct.unpack_from("<I", block, 0)
    offset, found = 4, []
    for _ in range(min(count, 10_000)):
        prop_type, prop_id = struct.unpack_from("<HH", block, offset)
        offset += 4
        if prop_id >= 0x8000:  # a named property: GUID, kind, then an id or a name
            (kind,) = struct.unpack_from("<I", block, offset + 16)
            offset += 20
            if kind == 0:
                offset += 4
            else:
                (name_length,) = struct.unpack_from("<I", block, offset)
                offset += 4 + _padded(name_length)
        multi = bool(prop_type & 0x1000)
        base = prop_type & ~0x1000
        if base in _VARIABLE or multi:
            (values_count,) = struct.unpack_from("<I", block, offset)
            offset += 4
        else:
            values_count = 1
        values: list[bytes] = []
        for _value in range(min(values_count, 10_000)):
            if base in _VARIABLE:
                (length,) = struct.unpack_from("<I", block, offset)
                offset += 4
                values.append(block[offset : offset + length])
                offset += _padded(length)
            elif base in _FIXED:
                size = max(_FIXED[base], 4) if base != 0x0001 else 0
                values.append(block[offset : offset + size])
                offset += size
            else:
                raise IndexError(f"unknown MAPI property type {prop_type:#x}")
        found.append((prop_id, base, values))
    return found


def _padded(length: int) -> int:
    return (length + 3) // 4 * 4
