"""Every rule of SUBMISSION.md section 3: a file that breaks exactly that rule, and what the loader says about it.

Each case asserts the outcome (rejected, or loaded with a warning), the rule id, the place a person would look
(``Bouwstenen!C7``, ``Signalen!B4``, ``regel 12``) and (part of) the Dutch message.

Row map of the template: Gegevens B2 gemeente_code, B3 gemeente_naam, B4 kwartaal, B5 sjabloonversie,
B6 ingevuld_op; Bouwstenen LA1 row 2 … PR2 row 19 (C status, D toelichting); Middelen B2 capaciteit_fte,
B3 budget_aanpak_eur, B4 budget_interventies_eur, B5 medewerkers_getraind, B6 datum_laatste_training,
B7 interventietrajecten_lopend; Signalen B2 radicalisering, B3 polarisatie, B4 van_burgers,
B5 van_professionals, B6 ingebracht_zvh; Netwerk rows 2-8.
CSV lines made by ``csv_rows``: 1 header, 2-19 bouwstenen, 20 toelichting LA1, 21-26 middelen, 27-31 signalen,
32-38 netwerk.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest
from sqlalchemy import text

from etl import findings as F
from etl.validate.personal import passes_eleven_test, personal_data_kind
from tests.conftest import csv_bytes, csv_rows, good_values, load_bytes, table_snapshot

LOADED, REJECTED = "loaded", "rejected"
FACT_AND_MART_TABLES = ["fact_block_status", "fact_resources", "fact_signals", "fact_network",
                        "mart_municipality_quarter", "mart_block_quarter"]


# --- helpers --------------------------------------------------------------------------------------------

def set_cell(sheet: str, ref: str, value) -> Callable:
    def edit(wb):
        wb[sheet][ref].value = value
    return edit


def delete_row(sheet: str, row: int) -> Callable:
    def edit(wb):
        wb[sheet].delete_rows(row)
    return edit


def append_row(sheet: str, *values) -> Callable:
    def edit(wb):
        wb[sheet].append(list(values))
    return edit


def remove_sheet(sheet: str) -> Callable:
    def edit(wb):
        del wb[sheet]
    return edit


def edits(*fns: Callable) -> Callable:
    def edit(wb):
        for fn in fns:
            fn(wb)
    return edit


def fatals(report):
    return [f for f in report.findings if f.is_fatal]


def warnings_of(report):
    return [f for f in report.findings if not f.is_fatal]


def assert_rejected_for(report, rule: str, place: str, message_part: str) -> None:
    """Rejected, for this rule only, with a finding of that rule at that place whose message says that."""
    assert report.outcome == REJECTED, report.findings
    found = fatals(report)
    assert {f.rule for f in found} == {rule}, [f.text() for f in found]
    assert any(f.place == place and message_part in f.message for f in found), [f.text() for f in found]


def assert_loaded_with_warning(engine, report, rule: str, place: str, message_part: str) -> None:
    """Loaded, with only warnings of this rule, one of them at that place saying that; kept in the warehouse."""
    assert report.outcome == LOADED, [f.text() for f in report.findings]
    assert not fatals(report)
    found = warnings_of(report)
    assert {f.rule for f in found} == {rule}, [f.text() for f in found]
    assert all(f.severity == F.WARNING for f in found)
    assert any(f.place == place and message_part in f.message for f in found), [f.text() for f in found]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT severity, rule, place FROM finding")).all()
    assert (F.WARNING, rule, place) in [tuple(r) for r in stored]


def csv_file(code="GM0405", quarter="2026Q3", values=None, change: Callable | None = None, **kw) -> bytes:
    rows = csv_rows(code, quarter, values)
    if change:
        rows = change(rows)
    return csv_bytes(rows, **kw)


def set_csv(line: int, value: str, column: int = 4) -> Callable:
    """Changes one cell of a CSV row, by its line number in the file (header = 1)."""
    def change(rows):
        rows = [list(r) for r in rows]
        rows[line - 2][column] = value
        return rows
    return change


def drop_csv(line: int) -> Callable:
    def change(rows):
        return rows[:line - 2] + rows[line - 1:]
    return change


def active_submissions(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT municipality_code, quarter, version, status FROM submission "
            "WHERE status <> 'rejected' ORDER BY municipality_code, quarter, version")).all()]


# --- the baseline: a good file has no findings --------------------------------------------------------------

def test_good_workbook_and_good_csv_load_without_findings(engine, workbook):
    report = load_bytes(engine, "goed.xlsx", workbook("GM0405", "2026Q3"))
    assert report.outcome == LOADED and report.findings == []
    report = load_bytes(engine, "goed.csv", csv_file("GM0361", "2026Q3"))
    assert report.outcome == LOADED and report.findings == []


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
