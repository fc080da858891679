"""Writes the submission workbook (template version 1, SUBMISSION.md section 1), empty or pre-filled.

The same writer makes the template officials download and the demo's generated submissions, so that the
demo exercises exactly the layout the loader reads.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from etl.domain import PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS, STATUS_LABELS, TEMPLATE_VERSIONS, Quarter
from etl.reference import Block, Municipality

TEMPLATE_VERSION = TEMPLATE_VERSIONS[-1]
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
FIXED_STAMP = (2024, 1, 1, 0, 0, 0)

INSTRUCTIONS = [
    "Aanlevering NHSV-monitor aanpak polarisatie en radicalisering",
    "",
    "Zo vult u dit bestand in:",
    "1. Controleer op het tabblad Gegevens de gemeente en het kwartaal. Het bestand geldt voor één gemeente en "
    "één kwartaal.",
    "2. Kies op het tabblad Bouwstenen per bouwsteen de status aan het eind van het kwartaal: Niet gestart, In "
    "ontwikkeling, Gerealiseerd of Geborgd (structureel ingebed en periodiek geëvalueerd).",
    "   Een toelichting is optioneel (ten hoogste 500 tekens) en mag geen persoonsgegevens bevatten: geen namen, "
    "e-mailadressen, telefoonnummers, adressen of BSN.",
    "3. Vul op Middelen de capaciteit (fte), de budgetten (euro), het aantal getrainde medewerkers en de lopende "
    "interventietrajecten in.",
    "4. Vul op Signalen de aantallen meldingen van dit kwartaal in. Elke melding telt twee keer: als "
    "radicalisering óf polarisatie, en als van burgers óf van professionals; beide totalen moeten gelijk zijn.",
    "5. Kies op Netwerk per partner ja of nee: neemt deze partij deel aan het signaleringsnetwerk?",
    "6. Lever het bestand aan via de pagina Aanleveren van de NHSV-monitor.",
    "",
    "Gele cellen vult u in; de overige cellen zijn beveiligd. Waar de gemeente eerder aanleverde, staan de "
    "waarden van de laatste aanlevering al ingevuld: pas aan wat veranderd is.",
    "Dit bestand bevat geen persoonsgegevens en mag die ook niet bevatten.",
]


def _header(ws, names: list[str], widths: list[int]) -> None:
    ws.append(names)
    for i, cell in enumerate(ws[1]):
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        ws.column_dimensions[cell.column_letter].width = widths[i]
    ws.freeze_panes = "A2"


def _input(cell) -> None:
    cell.fill = INPUT_FILL
    cell.protection = Protection(locked=False)


def _protect(ws) -> None:
    # Protection against accidental edits of labels, not a security boundary: the loader validates everything.
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False


def build_workbook(municipality: Municipality, quarter: Quarter, blocks: tuple[Block, ...],
                   values: dict[str, Any] | None = None, filled_in_on: dt.date | None = None) -> bytes:
    """The workbook as bytes. `values` (optional) pre-fills: statuses (code -> 0..3 or a text), explanations,
    resources and signals (field -> value), network (partner -> bool or text)."""
    values = values or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "Instructies"
    for line in INSTRUCTIONS:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120
    for row in ws.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _protect(ws)

    ws = wb.create_sheet("Gegevens")
    _header(ws, ["veld", "waarde", "uitleg"], [20, 28, 60])
    general = [
        ("gemeente_code", municipality.code, "CBS-code van de gemeente"),
        ("gemeente_naam", municipality.name, "Naam (ter controle)"),
        ("kwartaal", quarter.code, f"Kwartaal van deze aanlevering ({quarter.label})"),
        ("sjabloonversie", TEMPLATE_VERSION, "Niet wijzigen"),
        ("ingevuld_op", filled_in_on, "Datum van invullen (dd-mm-jjjj)"),
    ]
    for name, value, help_text in general:
        ws.append([name, value, help_text])
    date_cell = ws["B6"]
    date_cell.number_format = "DD-MM-YYYY"
    _input(date_cell)
    _protect(ws)

    ws = wb.create_sheet("Bouwstenen")
    _header(ws, ["code", "bouwsteen", "status", "toelichting", "thema", "tekst uit de regionale handreiking"],
            [7, 60, 18, 50, 22, 90])
    status_list = DataValidation(type="list", formula1='"' + ",".join(STATUS_LABELS) + '"', allow_blank=True,
                                 showErrorMessage=True, errorTitle="Onbekende status",
                                 error="Kies Niet gestart, In ontwikkeling, Gerealiseerd of Geborgd.")
    length_check = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True,
                                  showErrorMessage=True, errorTitle="Te lang",
                                  error="De toelichting is ten hoogste 500 tekens.")
    ws.add_data_validation(status_list)
    ws.add_data_validation(length_check)
    statuses = values.get("statuses", {})
    explanations = values.get("explanations", {})
    for b in blocks:
        status = statuses.get(b.code)
        status_text = STATUS_LABELS[status] if isinstance(status, int) else status
        ws.append([b.code, b.label, status_text, explanations.get(b.code), b.theme, b.description])
        r = ws.max_row
        _input(ws.cell(r, 3))
        _input(ws.cell(r, 4))
        status_list.add(ws.cell(r, 3))
        length_check.add(ws.cell(r, 4))
        for c in (2, 4, 6):
            ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
    _protect(ws)

    for title, specs, key in (("Middelen", RESOURCE_FIELDS, "resources"), ("Signalen", SIGNAL_FIELDS, "signals")):
        ws = wb.create_sheet(title)
        _header(ws, ["veld", "waarde", "uitleg"], [30, 16, 60])
        given = values.get(key, {})
        number_check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                      allow_blank=True, showErrorMessage=True, errorTitle="Ongeldige waarde",
                                      error="Vul een getal van 0 of meer in.")
        ws.add_data_validation(number_check)
        for spec in specs:
            ws.append([spec.name, given.get(spec.name), spec.label])
            cell = ws.cell(ws.max_row, 2)
            _input(cell)
            if spec.kind == "date":
                cell.number_format = "DD-MM-YYYY"
            else:
                number_check.add(cell)
                if spec.kind == "decimal":
                    cell.number_format = "#,##0.00"
        _protect(ws)

    ws = wb.create_sheet("Netwerk")
    _header(ws, ["partner", "aangesloten", "omschrijving"], [20, 14, 40])
    yes_no = DataValidation(type="list", formula1='"ja,nee"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Ja of nee", error="Kies ja of nee.")
    ws.add_data_validation(yes_no)
    network = values.get("network", {})
    for partner, label in PARTNERS.items():
        answer = network.get(partner)
        text = ("ja" if answer else "nee") if isinstance(answer, bool) else answer
        ws.append([partner, text, label])
        _input(ws.cell(ws.max_row, 2))
        yes_no.add(ws.cell(ws.max_row, 2))
    _protect(ws)

    wb.active = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """The same workbook content always gives the same bytes (and so the same hash): fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>2024-01-01T00:00:00Z\g<3>", content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def template_file_name(code: str, quarter: Quarter) -> str:
    return f"aanlevering_{code}_{quarter.code}.xlsx"
