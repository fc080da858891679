"""Reads a submission file (Excel template or long CSV) into raw values with their places, without judging them.

Extraction only finds what makes a file unreadable as a whole (not a workbook or CSV, a sheet or column
missing, unsafe content); every judgement of values is validation's (`etl.validate`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from etl import findings as F
from etl.findings import Finding

XLSX_SHEETS = ("Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk")
KEY_VALUE_SHEETS = ("Gegevens", "Middelen", "Signalen")
CSV_HEADER = ("gemeente_code", "kwartaal", "onderdeel", "veld", "waarde")
CSV_SECTIONS = ("bouwsteen", "toelichting", "middelen", "signalen", "netwerk")

# Limits against hostile workbooks: an xlsx is a zip, and a zip can expand enormously.
MAX_UNCOMPRESSED_BYTES = 50_000_000
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_ENTRIES = 200
# A few bytes can place one cell at XFD1048576; the reader then allocates the whole range (and aborts).
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 200


@dataclass
class Raw:
    """A value as read, with the place where a person finds it (``Bouwstenen!C7`` or ``regel 12``)."""

    value: Any
    place: str
    key_place: str | None = None  # the cell of the key (code, veld, partner), for an unknown key


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
    kind: str = "xlsx"
    # where to point when something is missing altogether
    places: dict[str, str] = field(default_factory=dict)
    # sheets whose table could not be read (a column missing): their items are not reported missing one by one
    unread: set[str] = field(default_factory=set)


@dataclass
class Extracted:
    kind: str  # xlsx, csv or unknown
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


def sniff(data: bytes) -> str:
    """The kind of file by its content, never by its name: xlsx, xls, csv or unknown."""
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if not data.strip():
        return "empty"
    if b"\x00" in data[:4096]:
        return "unknown"
    try:
        data[:65536].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the sample's end is fine
        if exc.start < 65530:
            return "unknown"
    return "csv"


def extract(data: bytes) -> Extracted:
    kind = sniff(data)
    if kind == "zip":
        return _extract_xlsx(data)
    if kind == "csv":
        return _extract_csv(data)
    if kind == "ole":
        message = ("dit is een oud Excel-bestand (.xls) of een beveiligd bestand; sla het op als Excel-werkmap "
                   "(.xlsx) zonder wachtwoord en lever opnieuw aan")
    elif kind == "empty":
        message = "het bestand is leeg; lever het ingevulde sjabloon (.xlsx) of een CSV aan"
    else:
        message = ("dit is geen Excel-werkmap (.xlsx) en geen CSV-bestand; lever het ingevulde sjabloon "
                   "of een CSV in het afgesproken formaat aan")
    return Extracted("unknown", [], [F.fatal(F.UNREADABLE, "bestand", message)], 0)


# --- Excel ------------------------------------------------------------------------------------------

def _zip_problem(data: bytes) -> Finding | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename.lower() for i in infos}
            if len(infos) > MAX_ZIP_ENTRIES:
                return F.fatal(F.UNSAFE, "bestand", "de werkmap bevat ongewoon veel onderdelen en is niet "
                               "geopend; sla het sjabloon opnieuw op als gewone Excel-werkmap (.xlsx)")
            total = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                return F.fatal(F.UNSAFE, "bestand", "de werkmap pakt uit tot een onredelijk grote omvang en is "
                               "niet geopend; lever het ingevulde sjabloon aan zonder extra inhoud")
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                return F.fatal(F.UNREADABLE, "bestand", "dit zip-bestand is geen Excel-werkmap; lever het "
                               "ingevulde sjabloon (.xlsx) aan")
            if any(n.endswith("vbaproject.bin") for n in names):
                return F.fatal(F.UNSAFE, "bestand", "de werkmap bevat macro's en wordt om veiligheidsredenen "
                               "niet geopend; sla het sjabloon op als Excel-werkmap (.xlsx) zonder macro's")
            if "xl/workbook.bin" in names:
                return F.fatal(F.UNREADABLE, "bestand", "binaire Excel-werkmappen (.xlsb) worden niet "
                               "gelezen; sla het bestand op als Excel-werkmap (.xlsx)")
            for info in infos:
                if not info.filename.lower().endswith(".xml"):
                    continue
                part = archive.read(info)  # at most its declared size, and all of them together are capped
                if b"sheetData" in part and _sheet_too_large(part):
                    return F.fatal(F.UNSAFE, "bestand", "de werkmap bevat een tabblad met ongewoon veel rijen of "
                                   "kolommen en is niet geopend; gebruik het sjabloon van de NHSV-monitor en vul "
                                   "alleen de gele cellen in")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
            OSError, zlib.error):
        return F.fatal(F.UNREADABLE, "bestand", "het bestand is beschadigd of geen Excel-werkmap; sla het "
                       "sjabloon opnieuw op als .xlsx en lever opnieuw aan")
    return None


_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"\s*([A-Za-z]*)(\d*)\s*")


def _ref_attr(attrs: bytes) -> tuple[bytes, bytes]:
    """Letters and digits of the `r` attribute (b"", b"" when absent)."""
    for key, double, single in _ATTR.findall(attrs):
        if key == b"r":
            ref = _REF.fullmatch(double or single)
            return (ref.group(1), ref.group(2)) if ref else (b"ZZZZ", b"")
    return b"", b""


def _sheet_too_large(xml: bytes) -> bool:
    """Whether a worksheet's cells reach beyond MAX_SHEET_ROWS or MAX_SHEET_COLUMNS, counting cells and rows
    without a reference the way a reader places them (after the one before)."""
    row = col = 0
    for match in _CELL_TAG.finditer(xml):
        letters, digits = _ref_attr(match.group(2))
        if match.group(1) == b"row":
            row = (int(digits) if len(digits) <= 9 else MAX_SHEET_ROWS + 1) if digits else row + 1
            col = 0
        else:
            if letters:
                col = 0
                for ch in letters[:4].upper():
                    col = col * 26 + ch - 64
            else:
                col += 1
            if digits:
                row = int(digits) if len(digits) <= 9 else MAX_SHEET_ROWS + 1
        if row > MAX_SHEET_ROWS or col > MAX_SHEET_COLUMNS:
            return True
    return False


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


def _extract_xlsx(data: bytes) -> Extracted:
    from python_calamine import CalamineWorkbook

    problem = _zip_problem(data)
    if problem:
        return Extracted("xlsx", [], [problem], 0)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = {name.strip().lower(): name for name in workbook.sheet_names}
    except Exception:  # calamine raises several types for a corrupt workbook
        return Extracted("xlsx", [], [F.fatal(F.UNREADABLE, "bestand", "de werkmap kan niet worden gelezen; "
                                              "sla het sjabloon opnieuw op als .xlsx en lever opnieuw aan")], 0)

    missing = [s for s in XLSX_SHEETS if s.lower() not in names]
    if missing:
        found = [F.fatal(F.SHEET_MISSING, f"tabblad {s}", f"het tabblad {s} ontbreekt; gebruik het sjabloon van "
                         "de NHSV-monitor en laat de tabbladen staan") for s in missing]
        return Extracted("xlsx", [], found, 0)

    sub = RawSubmission(kind="xlsx")
    file_findings: list[Finding] = []
    for sheet in XLSX_SHEETS:
        try:
            rows = workbook.get_sheet_by_name(names[sheet.lower()]).to_python(skip_empty_area=False)
        except Exception:
            sub.findings.append(F.fatal(F.UNREADABLE, f"tabblad {sheet}", f"het tabblad {sheet} kan niet worden "
                                        "gelezen; sla het sjabloon opnieuw op als .xlsx"))
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
    return Extracted("xlsx", [sub], file_findings, sub.rows)


def _read_table(sheet: str, rows: list[list[Any]], columns: tuple[str, str],
                target: dict[str, Raw], extra: tuple[str, dict[str, Raw]] | None,
                sub: RawSubmission, file_findings: list[Finding]) -> None:
    """Reads a two-column table (key, value [, extra]) below a header row with the given column names."""
    key_name, value_name = columns
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
        return
    header = [_norm(c) for c in rows[header_row]]
    wanted = [key_name, value_name] + ([extra[0]] if extra else [])
    index: dict[str, int] = {}
    for name in wanted:
        if name in header:
            index[name] = header.index(name)
        elif name != (extra[0] if extra else None):
            sub.findings.append(F.fatal(F.COLUMN_MISSING, f"{sheet}!{col_letter(len(header))}{header_row + 1}",
                                        f"de kolom '{name}' ontbreekt in de kopregel van tabblad {sheet}; "
                                        "gebruik het sjabloon van de NHSV-monitor"))
            sub.unread.add(sheet)
            return
    sub.places[sheet] = f"{sheet}!{col_letter(index[value_name])}{header_row + 2}"
    seen: dict[str, str] = {}
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        key = _cell_value(row[index[key_name]]) if index[key_name] < len(row) else None
        value = _cell_value(row[index[value_name]]) if index[value_name] < len(row) else None
        extra_value = None
        if extra and extra[0] in index and index[extra[0]] < len(row):
            extra_value = _cell_value(row[index[extra[0]]])
        if key is None and value is None and extra_value is None:
            continue
        sub.rows += 1
        key_place = f"{sheet}!{col_letter(index[key_name])}{r + 1}"
        place = f"{sheet}!{col_letter(index[value_name])}{r + 1}"
        if key is None:
            sub.findings.append(F.fatal(F.ITEM_UNKNOWN, key_place, f"de regel heeft een waarde maar geen "
                                        f"'{key_name}'; vul de {key_name} in of maak de regel leeg"))
            continue
        key_text = str(key).strip()
        norm_key = key_text.upper() if sheet == "Bouwstenen" else key_text.lower()
        if norm_key in seen:
            sub.findings.append(F.fatal(F.ITEM_DUPLICATE, key_place, f"'{key_text}' staat hier nogmaals (ook op "
                                        f"{seen[norm_key]}); laat één regel staan"))
            continue
        seen[norm_key] = key_place
        target[norm_key] = Raw(value, place, key_place)
        if extra and extra[0] in index:
            extra[1][norm_key] = Raw(extra_value, f"{sheet}!{col_letter(index[extra[0]])}{r + 1}")


# --- CSV --------------------------------------------------------------------------------------------

def _extract_csv(data: bytes) -> Extracted:
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error:
        return Extracted("csv", [], [F.fatal(F.UNREADABLE, "bestand", "het CSV-bestand kan niet worden gelezen "
                                             "(aanhalingstekens kloppen niet); controleer het bestand")], 0)
    header_index = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_index is None:
        return Extracted("csv", [], [F.fatal(F.UNREADABLE, "bestand", "het CSV-bestand is leeg")], 0)
    header = [c.strip().lower() for c in rows[header_index]]
    missing = [c for c in CSV_HEADER if c not in header]
    if missing:
        return Extracted("csv", [], [F.fatal(F.COLUMN_MISSING, f"regel {header_index + 1}",
                                             "de kopregel mist de kolom(men) " + ", ".join(missing) +
                                             "; de kopregel moet zijn: " + delimiter.join(CSV_HEADER))], 0)
    col = {name: header.index(name) for name in CSV_HEADER}
    groups: dict[tuple[str, str], RawSubmission] = {}
    file_findings: list[Finding] = []
    total_rows = 0
    seen: dict[tuple[str, str, str, str], str] = {}
    for i in range(header_index + 1, len(rows)):
        row = rows[i]
        if not any(c.strip() for c in row):
            continue
        total_rows += 1
        place = f"regel {i + 1}"
        if len(row) < len(header):
            file_findings.append(F.fatal(F.COLUMN_MISSING, place, f"de regel heeft {len(row)} kolommen in plaats "
                                         f"van {len(header)}; controleer het scheidingsteken ('{delimiter}')"))
            continue
        cells = {name: _clean(row[idx].strip()) for name, idx in col.items()}
        key = (cells["gemeente_code"].upper(), cells["kwartaal"].upper())
        sub = groups.get(key)
        if sub is None:
            sub = groups[key] = RawSubmission(kind="csv")
            sub.general["gemeente_code"] = Raw(cells["gemeente_code"] or None, place)
            sub.general["kwartaal"] = Raw(cells["kwartaal"] or None, place)
            for name in ("Bouwstenen", "Middelen", "Signalen", "Netwerk"):
                sub.places[name] = place
        sub.rows += 1
        section = cells["onderdeel"].lower()
        name = cells["veld"]
        value = cells["waarde"] or None
        if section not in CSV_SECTIONS:
            sub.findings.append(F.fatal(F.ITEM_UNKNOWN, place, f"onbekend onderdeel '{cells['onderdeel']}'; kies "
                                        + ", ".join(CSV_SECTIONS)))
            continue
        norm = name.upper() if section in ("bouwsteen", "toelichting") else name.lower()
        dup_key = (*key, section, norm)
        if dup_key in seen:
            sub.findings.append(F.fatal(F.ITEM_DUPLICATE, place, f"{section} '{name}' staat al op {seen[dup_key]}; "
                                        "laat één regel staan"))
            continue
        seen[dup_key] = place
        target = {"bouwsteen": sub.blocks, "toelichting": sub.explanations, "middelen": sub.resources,
                  "signalen": sub.signals, "netwerk": sub.network}[section]
        target[norm] = Raw(value, place)
    return Extracted("csv", list(groups.values()), file_findings, total_rows)
