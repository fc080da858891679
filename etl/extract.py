"""Reads a submission file (Excel or OpenDocument workbook, or long CSV) into raw values with their places,
without judging them.

Extraction only finds what makes a file unreadable as a whole (not a workbook or CSV, a sheet or column
missing, unsafe content, an encoding or separator it cannot read); every judgement of values is validation's
(`etl.validate`). The kind of file is decided by its content, never by its name.

What people really send, and how it is read:
- the template as .xlsx, or saved by LibreOffice as .ods (python-calamine reads both), after `etl.archive`
  has checked the zip by streaming it;
- a CSV from Dutch Excel (semicolons, Windows-1252), from LibreOffice or another system (commas, UTF-8 with
  or without BOM), tab-separated ("Unicode-tekst" from Excel: UTF-16 with BOM, tabs), with a first line
  ``sep=;`` as Excel writes it on request;
- anything else (.xls, .xlsb, .xlsm, .numbers, .docx, .pdf, an image) gets a message that names what it is
  and what to send instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook

from etl import archive, personal_data
from etl import findings as F
from etl.domain import GENERAL_FIELDS, PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS
from etl.findings import Finding

log = logging.getLogger(__name__)

XLSX_SHEETS = ("Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk")
KEY_VALUE_SHEETS = ("Gegevens", "Middelen", "Signalen")
CSV_HEADER = ("gemeente_code", "kwartaal", "onderdeel", "veld", "waarde")
CSV_SECTIONS = ("bouwsteen", "toelichting", "middelen", "signalen", "netwerk")
# keys that a finding may repeat as typed: the template's own field and partner names and the CSV's sections
KNOWN_KEYS = (*(f.name for f in GENERAL_FIELDS + RESOURCE_FIELDS + SIGNAL_FIELDS), *PARTNERS, *CSV_SECTIONS)
CSV_DELIMITERS = {";": "puntkomma", ",": "komma", "\t": "tab"}

WHAT_TO_SEND = ("lever het ingevulde sjabloon aan als Excel-werkmap (.xlsx) of OpenDocument-rekenblad (.ods), of "
                "een CSV in het afgesproken formaat")


@dataclass
class Raw:
    """A value as read, with the place where a person finds it (``Bouwstenen!C7`` or ``regel 12``)."""

    value: Any
    place: str
    key_place: str | None = None  # the cell of the key (code, veld, partner), for an unknown key
    key_text: str | None = None  # the key as typed (for personal-data screening of an unknown key)

    @property
    def key_cell(self) -> str:
        """Where the key is: its own cell, or the value's (a CSV line)."""
        return self.key_place or self.place


@dataclass
class RawSubmission:
    """One (gemeente, kwartaal) as read from a file, before validation."""

    general: dict[str, Raw] = field(default_factory=dict)
    blocks: dict[str, Raw] = field(default_factory=dict)
    explanations: dict[str, Raw] = field(default_factory=dict)
    resources: dict[str, Raw] = field(default_factory=dict)
    signals: dict[str, Raw] = field(default_factory=dict)
    network: dict[str, Raw] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0
    kind: str = "xlsx"  # xlsx, ods or csv
    # where to point when something is missing altogether
    places: dict[str, str] = field(default_factory=dict)
    # sheets whose table could not be read (a column missing): their items are not reported missing one by one
    unread: set[str] = field(default_factory=set)
    # cells read but not kept under a key (a key cell without key, a duplicate, an unknown CSV section): their
    # text is still screened for personal data
    loose: list[Raw] = field(default_factory=list)


@dataclass
class Extracted:
    kind: str  # xlsx, ods, csv or unknown
    submissions: list[RawSubmission]
    findings: list[Finding]
    rows: int


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- what kind of file ---------------------------------------------------------------------------------------

_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"{\\rtf", "rtf"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "gzip"),
    (b"7z\xbc\xaf", "gzip"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00 starts as FF FE
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)

_NOT_ACCEPTED = {
    "pdf": "dit is een PDF-bestand; een PDF kan niet worden ingelezen — " + WHAT_TO_SEND,
    "image": "dit is een afbeelding; een afbeelding kan niet worden ingelezen — " + WHAT_TO_SEND,
    "rtf": "dit is een tekstdocument (RTF), geen werkmap — " + WHAT_TO_SEND,
    "gzip": "dit is een ingepakt bestand (gzip, rar of 7z) — pak het uit en " + WHAT_TO_SEND,
    "html": "dit is een webpagina of XML-bestand, geen werkmap of CSV — " + WHAT_TO_SEND,
    "empty": "het bestand is leeg; " + WHAT_TO_SEND,
    "unknown": "dit is geen Excel-werkmap (.xlsx), geen OpenDocument-rekenblad (.ods) en geen CSV-bestand; "
               + WHAT_TO_SEND,
}


