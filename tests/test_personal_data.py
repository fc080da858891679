"""No personal data ever (DOMAIN.md): the corpus in tests/data/persoonsgegevens.yaml run through the real
validation of a workbook and of a CSV, every free-text cell screened, and no finding that repeats what a cell
holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from etl import findings as F
from etl import personal_data, reference
from etl.domain import STATUS_LABELS
from tests.conftest import csv_bytes, csv_rows, good_values, load_bytes

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "persoonsgegevens.yaml").read_text(encoding="utf-8"))
REFUSE: list[dict] = CORPUS["refuse"]
ACCEPT: list[str] = CORPUS["accept"]
BLOCKS = [b.code for b in reference.blocks()]
BLOCK_ROW = {code: i + 2 for i, code in enumerate(BLOCKS)}  # Bouwstenen: LA1 on row 2 … PR2 on row 19


def _csv(rows: list[list[str]], delimiter: str = ";") -> bytes:
    """A CSV as Excel writes it: quoted where a value holds the separator or a quote."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["gemeente_code", "kwartaal", "onderdeel", "veld", "waarde"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _batches(items: list, size: int = len(BLOCKS)) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _text_cell(sheet: str, ref: str, value):
    def edit(wb):
        wb[sheet][ref].value = value
        wb[sheet][ref].data_type = "s"
    return edit


def test_the_corpus_is_large_and_names_only_known_kinds():
    assert len({e["text"] for e in REFUSE}) >= 40 and len(ACCEPT) >= 40
    assert {e["kind"] for e in REFUSE} <= set(personal_data.KINDS)
    assert set(personal_data.KINDS) <= {e["kind"] for e in REFUSE}  # every kind has examples


@pytest.mark.parametrize("example", REFUSE, ids=lambda e: e["text"][:40])
def test_each_refused_example_is_recognised_as_its_kind(example):
    assert example["kind"] in personal_data.kinds(example["text"])


@pytest.mark.parametrize("sentence", ACCEPT, ids=lambda t: t[:40])
def test_each_ordinary_sentence_passes(sentence):
    assert personal_data.kinds(sentence) == []


def _assert_refused_at(report, expected: dict[str, dict]) -> None:
    """Rejected, with one persoonsgegevens finding at each expected place that names the kind and repeats
    nothing of the text."""
    assert report.outcome == "rejected"
    by_place = {f.place: f for f in report.findings if f.rule == F.PERSONAL_DATA}
    missing = [(place, e["text"]) for place, e in expected.items() if place not in by_place]
    assert not missing, missing
    for place, example in expected.items():
        message = by_place[place].message
        assert f"lijkt {example['kind']}" in message or f" {example['kind']}" in message, (place, message)
        assert "geen persoonsgegevens" in message
        assert example["text"] not in message
    assert {f.rule for f in report.findings if f.is_fatal} == {F.PERSONAL_DATA}


def test_corpus_in_a_workbook_is_refused_cell_by_cell(engine, workbook):
    for batch in _batches(REFUSE):
        explanations = dict(zip(BLOCKS, (e["text"] for e in batch), strict=False))
        edits = [_text_cell("Bouwstenen", f"D{BLOCK_ROW[c]}", t) for c, t in explanations.items()]
        data = workbook(values=good_values(explanations={}), edit=lambda wb, edits=edits: [e(wb) for e in edits])
        report = load_bytes(engine, "a.xlsx", data)
        _assert_refused_at(report, {f"Bouwstenen!D{BLOCK_ROW[c]}": e for c, e in zip(BLOCKS, batch, strict=False)})
        assert report.submissions == []


def test_corpus_in_a_csv_is_refused_line_by_line(engine):
    # csv_rows: line 1 header, 2-19 bouwstenen, 20.. toelichtingen in the order given
    for batch in _batches(REFUSE):
        explanations = dict(zip(BLOCKS, (e["text"] for e in batch), strict=False))
        report = load_bytes(engine, "a.csv", _csv(csv_rows(values=good_values(explanations=explanations))))
        _assert_refused_at(report, {f"regel {20 + i}": e for i, e in enumerate(batch)})


