"""Checks a zip container (an .xlsx or .ods workbook) by streaming what it really holds, before any reader opens it.

An .xlsx or .ods is a zip of XML parts, and a zip can lie: a part may declare 4,000 bytes and inflate to a
gigabyte, parts may overlap so that a few kilobytes are inflated thousands of times, and a few bytes of XML can
place a cell at XFD1048576 or repeat an ODS row a million times, after which the reader allocates the whole
range. A workbook made from the template is about 20 kB packed and 100 kB unpacked; the limits below leave room
for a hundred times that and no more.

How it is checked, without trusting a declared size:
- the central directory first: number of parts, sum of the declared sizes and their ratio, encryption,
  compression method, and the byte ranges of the parts (overlapping parts are refused);
- then every part is inflated from its own compressed bytes in chunks of CHUNK bytes with zlib, counting the
  bytes that really come out, and stopped as soon as the whole gives more than MAX_UNCOMPRESSED_BYTES; a part
  that inflates more than MAX_COMPRESSION_RATIO times its packed size is refused too, and what comes out must
  match the declared size and CRC-32 (a part that gives a little more or less than it declares is damaged);
- while streaming, the worksheets (xlsx ``<row>``/``<c>``, ods ``table-row``/``table-cell`` with their repeat
  counts) are scanned for cells beyond MAX_SHEET_ROWS or MAX_SHEET_COLUMNS.
Memory stays at a few chunks whatever the file holds (see tests/test_file_limits.py, which measures it).
"""

from __future__ import annotations

import itertools
import logging
import re
import struct
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

from etl import findings as F
from etl.findings import Finding

MAX_UNCOMPRESSED_BYTES = 50_000_000  # all parts together, as really inflated
MAX_COMPRESSION_RATIO = 200  # per part (from RATIO_FROM_BYTES on) and for the whole file
RATIO_FROM_BYTES = 1_000_000  # small XML parts legitimately compress more than 200 times
MAX_ZIP_ENTRIES = 200
# A few bytes can place one cell at XFD1048576; the reader then allocates the whole range.
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 200
CHUNK = 64 * 1024  # bytes inflated at a time
MAX_TAG_BYTES = 1_000_000  # one XML tag (or text node) longer than this is not from a spreadsheet program

log = logging.getLogger(__name__)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@dataclass(frozen=True)
class Container:
    """What a zip holds: `kind` is xlsx or ods (readable), or another kind named for its message."""

    kind: str
    problem: Finding | None = None


def _unsafe(message: str) -> Finding:
    return F.fatal(F.UNSAFE, "bestand", message)


def _unreadable(message: str) -> Finding:
    return F.fatal(F.UNREADABLE, "bestand", message)


DAMAGED = ("het bestand is beschadigd of geen werkmap; sla het sjabloon opnieuw op als Excel-werkmap (.xlsx) en "
           "lever opnieuw aan")
TOO_LARGE = ("de werkmap pakt uit tot een onredelijk grote omvang en is niet geopend; lever het ingevulde sjabloon "
             "aan zonder extra inhoud")
TOO_MANY_CELLS = ("de werkmap bevat een tabblad met ongewoon veel rijen of kolommen en is niet geopend; gebruik het "
                  "sjabloon van de NHSV-monitor en vul alleen de gele cellen in")
PASSWORD = "de werkmap is beveiligd met een wachtwoord; sla haar op zonder wachtwoord en lever opnieuw aan"
TOO_MANY_PARTS = ("de werkmap bevat ongewoon veel onderdelen en is niet geopend; sla het sjabloon opnieuw op als "
                  "gewone Excel-werkmap (.xlsx)")

