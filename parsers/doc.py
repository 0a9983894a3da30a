"""The legacy Word .doc reader (Word 97-2003 binary, an OLE2 "WordDocument" stream) -> Document.

Place in the flow: registered for the sniffed format "doc" (``parsers.sniff`` tells it from an
.xls or an encrypted OOXML file by the OLE2 stream names); ``parsers.read_attachment`` calls
it, then ``parsers.extract`` reads the form from the cells exactly as for a .docx. The grid is
the .docx reader's: a paragraph is a cell in column 0 of its own row ("p14"), a table row is a
row with its cells at grid columns ("table2!R3C2"), a vertical merge one cell spanning rows.

No permissive library reads .doc text with its table structure, so this follows [MS-DOC]
directly, reading only what the grid needs:

- the FIB (file information block) at the start of WordDocument: encryption (fEncrypted, then
  ``password_protected``), which table stream holds the tables ("0Table" / "1Table"), the main
  text length (ccpText) and where the piece table (CLX), the paragraph and character property
  bin tables (PlcBtePapx / PlcBteChpx) live;
- the piece table: the text is pieces of cp1252 bytes ("compressed") or UTF-16LE (Thai is
  always the latter); character positions (CP) map to file offsets (FC) through it;
- paragraph properties (PAPX in 512-byte FKP pages): a paragraph mark in a table (sprmPFInTable)
  that is the row-end mark (sprmPFTtp) closes a row and carries the row's cell boundaries
  (sprmTDefTable) and vertical merges; 0x07 ends a cell, 0x0D a paragraph;
- character properties (CHPX): deleted text of tracked changes (sprmCFRMarkDel) is skipped, as
  the .docx reader skips ``w:del``; symbol-font check boxes (sprmCSymbol, or Wingdings text in
  the private use area) become their Unicode boxes.

Fields (0x13 instruction 0x14 result 0x15) keep only their result. Nested tables (itap > 1)
are read as text of the enclosing cell. Everything is bounded: the OLE2 file by ``max_bytes``,
pieces and properties by the stream sizes, cells by ``max_rows``/``max_cols``/``max_cells``; a
structure pointing outside its stream is a corrupt file.
"""

from __future__ import annotations

import bisect
import io
import struct
from dataclasses import dataclass, field

import olefile  # type: ignore[import-untyped]

from parsers.cells import Document, FullError
from parsers.readers import ReadContext, ReadError, register
from parsers.results import ReadLimits
from parsers.wordgrid import SHEET, SYMBOL_GLYPHS, WordGrid, joined_lines

_MAGIC = 0xA5EC
_F_ENCRYPTED, _F_WHICH_TABLE = 0x0100, 0x0200
_CLX, _BTE_CHPX, _BTE_PAPX = 33, 12, 13  # pair indexes in FibRgFcLcb97
_PAGE = 512
_MAX_PIECES = 1_000_000
_MAX_CHARS = 20_000_000  # the main text: far beyond any form, bounded by the stream anyway
_MAX_FIELD_DEPTH = 32

# Sprm codes used here.
_P_IN_TABLE, _P_TTP, _P_ITAP, _P_INNER_TTP = 0x2416, 0x2417, 0x6649, 0x244C
_P_DTAP, _P_HUGE_PAPX = 0x664A, 0x6646
_T_DEF_TABLE, _T_VERT_MERGE = 0xD608, 0xD62B
_C_RMARK_DEL, _C_SYMBOL, _C_FTC_ASCII, _C_FTC_OLD = 0x0800, 0x6A09, 0x4A4F, 0x4A3D
_C_VANISH, _C_PIC_LOCATION = 0x083C, 0x6A03

_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
_CELL_MARK, _PARAGRAPH_MARK = "\x07", "\r"
# What other control characters stand for on the printed page ("" = nothing).
_CONTROL = {"\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-", "\x1f": "", "\x01": "",
            "\x02": "", "\x03": "", "\x04": "", "\x05": "", "\x08": "", "\x00": ""}  # fmt: skip


