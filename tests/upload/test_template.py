"""Submitting data (issue 5): the template out and back in, prefilled from the last active submission, and the
template CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli.template import template
from etl import prefill
from etl.domain import STATUS_LABELS, Quarter
from tests.conftest import good_values, load_bytes
from tests.upload.helpers import HOORN, upload

# --- the template round trip -----------------------------------------------------------------------------


def test_template_round_trip(engine, workbook, aanleveren, as_viewer, tmp_path):
    earlier = good_values({"LA1": 2, "KE1": 3}, explanations={"LA1": "Vastgesteld in 2025."},
                          resources={"capaciteit_fte": 1.25})
    assert load_bytes(engine, "q2.xlsx", workbook(quarter="2026Q2", values=earlier)).outcome == "loaded"

    out = tmp_path / "sjabloon.xlsx"
    result = CliRunner().invoke(template, ["--gemeente", "GM0405", "--kwartaal", "2026Q3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "vooringevuld met de aanlevering over 2026Q2" in result.output

    # pre-filled with the last active submission, in the template's layout
    wb = load_workbook(out)
    assert wb.sheetnames[:6] == ["Instructies", "Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk"]
    general = {r[0]: r[1] for r in wb["Gegevens"].iter_rows(min_row=2, values_only=True)}
    assert general["gemeente_code"] == "GM0405" and general["kwartaal"] == "2026Q3"
    blocks = {r[0]: r for r in wb["Bouwstenen"].iter_rows(min_row=2, values_only=True)}
    assert (blocks["LA1"][2], blocks["KE1"][2], blocks["LA2"][2]) == ("Gerealiseerd", "Geborgd", "In ontwikkeling")
    assert blocks["LA1"][3] == "Vastgesteld in 2025."
    resources = {r[0]: r[1] for r in wb["Middelen"].iter_rows(min_row=2, values_only=True)}
    assert resources["capaciteit_fte"] == 1.25
    # counts of one quarter are not carried over into the next quarter's template
    assert resources["medewerkers_getraind"] is None
    assert all(r[1] is None for r in wb["Signalen"].iter_rows(min_row=2, values_only=True))
    network = {r[0]: r[1] for r in wb["Netwerk"].iter_rows(min_row=2, values_only=True)}
    assert set(network.values()) == {"ja"}
    assert wb["Bouwstenen"].protection.sheet and wb["Bouwstenen"].data_validations.dataValidation

    # a person fills it in: statuses chosen from the list, numbers typed
    bouwstenen = wb["Bouwstenen"]
    for row in bouwstenen.iter_rows(min_row=2):
        if row[0].value == "LA1":
            row[2].value, row[3].value = "Geborgd", "Geëvalueerd en structureel ingebed."
        elif row[0].value == "SS1":
            row[2].value = "Gerealiseerd"
    for row in wb["Middelen"].iter_rows(min_row=2):
        if row[0].value == "capaciteit_fte":
            row[1].value = 2.5
        if row[0].value == "interventietrajecten_lopend":
            row[1].value = 7
        if row[0].value == "medewerkers_getraind":
            row[1].value = 3
    signals = {"meldingen_radicalisering": 6, "meldingen_polarisatie": 4, "meldingen_van_burgers": 3,
               "meldingen_van_professionals": 7, "ingebracht_zvh": 5}
    for row in wb["Signalen"].iter_rows(min_row=2):
        row[1].value = signals[row[0].value]
    for row in wb["Netwerk"].iter_rows(min_row=2):
        if row[0].value == "onderwijs":
            row[1].value = "nee"
    wb["Gegevens"]["B6"].value = dt.date(2026, 10, 12)
    filled = io.BytesIO()
    wb.save(filled)

    as_viewer(HOORN)
    outcome, history = upload(aanleveren, filled.getvalue(), "aanlevering_GM0405_2026Q3.xlsx")
    assert "Geladen" in outcome and "Hoorn 2026Q3 (versie 1)" in outcome, outcome
    assert "2026Q3" in history and "aanlevering_GM0405_2026Q3.xlsx" in history and "hoorn@example.nl" in history

    from dashboard import data

    profile = data.profile(HOORN, "GM0405", "2026Q3")
    checklist = profile.checklist.set_index("code")
    assert checklist.loc["LA1", "status"] == 3
    assert checklist.loc["LA1", "explanation"] == "Geëvalueerd en structureel ingebed."
    assert checklist.loc["SS1", "status"] == 2 and checklist.loc["LA2", "status"] == 1
    assert profile.row["capacity_fte"] == 2.5 and profile.row["interventions_active"] == 7
    assert profile.row["signals_radicalisation"] == 6 and profile.row["signals_to_safety_house"] == 5
    assert profile.row["network_partners"] == 6

    # the next template starts from these values
    values = prefill.last_values(engine, "GM0405", Quarter(2026, 4))
    assert values["source_quarter"] == "2026Q3"
    assert values["statuses"]["LA1"] == 3 and values["resources"]["capaciteit_fte"] == 2.5
    assert values["network"]["onderwijs"] is False
    assert values["resources"]["datum_laatste_training"] == dt.date(2026, 8, 12)


def test_template_without_earlier_submission_is_empty_and_prefill_takes_the_last_active(engine, workbook):
    empty = load_workbook(io.BytesIO(prefill.template_bytes(engine, "GM0405", "2026Q3")))
    assert all(r[2] is None for r in empty["Bouwstenen"].iter_rows(min_row=2, values_only=True))
    assert prefill.last_values(engine, "GM0405", "2026Q3") is None

    load_bytes(engine, "q1.xlsx", workbook(quarter="2026Q1", values=good_values({"LA1": 1})))
    load_bytes(engine, "q2-v1.xlsx", workbook(quarter="2026Q2", values=good_values({"LA1": 2})))
    load_bytes(engine, "q2-v2.xlsx", workbook(quarter="2026Q2", values=good_values({"LA1": 3})))  # correction
    load_bytes(engine, "texel.xlsx", workbook(code="GM0448", quarter="2026Q3", values=good_values({"LA1": 0})))
    values = prefill.last_values(engine, "GM0405", "2026Q4")
    assert values["source_quarter"] == "2026Q2" and values["statuses"]["LA1"] == 3  # the active version
    assert prefill.last_values(engine, "GM0405", "2026Q2")["statuses"]["LA1"] == 1
    with engine.connect() as conn:  # a connection works as well as an engine
        assert prefill.last_values(conn, "GM0405", "2026Q2")["source_quarter"] == "2026Q1"
    # the template for a quarter already submitted carries that quarter's active version (to correct it)
    again = load_workbook(io.BytesIO(prefill.template_bytes(engine, "GM0405", "2026Q2")))
    la1 = next(r for r in again["Bouwstenen"].iter_rows(min_row=2, values_only=True) if r[0] == "LA1")
    assert la1[2] == STATUS_LABELS[3]


@pytest.mark.parametrize("args, fragment", [
    (["--gemeente", "GM9999", "--kwartaal", "2026Q3"], "gemeentecode GM9999 is onbekend"),
    (["--gemeente", "GM0363", "--kwartaal", "2026Q3"], "Amsterdam (GM0363) hoort niet bij de regio"),
    (["--gemeente", "GM0405", "--kwartaal", "2026-3"], "'2026-3' is geen kwartaal"),
    (["--gemeente", "GM0405", "--kwartaal", "2027Q2"], "nog niet begonnen"),
])
def test_template_cli_refuses_bad_requests(engine, tmp_path, args, fragment):
    result = CliRunner().invoke(template, [*args, "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert fragment in result.output and "Fout:" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_template_cli_help_is_dutch():
    result = CliRunner().invoke(template, ["--help"])
    assert result.exit_code == 0 and "Excel-sjabloon" in result.output and "--kwartaal" in result.output
