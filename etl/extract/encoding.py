"""The text of a file that is not a workbook, in whichever encoding it was saved (UTF-8 with or without BOM,
Windows-1252, UTF-16 or UTF-32 with or without BOM), or a finding that says why it cannot be read as a CSV.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from etl.extract.kinds import NOT_ACCEPTED, unreadable
from etl.findings import Finding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00 starts as FF FE
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAMPLE_BYTES = 65_536


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # as a person would call it: UTF-8, Windows-1252, UTF-16


def decode_text(data: bytes) -> DecodedText | Finding:
    """The text of a CSV in whichever encoding it was saved, or a finding that says which encoding is wrong."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            name = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}[codec]
            try:
                return _text_or_binary(data.decode(codec), name)
            except UnicodeDecodeError as exc:
                return unreadable(f"het bestand begint als {name}-tekst maar is verderop beschadigd (rond regel "
                                  f"{_line_of(data, exc.start, codec)}); sla het opnieuw op als CSV UTF-8")
    try:
        return _text_or_binary(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as exc:
        invalid_at = exc.start
    if b"\x00" in data[:SAMPLE_BYTES]:
        # UTF-16 or UTF-32 without a byte order mark, or not text at all
        guess = from_bytes(data[:SAMPLE_BYTES], cp_isolation=["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"])
        best = guess.best()
        if best is not None:
            try:
                text = data.decode(best.encoding)
            except UnicodeDecodeError:
                text = ""
            if _mostly_ascii(text[:SAMPLE_BYTES]):
                return _text_or_binary(text, "UTF-16" if "16" in best.encoding else "UTF-32")
        return unreadable(NOT_ACCEPTED["unknown"])
    if _UTF8_SEQUENCE.search(data):
        # valid UTF-8 characters and bytes that are not: two encodings in one file (lines pasted together)
        line = data[:invalid_at].count(b"\n") + 1
        return unreadable(f"het bestand is deels als UTF-8 en deels in een andere tekenset opgeslagen (het eerste "
                          f"teken dat niet past staat op regel {line}); sla het hele bestand opnieuw op als CSV "
                          "UTF-8")
    try:
        # what Dutch Excel and LibreOffice on Windows write ("CSV (gescheiden door lijstscheidingsteken)");
        # single-byte detection on a few accented letters is a guess, this is what the region's offices use
        return _text_or_binary(data.decode("cp1252"), "Windows-1252")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:SAMPLE_BYTES]).best()
    if best is None:
        return unreadable(NOT_ACCEPTED["unknown"])
    return unreadable(f"de tekenset van dit tekstbestand wordt niet ondersteund (het lijkt {best.encoding}); sla "
                      "het opnieuw op als CSV UTF-8")


def _mostly_ascii(sample: str) -> bool:
    """Whether four in five characters are ASCII, as in any CSV of the template: its codes, field names and
    numbers are ASCII, and Dutch text has only the odd accent or euro sign. Random bytes decode as Windows-1252
    or UTF-16 too, but not like that."""
    return bool(sample) and sum(1 for ch in sample if ch < "\x80") >= 0.8 * len(sample)


def _line_of(data: bytes, position: int, codec: str) -> int:
    return data[:position].decode(codec, errors="replace").count("\n") + 1


def _text_or_binary(text: str, encoding: str) -> DecodedText | Finding:
    """Text with control characters in more than a few places is not a CSV but a binary file that happened to
    decode."""
    sample = text[:SAMPLE_BYTES]
    if not _mostly_ascii(sample.strip()) or len(_CONTROL_CHARS.findall(sample)) > max(3, len(sample) // 1000):
        return unreadable(NOT_ACCEPTED["unknown"])
    if sample.lstrip().startswith("<"):
        return unreadable(NOT_ACCEPTED["html"])
    return DecodedText(text, encoding)
