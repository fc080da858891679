"""Submitting data (issue 5): a corpus of malformed and hostile files refused without changing anything, formulas
read as values and formula-like text neutralised, sizes checked before decoding, and the formats offered."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import text

from dashboard import components
from dashboard.viewer import Viewer
from tests.conftest import csv_bytes, good_values, load_bytes
from tests.upload.helpers import COORDINATOR, HOORN, audit_uploads, shown, text_of, upload

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