def sniff(data: bytes) -> str:
    """The kind of file by its content, never by its name: zip, ole, pdf, image, rtf, gzip, empty or text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if not data.strip(b" \t\r\n\x00"):
        return "empty"
    return "text"


def extract(data: bytes) -> Extracted:
    kind = sniff(data)
    if kind == "zip":
        container = archive.inspect(data)
        if container.problem is not None:
            return Extracted(container.kind if container.kind in ("xlsx", "ods") else "unknown", [],
                             [container.problem], 0)
        return _extract_workbook(data, container.kind)
    if kind == "ole":
        return _refused(_ole_message(data))
    if kind == "text":
        decoded = decode_text(data)
        if isinstance(decoded, Finding):
            return Extracted("unknown", [], [decoded], 0)
        return _extract_csv(decoded)
    return _refused(_NOT_ACCEPTED[kind])


def _refused(message: str) -> Extracted:
    return Extracted("unknown", [], [F.fatal(F.UNREADABLE, "bestand", message)], 0)


def _ole_message(data: bytes) -> str:
    """An OLE compound file: an old .xls, a workbook protected with a password (Excel stores those in OLE too),
    or a Word document. Told apart by the names of its streams (UTF-16 in the directory)."""
    if "EncryptionInfo".encode("utf-16-le") in data:
        return ("de werkmap is beveiligd met een wachtwoord; sla haar op zonder wachtwoord als Excel-werkmap "
                "(.xlsx) en lever opnieuw aan")
    if "WordDocument".encode("utf-16-le") in data:
        return "dit is een Word-document (.doc), geen werkmap — " + WHAT_TO_SEND
    return ("dit is een oud Excel-bestand (.xls) of een beveiligd bestand; sla het op als Excel-werkmap (.xlsx) "
            "zonder wachtwoord en lever opnieuw aan")


# --- text: encoding -------------------------------------------------------------------------------------------

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
                return _unreadable(f"het bestand begint als {name}-tekst maar is verderop beschadigd (rond regel "
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
        return _unreadable(_NOT_ACCEPTED["unknown"])
    if _UTF8_SEQUENCE.search(data):
        # valid UTF-8 characters and bytes that are not: two encodings in one file (lines pasted together)
        line = data[:invalid_at].count(b"\n") + 1
        return _unreadable(f"het bestand is deels als UTF-8 en deels in een andere tekenset opgeslagen (het eerste "
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
        return _unreadable(_NOT_ACCEPTED["unknown"])
    return _unreadable(f"de tekenset van dit tekstbestand wordt niet ondersteund (het lijkt {best.encoding}); sla "
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
        return _unreadable(_NOT_ACCEPTED["unknown"])
    if sample.lstrip().startswith("<"):
        return _unreadable(_NOT_ACCEPTED["html"])
    return DecodedText(text, encoding)


def _unreadable(message: str) -> Finding:
    return F.fatal(F.UNREADABLE, "bestand", message)


# --- workbooks (xlsx, ods) --------------------------------------------------------------------------------------

def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    """Control characters (a NUL cannot even be stored in PostgreSQL) become U+FFFD, which validation refuses
    in free text."""
    return _CONTROL.sub("\ufffd", text)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = _clean(value.strip())
        return value if value else None
    return value


_FORMAT_NAMES = {"xlsx": "Excel-werkmap (.xlsx)", "ods": "OpenDocument-rekenblad (.ods)"}


def _extract_workbook(data: bytes, kind: str) -> Extracted:
    """The five sheets of the template, from an .xlsx or .ods that `etl.archive` found safe to open."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = {name.strip().lower(): name for name in workbook.sheet_names}
    except CalamineError as exc:  # also its PasswordError, XmlError and ZipError
        log.info("workbook not readable: %s", exc)
        return Extracted(kind, [], [F.fatal(F.UNREADABLE, "bestand", "de werkmap kan niet worden gelezen; sla het "
                                            f"sjabloon opnieuw op als {_FORMAT_NAMES[kind]} en lever opnieuw aan")],
                         0)

    missing = [s for s in XLSX_SHEETS if s.lower() not in names]
    if missing:
        found = [F.fatal(F.SHEET_MISSING, f"tabblad {s}", f"het tabblad {s} ontbreekt; gebruik het sjabloon van "
                         "de NHSV-monitor en laat de tabbladen staan") for s in missing]
        return Extracted(kind, [], found, 0)

    sub = RawSubmission(kind=kind)
    file_findings: list[Finding] = []
    for sheet in XLSX_SHEETS:
        try:
            rows = workbook.get_sheet_by_name(names[sheet.lower()]).to_python(skip_empty_area=False)
        except CalamineError as exc:
            log.info("sheet %s not readable: %s", sheet, exc)
            sub.findings.append(F.fatal(F.UNREADABLE, f"tabblad {sheet}", f"het tabblad {sheet} kan niet worden "
                                        f"gelezen; sla het sjabloon opnieuw op als {_FORMAT_NAMES[kind]}"))
            sub.unread.add(sheet)
            continue
        if sheet in KEY_VALUE_SHEETS:
            target = {"Gegevens": sub.general, "Middelen": sub.resources, "Signalen": sub.signals}[sheet]
            _read_table(sheet, rows, ("veld", "waarde"), target, None, sub, file_findings)
        elif sheet == "Bouwstenen":
            _read_table(sheet, rows, ("code", "status"), sub.blocks, ("toelichting", sub.explanations), sub,
                        file_findings)
        else:
            _read_table(sheet, rows, ("partner", "aangesloten"), sub.network, None, sub, file_findings)
    return Extracted(kind, [sub], file_findings, sub.rows)


