"""The warnings of SUBMISSION.md section 3: a file that has exactly that warning loads, and the warning is kept
with the place a person would look and (part of) its Dutch message.
"""

from __future__ import annotations

import pytest

from etl import findings as F
from tests.conftest import csv_bytes, csv_rows, good_values, load_bytes
from tests.rules import LOADED, assert_loaded_with_warning, csv_file, set_cell, warnings_of

# --- warnings: loaded, and the warning kept ---------------------------------------------------------------------

WARNING_CASES = [
    ("mm1-without-budget", dict(values=good_values({"MM1": 2}, resources={"budget_interventies_eur": 0})),
     F.MM1_NO_BUDGET, "Middelen!B4", "MM1 staat op Gerealiseerd maar het geld voor interventietrajecten is 0"),
    ("mm1-geborgd-without-budget", dict(values=good_values({"MM1": 3}, resources={"budget_interventies_eur": 0})),
     F.MM1_NO_BUDGET, "Middelen!B4", "MM1 staat op Geborgd"),
    ("mm2-without-capacity", dict(values=good_values({"MM2": 3}, resources={"capaciteit_fte": 0})),
     F.MM2_NO_CAPACITY, "Middelen!B2", "MM2 staat op Geborgd maar de capaciteit is 0 fte"),
    ("implausible-fte", dict(values=good_values(resources={"capaciteit_fte": 80})),
     F.IMPLAUSIBLE, "Middelen!B2", "80 fte is meer dan 10 fte per 10.000 inwoners"),
    ("implausible-signals", dict(values=good_values(signals={
        "meldingen_radicalisering": 150, "meldingen_polarisatie": 50, "meldingen_van_burgers": 100,
        "meldingen_van_professionals": 100, "ingebracht_zvh": 20})),
     F.IMPLAUSIBLE, "Signalen!B2", "200 meldingen is meer dan 25 per 10.000 inwoners"),
    ("name-mismatch", dict(edit=set_cell("Gegevens", "B3", "Alkmaar")),
     F.NAME_MISMATCH, "Gegevens!B3", 'de gemeentenaam "Alkmaar" hoort niet bij GM0405 (Hoorn)'),
]


@pytest.mark.parametrize("build, rule, place, message", [pytest.param(*c[1:], id=c[0]) for c in WARNING_CASES])
def test_workbook_warning(engine, workbook, build, rule, place, message):
    report = load_bytes(engine, "a.xlsx", workbook(**build))
    assert_loaded_with_warning(engine, report, rule, place, message)
    assert report.submissions == [("GM0405", "2026Q3", 1)]


def test_no_mm_warnings_below_gerealiseerd_or_at_the_fte_boundary(engine, workbook):
    # In ontwikkeling with nothing, and exactly 10 fte per 10,000 inhabitants, are not warned about
    values = good_values({"MM1": 1, "MM2": 1}, resources={"budget_interventies_eur": 0, "capaciteit_fte": 76.202})
    report = load_bytes(engine, "a.xlsx", workbook(values=values))
    assert report.outcome == LOADED and report.findings == [], [f.text() for f in report.findings]


def test_regression_since_last_quarter_is_a_warning(engine, workbook):
    first = load_bytes(engine, "q2.xlsx", workbook("GM0405", "2026Q2", good_values({"LA4": 2, "SS4": 3})))
    assert first.outcome == LOADED and first.findings == []
    report = load_bytes(engine, "q3.xlsx", workbook("GM0405", "2026Q3", good_values({"SS4": 3})))
    assert_loaded_with_warning(engine, report, F.REGRESSION, "Bouwstenen!C5",
                               "LA4 (Contact met de gemeentelijk expert radicalisering bij het Zorg- en "
                               "Veiligheidshuis) is teruggegaan van Gerealiseerd naar In ontwikkeling sinds het "
                               "2e kwartaal 2026")
    assert len(warnings_of(report)) == 1  # SS4 stayed, the others stayed


def test_regression_within_one_csv_is_a_warning(engine):
    data = csv_bytes(csv_rows("GM0405", "2026Q3", good_values({"KE2": 0}))
                     + csv_rows("GM0405", "2026Q2", good_values({"KE2": 3})))
    report = load_bytes(engine, "a.csv", data)
    assert_loaded_with_warning(engine, report, F.REGRESSION, "regel 9", "is teruggegaan van Geborgd naar "
                                                                       "Niet gestart sinds het 2e kwartaal 2026")


def test_warning_in_csv_has_line_place(engine):
    data = csv_file(values=good_values({"MM2": 2}, resources={"capaciteit_fte": 0}))
    report = load_bytes(engine, "a.csv", data)
    assert_loaded_with_warning(engine, report, F.MM2_NO_CAPACITY, "regel 21", "MM2 staat op Gerealiseerd")
