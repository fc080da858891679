"""Submitting data (issue 5): the template out, the upload in, hostile files refused, scope enforced and audited.

The upload callback is called directly with the base64 data URL that dcc.Upload sends (the viewer stood in by
monkeypatching `dashboard.context.viewer`), through Dash's HTTP endpoint with forged inputs, and once in a real
browser.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import sys
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select, text

from cli.template import template
from dashboard import components
from dashboard.viewer import Viewer
from etl import prefill, schema
from etl.domain import STATUS_LABELS, Quarter
from tests.conftest import csv_bytes, good_values, load_bytes, table_snapshot

HOORN = Viewer("gemeente", "GM0405", "hoorn@example.nl")
TEXEL = Viewer("gemeente", "GM0448", "texel@example.nl")
COORDINATOR = Viewer("coordinator", None, "coord@example.nl")
PASSWORD = "een-goed-wachtwoord-123"
SHOWN_TABLES = ["fact_block_status", "fact_resources", "fact_signals", "fact_network", "mart_municipality_quarter",
                "mart_block_quarter"]


# --- helpers ---------------------------------------------------------------------------------------------


@pytest.fixture
def aanleveren(engine):
    """The Aanleveren page module as the app imports it."""
    from dashboard.app import create_app

    create_app()
    return sys.modules["pages.aanleveren"]


@pytest.fixture
def as_viewer(monkeypatch):
    def set_viewer(viewer: Viewer) -> None:
        monkeypatch.setattr("dashboard.context.viewer", lambda: viewer)

    return set_viewer


def data_url(data: bytes, mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def text_of(node) -> str:
    """All text in a Dash component tree."""
    if node is None:
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text_of(n) for n in node)
    return text_of(getattr(node, "children", None))


def upload(module, data: bytes | None, name: str = "aanlevering.xlsx", code: str | None = None,
           contents: str | None = None) -> tuple[str, str]:
    """Call the upload callback as the browser would; (outcome text, history text)."""
    choice = {"gemeente": code, "kwartaal": "2026Q3"}  # what the page was opened with (dcc.Store)
    result, history, reset = module.upload_file(contents if contents is not None else data_url(data), name, choice)
    assert reset is None  # the same file can be chosen again
    return text_of(result), text_of(history)


def shown(engine) -> dict:
    """What the warehouse shows: facts, marts, and the submissions that are or were active."""
    snapshot = table_snapshot(engine, SHOWN_TABLES)
    with engine.connect() as conn:
        snapshot["submission"] = sorted(tuple(r) for r in conn.execute(text(
            "SELECT id, municipality_code, quarter, version, status, file_id FROM submission "
            "WHERE status <> 'rejected'")).all())
    return snapshot


def audit_uploads(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit_log.c.actor, schema.audit_log.c.detail)
                            .where(schema.audit_log.c.event == "upload").order_by(schema.audit_log.c.id)).all()
    return [dict(json.loads(r.detail), actor=r.actor) for r in rows]


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


# --- the corpus of malformed files ------------------------------------------------------------------------


def _zip(entries: dict[str, bytes], level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _patch_xml(data: bytes, old: bytes, new: bytes, within: bytes = b"") -> bytes:
    """Replace `old` in the first part of the workbook that holds it (and `within`)."""
    parts = _parts(data)
    hits = [n for n, c in parts.items() if old in c and within in c]
    assert hits, old
    parts[hits[0]] = parts[hits[0]].replace(old, new, 1)
    return _zip(parts)


def _set(sheet: str, key: str, value, column: int = 2):
    """An edit: on `sheet`, in the row whose first cell is `key`, set column `column` (1-based)."""
    def edit(wb):
        for row in wb[sheet].iter_rows(min_row=2):
            if row[0].value == key:
                row[column - 1].value = value
                return
        raise AssertionError(key)
    return edit


def _text_cell(sheet: str, key: str, value: str, column: int):
    """A text cell, also when it begins with '=' (openpyxl would otherwise write a formula)."""
    def edit(wb):
        for row in wb[sheet].iter_rows(min_row=2):
            if row[0].value == key:
                row[column - 1].value = value
                row[column - 1].data_type = "s"
                return
        raise AssertionError(key)
    return edit


def _delete_row(sheet: str, key: str):
    def edit(wb):
        ws = wb[sheet]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == key:
                ws.delete_rows(row[0].row)
                return
        raise AssertionError(key)
    return edit


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lololololololol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10)) + b"]>")


def corpus(workbook) -> list[tuple[str, bytes, str, Viewer]]:
    """(case, file, expected Dutch message fragment, uploader): every one of them must be refused."""
    good = workbook()
    zeros = b"\x00" * 60_000_000  # >50 MB unpacked, ~60 kB packed
    pdf = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
           b"stream\n\x00\x01\x02\xff")
    cases = [
        ("leeg bestand", b"", "het bestand is leeg", HOORN),
        ("alleen spaties", b"  \r\n \t\n", "het bestand is leeg", HOORN),
        ("pdf met .xlsx-naam", pdf, "dit is een PDF-bestand; een PDF kan niet worden ingelezen", HOORN),
        ("png met .xlsx-naam", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
         "dit is een afbeelding; een afbeelding kan niet worden ingelezen", HOORN),
        ("oud .xls (OLE)", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
         "dit is een oud Excel-bestand (.xls) of een beveiligd bestand", HOORN),
        ("xlsm met macro's", _zip({**_parts(good), "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
         "de werkmap bevat macro's", HOORN),
        ("zip-bom", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                          "xl/worksheets/sheet1.xml": zeros}, level=9),
         "pakt uit tot een onredelijk grote omvang", HOORN),
        ("zip met te veel onderdelen",
         _zip({**_parts(good), **{f"xl/media/x{i}.xml": b"<a/>" for i in range(250)}}),
         "ongewoon veel onderdelen", HOORN),
        ("cel op XFD1048576", _patch_xml(good, b"</sheetData>",
                                         b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                                         b"</row></sheetData>"),
         "ongewoon veel rijen of kolommen", HOORN),
        ("XML-entiteitenbom", _patch_xml(_patch_xml(good, b"Vastgesteld door het college.", b"&lol9;"),
                                         b"<worksheet", LAUGHS + b"<worksheet", within=b"&lol9;"),
         "het tabblad Bouwstenen kan niet worden gelezen", HOORN),
        ("zip zonder werkmap", _zip({"leesmij.txt": b"hallo"}), "dit zip-bestand is geen Excel-werkmap", HOORN),
        ("binaire werkmap (.xlsb)", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00\x01"}),
         "binaire Excel-werkmappen (.xlsb)", HOORN),
        ("afgebroken xlsx", good[: len(good) // 2], "beschadigd of geen werkmap", HOORN),
        ("tabblad ontbreekt", workbook(edit=lambda wb: wb.remove(wb["Signalen"])),
         "het tabblad Signalen ontbreekt",
         HOORN),
        ("kolom ontbreekt", workbook(edit=lambda wb: wb["Bouwstenen"].cell(1, 3, "stand")),
         "de kolom 'status' ontbreekt", HOORN),
        ("tekst in een getalveld", workbook(edit=_set("Middelen", "medewerkers_getraind", "vier")),
         "de waarde (een tekst van 4 tekens) is geen geheel getal (medewerkers_getraind)", HOORN),
        ("negatieve fte", workbook(edit=_set("Middelen", "capaciteit_fte", -1)), "capaciteit_fte is negatief",
         HOORN),
        ("onbekende status", workbook(edit=_set("Bouwstenen", "LA3", "ja", column=3)),
         'Bouwstenen!C4 onbekende status "ja" — kies Niet gestart, In ontwikkeling, Gerealiseerd of Geborgd',
         HOORN),
        ("formule zonder waarde in een getalveld",
         workbook(edit=_set("Signalen", "meldingen_radicalisering", "=1+1")),
         "meldingen_radicalisering is leeg", HOORN),
        ("formule als status", workbook(edit=_set("Bouwstenen", "LA2", '=IF(1,"Geborgd")', column=3)),
         "geen status voor LA2", HOORN),
        ("formule met andere uitkomst",
         _patch_xml(workbook(edit=_set("Signalen", "meldingen_polarisatie", "=1+1")), b"<f>1+1</f><v></v>",
                    b"<f>1+1</f><v>5</v>"),
         "is niet gelijk aan meldingen radicalisering + polarisatie", HOORN),
        ("NaN in een getalcel", _patch_xml(good, b"<v>1.5</v>", b"<v>NaN</v>"),
         "capaciteit_fte is geen eindig getal (NaN of oneindig)", HOORN),
        ("stuurteken in toelichting", _patch_xml(good, b"Vastgesteld door het college.", b"Vast_x0000_gesteld"),
         "bevat tekens die niet kunnen worden gelezen", HOORN),
        ("kwartaal leeg", workbook(edit=_set("Gegevens", "kwartaal", None)), "kwartaal is leeg", HOORN),
        ("kwartaal ongeldig", workbook(edit=_set("Gegevens", "kwartaal", "2026-3")), '"2026-3" is geen kwartaal',
         HOORN),
        ("kwartaal niet begonnen", workbook(quarter="2027Q1"), "het 1e kwartaal 2027 is nog niet begonnen", HOORN),
        ("sjabloonversie 2", workbook(edit=_set("Gegevens", "sjabloonversie", 2)),
         'sjabloonversie "2" wordt niet ondersteund', HOORN),
        ("onbekende gemeentecode", workbook(edit=_set("Gegevens", "gemeente_code", "GM9999")),
         "gemeentecode GM9999 is onbekend", COORDINATOR),
        ("gemeente buiten de regio", workbook(code="GM0363"), "Amsterdam (GM0363) hoort niet bij de regio",
         COORDINATOR),
        ("bestand van een andere gemeente", workbook(code="GM0448"),
         "u kunt alleen aanleveren voor uw eigen gemeente (Hoorn); dit bestand is voor Texel", HOORN),
        ("e-mailadres in toelichting", workbook(edit=_set("Bouwstenen", "LA1", "mail j.jansen@hoorn.nl", 4)),
         "lijkt een e-mailadres te bevatten", HOORN),
        ("BSN in toelichting", workbook(edit=_set("Bouwstenen", "KE2", "casus 111222333 besproken", 4)),
         "burgerservicenummer", HOORN),
        ("formule-achtige tekst met e-mail", workbook(edit=_text_cell("Bouwstenen", "LA2", "=mail a@b.nl", 4)),
         "lijkt een e-mailadres te bevatten", HOORN),
        ("toelichting te lang", workbook(edit=_set("Bouwstenen", "LA1", "x" * 501, 4)),
         "is 501 tekens; maak haar korter", HOORN),
        ("meldingen tellen niet op", workbook(values=good_values(signals={"meldingen_van_burgers": 9})),
         "is niet gelijk aan meldingen radicalisering + polarisatie", HOORN),
        ("ZVH meer dan totaal", workbook(values=good_values(signals={"ingebracht_zvh": 6})),
         "is meer dan het totaal aan meldingen", HOORN),
        ("partner ontbreekt", workbook(edit=_delete_row("Netwerk", "ggz_ggd")), "de partner 'ggz_ggd' ontbreekt",
         HOORN),
        ("onbekende bouwsteen", workbook(edit=lambda wb: wb["Bouwstenen"].append(["XX9", "", "Geborgd"])),
         'onbekende bouwsteen "XX9"', HOORN),
        ("bouwsteen dubbel", workbook(edit=lambda wb: wb["Bouwstenen"].append(["LA1", "", "Geborgd"])),
         '"LA1" staat hier nogmaals', HOORN),
        ("ja/nee ongeldig", workbook(edit=_set("Netwerk", "handhaving", "misschien")),
         "de waarde (een tekst van 9 tekens) is geen geldig antwoord voor handhaving; kies ja of nee", HOORN),
        ("CSV met verkeerde kopregel", b"gemeente;periode;veld;waarde\nGM0405;2026Q3;LA1;Geborgd\n",
         "de kopregel mist de kolom(men) gemeente_code, kwartaal, onderdeel", HOORN),
        ("CSV met te weinig kolommen", csv_bytes([["GM0405", "2026Q3", "bouwsteen", "LA1"]]),
         "de regel heeft 4 kolommen in plaats van 5", HOORN),
        ("CSV in UTF-16 zonder regels", "gemeente_code,kwartaal,onderdeel,veld,waarde\n".encode("utf-16"),
         "het bestand bevat geen aanlevering", HOORN),
        ("Numbers-bestand (Apple)", _zip({"Index/Document.iwa": b"\x00" * 64, "Metadata/Properties.plist": b"x"}),
         "dit is een Numbers-bestand (Apple); kies in Numbers Bestand > Exporteer naar > Excel", HOORN),
        ("Word-document", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
         "dit is een Word-document, geen werkmap", HOORN),
        ("OpenDocument-tekst", _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                                     "content.xml": b"<office:document-content/>"}),
         "dit is een OpenDocument-bestand maar geen rekenblad (.ods)", HOORN),
        ("CSV met kwartaal zonder gemeente", csv_bytes([["", "2026Q3", "bouwsteen", "LA1", "Geborgd"]]),
         "gemeente_code is leeg", COORDINATOR),
        ("te groot bestand", b"gemeente_code,kwartaal,onderdeel,veld,waarde\n" + b"x" * 5_000_000,
         "Het bestand is te groot (5.000.045 bytes); het mag ten hoogste 5.000.000 bytes zijn", HOORN),
    ]
    return cases


def test_corpus_of_malformed_files_is_refused_and_changes_nothing(engine, workbook, aanleveren, as_viewer):
    assert load_bytes(engine, "basis.xlsx", workbook(values=good_values({"LA1": 2}))).outcome == "loaded"
    before = shown(engine)
    cases = corpus(workbook)
    assert len(cases) >= 25
    failures = []
    for i, (case, data, fragment, viewer) in enumerate(cases):
        as_viewer(viewer)
        audits_before = len(audit_uploads(engine))
        outcome, _history = upload(aanleveren, data, f"bestand_{i}.xlsx",
                                   code=viewer.municipality_code if viewer.role == "gemeente" else None)
        if not outcome.startswith(("Afgewezen", "Geweigerd")):
            failures.append(f"{case}: not refused: {outcome[:300]}")
        elif fragment not in outcome:
            failures.append(f"{case}: expected {fragment!r} in {outcome[:600]!r}")
        if len(audit_uploads(engine)) != audits_before + 1:
            failures.append(f"{case}: not audited")
    assert not failures, "\n".join(failures)
    assert shown(engine) == before
    with engine.connect() as conn:  # every file that reached the loader was recorded as rejected
        outcomes = conn.execute(text("SELECT outcome, count(*) FROM source_file GROUP BY outcome")).all()
    assert dict(outcomes)["loaded"] == 1 and "error" not in dict(outcomes)


def _find(node, kind: str):
    """Every component of a type in a Dash component tree."""
    if isinstance(node, list | tuple):
        return [c for n in node for c in _find(n, kind)]
    found = [node] if type(node).__name__ == kind else []
    children = getattr(node, "children", None)
    return found + (_find(children, kind) if children is not None and not isinstance(children, str) else [])


def test_upload_offers_ods_and_says_what_else_to_do(engine, workbook, aanleveren, as_viewer):
    """The file dialog offers .ods beside .xlsx and .csv; an .ods from LibreOffice loads through the page."""
    from tests.files import ods_from_xlsx

    as_viewer(HOORN)
    page = aanleveren.layout()
    (upload_input,) = _find(page, "Upload")
    assert set(upload_input.accept.split(",")) >= {".xlsx", ".ods", ".csv"}
    assert ".xls," in text_of(page) and ".numbers" in text_of(page)  # what is not accepted, and what to do
    outcome, history = upload(aanleveren, ods_from_xlsx(workbook()), "aanlevering.ods")
    assert outcome.startswith("Geladen") and "Hoorn 2026Q3 (versie 1)" in outcome, outcome
    assert "aanlevering.ods" in history


def test_formulas_are_read_as_their_values(engine, workbook, aanleveren, as_viewer):
    """A formula that Excel calculated carries its value; that value is what is loaded."""
    data = _patch_xml(workbook(edit=_set("Signalen", "meldingen_radicalisering", "=1+2")),
                      b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>")
    as_viewer(HOORN)
    outcome, _ = upload(aanleveren, data)
    assert outcome.startswith("Geladen"), outcome
    with engine.connect() as conn:
        assert conn.execute(text("SELECT radicalisation FROM fact_signals")).scalar() == 3


def test_formula_like_text_loads_and_is_neutralised_in_csv_and_history(engine, workbook, aanleveren, as_viewer):
    texts = {"LA1": "=1+1 is geen formule", "LA2": "+ extra inzet", "LA3": "-3 fte minder", "LA4": "@team intern"}
    edits = [_text_cell("Bouwstenen", code, value, 4) for code, value in texts.items()]
    data = workbook(edit=lambda wb: [e(wb) for e in edits])
    as_viewer(HOORN)
    outcome, history = upload(aanleveren, data, "=HYPERLINK(\"evil\").xlsx")
    assert outcome.startswith("Geladen"), outcome
    from dashboard import data as dashboard_data

    checklist = dashboard_data.profile(HOORN, "GM0405", "2026Q3").checklist
    assert set(texts.values()) <= set(checklist["explanation"])
    exported = components.table_csv(checklist[["code", "explanation"]])
    for value in texts.values():
        assert f"'{value}" in exported
    assert "'=HYPERLINK" in history  # the file name in the history table cannot start a formula


def test_size_is_checked_before_decoding(engine, aanleveren, as_viewer, monkeypatch):
    monkeypatch.setenv("NHSV_UPLOAD_MAX_BYTES", "1000")
    as_viewer(HOORN)
    decoded = []
    monkeypatch.setattr("dashboard.uploads.base64.b64decode", lambda *a, **k: decoded.append(1) or b"")
    outcome, _ = upload(aanleveren, None, contents="data:text/csv;base64," + "QUFB" * 400)  # 1.200 bytes
    assert outcome.startswith("Geweigerd")
    assert "te groot (1200 bytes); het mag ten hoogste 1000 bytes zijn" in outcome
    assert not decoded
    assert [(d["uitkomst"], d["reden"], d["bytes"]) for d in audit_uploads(engine)] == [
        ("geweigerd", "bestand_te_groot", 1200)]


def test_undecodable_contents_are_refused(engine, aanleveren, as_viewer):
    as_viewer(HOORN)
    for contents in ("data:text/csv;base64,@@@", "geen data-url", "data:text/csv,platte tekst"):
        outcome, _ = upload(aanleveren, None, contents=contents)
        assert outcome.startswith("Geweigerd") and "kon niet worden ontvangen" in outcome, outcome
    assert len(audit_uploads(engine)) == 3


# --- scope: a gemeente user uploads for the own gemeente only ---------------------------------------------


def test_gemeente_user_cannot_upload_for_another_gemeente(engine, workbook, aanleveren, as_viewer):
    texel_file = workbook(code="GM0448")
    before = shown(engine)
    as_viewer(HOORN)
    # a Texel file through the page as it is
    outcome, history = upload(aanleveren, texel_file, "texel.xlsx", code="GM0405")
    assert outcome.startswith("Afgewezen") and "uw eigen gemeente (Hoorn)" in outcome
    # forged inputs: Texel chosen although the page offers only Hoorn
    outcome, history = upload(aanleveren, texel_file, "texel.xlsx", code="GM0448")
    assert outcome.startswith("Geweigerd") and "eigen gemeente" in outcome
    assert "Texel" not in history
    assert shown(engine) == before
    attempts = audit_uploads(engine)
    assert [(a["actor"], a["uitkomst"], a["gemeente_gekozen"]) for a in attempts] == [
        ("hoorn@example.nl", "rejected", "GM0405"), ("hoorn@example.nl", "geweigerd", "GM0448")]
    assert attempts[0]["bevindingen"] == ["andere_gemeente"] and attempts[1]["reden"] == "andere_gemeente"
    # Texel's history does not show Hoorn's refused attempt; Hoorn may not read Texel's history at all
    from dashboard import uploads
    from dashboard.data import Forbidden

    assert uploads.submission_history(TEXEL, "GM0448").empty
    with pytest.raises(Forbidden):
        uploads.submission_history(HOORN, "GM0448")
    # the template of another gemeente is refused too
    as_viewer(HOORN)
    data, message = aanleveren.download_template(1, {"gemeente": "GM0448", "kwartaal": "2026Q3"})
    assert data is __import__("dash").no_update and "eigen gemeente" in text_of(message)


def test_coordinator_uploads_for_any_gemeente_and_sees_its_history(engine, workbook, aanleveren, as_viewer):
    as_viewer(COORDINATOR)
    outcome, history = upload(aanleveren, workbook(code="GM0448"), "texel.xlsx", code="GM0405")
    assert outcome.startswith("Geladen") and "Texel 2026Q3" in outcome
    assert "Aanleveringen van Texel" in history  # the history follows the file's gemeente
    data, _message = aanleveren.download_template(1, {"gemeente": "GM0448", "kwartaal": "2026Q3"})
    assert data["filename"] == "aanlevering_GM0448_2026Q3.xlsx"
    wb = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert next(r for r in wb["Gegevens"].iter_rows(values_only=True) if r[0] == "gemeente_code")[1] == "GM0448"


def test_forged_dash_request_by_a_gemeente_user_is_refused_and_audited(engine, workbook):
    from dashboard import auth
    from dashboard.app import create_app
    from tests.test_auth import callback_payload, login

    auth.add_user(engine, "hoorn@example.nl", "gemeente", "GM0405", PASSWORD, actor="test")
    app = create_app()
    client = app.server.test_client()
    assert login(client, "hoorn@example.nl", PASSWORD).status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    key = next(k for k in app.callback_map if "aanleveren-uitkomst.children" in k)
    spec = app.callback_map[key]
    before = shown(engine)
    for code in ("GM0448", "GM0405"):  # Texel forged as the chosen gemeente, and a Texel file for "Hoorn"
        body = callback_payload(key, spec)
        body["inputs"][0]["value"] = data_url(workbook(code="GM0448"))
        for item in body["state"]:
            item["value"] = {"filename": "texel.xlsx", "data": {"gemeente": code, "kwartaal": "2026Q3"}}[
                item["property"]]
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        answer = json.dumps(response.get_json(), ensure_ascii=False)
        assert "eigen gemeente" in answer
    assert shown(engine) == before
    attempts = audit_uploads(engine)
    assert [(a["actor"], a["uitkomst"]) for a in attempts] == [("hoorn@example.nl", "geweigerd"),
                                                               ("hoorn@example.nl", "rejected")]

# The round trip in a real browser is in tests/browser/test_upload_browser.py.