class _DamagedError(Exception):
    """A structure of the file points outside its stream or contradicts itself."""


@register("doc")
def read_doc(data: bytes, context: ReadContext) -> Document:
    """Read a Word 97-2003 document; ReadError("password_protected" | "corrupt_file")."""
    limits = context.limits
    word, table = _streams(data)
    try:
        fib = _Fib.parse(word)
        if fib.encrypted:
            raise ReadError("password_protected", "the document is encrypted (FIB fEncrypted)")
        tables = table.get(fib.table_stream)
        if tables is None:
            raise ReadError("corrupt_file", f"no {fib.table_stream} stream")
        pieces = _pieces(tables, fib)
        text = _Text(word, pieces, fib.ccp_text)
        extra = table.get("Data", b"")
        paragraphs = _Properties(word, tables, fib.papx, extra, paragraph=True)
        characters = _Properties(word, tables, fib.chpx, extra, paragraph=False)
        fonts = _fonts(tables, fib)
        grid = _Grid(limits)
        _read_body(text, paragraphs, characters, _Glyphs(fonts, extra), grid)
    except (_DamagedError, struct.error, IndexError, ValueError, OverflowError) as exc:
        raise ReadError("corrupt_file", f"damaged Word document: {exc}") from exc
    return Document.from_cells("doc", grid.cells, [SHEET])