def _read_table(sheet: str, rows: list[list[Any]], columns: tuple[str, str],
                target: dict[str, Raw], extra: tuple[str, dict[str, Raw]] | None,
                sub: RawSubmission, file_findings: list[Finding]) -> None:
    """Reads a two-column table (key, value [, extra]) below a header row with the given column names."""
    key_name, value_name = columns
    extra_name = extra[0] if extra else None
    found = _table_header(sheet, rows, (key_name, value_name, extra_name), sub)
    if found is None:
        return
    header_row, index = found
    sub.places[sheet] = f"{sheet}!{col_letter(index[value_name])}{header_row + 2}"
    seen: dict[str, str] = {}
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        key, value, extra_value = (_cell_at(row, index, name) for name in (key_name, value_name, extra_name))
        if key is None and value is None and extra_value is None:
            continue
        sub.rows += 1
        key_place = f"{sheet}!{col_letter(index[key_name])}{r + 1}"
        place = f"{sheet}!{col_letter(index[value_name])}{r + 1}"
        extra_place = f"{sheet}!{col_letter(index[extra[0]])}{r + 1}" if extra and extra[0] in index else None
        if key is None:
            sub.findings.append(F.fatal(F.ITEM_UNKNOWN, key_place, f"de regel heeft een waarde maar geen "
                                        f"'{key_name}'; vul de {key_name} in of maak de regel leeg"))
            sub.loose.append(Raw(value, place))
            if extra_place:
                sub.loose.append(Raw(extra_value, extra_place))
            continue
        key_text = str(key).strip()
        norm_key = key_text.upper() if sheet == "Bouwstenen" else key_text.lower()
        if norm_key in seen:
            sub.findings.append(F.fatal(F.ITEM_DUPLICATE, key_place, f"{F.describe(key_text, KNOWN_KEYS)} staat "
                                        f"hier nogmaals (ook op {seen[norm_key]}); laat één regel staan"))
            sub.loose.extend([Raw(key_text, key_place), Raw(value, place)])
            if extra_place:
                sub.loose.append(Raw(extra_value, extra_place))
            continue
        seen[norm_key] = key_place
        target[norm_key] = Raw(value, place, key_place, key_text)
        if extra and extra_place:
            extra[1][norm_key] = Raw(extra_value, extra_place)


def _table_header(sheet: str, rows: list[list[Any]], names: tuple[str, str, str | None],
                  sub: RawSubmission) -> tuple[int, dict[str, int]] | None:
    """The header row of a table and the index of each of its columns `names` (key, value, optional extra);
    None, with the sheet left unread and a finding, when the row or a required column is missing."""
    key_name, value_name, extra_name = names
    header_row = None
    for r, row in enumerate(rows[:10]):
        cells = [_norm(c) for c in row]
        if key_name in cells:
            header_row = r
            break
    if header_row is None:
        sub.findings.append(F.fatal(F.COLUMN_MISSING, f"{sheet}!A1", f"de kolom '{key_name}' ontbreekt in de "
                                    f"kopregel van tabblad {sheet}; gebruik het sjabloon van de NHSV-monitor"))
        sub.unread.add(sheet)
        return None
    header = [_norm(c) for c in rows[header_row]]
    index: dict[str, int] = {}
    for name in [key_name, value_name] + ([extra_name] if extra_name else []):
        if name in header:
            index[name] = header.index(name)
        elif name != extra_name:
            sub.findings.append(F.fatal(F.COLUMN_MISSING, f"{sheet}!{col_letter(len(header))}{header_row + 1}",
                                        f"de kolom '{name}' ontbreekt in de kopregel van tabblad {sheet}; "
                                        "gebruik het sjabloon van de NHSV-monitor"))
            sub.unread.add(sheet)
            return None
    return header_row, index


