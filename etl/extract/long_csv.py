"""Reads a long CSV (one line per item: gemeente_code, kwartaal, onderdeel, veld, waarde), separated by `;`, `,` or
tab, with Excel's optional first line ``sep=;``, into a raw submission per gemeente and quarter.
"""

from __future__ import annotations

import csv
import io

from etl import findings as F
from etl import personal_data
from etl.extract.encoding import DecodedText
from etl.extract.raw import CSV_SECTIONS, KNOWN_KEYS, Extracted, Raw, RawSubmission, clean
from etl.findings import Finding

CSV_HEADER = ("gemeente_code", "kwartaal", "onderdeel", "veld", "waarde")
CSV_DELIMITERS = {";": "puntkomma", ",": "komma", "\t": "tab"}


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


def extract_csv(decoded: DecodedText) -> Extracted:
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
            loose.extend(Raw(clean(c.strip()) or None, place) for c in row)
            continue
        cells = {name: clean(row[idx].strip()) for name, idx in col.items()}
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