def _streams(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The WordDocument stream and the table and Data streams, through olefile (all bounded by
    the file's size, which ``read_attachment`` has checked)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                raise ReadError("corrupt_file", "no WordDocument stream in the OLE2 file")
            word = ole.openstream("WordDocument").read()
            tables = {
                name: ole.openstream(name).read()
                for name in ("0Table", "1Table", "Data")
                if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM
            }
    except ReadError:
        raise
    except (OSError, ValueError, IndexError, struct.error, TypeError, KeyError, EOFError) as exc:
        raise ReadError("corrupt_file", f"not a readable OLE2 file: {exc}") from exc
    return word, tables


# --------------------------------------------------------------------------- the FIB


@dataclass(frozen=True)
class _Fib:
    encrypted: bool
    table_stream: str
    ccp_text: int
    clx: tuple[int, int]
    chpx: tuple[int, int]
    papx: tuple[int, int]
    fonts: tuple[int, int]

    @classmethod
    def parse(cls, word: bytes) -> _Fib:
        ident, _nfib = struct.unpack_from("<HH", word, 0)
        if ident != _MAGIC:
            raise _DamagedError(f"not a Word FIB (wIdent {ident:#x})")
        (flags,) = struct.unpack_from("<H", word, 0x0A)
        # fObfuscated only says how (XOR rather than RC4): either way the text needs the password.
        encrypted = bool(flags & _F_ENCRYPTED)
        (csw,) = struct.unpack_from("<H", word, 32)
        position = 34 + csw * 2
        (cslw,) = struct.unpack_from("<H", word, position)
        longs = struct.unpack_from(f"<{cslw}i", word, position + 2)
        position += 2 + cslw * 4
        (pairs,) = struct.unpack_from("<H", word, position)
        if pairs <= _CLX or len(longs) < 4:
            raise _DamagedError("FIB too short for a Word 97 document")
        base = position + 2

        def pair(index: int) -> tuple[int, int]:
            fc, lcb = struct.unpack_from("<II", word, base + index * 8)
            return int(fc), int(lcb)

        return cls(
            encrypted=encrypted,
            table_stream="1Table" if flags & _F_WHICH_TABLE else "0Table",
            ccp_text=max(0, min(int(longs[3]), _MAX_CHARS)),
            clx=pair(_CLX),
            chpx=pair(_BTE_CHPX),
            papx=pair(_BTE_PAPX),
            fonts=pair(15),
        )


def _slice(stream: bytes, where: tuple[int, int]) -> bytes:
    start, length = where
    if start + length > len(stream):
        raise _DamagedError(f"a structure at {start}+{length} lies outside its stream")
    return stream[start : start + length]


# --------------------------------------------------------------------------- the piece table


@dataclass(frozen=True)
class _Piece:
    cp_start: int
    cp_end: int
    fc: int  # byte offset of the first character in WordDocument
    compressed: bool

    def fc_of(self, cp: int) -> int:
        return self.fc + (cp - self.cp_start) * (1 if self.compressed else 2)


def _pieces(tables: bytes, fib: _Fib) -> list[_Piece]:
    """The piece table (PlcPcd) from the CLX: its Prc records are skipped."""
    clx = _slice(tables, fib.clx)
    position = 0
    while position < len(clx) and clx[position] == 0x01:
        (size,) = struct.unpack_from("<h", clx, position + 1)
        position += 3 + max(size, 0)
    if position >= len(clx) or clx[position] != 0x02:
        raise _DamagedError("no piece table in the CLX")
    (length,) = struct.unpack_from("<I", clx, position + 1)
    plc = clx[position + 5 : position + 5 + length]
    if len(plc) != length or length < 4 or (length - 4) % 12:
        raise _DamagedError("the piece table has a bad length")
    count = min((length - 4) // 12, _MAX_PIECES)
    cps = struct.unpack_from(f"<{count + 1}I", plc)
    pieces = []
    for index in range(count):
        fc_raw = struct.unpack_from("<I", plc, 4 * (count + 1) + index * 8 + 2)[0]
        compressed = bool(fc_raw & 0x40000000)
        fc = fc_raw & 0x3FFFFFFF
        if compressed:
            fc //= 2
        if cps[index + 1] > cps[index]:
            pieces.append(_Piece(cps[index], cps[index + 1], fc, compressed))
    return pieces


class _Text:
    """The main document's characters, with the file offset of each for the property lookups."""

    def __init__(self, word: bytes, pieces: list[_Piece], ccp_text: int) -> None:
        self.chars: list[str] = []
        self.fcs: list[int] = []
        for piece in pieces:
            if piece.cp_start >= ccp_text:
                break
            count = min(piece.cp_end, ccp_text) - piece.cp_start
            width = 1 if piece.compressed else 2
            raw = word[piece.fc : piece.fc + count * width]
            if len(raw) < count * width:
                raise _DamagedError("a text piece lies outside WordDocument")
            text = (
                raw.decode("cp1252", errors="replace")
                if width == 1
                else raw.decode("utf-16-le", errors="replace")
            )
            self.chars.extend(text)
            self.fcs.extend(range(piece.fc, piece.fc + count * width, width))


# --------------------------------------------------------------------------- properties


@dataclass
class _Run:
    """The properties of one FKP run that this reader cares about."""

    in_table: bool = False
    row_end: bool = False
    depth: int = 1  # table nesting (itap)
    inner_row_end: bool = False
    boundaries: tuple[int, ...] = ()  # cell edges of the row (rgdxaCenter), twips
    vertical: dict[int, int] = field(default_factory=dict)  # cell index -> 1 continue, 3 restart
    deleted: bool = False
    hidden: bool = False
    symbol: tuple[int, int] | None = None  # (font index, character)
    font: int | None = None
    picture: int | None = None  # offset in the Data stream (a form field's FFData lies there)


class _Properties:
    """Runs of paragraph or character properties, found by file offset (FC)."""

    def __init__(
        self, word: bytes, tables: bytes, where: tuple[int, int], extra: bytes, *, paragraph: bool
    ) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.runs: list[_Run] = []
        if where[1] < 8:
            return
        plc = _slice(tables, where)
        count = (len(plc) - 4) // 8
        pages = struct.unpack_from(f"<{count}I", plc, 4 * (count + 1))
        cache: dict[bytes, _Run] = {}
        for page_number in pages:
            page = word[page_number * _PAGE : (page_number + 1) * _PAGE]
            if len(page) < _PAGE:
                raise _DamagedError("a property page lies outside WordDocument")
            crun = page[_PAGE - 1]
            fcs = struct.unpack_from(f"<{crun + 1}I", page)
            for index in range(crun):
                if paragraph:
                    offset = page[4 * (crun + 1) + 13 * index] * 2
                    grpprl = _papx(page, offset)
                else:
                    offset = page[4 * (crun + 1) + index] * 2
                    grpprl = page[offset + 1 : offset + 1 + page[offset]] if offset else b""
                run = cache.get(grpprl)
                if run is None:
                    run = _parse_sprms(grpprl, paragraph, extra)
                    if len(cache) < 4096:
                        cache[grpprl] = run
                self.starts.append(fcs[index])
                self.ends.append(fcs[index + 1])
                self.runs.append(run)
        order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        self.starts = [self.starts[i] for i in order]
        self.ends = [self.ends[i] for i in order]
        self.runs = [self.runs[i] for i in order]

    def at(self, fc: int) -> _Run | None:
        index = bisect.bisect_right(self.starts, fc) - 1
        if index >= 0 and fc < self.ends[index]:
            return self.runs[index]
        return None


_NO_RUN = _Run()


def _papx(page: bytes, offset: int) -> bytes:
    """The grpprl of a PapxInFkp (its istd, two bytes, dropped)."""
    if offset == 0:
        return b""
    size = page[offset]
    if size == 0:
        size, start = page[offset + 1] * 2, offset + 2
    else:
        size, start = size * 2 - 1, offset + 1
    return page[start + 2 : start + size]


def _operand_size(sprm: int, grpprl: bytes, position: int) -> tuple[int, int]:
    """(bytes before the operand's payload, payload size) of the sprm's operand."""
    spra = sprm >> 13
    fixed = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}
    if spra in fixed:
        return 0, fixed[spra]
    if sprm == _T_DEF_TABLE:
        (size,) = struct.unpack_from("<H", grpprl, position)
        return 2, max(size - 1, 0)
    if sprm == 0xC615 and grpprl[position] == 255:  # sprmPChgTabs, its long form
        deletions = grpprl[position + 1]
        additions = grpprl[position + 2 + deletions * 4]
        return 1, 1 + deletions * 4 + 1 + additions * 3
    return 1, grpprl[position]


def _parse_sprms(grpprl: bytes, paragraph: bool, extra: bytes, run: _Run | None = None) -> _Run:
    """The properties a grpprl sets; ``extra`` is the Data stream, where sprmPHugePapx points
    when a paragraph's properties (a table row's, typically) do not fit in its FKP page."""
    run = run or _Run()
    position = 0
    while position + 2 <= len(grpprl):
        (sprm,) = struct.unpack_from("<H", grpprl, position)
        position += 2
        if position >= len(grpprl) and sprm >> 13 not in (0, 1):
            break
        try:
            skip, size = _operand_size(sprm, grpprl, position)
        except (IndexError, struct.error):
            break
        operand = grpprl[position + skip : position + skip + size]
        position += skip + size
        if paragraph and sprm == _P_HUGE_PAPX and len(operand) >= 4 and extra:
            (offset,) = struct.unpack_from("<I", operand)
            if offset + 2 <= len(extra):
                (size,) = struct.unpack_from("<H", extra, offset)
                _parse_sprms(extra[offset + 2 : offset + 2 + size], True, b"", run)
        elif paragraph:
            _paragraph_sprm(run, sprm, operand)
        else:
            _character_sprm(run, sprm, operand)
    return run


def _paragraph_sprm(run: _Run, sprm: int, operand: bytes) -> None:
    if sprm == _P_IN_TABLE and operand:
        run.in_table = operand[0] == 1
    elif sprm == _P_TTP and operand:
        run.row_end = operand[0] == 1
    elif sprm == _P_ITAP and len(operand) >= 4:
        run.depth = struct.unpack_from("<i", operand)[0]
    elif sprm == _P_DTAP and len(operand) >= 4:
        run.depth += struct.unpack_from("<i", operand)[0]
    elif sprm == _P_INNER_TTP and operand:
        run.inner_row_end = operand[0] == 1
    elif sprm == _T_DEF_TABLE and operand:
        count = operand[0]
        if 1 + (count + 1) * 2 <= len(operand):
            run.boundaries = struct.unpack_from(f"<{count + 1}h", operand, 1)
            tcs = 1 + (count + 1) * 2
            for index in range(count):
                if tcs + index * 20 + 2 <= len(operand):
                    (flags,) = struct.unpack_from("<H", operand, tcs + index * 20)
                    if flags & 0x0020:  # fVertMerge
                        run.vertical[index] = 3 if flags & 0x0040 else 1
    elif sprm == _T_VERT_MERGE and len(operand) >= 2:
        run.vertical[operand[0]] = operand[1]


def _character_sprm(run: _Run, sprm: int, operand: bytes) -> None:
    if sprm == _C_RMARK_DEL and operand:
        run.deleted = operand[0] in (1, 0x81)
    elif sprm == _C_VANISH and operand:
        run.hidden = operand[0] in (1, 0x81)
    elif sprm == _C_SYMBOL and len(operand) >= 4:
        run.symbol = struct.unpack_from("<HH", operand)
    elif sprm == _C_PIC_LOCATION and len(operand) >= 4:
        run.picture = struct.unpack_from("<I", operand)[0]
    elif sprm in (_C_FTC_ASCII, _C_FTC_OLD) and len(operand) >= 2:
        run.font = struct.unpack_from("<H", operand)[0]


def _fonts(tables: bytes, fib: _Fib) -> list[str]:
    """Font names by index (SttbfFfn), lowercased; [] when absent or damaged."""
    try:
        sttb = _slice(tables, fib.fonts)
        (count,) = struct.unpack_from("<H", sttb, 0)
        position, names = 4, []
        for _ in range(count):
            size = sttb[position]
            entry = sttb[position + 1 : position + 1 + size]
            name = entry[39:].decode("utf-16-le", errors="replace").split("\x00")[0]
            names.append(name.lower())
            position += 1 + size
        return names
    except (_DamagedError, struct.error, IndexError):
        return []


# --------------------------------------------------------------------------- the grid


class _Grid(WordGrid):
    """The body's paragraphs and tables on the grid (``parsers.wordgrid``), a table placed
    when the paragraph after it (or the end of the text) ends it."""

    def __init__(self, limits: ReadLimits) -> None:
        super().__init__(limits)
        # The table being read: its rows as (cell texts, boundaries, vertical merges).
        self.table_rows: list[tuple[list[str], tuple[int, ...], dict[int, int]]] = []

    def paragraph(self, text: str) -> None:
        self.end_table()
        self.add_paragraph(text)

    def table_row(self, cells: list[str], run: _Run) -> None:
        if len(self.table_rows) < self.limits.max_rows:
            self.table_rows.append((cells, run.boundaries, dict(run.vertical)))

    def end_table(self) -> None:
        if not self.table_rows:
            return
        table = self.start_table()
        rows, self.table_rows = self.table_rows, []
        edges = sorted({edge for _, bounds, _ in rows for edge in bounds})
        position = {edge: index for index, edge in enumerate(edges)}
        for index, (texts, bounds, vertical) in enumerate(rows):
            col = 0
            for number, text in enumerate(texts):
                if len(bounds) > number + 1 and bounds[number] in position:
                    col = position[bounds[number]]
                    span = max(1, position[bounds[number + 1]] - col)
                else:
                    span = 1
                merge = vertical.get(number, 0)  # 1: continues the cell above, 3: starts one
                if not (merge == 1 and table.continued(col)):
                    table.add(text, index, col, span, merge=merge == 3)
                col += span
        self.add_table(table, len(rows))


def _read_body(
    text: _Text, paragraphs: _Properties, characters: _Properties, glyphs: _Glyphs, grid: _Grid
) -> None:
    """Walk the main text once: fields, deletions, symbols, then paragraphs and table cells."""
    parts: list[str] = []  # the paragraph (or the cell) being read
    cells: list[str] = []  # the table row being read: its finished cells
    lines: list[str] = []  # the finished paragraphs of the cell being read
    inner: list[str] = []  # the cells of a nested table's row being read
    fields: list[bool] = []  # per open field: True once its result (after 0x14) is reached
    try:
        for char, fc in zip(text.chars, text.fcs, strict=True):
            style = characters.at(fc) or _NO_RUN
            if char == _FIELD_BEGIN:
                if len(fields) < _MAX_FIELD_DEPTH:
                    fields.append(False)
                continue
            if char == _FIELD_SEPARATE:
                if fields:
                    fields[-1] = True
                continue
            if char == _FIELD_END:
                if fields:
                    fields.pop()
                continue
            if char not in (_CELL_MARK, _PARAGRAPH_MARK):
                if style.deleted or style.hidden:
                    continue
                if all(fields):
                    parts.append(glyphs.shown(char, style))
                elif char == "\x01" and all(fields[:-1]) and style.picture is not None:
                    parts.append(glyphs.check_box(style.picture))  # FORMCHECKBOX's state
                continue
            properties = paragraphs.at(fc) or _NO_RUN
            line = "".join(parts)
            parts = []
            if not properties.in_table and properties.depth <= 1:
                fields.clear()  # a field never spans paragraphs outside a table
                grid.paragraph(line.strip("\n"))
                continue
            if properties.depth > 1:
                # A nested table: its cells and rows become text of the enclosing cell.
                if properties.inner_row_end:
                    lines.append("\t".join(cell for cell in inner if cell.strip()))
                    inner = []
                else:
                    inner.append(line)
                continue
            if properties.row_end:
                grid.table_row(cells, properties)
                cells, lines, inner = [], [], []
                continue
            lines.append(line)
            if char == _CELL_MARK:
                cells.append(joined_lines(lines))
                lines = []
        grid.end_table()
    except FullError:
        return


class _Glyphs:
    """What characters look like on the page: control characters, symbol-font glyphs and the
    state of legacy check-box fields (FFData in the Data stream), drawn as ``parsers.docx``
    draws them."""

    def __init__(self, fonts: list[str], extra: bytes) -> None:
        self.fonts = fonts
        self.extra = extra

    def shown(self, char: str, style: _Run) -> str:
        if style.symbol is not None and char == "(":
            font_index, code = style.symbol
            return _glyph(self.font(font_index), code)
        code = ord(char)
        if code < 0x20 and char not in "\t\n":
            return _CONTROL.get(char, "")
        if 0xF000 <= code <= 0xF0FF:
            return _glyph(self.font(style.font), code)
        return char

    def font(self, index: int | None) -> str:
        return self.fonts[index] if index is not None and 0 <= index < len(self.fonts) else ""

    def check_box(self, offset: int) -> str:
        """The box ("☑"/"☐") of a check-box FFData at ``offset`` (after its PICF-like header); "" for
        another form field or a damaged one."""
        try:
            (header,) = struct.unpack_from("<H", self.extra, offset + 4)
            start = offset + header
            version, bits, _cch, _hps, name = struct.unpack_from("<IHHHH", self.extra, start)
        except struct.error:
            return ""
        if version != 0xFFFFFFFF or bits & 0x3 != 1:
            return ""
        state = (bits >> 2) & 0x1F
        if state == 25:  # "use the default": wDef follows the name (an Xstz)
            try:
                (state,) = struct.unpack_from("<H", self.extra, start + 12 + name * 2 + 2)
            except struct.error:
                return "☐"
        return "☑" if state == 1 else "☐"


def _glyph(font: str, code: int) -> str:
    mapping = SYMBOL_GLYPHS.get(font)
    if mapping is None:
        # The font is unknown: a private-use check box is most likely Wingdings'.
        mapping = SYMBOL_GLYPHS["wingdings"]
    if (code & 0xFF) in mapping:
        return mapping[code & 0xFF]
    return chr(code) if code < 0xF000 else ""
