"""Every rule of SUBMISSION.md section 3 on the values of a file: a file that breaks exactly that rule, and what
the loader says about it. The rules on the file as a whole are in test_rules_file.py, the warnings in
test_rules_warnings.py; the row map of the template and the CSV lines is in tests/rules.py.

Each case asserts the outcome (rejected, or loaded with a warning), the rule id, the place a person would look
(``Bouwstenen!C7``, ``Signalen!B4``, ``regel 12``) and (part of) the Dutch message.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from etl import findings as F
from etl.validate.personal import passes_eleven_test, personal_data_kind
from tests.conftest import csv_bytes, csv_rows, good_values, load_bytes, table_snapshot
from tests.rules import (
    LOADED,
    REJECTED,
    active_submissions,
    append_row,
    assert_rejected_for,
    csv_file,
    delete_row,
    drop_csv,
    fatals,
    remove_sheet,
    set_cell,
    set_csv,
)

FACT_AND_MART_TABLES = ["fact_block_status", "fact_resources", "fact_signals", "fact_network",
                        "mart_municipality_quarter", "mart_block_quarter"]


# --- the baseline: a good file has no findings --------------------------------------------------------------

def test_good_workbook_and_good_csv_load_without_findings(engine, workbook):
    report = load_bytes(engine, "goed.xlsx", workbook("GM0405", "2026Q3"))
    assert report.outcome == LOADED and report.findings == []
    report = load_bytes(engine, "goed.csv", csv_file("GM0361", "2026Q3"))
    assert report.outcome == LOADED and report.findings == []


# --- fatal: the values, in the workbook --------------------------------------------------------------------------

WORKBOOK_FATAL_CASES = [
    # gemeente
    ("unknown-code", dict(edit=set_cell("Gegevens", "B2", "GM9999")),
     F.MUNICIPALITY_UNKNOWN, "Gegevens!B2", "gemeentecode GM9999 is onbekend"),
    ("not-a-code", dict(edit=set_cell("Gegevens", "B2", "Hoorn")),
     F.MUNICIPALITY_UNKNOWN, "Gegevens!B2", '"Hoorn" is geen CBS-gemeentecode'),
    ("outside-region", dict(code="GM0363"),
     F.MUNICIPALITY_OUTSIDE, "Gegevens!B2", "Amsterdam (GM0363) hoort niet bij de regio"),
    # kwartaal
    ("quarter-5", dict(edit=set_cell("Gegevens", "B4", "2026Q5")),
     F.QUARTER_MALFORMED, "Gegevens!B4", '"2026Q5" is geen kwartaal'),
    ("quarter-words", dict(edit=set_cell("Gegevens", "B4", "derde kwartaal 2026")),
     F.QUARTER_MALFORMED, "Gegevens!B4", "schrijf jaar en kwartaal als 2026Q3"),
    ("quarter-not-started", dict(quarter="2027Q1"),
     F.QUARTER_FUTURE, "Gegevens!B4", "het 1e kwartaal 2027 is nog niet begonnen"),
    # sjabloon
    ("template-version-2", dict(edit=set_cell("Gegevens", "B5", 2)),
     F.TEMPLATE_VERSION, "Gegevens!B5", 'sjabloonversie "2" wordt niet ondersteund'),
    # onderdelen: missing or unknown
    ("block-missing", dict(edit=delete_row("Bouwstenen", 9)),
     F.ITEM_MISSING, "Bouwstenen!C2", "bouwsteen KE2"),
    ("block-unknown", dict(edit=append_row("Bouwstenen", "LA7", "Extra", "Gerealiseerd")),
     F.ITEM_UNKNOWN, "Bouwstenen!A20", 'onbekende bouwsteen "LA7"'),
    ("field-missing", dict(edit=delete_row("Middelen", 5)),
     F.ITEM_MISSING, "Middelen!B2",
     "het veld 'medewerkers_getraind' (Medewerkers getraind dit kwartaal) ontbreekt op tabblad Middelen"),
    ("signal-field-missing", dict(edit=delete_row("Signalen", 6)),
     F.ITEM_MISSING, "Signalen!B2", "het veld 'ingebracht_zvh'"),
    ("general-field-missing", dict(edit=delete_row("Gegevens", 5)),
     F.ITEM_MISSING, "Gegevens!B2", "het veld 'sjabloonversie'"),
    ("field-unknown", dict(edit=append_row("Middelen", "budget_overig_eur", 500)),
     F.ITEM_UNKNOWN, "Middelen!A8", 'onbekend veld op Middelen (een tekst van 17 tekens); bedoelt u '
                                    '"budget_interventies_eur"?'),
    ("partner-missing", dict(edit=delete_row("Netwerk", 5)),
     F.ITEM_MISSING, "Netwerk!B2", "de partner 'onderwijs' ontbreekt"),
    ("partner-unknown", dict(edit=append_row("Netwerk", "politie", "ja")),
     F.ITEM_UNKNOWN, "Netwerk!A9", "onbekende partner (een tekst van 7 tekens); toegestaan zijn: handhaving"),
    ("value-without-key", dict(edit=append_row("Signalen", None, 3)),
     F.ITEM_UNKNOWN, "Signalen!A7", "de regel heeft een waarde maar geen 'veld'"),
    # duplicates
    ("duplicate-block", dict(edit=append_row("Bouwstenen", "LA1", "Portefeuille", "Geborgd")),
     F.ITEM_DUPLICATE, "Bouwstenen!A20", '"LA1" staat hier nogmaals (ook op Bouwstenen!A2)'),
    ("duplicate-field", dict(edit=append_row("Signalen", "ingebracht_zvh", 1)),
     F.ITEM_DUPLICATE, "Signalen!A7", '"ingebracht_zvh" staat hier nogmaals (ook op Signalen!A6)'),
    ("duplicate-partner", dict(edit=append_row("Netwerk", "wijkagenten", "nee")),
     F.ITEM_DUPLICATE, "Netwerk!A9", '"wijkagenten" staat hier nogmaals'),
    # wrong type
    ("status-ja", dict(values=good_values({"LA6": "ja"})),
     F.VALUE_TYPE, "Bouwstenen!C7",
     'onbekende status "ja" — kies Niet gestart, In ontwikkeling, Gerealiseerd of Geborgd'),
    ("status-empty", dict(edit=set_cell("Bouwstenen", "C10", None)),
     F.VALUE_TYPE, "Bouwstenen!C10", "geen status voor KE3"),
    ("yes-no-misschien", dict(values=good_values(network={"jongerenwerk": "misschien"})),
     F.VALUE_TYPE, "Netwerk!B4",
     "de waarde (een tekst van 9 tekens) is geen geldig antwoord voor jongerenwerk; kies ja of nee"),
    ("text-in-integer", dict(values=good_values(signals={"meldingen_polarisatie": "twee"})),
     F.VALUE_TYPE, "Signalen!B3", "de waarde (een tekst van 4 tekens) is geen geheel getal (meldingen_polarisatie)"),
    ("fraction-in-integer", dict(values=good_values(resources={"medewerkers_getraind": 2.5})),
     F.VALUE_TYPE, "Middelen!B5", "is geen geheel getal (medewerkers_getraind)"),
    ("text-in-decimal", dict(values=good_values(resources={"capaciteit_fte": "anderhalf"})),
     F.VALUE_TYPE, "Middelen!B2", "de waarde (een tekst van 9 tekens) is geen getal (capaciteit_fte)"),
    ("text-in-date", dict(values=good_values(resources={"datum_laatste_training": "vorige week"})),
     F.VALUE_TYPE, "Middelen!B6", "de waarde (een tekst van 11 tekens) is geen datum (datum_laatste_training)"),
    ("required-value-empty", dict(values=good_values(resources={"interventietrajecten_lopend": None})),
     F.VALUE_TYPE, "Middelen!B7", "interventietrajecten_lopend is leeg"),
    ("template-version-text", dict(edit=set_cell("Gegevens", "B5", "een")),
     F.VALUE_TYPE, "Gegevens!B5", "(sjabloonversie)"),
    # out of range
    ("negative-budget", dict(values=good_values(resources={"budget_aanpak_eur": -100})),
     F.VALUE_RANGE, "Middelen!B3", "budget_aanpak_eur is negatief"),
    ("negative-signal", dict(values=good_values(signals={"meldingen_radicalisering": -1})),
     F.VALUE_RANGE, "Signalen!B2", "meldingen_radicalisering is negatief"),
    ("explanation-501", dict(values=good_values(explanations={"KE1": "a" * 501})),
     F.VALUE_RANGE, "Bouwstenen!D8", "de toelichting bij KE1 is 501 tekens"),
    # signal arithmetic
    ("signal-totals", dict(values=good_values(signals={"meldingen_van_burgers": 2})),
     F.SIGNAL_TOTALS, "Signalen!B4",
     "meldingen van burgers + van professionals (6) is niet gelijk aan meldingen radicalisering + "
     "polarisatie (5)"),
    ("zvh-exceeds-total", dict(values=good_values(signals={"ingebracht_zvh": 6})),
     F.ZVH_EXCEEDS, "Signalen!B6", "ingebracht in het Zorg- en Veiligheidshuis (6) is meer dan het totaal aan "
                                   "meldingen (5)"),
]


@pytest.mark.parametrize("build, rule, place, message",
                         [pytest.param(*c[1:], id=c[0]) for c in WORKBOOK_FATAL_CASES])
def test_workbook_fatal_rule(engine, workbook, build, rule, place, message):
    report = load_bytes(engine, "a.xlsx", workbook(**build))
    assert_rejected_for(report, rule, place, message)
    assert report.rows_loaded == 0 and report.submissions == []
    assert active_submissions(engine) == []


def test_a_code_that_is_no_code_is_not_stored_with_the_findings(engine, workbook):
    """What was typed as gemeente_code is stored with the findings only when it has the shape of a CBS code:
    other text could be anything, and on PostgreSQL it did not even fit the column (the load failed)."""
    report = load_bytes(engine, "a.xlsx", workbook(edit=set_cell("Gegevens", "B2", "Gemeente Hoorn")))
    assert_rejected_for(report, F.MUNICIPALITY_UNKNOWN, "Gegevens!B2", "is geen CBS-gemeentecode")
    assert "de code van Hoorn is GM0405" not in report.findings[0].message  # typed with more than the name
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT municipality_code, quarter FROM finding")).all()
    assert [tuple(r) for r in stored] == [(None, "2026Q3")]
    report = load_bytes(engine, "b.xlsx", workbook(edit=set_cell("Gegevens", "B2", "hoorn")))
    assert "de code van Hoorn is GM0405" in report.findings[0].message


# --- fatal: personal data in a toelichting --------------------------------------------------------------------

PERSONAL_DATA = [
    ("e-mail", "Contact via j.jansen@hoorn.nl voor vragen", "een e-mailadres"),
    ("mobile", "Bel de coördinator op 06-12345678", "een telefoonnummer"),
    ("landline", "Meldpunt 0229 252 200 is bemand", "een telefoonnummer"),
    ("international", "Tel. +31 6 1234 5678", "een telefoonnummer"),
    ("bsn", "Casus 111222333 besproken in het i2o", "een nummer dat een burgerservicenummer kan zijn"),
    ("bsn-dotted", "Casus 1112.22.333 besproken", "een nummer dat een burgerservicenummer kan zijn"),
    ("postcode-house", "Gesprek op 1621 AB 12", "een postcode"),
    ("street-postcode", "Kerkstraat 12, 1621 AB Hoorn", "een adres (straat met huisnummer) en een postcode"),
]


@pytest.mark.parametrize("explanation, kind", [pytest.param(*c[1:], id=c[0]) for c in PERSONAL_DATA])
def test_personal_data_in_explanation_is_rejected(engine, workbook, explanation, kind):
    assert personal_data_kind(explanation) == kind
    report = load_bytes(engine, "a.xlsx", workbook(values=good_values(explanations={"LA3": explanation})))
    assert_rejected_for(report, F.PERSONAL_DATA, "Bouwstenen!D4",
                        f"de toelichting bij LA3 lijkt {kind} te bevatten")
    assert "geen persoonsgegevens" in fatals(report)[0].message


@pytest.mark.parametrize("explanation", [
    pytest.param("Zaaknummer 123456789 afgesloten", id="nine-digits-failing-eleven-test"),
    pytest.param("Budget 2026: 40.000 euro voor 3 trajecten", id="amounts-and-years"),
    pytest.param("Overleg in 2026Q3, 12 deelnemers, 2 sessies", id="small-counts"),
    pytest.param("a" * 500, id="exactly-500-characters"),
])
def test_harmless_explanation_is_loaded(engine, workbook, explanation):
    assert personal_data_kind(explanation) is None
    report = load_bytes(engine, "a.xlsx", workbook(values=good_values(explanations={"LA3": explanation})))
    assert report.outcome == LOADED and report.findings == [], [f.text() for f in report.findings]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT explanation FROM fact_block_status WHERE block_code = 'LA3'")).scalar()
    assert stored == explanation


@pytest.mark.parametrize("digits, passes", [
    ("111222333", True), ("123456782", True), ("12345672", True),  # 8 digits: a leading zero
    ("123456789", False), ("111222334", False), ("000000000", False), ("12345", False), ("1234567890", False),
])
def test_eleven_test(digits, passes):
    assert passes_eleven_test(digits) is passes


# --- fatal: the uploader's own gemeente ----------------------------------------------------------------------

def test_user_of_one_gemeente_cannot_upload_for_another(engine, workbook):
    report = load_bytes(engine, "a.xlsx", workbook("GM0405"), allowed_municipality="GM0361")
    assert_rejected_for(report, F.OTHER_MUNICIPALITY, "Gegevens!B2",
                        "u kunt alleen aanleveren voor uw eigen gemeente (Alkmaar); dit bestand is voor Hoorn")
    assert active_submissions(engine) == []
    # the same file from Hoorn's own user loads
    report = load_bytes(engine, "a.xlsx", workbook("GM0405"), allowed_municipality="GM0405")
    assert report.outcome == LOADED


def test_user_of_one_gemeente_cannot_upload_for_another_in_csv(engine):
    data = csv_bytes(csv_rows("GM0361", "2026Q3") + csv_rows("GM0405", "2026Q3"))
    report = load_bytes(engine, "a.csv", data, allowed_municipality="GM0361")
    assert_rejected_for(report, F.OTHER_MUNICIPALITY, "regel 39", "dit bestand is voor Hoorn")
    assert active_submissions(engine) == []


# --- fatal: the values, in a CSV ------------------------------------------------------------------------------

def _duplicate_line(rows):
    return [*rows, rows[4]]


CSV_FATAL_CASES = [
    ("unknown-code", dict(code="GM9999"), F.MUNICIPALITY_UNKNOWN, "regel 2", "gemeentecode GM9999 is onbekend"),
    ("outside-region", dict(code="GM0363"), F.MUNICIPALITY_OUTSIDE, "regel 2", "Amsterdam (GM0363) hoort niet"),
    ("quarter-malformed", dict(quarter="2026-3"), F.QUARTER_MALFORMED, "regel 2", '"2026-3" is geen kwartaal'),
    ("quarter-not-started", dict(quarter="2027Q1"), F.QUARTER_FUTURE, "regel 2", "1e kwartaal 2027 is nog niet begonnen"),
    ("code-empty", dict(change=set_csv(2, "", column=0)), F.ITEM_MISSING, "regel 2", "gemeente_code is leeg"),
    ("section-unknown", dict(change=lambda rows: [*rows, ["GM0405", "2026Q3", "overig", "uren", "12"]]),
     F.ITEM_UNKNOWN, "regel 39", "onbekend onderdeel (een tekst van 6 tekens); kies bouwsteen, toelichting"),
    ("block-missing", dict(change=drop_csv(9)), F.ITEM_MISSING, "regel 2", "bouwsteen KE2"),
    ("block-unknown", dict(change=set_csv(20, "XX1", column=3)),
     F.ITEM_UNKNOWN, "regel 20", 'toelichting bij onbekende bouwsteen "XX1"'),
    ("field-missing", dict(change=drop_csv(24)),
     F.ITEM_MISSING, "regel 2", "het veld 'medewerkers_getraind' (Medewerkers getraind dit kwartaal) ontbreekt in "
                                "de CSV (middelen)"),
    ("field-unknown", dict(change=lambda rows: [*rows, ["GM0405", "2026Q3", "middelen", "uren", "12"]]),
     F.ITEM_UNKNOWN, "regel 39", "onbekend veld op Middelen (een tekst van 4 tekens)"),
    ("partner-missing", dict(change=drop_csv(38)), F.ITEM_MISSING, "regel 2", "de partner 'ggz_ggd' ontbreekt"),
    ("partner-unknown", dict(change=lambda rows: [*rows, ["GM0405", "2026Q3", "netwerk", "politie", "ja"]]),
     F.ITEM_UNKNOWN, "regel 39", "onbekende partner (een tekst van 7 tekens)"),
    ("duplicate-row", dict(change=_duplicate_line),
     F.ITEM_DUPLICATE, "regel 39", 'bouwsteen "LA5" staat al op regel 6'),
    ("status-ja", dict(change=set_csv(7, "ja")), F.VALUE_TYPE, "regel 7", 'onbekende status "ja"'),
    ("yes-no-misschien", dict(change=set_csv(34, "misschien")),
     F.VALUE_TYPE, "regel 34", "de waarde (een tekst van 9 tekens) is geen geldig antwoord voor jongerenwerk"),
    ("text-in-integer", dict(change=set_csv(27, "drie")),
     F.VALUE_TYPE, "regel 27", "de waarde (een tekst van 4 tekens) is geen geheel getal (meldingen_radicalisering)"),
    ("negative", dict(change=set_csv(23, "-1")), F.VALUE_RANGE, "regel 23", "budget_interventies_eur is negatief"),
    ("explanation-too-long", dict(change=set_csv(20, "x" * 600)),
     F.VALUE_RANGE, "regel 20", "de toelichting bij LA1 is 600 tekens"),
    ("signal-totals", dict(values=good_values(signals={"meldingen_van_professionals": 9})),
     F.SIGNAL_TOTALS, "regel 29", "meldingen van burgers + van professionals (10)"),
    ("zvh-exceeds-total", dict(values=good_values(signals={"ingebracht_zvh": 7})),
     F.ZVH_EXCEEDS, "regel 31", "ingebracht in het Zorg- en Veiligheidshuis (7) is meer dan het totaal"),
    ("personal-data", dict(change=set_csv(20, "Bel 06 12 34 56 78")),
     F.PERSONAL_DATA, "regel 20", "de toelichting bij LA1 lijkt een telefoonnummer te bevatten"),
]


@pytest.mark.parametrize("build, rule, place, message", [pytest.param(*c[1:], id=c[0]) for c in CSV_FATAL_CASES])
def test_csv_fatal_rule(engine, build, rule, place, message):
    report = load_bytes(engine, "a.csv", csv_file(**build))
    assert_rejected_for(report, rule, place, message)
    assert report.rows_loaded == 0 and active_submissions(engine) == []


# --- every finding in one pass ----------------------------------------------------------------------------------

def test_all_findings_of_a_file_are_reported_in_one_pass(engine, workbook):
    values = good_values({"LA6": "ja"}, explanations={"LA1": "mail naar info@example.nl"},
                         signals={"meldingen_van_burgers": 3})
    report = load_bytes(engine, "a.xlsx", workbook(values=values, edit=set_cell("Gegevens", "B4", "2026Q7")))
    assert report.outcome == REJECTED
    got = {(f.rule, f.place) for f in fatals(report)}
    assert got == {
        (F.VALUE_TYPE, "Bouwstenen!C7"),
        (F.PERSONAL_DATA, "Bouwstenen!D2"),
        (F.SIGNAL_TOTALS, "Signalen!B4"),
        (F.QUARTER_MALFORMED, "Gegevens!B4"),
    }, [f.text() for f in report.findings]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT rule, place FROM finding")).all()
    assert {tuple(r) for r in stored} == got


def test_all_findings_of_a_csv_are_reported_in_one_pass(engine):
    rows = set_csv(7, "ja")(csv_rows("GM0405", "2026Q3"))
    rows = set_csv(27, "4")(rows)  # radicalisering 4: totals 6 against 5 by source
    rows += [r for r in csv_rows("GM9999", "2026Q2")]  # and a second, unknown gemeente
    report = load_bytes(engine, "a.csv", csv_bytes(rows))
    assert report.outcome == REJECTED
    got = {(f.rule, f.place) for f in fatals(report)}
    assert got == {(F.VALUE_TYPE, "regel 7"), (F.SIGNAL_TOTALS, "regel 29"), (F.MUNICIPALITY_UNKNOWN, "regel 39")}


# --- a rejected file changes nothing that the dashboard reads ---------------------------------------------------

def _bad_workbook(workbook):
    return workbook("GM0405", "2026Q3", good_values({"MM1": 3}, signals={"ingebracht_zvh": 99}))


def _half_good_csv(workbook):
    # a good submission for Alkmaar and a bad one for Hoorn in one file: nothing of either is loaded
    return csv_bytes(csv_rows("GM0361", "2026Q2") + set_csv(7, "ja")(csv_rows("GM0405", "2026Q3")))


@pytest.mark.parametrize("make_bad", [
    pytest.param(_bad_workbook, id="workbook-with-fatal-value"),
    pytest.param(lambda workbook: workbook(edit=remove_sheet("Netwerk")), id="workbook-without-sheet"),
    pytest.param(lambda workbook: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), id="old-xls"),
    pytest.param(_half_good_csv, id="csv-with-one-good-and-one-bad-submission"),
])
def test_rejected_file_leaves_submissions_facts_and_marts_unchanged(engine, workbook, make_bad):
    assert load_bytes(engine, "q2.xlsx", workbook("GM0405", "2026Q2")).outcome == LOADED
    assert load_bytes(engine, "q3.xlsx", workbook("GM0405", "2026Q3", good_values({"LA2": 2}))).outcome == LOADED
    before = table_snapshot(engine, FACT_AND_MART_TABLES)
    before_submissions = active_submissions(engine)
    assert any(before.values())

    report = load_bytes(engine, "fout.bin", make_bad(workbook))

    assert report.outcome == REJECTED and fatals(report)
    assert report.rows_loaded == 0 and report.rows_rejected == report.rows_offered
    assert table_snapshot(engine, FACT_AND_MART_TABLES) == before
    assert active_submissions(engine) == before_submissions
    with engine.connect() as conn:
        # a rejected attempt may be recorded as such, but never as an active or superseded version with facts
        extra = conn.execute(text("SELECT status FROM submission WHERE file_id IN "
                                  "(SELECT id FROM source_file WHERE outcome = 'rejected')")).scalars().all()
        assert set(extra) <= {"rejected"}
        recorded = conn.execute(text("SELECT outcome FROM source_file WHERE file_name = 'fout.bin'")).scalar_one()
        n_findings = conn.execute(text("SELECT count(*) FROM finding WHERE file_id = "
                                       "(SELECT id FROM source_file WHERE file_name = 'fout.bin')")).scalar_one()
    assert recorded == REJECTED and n_findings == len(report.findings)
