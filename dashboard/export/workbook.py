"""The pack's data: one workbook per part (an index sheet, one sheet per chart, the checklist) and, on request,
one CSV per chart. Cells hold numbers with a number format; a value that is not shown (not submitted, a small
count, hidden so that a small count cannot be worked out) leaves its cell empty and says why in a note column,
so that a sum or a chart made from the sheet is never fed text."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import charts, formatting
from dashboard.export.parts import Part, colophon
from dashboard.metrics import N_BLOCKS
from etl.domain import today

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INDEX_SHEET = "Over dit bestand"
CHECKLIST_SHEET = "Checklist"
NOTE_COLUMN = "Toelichting bij lege cellen"
HEADER_ROW = 5
SHEET_NAME_MAX = 31  # Excel's limit
# Words of chart keys shortened so that every sheet name reads whole within 31 characters.
_SHORT = {"noord holland noord": "NHN", "zaanstreek waterland": "ZW", "ontwikkeling": "ontw.",
          "signals total": "meldingen", "fte per 100k": "fte per 100k", "budget per 1000": "budget per 1000",
          "verloop bouwstenen": "verloop bouwstenen", "bouwstenen verdeling": "bouwstenen verdeling"}
_DUTCH_NUMBER = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?%?$|^-?\d+(?:,\d+)?%?$")


def neutralise(value):
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_value(value):
    """Dutch-formatted numbers ('1.234,5', '38%') become numbers with a number format; other text is
    neutralised. Returns (value, number_format or None)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, None
    if isinstance(value, bool):
        return ("ja" if value else "nee"), None
    if isinstance(value, int | float):
        return value, ("#,##0" if isinstance(value, int) else "#,##0.0")
    text = str(value)
    if _DUTCH_NUMBER.match(text):
        percent = text.endswith("%")
        digits = text.rstrip("%").replace(".", "").replace(",", ".")
        number = float(digits)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        if percent:
            return number / 100, "0" + ("." + "0" * decimals if decimals else "") + "%"
        if decimals == 0:
            return int(number), "#,##0"
        return number, "#,##0." + "0" * decimals
    return neutralise(text), None