def _cell_at(row: list[Any], index: dict[str, int], name: str | None) -> Any:
    """The value in column `name` of the row; None when the table has no such column or the row stops before it."""
    i = index.get(name) if name is not None else None
    return _cell_value(row[i]) if i is not None and i < len(row) else None


# --- CSV --------------------------------------------------------------------------------------------

def _delimiter(line: str) -> str | None:
    """The separator with which the header line holds every column of CSV_HEADER, or None."""
    for delimiter in CSV_DELIMITERS:
        cells = {c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter), [])}
        if set(CSV_HEADER) <= cells:
            return delimiter
    return None


def _wrong_delimiter(line: str) -> str | None:
    """The separator a header line uses when it holds the column names but with a separator that is not
    accepted ('|', ':'), found by the standard library's sniffer; None when it is not that."""
    lowered = line.lower()
    if not all(name in lowered for name in CSV_HEADER):
        return None
    try:
        dialect = csv.Sniffer().sniff(line, delimiters="|:/ ")
    except csv.Error:
        return None
    return str(dialect.delimiter)


def _delimiter_name(delimiter: str) -> str:
    return CSV_DELIMITERS.get(delimiter, f"'{delimiter}'")


def _csv_refused(code: str, place: str, message: str) -> Extracted:
    return Extracted("csv", [], [F.fatal(code, place, message)], 0)