_OTHER_ZIPS = {
    "xlsb": "binaire Excel-werkmappen (.xlsb) worden niet gelezen; sla het bestand op als Excel-werkmap (.xlsx)",
    "docx": "dit is een Word-document, geen werkmap; vul het sjabloon (.xlsx) in of lever een CSV aan",
    "pptx": "dit is een PowerPoint-presentatie, geen werkmap; vul het sjabloon (.xlsx) in of lever een CSV aan",
    "numbers": ("dit is een Numbers-bestand (Apple); kies in Numbers Bestand > Exporteer naar > Excel (.xlsx) of "
                "CSV en lever dat bestand aan"),
    "opendocument": ("dit is een OpenDocument-bestand maar geen rekenblad (.ods); lever het ingevulde sjabloon "
                     "aan als Excel-werkmap (.xlsx) of OpenDocument-rekenblad (.ods)"),
    "zip": ("dit zip-bestand is geen Excel-werkmap; lever het ingevulde sjabloon (.xlsx of .ods) zelf aan, niet "
            "ingepakt"),
}


def inspect(data: bytes) -> Container:
    """The kind of workbook in a zip and, when it must not be opened, the finding that says why."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return Container("zip", _unsafe(TOO_MANY_PARTS))
            kind = _kind(archive, infos)
            if kind == "encrypted":
                return Container("ods", _unreadable(PASSWORD))
            if kind not in ("xlsx", "ods", "xlsm"):
                return Container(kind, _unreadable(_OTHER_ZIPS[kind]))
            problem = _check_directory(infos) or _check_parts(data, infos, kind)
            if problem is None and kind == "xlsm":
                problem = _unsafe("de werkmap bevat macro's en wordt om veiligheidsredenen niet geopend; sla het "
                                  "sjabloon op als Excel-werkmap (.xlsx) zonder macro's")
            return Container("ods" if kind == "ods" else "xlsx", problem)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
            OSError, struct.error, zlib.error) as exc:  # what zipfile and zlib raise for a damaged zip
        log.info("zip not readable: %s: %s", type(exc).__name__, exc)
        return Container("zip", _unreadable(DAMAGED))


def _kind(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    names = {i.filename.lower() for i in infos}
    if "mimetype" in names:
        kind = _opendocument_kind(archive, infos, names)
        if kind is not None:
            return kind
    if "xl/workbook.xml" in names:
        return "xlsm" if any(n.endswith("vbaproject.bin") for n in names) else "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "index/document.iwa" in names or "index.zip" in names or any(n.endswith(".iwa") for n in names):
        return "numbers"
    return "zip"


def _opendocument_kind(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: set[str]) -> str | None:
    """What an OpenDocument package's mimetype part says it is (a spreadsheet with macros or encrypted counts
    apart); None when the part is too large or names no OpenDocument type."""
    info = next(i for i in infos if i.filename.lower() == "mimetype")
    if info.file_size > 200:
        return None
    with archive.open(info) as handle:
        mimetype = handle.read(200).strip()
    if mimetype == ODS_MIMETYPE:
        if any(n.startswith(("basic/", "scripts/")) for n in names):
            return "xlsm"  # macros (StarBasic or scripts): refused like an .xlsm
        manifest = next((i for i in infos if i.filename.lower() == "meta-inf/manifest.xml"), None)
        if manifest is not None:
            with archive.open(manifest) as handle:
                if b"encryption-data" in handle.read(MAX_TAG_BYTES):
                    return "encrypted"
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        return "opendocument"
    return None


def _check_directory(infos: list[zipfile.ZipInfo]) -> Finding | None:
    """What the central directory declares: encryption, methods, sizes, and parts that overlap."""
    for info in infos:
        if info.flag_bits & 0x1:
            return _unreadable(PASSWORD)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return _unreadable(DAMAGED)
    declared = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if declared > MAX_UNCOMPRESSED_BYTES or (declared > RATIO_FROM_BYTES and declared / packed > MAX_COMPRESSION_RATIO):
        return _unsafe(TOO_LARGE)
    return None


def _check_parts(data: bytes, infos: list[zipfile.ZipInfo], kind: str) -> Finding | None:
    """Inflate every part in chunks, counting what really comes out; scan the worksheets on the way."""
    if len({info.header_offset for info in infos}) != len(infos):
        return _unsafe(TOO_LARGE)  # two names for the same bytes: inflated again for each name
    view = memoryview(data)
    starts = [_data_start(view, info) for info in infos]
    if any(start is None for start in starts):
        return _unreadable(DAMAGED)
    spans = sorted((info.header_offset, start + info.compress_size)
                   for info, start in zip(infos, starts, strict=True) if start is not None)
    for (_begin, end), (next_begin, _next_end) in itertools.pairwise(spans):
        if next_begin < end:
            return _unsafe(TOO_LARGE)  # overlapping parts: the same bytes inflated again and again
    budget = MAX_UNCOMPRESSED_BYTES
    total = 0
    for info, start in zip(infos, starts, strict=True):
        assert start is not None
        produced, problem = _check_part(view, info, start, kind, budget)
        if problem:
            return problem
        budget -= produced
        total += produced
    if total >= RATIO_FROM_BYTES and total > MAX_COMPRESSION_RATIO * len(data):
        return _unsafe(TOO_LARGE)
    return None


def _check_part(view: memoryview, info: zipfile.ZipInfo, start: int, kind: str,
                budget: int) -> tuple[int, Finding | None]:
    """Inflate one part (its worksheet XML scanned on the way): the bytes it gave, and what is wrong with it."""
    name = info.filename.lower()
    scanner: _Scanner | None = None
    if kind == "ods" and name == "content.xml":
        scanner = _OdsScanner()
    elif kind != "ods" and name.endswith(".xml") and name.startswith("xl/"):
        scanner = _XlsxScanner()
    # inflated past its declared size too (to the budget at most), to tell a lie from damage: a part that
    # keeps inflating is made to fool a check of the declared sizes; one that ends a little off is damaged
    produced, crc, problem = _inflate(view[start:start + info.compress_size], info.compress_type, budget, scanner)
    if problem:
        return produced, problem
    if produced > budget:
        return produced, _unsafe(TOO_LARGE)
    if produced >= RATIO_FROM_BYTES and produced > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
        return produced, _unsafe(TOO_LARGE)
    if produced != info.file_size or crc != info.CRC:
        return produced, _unreadable(DAMAGED)
    return produced, None


def _data_start(view: memoryview, info: zipfile.ZipInfo) -> int | None:
    """Where the part's compressed bytes begin, after its local header; None when the header does not agree with
    the central directory (another name, another size: a reader might follow either)."""
    offset = info.header_offset
    if offset + _LOCAL_HEADER.size > len(view):
        return None
    (signature, _version, flags, method, _time, _date, _crc, packed, _size, name_length,
     extra_length) = _LOCAL_HEADER.unpack(view[offset:offset + _LOCAL_HEADER.size])
    if signature != b"PK\x03\x04" or method != info.compress_type:
        return None
    start = offset + _LOCAL_HEADER.size
    if bytes(view[start:start + name_length]) != info.orig_filename.encode("utf-8" if flags & 0x800 else "cp437"):
        return None
    if not flags & 0x8 and packed not in (info.compress_size, 0xFFFFFFFF):
        return None
    start += name_length + extra_length
    if start + info.compress_size > len(view):
        return None
    return start


def _inflated(packed: memoryview, method: int) -> Iterator[bytes]:
    """The part's content in pieces of at most CHUNK bytes, inflated from its own compressed bytes only."""
    if method == zipfile.ZIP_STORED:
        for position in range(0, len(packed), CHUNK):
            yield bytes(packed[position:position + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for position in range(0, len(packed), CHUNK):
        pending: bytes | memoryview = packed[position:position + CHUNK]
        while pending and not inflater.eof:
            out = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            if out:
                yield out
        if inflater.eof:
            return
    while not inflater.eof:  # output still held back by the CHUNK limit
        out = inflater.decompress(b"", CHUNK)
        if not out:
            return
        yield out


def _inflate(packed: memoryview, method: int, limit: int,
             scanner: _Scanner | None) -> tuple[int, int, Finding | None]:
    """(bytes produced, CRC-32, problem) of one part, stopping once more than `limit` bytes came out."""
    produced, crc = 0, 0
    for out in _inflated(packed, method):
        produced += len(out)
        if produced > limit:
            break
        crc = zlib.crc32(out, crc)
        if scanner is not None and scanner.feed(out):
            return produced, crc, _unsafe(TOO_LARGE if scanner.overlong else TOO_MANY_CELLS)
    return produced, crc, None


# --- worksheet scanners ---------------------------------------------------------------------------------------

_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"\s*([A-Za-z]*)(\d*)\s*")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    """Attributes by local name (prefix dropped)."""
    return {key.rsplit(b":", 1)[-1]: (double or single) for key, double, single in _ATTR.findall(raw)}


def _count(value: bytes | None, default: int = 1) -> int:
    """A number attribute; a long one counts as 'too many'."""
    if not value:
        return default
    value = value.strip()
    if not value.isdigit():
        return default
    return int(value) if len(value) <= 9 else 10**9


class _Scanner(ABC):
    """Fed the inflated XML of one part in chunks; says when a cell lies beyond the sheet limits. Tags are never
    split: what follows the last '<' of a chunk (which cannot occur inside a tag) waits for the next one."""

    def __init__(self) -> None:
        self.carry = b""
        self.overlong = False

    def feed(self, chunk: bytes) -> bool:
        buffer = self.carry + chunk
        cut = buffer.rfind(b"<")
        if cut < 0:
            cut = len(buffer)
        complete, self.carry = buffer[:cut], buffer[cut:]
        if len(self.carry) > MAX_TAG_BYTES:
            self.overlong = True
            return True
        return self.scan(complete)

    @abstractmethod
    def scan(self, xml: bytes) -> bool:
        """Counts what `xml` (whole tags only) holds; True when a limit is passed."""


class _XlsxScanner(_Scanner):
    """Rows and cells of an xlsx worksheet, counted the way a reader places them: by their `r` reference, or
    after the one before when it has none."""

    _TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")

    def __init__(self) -> None:
        super().__init__()
        self.row = 0
        self.col = 0

    def scan(self, xml: bytes) -> bool:
        for match in self._TAG.finditer(xml):
            ref = _attrs(match.group(2)).get(b"r")
            letters, digits = b"", b""
            if ref is not None:
                parsed = _REF.fullmatch(ref)
                letters, digits = (parsed.group(1), parsed.group(2)) if parsed else (b"ZZZZ", b"")
            if match.group(1) == b"row":
                self.row = _count(digits, MAX_SHEET_ROWS + 1) if digits else self.row + 1
                self.col = 0
            else:
                if letters:
                    self.col = 0
                    for ch in letters[:4].upper():
                        self.col = self.col * 26 + ch - 64
                else:
                    self.col += 1
                if digits:
                    self.row = _count(digits, MAX_SHEET_ROWS + 1)
            if self.row > MAX_SHEET_ROWS or self.col > MAX_SHEET_COLUMNS:
                return True
        return False


class _OdsScanner(_Scanner):
    """Rows and cells of the tables in an ODS content.xml with their repeat counts. Empty repeated rows and cells
    (LibreOffice writes them for formatting) only move the position; a cell with content beyond the limits, or
    a row with content repeated beyond them, is what a reader would have to allocate."""

    _TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])"
                      rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")

    def __init__(self) -> None:
        super().__init__()
        self.row = 0
        self.col = 0
        self.repeat_rows = 1
        self.row_has_content = False

    def scan(self, xml: bytes) -> bool:
        for match in self._TAG.finditer(xml):
            closing, name, raw, empty = match.groups()
            if name == b"table":
                if not closing:
                    self.row = 0
                continue
            if name == b"table-row":
                if closing:
                    if self._end_row():
                        return True
                    continue
                self.repeat_rows = _count(_attrs(raw).get(b"number-rows-repeated"))
                self.col = 0
                self.row_has_content = False
                if empty and self._end_row():
                    return True
                continue
            if closing:
                continue
            attributes = _attrs(raw)
            repeat = _count(attributes.get(b"number-columns-repeated"))
            if b"value-type" in attributes or not empty:
                self.row_has_content = True
                if self.col + repeat > MAX_SHEET_COLUMNS:
                    return True
            self.col = min(self.col + repeat, 10**12)
        return False

    def _end_row(self) -> bool:
        if self.row_has_content and self.row + self.repeat_rows > MAX_SHEET_ROWS:
            return True
        self.row = min(self.row + self.repeat_rows, 10**12)
        self.repeat_rows = 1
        self.row_has_content = False
        return False
