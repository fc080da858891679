"""The rules of SUBMISSION.md section 3 on a file as a whole (what extraction refuses: not a workbook or CSV, a
sheet or column missing), and the CSV variants that are read.
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from sqlalchemy import text

from etl import findings as F
from tests.conftest import csv_bytes, csv_rows, good_values, load_bytes
from tests.rules import (
    LOADED,
    REJECTED,
    active_submissions,
    assert_rejected_for,
    csv_file,
    fatals,
    remove_sheet,
    set_cell,
)

# --- fatal: the file as a whole ----------------------------------------------------------------------------

def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notities.txt", "geen werkmap")
    return out.getvalue()


def _zip_with_broken_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<kapot")
        z.writestr("xl/workbook.xml", "<kapot")
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    pytest.param(bytes(random.Random(7).randrange(256) for _ in range(4096)),
                 "geen Excel-werkmap (.xlsx), geen OpenDocument-rekenblad (.ods) en geen CSV", id="random-bytes"),
    pytest.param(b"", "het bestand is leeg", id="empty"),
    pytest.param(b"  \r\n\n", "het bestand is leeg", id="only-whitespace"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "oud Excel-bestand (.xls)", id="old-xls-ole"),
    pytest.param(_zip_without_workbook(), "dit zip-bestand is geen Excel-werkmap", id="zip-not-workbook"),
    pytest.param(_zip_with_broken_workbook(), "de werkmap kan niet worden gelezen", id="zip-broken-workbook"),
])
def test_unreadable_file_is_rejected(engine, data, message):
    report = load_bytes(engine, "aanlevering.xlsx", data)
    assert_rejected_for(report, F.UNREADABLE, "bestand", message)


@pytest.mark.parametrize("sheet", ["Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk"])
def test_missing_sheet(engine, workbook, sheet):
    report = load_bytes(engine, "a.xlsx", workbook(edit=remove_sheet(sheet)))
    assert_rejected_for(report, F.SHEET_MISSING, f"tabblad {sheet}", f"het tabblad {sheet} ontbreekt")


@pytest.mark.parametrize("sheet, cell, column, place", [
    pytest.param("Signalen", "B1", "waarde", "Signalen!D1", id="Signalen-waarde"),
    pytest.param("Bouwstenen", "C1", "status", "Bouwstenen!G1", id="Bouwstenen-status"),
    pytest.param("Netwerk", "A1", "partner", "Netwerk!A1", id="Netwerk-partner"),
    pytest.param("Middelen", "A1", "veld", "Middelen!A1", id="Middelen-veld"),
    pytest.param("Gegevens", "B1", "waarde", "Gegevens!D1", id="Gegevens-waarde"),
])
def test_missing_column_in_workbook(engine, workbook, sheet, cell, column, place):
    report = load_bytes(engine, "a.xlsx", workbook(edit=set_cell(sheet, cell, "iets anders")))
    assert_rejected_for(report, F.COLUMN_MISSING, place, f"de kolom '{column}' ontbreekt in de kopregel van "
                                                         f"tabblad {sheet}")


def test_missing_column_in_csv_header(engine):
    body = "gemeente_code,kwartaal,onderdeel,veld\n" + "\n".join(
        ",".join(r[:4]) for r in csv_rows("GM0405", "2026Q3")) + "\n"
    report = load_bytes(engine, "a.csv", body.encode())
    assert_rejected_for(report, F.COLUMN_MISSING, "regel 1", "de kopregel mist de kolom(men) waarde")


def test_csv_line_with_too_few_columns(engine):
    def change(rows):
        return [*rows[:9], rows[9][:3], *rows[10:]]  # line 11: the value and field cut off
    report = load_bytes(engine, "a.csv", csv_file(change=change))
    assert report.outcome == REJECTED
    assert any(f.rule == F.COLUMN_MISSING and f.place == "regel 11" and "3 kolommen in plaats van 5" in f.message
               for f in fatals(report)), [f.text() for f in report.findings]


# --- CSV variants ---------------------------------------------------------------------------------------------

def test_semicolon_csv_with_bom_and_decimal_comma_is_loaded(engine):
    values = good_values(resources={"capaciteit_fte": "1,5", "budget_aanpak_eur": "12.500,50",
                                    "budget_interventies_eur": "2000,00"})
    rows = csv_rows("GM0405", "2026Q3", values)
    data = csv_bytes(rows, delimiter=";", bom=True)
    assert data.startswith(b"\xef\xbb\xbfgemeente_code;kwartaal;")
    report = load_bytes(engine, "aanlevering.csv", data)
    assert report.outcome == LOADED and report.findings == [], [f.text() for f in report.findings]
    assert report.submissions == [("GM0405", "2026Q3", 1)]
    assert report.rows_loaded == report.rows_offered == len(rows)
    with engine.connect() as conn:
        fte, aanpak, interventies = conn.execute(text(
            "SELECT capacity_fte, budget_approach_eur, budget_interventions_eur FROM fact_resources")).one()
    assert (float(fte), float(aanpak), float(interventies)) == (1.5, 12500.5, 2000.0)


def test_comma_csv_with_several_gemeenten_and_quarters_makes_several_submissions(engine):
    rows = (csv_rows("GM0405", "2026Q2") + csv_rows("GM0405", "2026Q3", good_values({"LA2": 2}))
            + csv_rows("GM0361", "2026Q3"))
    report = load_bytes(engine, "bulk.csv", csv_bytes(rows))
    assert report.outcome == LOADED and report.findings == [], [f.text() for f in report.findings]
    assert sorted(report.submissions) == [("GM0361", "2026Q3", 1), ("GM0405", "2026Q2", 1),
                                          ("GM0405", "2026Q3", 1)]
    assert report.rows_loaded == len(rows)
    assert active_submissions(engine) == [("GM0361", "2026Q3", 1, "active"), ("GM0405", "2026Q2", 1, "active"),
                                          ("GM0405", "2026Q3", 1, "active")]
    with engine.connect() as conn:
        per_submission = conn.execute(text(
            "SELECT count(*) FROM fact_block_status GROUP BY submission_id")).scalars()
        assert sorted(per_submission) == [18, 18, 18]