def _extract_csv(decoded: DecodedText) -> Extracted:
    table = _csv_table(decoded)
    if isinstance(table, Extracted):
        return table
    delimiter, rows = table
    header_at = next((k for k, (_n, row) in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_at is None:
        return _csv_refused(F.UNREADABLE, "bestand", "het CSV-bestand is leeg")
    header_line_number, header_cells = rows[header_at]
    header = [c.strip().lower() for c in header_cells]
    missing = [c for c in CSV_HEADER if c not in header]
    if missing:
        return _csv_refused(F.COLUMN_MISSING, f"regel {header_line_number}",
                            "de kopregel mist de kolom(men) " + ", ".join(missing) +
                            "; de kopregel moet zijn: " + delimiter.join(CSV_HEADER))
    col = {name: header.index(name) for name in CSV_HEADER}
    groups: dict[tuple[str, str], RawSubmission] = {}
    file_findings: list[Finding] = []
    loose: list[Raw] = []
    total_rows = 0
    seen: dict[tuple[str, str, str, str], str] = {}
    for line_number, row in rows[header_at + 1:]:
        if not any(c.strip() for c in row):
            continue
        total_rows += 1
        place = f"regel {line_number}"
        if len(row) < len(header):
            file_findings.append(F.fatal(F.COLUMN_MISSING, place, _short_row_message(row, header, delimiter)))
            loose.extend(Raw(_clean(c.strip()) or None, place) for c in row)
            continue
        cells = {name: _clean(row[idx].strip()) for name, idx in col.items()}
        key = (cells["gemeente_code"].upper(), cells["kwartaal"].upper())
        sub = groups.get(key)
        if sub is None:
            sub = groups[key] = _csv_submission(cells, place)
        sub.rows += 1
        _csv_item(sub, key, cells, place, seen)
    if groups:  # cells of rows that belong to no submission are screened with the first one
        next(iter(groups.values())).loose.extend(loose)
    else:
        file_findings.extend(f for raw in loose if isinstance(raw.value, str)
                             and (f := personal_data.finding(raw.place, "deze regel", raw.value)) is not None)
    return Extracted("csv", list(groups.values()), file_findings, total_rows)


def _csv_table(decoded: DecodedText) -> tuple[str, list[tuple[int, list[str]]]] | Extracted:
    """The separator and the rows, each with the line where it starts; refused when they cannot be read."""
    lines = decoded.text.splitlines()
    first_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_index is None:
        return _csv_refused(F.UNREADABLE, "bestand", "het CSV-bestand is leeg")
    dialect = _csv_delimiter(lines, first_index)
    if isinstance(dialect, Extracted):
        return dialect
    delimiter, skip = dialect
    body = io.StringIO(decoded.text)
    for _ in range(skip):
        body.readline()
    reader = csv.reader(body, delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []  # (line where the row starts, cells)
    line = skip
    try:
        for row in reader:
            rows.append((line + 1, row))
            line = skip + reader.line_num
    except csv.Error:
        return _csv_refused(F.UNREADABLE, f"regel {line + 1}", "het CSV-bestand kan niet worden "
                            "gelezen (aanhalingstekens kloppen niet); controleer de regel")
    return delimiter, rows


def _csv_delimiter(lines: list[str], first_index: int) -> tuple[str, int] | Extracted:
    """The separator, and the number of lines before the CSV proper (Excel's hint "sep=;" is skipped)."""
    skip = 0
    forced = None
    hint = lines[first_index].rstrip("\r\n")
    if hint.lower().startswith("sep=") and len(hint) == 5:
        forced = hint[4]  # Excel's hint "sep=;" (or a tab) on the first line
        skip = first_index + 1
        first_index = next((i for i, line in enumerate(lines) if i >= skip and line.strip()), len(lines))
    header_line = lines[first_index] if first_index < len(lines) else ""
    delimiter = forced or _delimiter(header_line)
    if delimiter is None:
        wrong = _wrong_delimiter(header_line)
        if wrong is not None:
            return _csv_refused(F.UNREADABLE, f"regel {first_index + 1}", f"de kolommen zijn "
                                f"gescheiden door {_delimiter_name(wrong)}; gebruik een puntkomma, "
                                "een komma of een tab als scheidingsteken")
        counts = {d: header_line.count(d) for d in CSV_DELIMITERS}
        delimiter = max(counts, key=lambda d: counts[d])
    if delimiter not in CSV_DELIMITERS:
        return _csv_refused(F.UNREADABLE, "regel 1", f"het scheidingsteken "
                            f"{_delimiter_name(delimiter)} uit de regel 'sep=' wordt niet "
                            "ondersteund; gebruik een puntkomma, een komma of een tab")
    return delimiter, skip


def _csv_submission(cells: dict[str, str], place: str) -> RawSubmission:
    """The submission of the gemeente and quarter first met on the line at `place`."""
    sub = RawSubmission(kind="csv")
    sub.general["gemeente_code"] = Raw(cells["gemeente_code"] or None, place)
    sub.general["kwartaal"] = Raw(cells["kwartaal"] or None, place)
    for name in ("Bouwstenen", "Middelen", "Signalen", "Netwerk"):
        sub.places[name] = place
    return sub


def _csv_item(sub: RawSubmission, key: tuple[str, str], cells: dict[str, str], place: str,
              seen: dict[tuple[str, str, str, str], str]) -> None:
    """One line's item into its submission; an unknown section or a second line for the same item is refused."""
    section = cells["onderdeel"].lower()
    name = cells["veld"]
    value = cells["waarde"] or None
    if section not in CSV_SECTIONS:
        sub.findings.append(F.fatal(F.ITEM_UNKNOWN, place, f"onbekend onderdeel "
                                    f"({F.describe(cells['onderdeel'], CSV_SECTIONS)}); kies "
                                    + ", ".join(CSV_SECTIONS)))
        sub.loose.extend([Raw(cells["onderdeel"], place), Raw(name, place), Raw(value, place)])
        return
    norm = name.upper() if section in ("bouwsteen", "toelichting") else name.lower()
    dup_key = (*key, section, norm)
    if dup_key in seen:
        sub.findings.append(F.fatal(F.ITEM_DUPLICATE, place, f"{section} {F.describe(name, KNOWN_KEYS)} staat "
                                    f"al op {seen[dup_key]}; laat één regel staan"))
        sub.loose.extend([Raw(name, place), Raw(value, place)])
        return
    seen[dup_key] = place
    target = {"bouwsteen": sub.blocks, "toelichting": sub.explanations, "middelen": sub.resources,
              "signalen": sub.signals, "netwerk": sub.network}[section]
    target[norm] = Raw(value, place, place, name)


def _short_row_message(row: list[str], header: list[str], delimiter: str) -> str:
    line = delimiter.join(row)
    for other in CSV_DELIMITERS:
        if other != delimiter and len(next(csv.reader([line], delimiter=other), [])) >= len(header):
            return (f"de regel heeft {len(row)} kolommen in plaats van {len(header)}: deze regel is gescheiden door "
                    f"een {_delimiter_name(other)}, de kopregel door een {_delimiter_name(delimiter)}; gebruik in het "
                    "hele bestand hetzelfde scheidingsteken")
    return (f"de regel heeft {len(row)} kolommen in plaats van {len(header)}; controleer het scheidingsteken "
            f"({_delimiter_name(delimiter)}) en of een tekst met dat teken tussen aanhalingstekens staat")