def test_ordinary_sentences_load_unchanged_from_a_workbook_and_a_csv(engine, workbook):
    for n, batch in enumerate(_batches(ACCEPT)):
        explanations = dict(zip(BLOCKS, batch, strict=False))
        quarter = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"][n % 4]
        for kind, data in (("xlsx", workbook(quarter=quarter, values=good_values(explanations=explanations))),
                           ("csv", _csv(csv_rows("GM0361", quarter, good_values(explanations=explanations))))):
            report = load_bytes(engine, f"a.{kind}", data)
            assert report.outcome == "loaded" and report.findings == [], [f.text() for f in report.findings]
            with engine.connect() as conn:
                stored = dict(conn.execute(text(
                    "SELECT b.block_code, b.explanation FROM fact_block_status b JOIN submission s "
                    "ON s.id = b.submission_id WHERE s.status = 'active' AND s.municipality_code = :code "
                    "AND s.quarter = :quarter"), {"code": "GM0405" if kind == "xlsx" else "GM0361",
                                                  "quarter": quarter}).all())
            assert {c: stored[c] for c in explanations} == explanations


# --- every free-text cell, not only the explanations -------------------------------------------------------

PHONE = "bel 06-12345678"


@pytest.mark.parametrize("cell, value, place, what", [
    ("B3", "Hoorn, contact j.jansen@hoorn.nl", "Gegevens!B3", "het veld gemeente_naam lijkt een e-mailadres"),
    ("B6", "geboren 12-03-1990", "Gegevens!B6", "het veld ingevuld_op lijkt een geboortedatum"),
    ("B6", PHONE, "Gegevens!B6", "het veld ingevuld_op lijkt een telefoonnummer"),
])
def test_general_fields_are_screened(engine, workbook, cell, value, place, what):
    report = load_bytes(engine, "a.xlsx", workbook(edit=_text_cell("Gegevens", cell, value)))
    found = [f for f in report.findings if f.is_fatal]
    assert [(f.rule, f.place) for f in found] == [(F.PERSONAL_DATA, place)], [f.text() for f in found]
    assert what in found[0].message and value not in found[0].message


def test_training_date_with_personal_data_is_refused_without_repeating_it(engine, workbook):
    report = load_bytes(engine, "a.xlsx", workbook(edit=_text_cell("Middelen", "B6", "06.12.34.56.78 (trainer)")))
    assert [(f.rule, f.place) for f in report.findings] == [(F.PERSONAL_DATA, "Middelen!B6")]
    assert "het veld datum_laatste_training lijkt een telefoonnummer" in report.findings[0].message
    assert "12.34" not in report.findings[0].message


@pytest.mark.parametrize("field, cell", [("ingevuld_op", "Gegevens!B6"), ("datum_laatste_training", "Middelen!B6")])
def test_text_in_a_date_field_is_refused_without_repeating_it(engine, workbook, field, cell):
    sheet, ref = cell.split("!")
    report = load_bytes(engine, "a.xlsx", workbook(edit=_text_cell(sheet, ref, "Pietje Puk")))
    assert [(f.rule, f.place) for f in report.findings] == [(F.VALUE_TYPE, cell)]
    assert "de waarde (een tekst van 10 tekens) is geen datum" in report.findings[0].message
    assert field in report.findings[0].message and "Pietje" not in report.findings[0].message


def test_personal_data_in_number_choice_and_key_cells_is_named_as_such(engine, workbook):
    def edit(wb):
        wb["Signalen"]["B2"].value = "06-12345678"  # a phone number where a count belongs
        wb["Bouwstenen"]["C3"].value = "jan@texel.nl"  # in a status cell
        wb["Netwerk"]["B4"].value = "Kerkstraat 12"  # in a ja/nee cell
        wb["Middelen"].append(["bsn 123456782", 5])  # as the name of a field
    report = load_bytes(engine, "a.xlsx", workbook(edit=edit))
    found = {f.place: f.message for f in report.findings if f.is_fatal}
    assert {f.rule for f in report.findings if f.is_fatal} == {F.PERSONAL_DATA}, found
    assert "lijkt een telefoonnummer" in found["Signalen!B2"]
    assert "de status van LA2 lijkt een e-mailadres" in found["Bouwstenen!C3"]
    assert "het antwoord voor jongerenwerk lijkt een adres" in found["Netwerk!B4"]
    assert "lijkt een nummer dat een burgerservicenummer kan zijn" in found["Middelen!A8"]


