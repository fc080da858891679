"""Files people really send: CSVs from Dutch Excel and LibreOffice in their encodings and separators, the template
saved as .ods, other kinds of file with a message that says what they are, and quarters before the warehouse's
first quarter."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest
from sqlalchemy import text

from etl import findings as F
from etl.domain import Quarter
from etl.reference import QUARTERS_FROM
from nhsv import settings
from tests.conftest import csv_rows, good_values, load_bytes
from tests.files import ods_from_xlsx, rezip, stored, zip_parts

WORDS = {"LA1": "Coördinatie belegd; € 12.500 voor 2026, geëvalueerd in het najaar.",
         "KE2": "Training ‘Herkennen van signalen’ – gevolgd door 12 collega’s."}


def _csv_text(delimiter: str = ";", rows: list[list[str]] | None = None, newline: str = "\r\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["gemeente_code", "kwartaal", "onderdeel", "veld", "waarde"])
    writer.writerows(rows if rows is not None else csv_rows(values=good_values(explanations=WORDS)))
    return out.getvalue()


def _stored_explanations(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT block_code, explanation FROM fact_block_status "
                                      "WHERE explanation IS NOT NULL")).all())


# --- CSV: encodings and separators ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter, bom", [
    pytest.param("cp1252", ";", b"", id="dutch-excel-windows-1252-semicolon"),
    pytest.param("utf-8", ",", b"", id="utf-8-comma"),
    pytest.param("utf-8", ";", codecs.BOM_UTF8, id="excel-csv-utf-8-with-bom"),
    pytest.param("utf-8", "\t", b"", id="utf-8-tab"),
    pytest.param("utf-16-le", "\t", codecs.BOM_UTF16_LE, id="excel-unicode-text-utf-16-le-tab"),
    pytest.param("utf-16-be", ",", codecs.BOM_UTF16_BE, id="utf-16-be-comma"),
    pytest.param("utf-16-le", ";", b"", id="utf-16-le-without-bom"),
])
def test_csv_in_the_encodings_and_separators_people_send_is_loaded(engine, encoding, delimiter, bom):
    data = bom + _csv_text(delimiter).encode(encoding)
    report = load_bytes(engine, "aanlevering.csv", data)
    assert report.outcome == "loaded" and report.findings == [], [f.text() for f in report.findings]
    assert _stored_explanations(engine) == WORDS  # "ö", "€", "ë", curly quotes: read as written


def test_excel_separator_hint_on_the_first_line_is_followed(engine):
    data = ("sep=|\r\n" + _csv_text(",").replace(",", "|")).encode("cp1252")
    report = load_bytes(engine, "a.csv", data)
    assert [(f.rule, f.place) for f in report.findings] == [(F.UNREADABLE, "regel 1")]
    assert "'|'" in report.findings[0].message
    data = ("sep=;\r\n" + _csv_text(";")).encode("cp1252")
    assert load_bytes(engine, "b.csv", data).outcome == "loaded"
    data = ("sep=\t\r\n" + _csv_text("\t")).encode("utf-8")
    assert load_bytes(engine, "c.csv", data).outcome == "loaded"


def test_unsupported_separator_is_named(engine):
    data = _csv_text("|").encode()
    report = load_bytes(engine, "a.csv", data)
    assert [(f.rule, f.place) for f in report.findings] == [(F.UNREADABLE, "regel 1")]
    assert "gescheiden door '|'; gebruik een puntkomma, een komma of een tab" in report.findings[0].message


def test_a_line_with_another_separator_is_named(engine):
    rows = csv_rows()
    lines = _csv_text(";", rows).split("\r\n")
    lines[6] = lines[6].replace(";", ",")  # line 7 pasted from a comma file
    report = load_bytes(engine, "a.csv", "\r\n".join(lines).encode())
    found = [f for f in report.findings if f.place == "regel 7"]
    assert found and found[0].rule == F.COLUMN_MISSING
    assert "deze regel is gescheiden door een komma, de kopregel door een puntkomma" in found[0].message


def test_mixed_encodings_are_refused_with_the_line(engine):
    utf8 = _csv_text(";", csv_rows(values=good_values(explanations={"LA1": "Coördinatie"}))).encode("utf-8")
    pasted = "GM0405;2026Q3;toelichting;LA2;geëvalueerd\r\n".encode("cp1252")
    report = load_bytes(engine, "a.csv", utf8 + pasted)
    assert [f.rule for f in report.findings] == [F.UNREADABLE]
    line = utf8.count(b"\n") + 1
    assert f"deels als UTF-8 en deels in een andere tekenset opgeslagen (het eerste teken dat niet past staat op " \
           f"regel {line})" in report.findings[0].message


def test_damaged_utf16_is_refused_with_the_line(engine):
    data = codecs.BOM_UTF16_LE + _csv_text("\t").encode("utf-16-le") + b"\x00\xd8"  # half a surrogate pair
    report = load_bytes(engine, "a.csv", data)
    assert [f.rule for f in report.findings] == [F.UNREADABLE]
    assert "begint als UTF-16-tekst maar is verderop beschadigd" in report.findings[0].message


# --- the template as .ods ---------------------------------------------------------------------------------------

def test_template_saved_as_ods_loads_like_the_xlsx(engine, workbook):
    values = good_values({"LA1": 3, "SS4": 2}, explanations=WORDS)
    report = load_bytes(engine, "aanlevering.ods", ods_from_xlsx(workbook(values=values)))
    assert report.outcome == "loaded" and report.findings == [], [f.text() for f in report.findings]
    assert report.submissions == [("GM0405", "2026Q3", 1)]
    assert _stored_explanations(engine) == WORDS
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT block_code, status FROM fact_block_status")).all())
        resources = conn.execute(text("SELECT capacity_fte, staff_trained, last_training_on FROM fact_resources")
                                 ).one()
    assert statuses["LA1"] == 3 and statuses["SS4"] == 2 and statuses["KE1"] == 1
    assert float(resources[0]) == 1.5 and resources[1] == 4 and str(resources[2]) == "2026-08-12"


def test_ods_findings_name_the_cell(engine, workbook):
    values = good_values({"LA6": "ja"}, explanations={"LA3": "bel 06-12345678"})
    report = load_bytes(engine, "a.ods", ods_from_xlsx(workbook(values=values)))
    assert {(f.rule, f.place) for f in report.findings} == {(F.VALUE_TYPE, "Bouwstenen!C7"),
                                                             (F.PERSONAL_DATA, "Bouwstenen!D4")}


def test_ods_without_a_sheet_is_refused(engine, workbook):
    report = load_bytes(engine, "a.ods", ods_from_xlsx(workbook(edit=lambda wb: wb.remove(wb["Netwerk"]))))
    assert [(f.rule, f.place) for f in report.findings] == [(F.SHEET_MISSING, "tabblad Netwerk")]


# --- other kinds of file ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "Workbook".encode("utf-16-le") + bytes(300),
                 "dit is een oud Excel-bestand (.xls)", id="xls"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "EncryptionInfo".encode("utf-16-le"),
                 "de werkmap is beveiligd met een wachtwoord", id="xlsx-with-password"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "dit is een PDF-bestand", id="pdf"),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "dit is een afbeelding", id="jpeg"),
    pytest.param(b"{\\rtf1\\ansi Aanlevering}", "dit is een tekstdocument (RTF)", id="rtf"),
    pytest.param(b"<html><body><table><tr><td>GM0405</td></tr></table></body></html>",
                 "dit is een webpagina of XML-bestand", id="html"),
])
def test_other_kinds_of_file_are_named(engine, data, message):
    report = load_bytes(engine, "aanlevering.xlsx", data)
    assert [(f.rule, f.place) for f in report.findings] == [(F.UNREADABLE, "bestand")]
    assert message in report.findings[0].message


def _ods_with(workbook, rule_part: str):
    good = ods_from_xlsx(workbook())
    if rule_part == "macro":
        return rezip(good, add=[stored("Basic/Standard/Module1.xml", b"<script:module/>")])
    manifest = zip_parts(good)["META-INF/manifest.xml"]
    encrypted = manifest.replace(b"</manifest:manifest>", b'<manifest:file-entry manifest:full-path="content.xml">'
                                 b"<manifest:encryption-data/></manifest:file-entry></manifest:manifest>")
    part = stored("META-INF/manifest.xml", encrypted)
    return rezip(good, replace={"META-INF/manifest.xml": part})


@pytest.mark.parametrize("kind, rule, message", [
    ("macro", F.UNSAFE, "de werkmap bevat macro's"),
    ("password", F.UNREADABLE, "de werkmap is beveiligd met een wachtwoord"),
])
def test_ods_with_macros_or_a_password_is_refused(engine, workbook, kind, rule, message):
    report = load_bytes(engine, "a.ods", _ods_with(workbook, kind))
    assert [(f.rule, f.place) for f in report.findings] == [(rule, "bestand")]
    assert message in report.findings[0].message


# --- quarters before the warehouse's first quarter ---------------------------------------------------------------

@pytest.mark.parametrize("quarter", ["2015Q3", "2019Q4"])
def test_quarter_before_the_first_quarter_is_a_finding_not_an_error(engine, workbook, quarter):
    report = load_bytes(engine, "oud.xlsx", workbook(quarter=quarter))
    assert report.outcome == "rejected"
    assert [(f.rule, f.place) for f in report.findings] == [(F.QUARTER_TOO_EARLY, "Gegevens!B4")]
    label = Quarter.parse(quarter).label
    assert (f"het {label} ligt vóór het eerste kwartaal van de monitor ({QUARTERS_FROM.label})"
            in report.findings[0].message)
    report = load_bytes(engine, "oud.csv", _csv_text(",", csv_rows("GM0405", quarter)).encode())
    assert [(f.rule, f.place) for f in report.findings] == [(F.QUARTER_TOO_EARLY, "regel 2")]
    assert load_bytes(engine, "eerste.xlsx", workbook(quarter=QUARTERS_FROM.code)).outcome == "loaded"


# --- every rule is defined once and documented -------------------------------------------------------------------

def test_every_rule_is_defined_in_findings_and_documented_in_the_readme():
    rules = {value for name, value in vars(F).items() if name.isupper() and isinstance(value, str)
             and name not in ("FATAL", "WARNING")}
    assert F.INTERNAL_ERROR == "interne_fout" and F.INTERNAL_ERROR in rules
    readme = (settings.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Validation rules"):]
    section = section[:section.index("\n## ")]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.M)
    documented = {rule for cell in first_cells if not cell.startswith("**")  # a group's heading row
                  for rule in re.findall(r"`([a-z0-9_]+)`", cell)}
    assert documented == rules, (sorted(rules - documented), sorted(documented - rules))
