"""Reads the template as a workbook, .xlsx or .ods (python-calamine reads both), after `etl.archive` has checked
its zip by streaming it: the five sheets, each a table below a header row, into one raw submission.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from etl import findings as F
from etl.extract.raw import KNOWN_KEYS, Extracted, Raw, RawSubmission, clean
from etl.findings import Finding

log = logging.getLogger(__name__)

XLSX_SHEETS = ("Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk")
KEY_VALUE_SHEETS = ("Gegevens", "Middelen", "Signalen")


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = clean(value.strip())
        return value if value else None
    return value


_FORMAT_NAMES = {"xlsx": "Excel-werkmap (.xlsx)", "ods": "OpenDocument-rekenblad (.ods)"}


def extract_workbook(data: bytes, kind: str) -> Extracted:
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