def test_csv_cells_of_every_kind_are_screened(engine):
    rows = csv_rows()
    rows[3][4] = "06 12 34 56 78"  # line 5: a status
    rows.append(["GM0405", "2026Q3", "opmerking", "contact", "j.jansen@hoorn.nl"])  # an unknown section
    rows.append(["GM0405", "2026Q3", "netwerk"])  # a short line, with nothing personal
    rows.append(["GM0405", "2026Q3", "middelen", "1621 AB 12"])  # a short line with an address
    report = load_bytes(engine, "a.csv", csv_bytes(rows))
    personal = {f.place for f in report.findings if f.rule == F.PERSONAL_DATA}
    assert personal == {"regel 5", "regel 39", "regel 41"}, [f.text() for f in report.findings]
    assert all("hoorn.nl" not in f.message and "1621" not in f.message for f in report.findings)


# --- no finding repeats a cell's text -----------------------------------------------------------------------

MARKER = "Zwartkop Vinkenstraat"  # not a word of the project's vocabulary, not personal data by its shape


def _everywhere(wb):
    for sheet, ref in [("Gegevens", "B2"), ("Gegevens", "B3"), ("Gegevens", "B4"), ("Gegevens", "B5"),
                       ("Gegevens", "B6"), ("Bouwstenen", "C2"), ("Middelen", "B2"), ("Middelen", "B6"),
                       ("Signalen", "B3"), ("Netwerk", "B2")]:
        wb[sheet][ref].value = MARKER
    wb["Bouwstenen"].append([MARKER, "", "Geborgd"])
    wb["Middelen"].append([MARKER, 3])
    wb["Netwerk"].append([MARKER, "ja"])
    wb["Signalen"].append([None, MARKER])
    wb["Bouwstenen"].append(["LA1", "", MARKER, MARKER])


def test_no_finding_repeats_the_text_of_a_cell(engine, workbook):
    report = load_bytes(engine, "a.xlsx", workbook(edit=_everywhere))
    assert report.outcome == "rejected" and len(report.findings) >= 12
    leaked = [f.text() for f in report.findings if "Zwartkop" in f.message or "Vinken" in f.message]
    assert not leaked, leaked
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT message FROM finding")).scalars().all()
    assert stored and not [m for m in stored if "Zwartkop" in m]


def test_no_finding_of_a_csv_repeats_the_text_of_a_cell(engine):
    rows = csv_rows()
    for line in (2, 20, 21, 25, 27, 32):
        rows[line - 2][4] = MARKER
    rows.append(["GM0405", "2026Q3", MARKER, "LA1", "x"])
    rows.append(["GM0405", "2026Q3", "middelen", MARKER, "1"])
    rows.append(["GM0405", "2026Q3", "bouwsteen", "LA1", STATUS_LABELS[1]])  # a duplicate
    rows.append(["GM0405", MARKER, "bouwsteen", "LA1", STATUS_LABELS[1]])  # a quarter that is none
    rows.append([MARKER, "2026Q3", "bouwsteen", "LA1", STATUS_LABELS[1]])  # a code that is none
    report = load_bytes(engine, "a.csv", csv_bytes(rows))
    assert report.outcome == "rejected" and len(report.findings) >= 9
    leaked = [f.text() for f in report.findings if "Zwartkop" in f.message]
    assert not leaked, leaked


@pytest.mark.parametrize("value, shown", [
    ("ja", '"ja"'), ("Geborgd", '"Geborgd"'), ("2026Q5", '"2026Q5"'), (12, '"12"'), (2.5, '"2.5"'),
    ("misschien", "een tekst van 9 tekens"), ("06-12345678", "een tekst van 11 tekens"),
    (612345678, "een getal van 9 cijfers"), ("0612.345678", "een tekst van 11 tekens"), (None, "een lege cel"),
    (dt.date(1990, 3, 12), "een datum"), (float("nan"), "een ongeldig getal (NaN of oneindig)"),
])
def test_describe_shows_only_closed_lists_and_safe_shapes(value, shown):
    assert F.describe(value, ("ja", "nee", *STATUS_LABELS)) == shown