def csv_value(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    return text if _DUTCH_NUMBER.match(text) else neutralise(text)


def missing_reason(value) -> str | None:
    """Why a cell of a number column holds no number, or None when `value` is not one of the markers the data
    layer puts in place of a number."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "geen waarde"
    text = str(value).strip()
    if text in ("", "–", "-", "—"):
        return "geen waarde (niet aangeleverd of niet te berekenen)"
    if re.fullmatch(r"<\s?\d+", text):
        return f"minder dan {text.lstrip('<').strip()} (een klein aantal wordt niet precies getoond)"
    if text == "×":
        return "verborgen, zodat een klein aantal niet uit de totalen is terug te rekenen"
    if text.lower() == "te weinig gemeenten":
        return "te weinig gemeenten in de groep om een waarde te tonen"
    if text.lower() in ("n.v.t.", "nvt"):
        return "niet van toepassing"
    return None


def _number_columns(table: pd.DataFrame) -> set[str]:
    """Columns in which every value is a number or a marker for a number not shown ('–', '<5', '×',
    'te weinig gemeenten'); a column of markers only is a number column none of whose numbers is shown."""
    out = set()
    for column in table.columns:
        values = table[column].tolist()
        if values and all(spreadsheet_value(v)[1] is not None or missing_reason(v) is not None for v in values):
            out.add(column)
    return out


def sheet_name(index: int, key: str, used: set[str]) -> str:
    """A short, readable, unique sheet name from the chart's key: '09 Meldingen soort NHN'."""
    words = key.replace("_", " ")
    for long, short in _SHORT.items():
        words = words.replace(long, short)
    words = re.sub(r"[\[\]:*?/\\']", "", words).strip()
    name = f"{index:02d} {words[:1].upper()}{words[1:]}"
    while len(name) > SHEET_NAME_MAX:  # drop whole words from the end, never cut one
        name = name.rsplit(" ", 1)[0]
    base, k = name, 2
    while name.lower() in used:
        name = f"{base[:SHEET_NAME_MAX - 3]} {k}"
        k += 1
    used.add(name.lower())
    return name


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")[:250]


def write_xlsx(part: Part, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    info = wb.active
    info.title = INDEX_SHEET
    used = {INDEX_SHEET.lower(), CHECKLIST_SHEET.lower()}
    names = [sheet_name(k, c.key, used) for k, c in enumerate(part.charts, start=1)]
    _index_sheet(info, part, names)
    for name, chart in zip(names, part.charts, strict=True):
        _table_sheet(wb.create_sheet(name), part, chart.title, chart.table)
    if part.checklist is not None:
        ws = wb.create_sheet(CHECKLIST_SHEET)
        _table_sheet(ws, part, "Checklist bouwstenen", part.checklist)
        for row in ws.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.properties.title = f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"
    wb.properties.subject = part.label
    wb.properties.creator = "NHSV-monitor"
    wb.properties.language = "nl-NL"
    wb.save(path)


def _head(cell: Any) -> None:
    """A header cell: bold on light blue."""
    from openpyxl.styles import Font, PatternFill

    cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F0")


def _print_setup(ws: Any, part: Part, title_rows: str | None) -> None:
    """A4 landscape, one page wide, the title rows on every page, and the part in header and footer."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed, never wider than one
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.left.text = _header_footer_text(f"NHSV-monitor · {part.title} · "
                                                 f"{formatting.quarter_label(part.quarter)}")
    ws.oddHeader.right.text = _header_footer_text(part.label)
    ws.oddFooter.left.text = _header_footer_text(part.caption)
    ws.oddFooter.right.text = "pagina &P van &N"


def _index_sheet(info: Any, part: Part, names: list[str]) -> None:
    """The first sheet: the colophon, the summary and notes, and a linked list of the sheets."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    info.append([f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"])
    info["A1"].font = Font(bold=True, size=14)
    info.append([])
    for key, value in colophon(part, formatting.date(today(), long=True)):
        info.append([key, neutralise(value)])
    info.append([])
    for line in part.summary:
        info.append(["Samenvatting", neutralise(line)])
    for note in part.notes:
        info.append(["Let op", neutralise(note)])
    info.append([])
    info.append(["Blad", "Titel", "Beschrijving"])
    index_header = info.max_row
    for cell in info[index_header]:
        _head(cell)
    entries = [(n, c.title, c.description) for n, c in zip(names, part.charts, strict=True)]
    if part.checklist is not None:
        entries.append((CHECKLIST_SHEET, "Checklist bouwstenen", f"De {N_BLOCKS} bouwstenen met hun status."))
    for name, title, description in entries:
        info.append([name, neutralise(title), neutralise(description)])
        link = info.cell(row=info.max_row, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1", display=name)
        link.style = "Hyperlink"
    info.column_dimensions["A"].width = 26
    info.column_dimensions["B"].width = 48
    info.column_dimensions["C"].width = 90
    for row in info.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    info.freeze_panes = f"A{index_header + 1}"
    _print_setup(info, part, f"{index_header}:{index_header}")


def _table_sheet(ws: Any, part: Part, title: str, table: pd.DataFrame) -> None:
    """A chart's table below its title, source and label, with a link back to the index; a missing number is
    an empty cell with its reason in a note column."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws.append([neutralise(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([neutralise(part.caption)])
    ws.append([neutralise(part.label)])
    ws.append([f"Terug naar de inhoud: {INDEX_SHEET}"])
    ws["A4"].hyperlink = Hyperlink(ref="A4", location=f"'{INDEX_SHEET}'!A1", display=INDEX_SHEET)
    ws["A4"].style = "Hyperlink"
    numeric = _number_columns(table)
    notes_needed = any(missing_reason(v) is not None for c in numeric for v in table[c].tolist())
    columns = [str(c) for c in table.columns] + ([NOTE_COLUMN] if notes_needed else [])
    ws.append([neutralise(c) for c in columns])
    for cell in ws[HEADER_ROW]:
        _head(cell)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for values in table.itertuples(index=False):
        row, formats = _table_row(table.columns, values, numeric, notes_needed)
        ws.append(row)
        for cell, fmt in zip(ws[ws.max_row], formats, strict=False):
            if fmt:
                cell.number_format = fmt
    ws.freeze_panes = f"B{HEADER_ROW + 1}"
    for k, column in enumerate(columns, start=1):
        sample = [str(v) for v in table[column].head(200)] if column in table.columns else ["x" * 40]
        width = max([len(column) if k > 1 else 0, *map(len, sample)] or [8])
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=k).column_letter].width = min(60, max(9, width + 2))
    _print_setup(ws, part, f"{HEADER_ROW}:{HEADER_ROW}")


def _table_row(columns: Iterable[Any], values: Iterable[Any], numeric: set[str],
               notes_needed: bool) -> tuple[list[Any], list[str | None]]:
    """A table row's cell values and number formats; with the note column, the reasons for missing numbers."""
    row: list[Any] = []
    formats: list[str | None] = []
    reasons: list[str] = []
    for column, v in zip(columns, values, strict=True):
        if column in numeric and (reason := missing_reason(v)) is not None:
            row.append(None)
            formats.append(None)
            reasons.append(f"{column}: {reason}")
        else:
            value, fmt = spreadsheet_value(v)
            row.append(value)
            formats.append(fmt)
    if notes_needed:
        row.append("; ".join(reasons) or None)
        formats.append(None)
    return row, formats


def write_csv(part: Part, chart: charts.Chart, path: Path) -> None:
    """A chart's table for spreadsheets set to Dutch (semicolon, UTF-8 with BOM), with source and label first."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([neutralise(chart.title)])
        writer.writerow([neutralise(part.caption)])
        writer.writerow([neutralise(part.label)])
        writer.writerow([])
        writer.writerow([csv_value(c) for c in chart.table.columns])
        for values in chart.table.itertuples(index=False):
            writer.writerow([csv_value(v) for v in values])
