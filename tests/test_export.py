"""The quarterly export pack (issue 6): the tests open what was written — PDF pages and text (pypdf), slides and
their titles (python-pptx), PNG sizes, SVG text, XLSX sheets — and check that every caption carries quarter and
source, that a `gemeente` pack holds no other gemeente's name, and that an `openbaar` pack shows no count from
1 to 4 and no gemeente name beside a count.

Packs that render charts need a Chromium (kaleido's server); they are built once per module.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from dashboard import data, export
from etl import db, demo, load, schema
from etl.domain import Quarter
from nhsv import settings
from tests.conftest import good_values, load_bytes

QUARTER = "2025Q4"  # the demo warehouse's latest quarter
OWN, OTHER = "GM0405", "GM0448"  # Hoorn, Texel
QUARTER_LABEL = "4e kwartaal 2025"
SOURCE = "Bron: aanleveringen van de NHSV-gemeenten"
COUNT_COLUMNS = {"Radicalisering", "Polarisatie", "Van burgers", "Van professionals", "Totaal"}
COUNT_HEADERS = COUNT_COLUMNS | {"Ingebracht in ZVH", "Meldingen", "Lopende interventietrajecten"}
NOTE = "Toelichting bij lege cellen"


def _browser() -> bool:
    return bool(settings.get("NHSV_BROWSER_PATH").strip() or shutil.which("chromium")
                or shutil.which("google-chrome") or shutil.which("chromium-browser"))


def needs_browser(test):
    """Chart exports need Chromium; scripts/setup.sh --test installs it, so its absence is a failure."""
    return test


# --- fixtures -----------------------------------------------------------------------------------------


def _point_data_layer_at(mp: pytest.MonkeyPatch, url: str) -> None:
    """Point the data layer (and the audit log) at a warehouse: `db.engine()` resolves NHSV_DATABASE_URL."""
    mp.setenv("NHSV_DATABASE_URL", url)
    mp.setenv("NHSV_TODAY", "2026-11-15")
    if hasattr(db.engine, "cache_clear"):  # an engine() cached on its first URL: resolve the URL before it
        cached = db.engine
        mp.setattr(db, "engine", lambda url=None: cached(url or settings.database_url()))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    """The demo (2024Q1–2025Q4, 32 gemeenten) loaded through the loader into this module's SQLite file."""
    folder = tmp_path_factory.mktemp("export-demo")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = db.make_engine(url)
    db.init(engine)
    demo.generate(folder / "inbox", seed=1, last=Quarter(2025, 4))
    load.load_paths(engine, [folder / "inbox"], actor="t")
    engine.dispose()
    return url


@pytest.fixture
def demo_warehouse(demo_url, monkeypatch):
    _point_data_layer_at(monkeypatch, demo_url)
    return demo_url


@pytest.fixture(scope="module")
def packs(demo_url, tmp_path_factory) -> dict[str, Path]:
    """Three packs built once: coordinator (Hoorn and the region, every format), gemeente (Hoorn and its view of
    the region; documents and SVG) and openbaar (Texel and the region; documents)."""
    if not _browser():
        pytest.fail("Chromium is needed for chart exports: apt-get install chromium (scripts/setup.sh --test)")
    root = tmp_path_factory.mktemp("packs")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        _point_data_layer_at(mp, demo_url)
        calls: list[tuple[int, int, str]] = []
        result = export.build_pack(QUARTER, "coordinator", [OWN], True, [*export.DEFAULT_FORMATS, "csv"],
                                   root / "coordinator", progress=lambda *a: calls.append(a))
        out["coordinator"] = result.out_dir
        out["coordinator_calls"] = calls  # type: ignore[assignment]
        out["coordinator_result"] = result  # type: ignore[assignment]
        out["gemeente"] = export.build_pack(QUARTER, "gemeente", [OWN], True, ["svg", "pdf", "pptx", "xlsx"],
                                            root / "gemeente").out_dir
        out["openbaar"] = export.build_pack(QUARTER, "openbaar", [OTHER], True, ["pdf", "pptx", "xlsx"],
                                            root / "openbaar").out_dir
    return out


def _small_values(**signals) -> dict:
    values = good_values()
    values["signals"] = {**values["signals"], **signals}
    return values


@pytest.fixture
def small(engine, workbook, monkeypatch):
    """Three gemeenten, one quarter, small counts: the region's signals by source include a total of 3
    (three times 1 from citizens). Explanations start with characters a spreadsheet reads as a formula."""
    _point_data_layer_at(monkeypatch, str(engine.url.render_as_string(hide_password=False)))
    for code in (OWN, OTHER, "GM0361"):
        values = _small_values()
        values["explanations"] = {"LA1": "-1 bouwsteen; zie =SOM(A1)", "LA2": "@bestuur: besproken"}
        report = load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3", values))
        assert report.outcome == "loaded", report.findings
    return engine


# --- reading what was written -------------------------------------------------------------------------


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pptx_slides(path: Path) -> list[dict]:
    out = []
    for slide in Presentation(path).slides:
        texts, title = [], None
        for shape in slide.shapes:
            if shape == slide.shapes.title:
                title = shape.text_frame.text
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        out.append({"title": title, "text": "\n".join(texts), "notes": notes, "pictures": len(pictures)})
    return out


def xlsx_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join(t for t in root.itertext() if t.strip())


def all_text(folder: Path) -> dict[Path, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".pdf":
            out[path] = "\n".join(pdf_text(path))
        elif path.suffix == ".pptx":
            out[path] = "\n".join(s["text"] + "\n" + s["notes"] for s in pptx_slides(path))
        elif path.suffix == ".xlsx":
            out[path] = xlsx_text(path)
        elif path.suffix == ".svg":
            out[path] = svg_text(path)
        elif path.suffix in (".csv", ".json"):
            out[path] = path.read_text(encoding="utf-8-sig")
    return out


def names_in(text: str, codes) -> set[str]:
    """Gemeente names in a text as whole words; district names (Zaanstreek-Waterland) are not gemeenten."""
    for district in data.districts():
        text = text.replace(district, " ")
    places = data.region()
    return {places[c].name for c in codes
            if re.search(r"(?<!\w)" + re.escape(places[c].name) + r"(?!\w)", text)}


def one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


# --- the pack as a whole ------------------------------------------------------------------------------


def test_manifest_lists_every_file_with_checksum(packs):
    folder = packs["coordinator"]
    manifest = export.read_manifest(folder)
    assert manifest["generator"] == export.GENERATOR and manifest["quarter"] == QUARTER
    listed = {e["path"] for e in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert export.verify(folder) == []
    part = json.loads((folder / OWN / "manifest.json").read_text(encoding="utf-8"))
    assert {f"{OWN}/{e['path']}" for e in part["files"]} == {p for p in on_disk if p.startswith(OWN + "/")} - {
        f"{OWN}/manifest.json"}
    # nothing left beside the pack
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []
    # one progress call per file, ending at the total
    calls = packs["coordinator_calls"]
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert calls[-1][0] == calls[-1][1] == len(manifest["files"]) + 1


def test_png_is_print_quality_and_svg_is_svg(packs):
    figures = packs["coordinator"] / OWN / "figuren"
    pngs, svgs = sorted(figures.glob("*.png")), sorted(figures.glob("*.svg"))
    assert len(pngs) == len(svgs) == 5
    for png in pngs:
        width, height = export.png_size(png)
        # the deck's shape (12.33 × 5.45 in) at scale 2, with the source line beneath
        assert width >= 1200 * export.SCALE and 0.40 < height / width < 0.75, (png, width, height)
    for svg in svgs:
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
        text = svg_text(svg)
        assert SOURCE in text and QUARTER_LABEL in text and "Vertrouwelijk" in text  # the image carries them


def test_pdf_report(packs, demo_warehouse):
    part = export.gemeente_part("coordinator", OWN, QUARTER)
    pdf = one(packs["coordinator"] / OWN, "*_rapport.pdf")
    pages = pdf_text(pdf)
    assert len(pages) >= 4
    cover = pages[0]
    for expected in ("Hoorn", QUARTER_LABEL, "15 november 2026",
                     "Vertrouwelijk — alleen voor de regionale coördinatie", SOURCE):
        assert expected in cover
    text = "\n".join(pages)
    assert part.summary[0][:40] in text.replace("\n", " ")
    for k, chart in enumerate(part.charts, start=1):
        assert f"Figuur {k}. {chart.title}" in text.replace("\n", " ")
    assert "Checklist bouwstenen" in text and "Colofon" in text and "Contact" in text
    for code in part.checklist["Code"]:
        assert code in text
    assert all("Vertrouwelijk — alleen voor de regionale coördinatie" in page for page in pages)
    # the source line once per figure: the images carry none, the report says it once before the figures
    assert text.count(SOURCE) <= 3  # cover, before the figures, colophon


def test_pptx_deck(packs, demo_warehouse):
    part = export.gemeente_part("coordinator", OWN, QUARTER)
    slides = pptx_slides(one(packs["coordinator"] / OWN, "*_presentatie.pptx"))
    assert slides[0]["title"] == "NHSV-monitor: Hoorn"
    assert slides[1]["title"] == "Het kwartaal in het kort" and part.summary[0][:30] in slides[1]["text"]
    chart_slides = [s for s in slides if s["pictures"]]
    assert [s["title"] for s in chart_slides] == [c.title for c in part.charts]
    assert all(s["pictures"] == 1 for s in chart_slides)
    assert [s["title"] for s in slides[-3:]] == ["Checklist bouwstenen", "Checklist bouwstenen (vervolg)", "Colofon"]
    for slide in slides:
        assert SOURCE in slide["text"] and QUARTER_LABEL in slide["text"]
        assert "Vertrouwelijk — alleen voor de regionale coördinatie" in slide["text"]


def test_xlsx_holds_the_data_of_every_chart(packs, demo_warehouse):
    part = export.gemeente_part("coordinator", OWN, QUARTER)
    wb = load_workbook(one(packs["coordinator"] / OWN, "*_gegevens.xlsx"))
    assert wb.sheetnames[0] == "Over dit bestand" and wb.sheetnames[-1] == "Checklist"
    sheets = wb.sheetnames[1:-1]
    assert len(sheets) == len(part.charts)
    for name, chart in zip(sheets, part.charts, strict=True):
        ws = wb[name]
        assert ws["A1"].value == chart.title
        assert SOURCE in ws["A2"].value and QUARTER_LABEL in ws["A2"].value
        assert ws["A3"].value == "Vertrouwelijk — alleen voor de regionale coördinatie"
        header = [c.value for c in ws[5]]
        assert header[:len(chart.table.columns)] == list(chart.table.columns)
        assert header[len(chart.table.columns):] in ([], [NOTE])
        assert ws.max_row == 5 + len(chart.table)
    timeline = wb[sheets[2]]  # capaciteit: numbers, not text
    assert any(isinstance(c.value, float) for c in timeline["B"][5:])
    for path in sorted((packs["coordinator"] / OWN / "csv").glob("*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        assert SOURCE in rows[1][0] and QUARTER_LABEL in rows[1][0]


def test_region_pack_has_the_overview_charts(packs):
    folder = packs["gemeente"] / OWN / "regio"
    names = sorted(p.stem for p in (folder / "figuren").glob("*.svg"))
    keys = {n.split("_", 1)[1] for n in names}
    assert {"kaart", "bouwstenen_verdeling", "ontwikkeling_score", "ontwikkeling_signals_total",
            "meldingen_soort_regio"} <= keys
    assert sum(k.startswith("meldingen_") for k in keys) == 2 * (1 + len(data.districts()))
    slides = pptx_slides(one(folder, "*_presentatie.pptx"))
    assert sum(s["pictures"] for s in slides) == len(names)
    assert "Vertrouwelijk — alleen voor gemeente Hoorn" in "\n".join(pdf_text(one(folder, "*_rapport.pdf")))


# --- the audience decides what is in it ---------------------------------------------------------------


def test_gemeente_pack_holds_no_other_gemeentes_name(packs, demo_warehouse):
    folder = packs["gemeente"]
    others = [c for c in data.region() if c != OWN]
    assert len(others) == 31
    texts = all_text(folder)
    assert {p.suffix for p in texts} >= {".pdf", ".pptx", ".xlsx", ".svg"}
    for path, text in texts.items():
        assert names_in(text, others) == set(), path
    pdf = "\n".join(pdf_text(one(folder / OWN, "*_rapport.pdf")))
    assert "Hoorn" in pdf and "Vertrouwelijk — alleen voor gemeente Hoorn" in pdf
    region = load_workbook(one(folder / OWN / "regio", "*_gegevens.xlsx"))
    counts = region[region.sheetnames[2]]  # per block, how many gemeenten have each status, and Hoorn's own
    assert counts["A1"].value.startswith("Status per bouwsteen in")
    header = [c.value for c in counts[5]]
    assert header[0] == "Bouwsteen" and header[-1] == "Hoorn"
    labels = [r[0] for r in counts.iter_rows(min_row=6, values_only=True)]
    assert len(labels) == 18 and not any(re.search(r"Gemeente [A-Z]{1,2}", str(x)) for x in labels)


def _count_cells(path: Path):
    """(sheet, column, value) of every count in the signal sheets of a region workbook."""
    wb = load_workbook(path)
    for name in wb.sheetnames:
        ws = wb[name]
        if not str(ws["A1"].value).lower().endswith(("meldingen naar soort", "meldingen naar herkomst")) and \
                ws["A1"].value != "Ontwikkeling: Meldingen":
            continue
        header = [c.value for c in ws[5]]
        for row in ws.iter_rows(min_row=6, values_only=True):
            note = dict(zip(header, row, strict=True)).get(NOTE) or ""
            for column, value in zip(header, row, strict=True):
                trend = ws["A1"].value == "Ontwikkeling: Meldingen"
                if column in COUNT_COLUMNS or (trend and column not in ("Kwartaal", NOTE)):
                    yield name, column, value, note


def assert_no_counts(folder: Path) -> None:
    """A public gemeente part names the gemeente: no chart, sheet or column of signal or trajectory counts."""
    wb = load_workbook(one(folder, "*_gegevens.xlsx"))
    for ws in wb.worksheets[1:]:
        assert not COUNT_HEADERS & {c.value for c in ws[5]}, ws.title
        assert ws["A1"].value not in COUNT_HEADERS
    for slide_path in folder.glob("*_presentatie.pptx"):
        assert not COUNT_HEADERS & {s["title"] for s in pptx_slides(slide_path)}
    for pdf in folder.glob("*_rapport.pdf"):
        assert not re.search(r"Figuur \d+\. Meldingen", "\n".join(pdf_text(pdf)))
    assert not [p for p in folder.rglob("*meldingen*")]


def test_openbaar_pack_rounds_counts_and_names_no_gemeente(packs, demo_warehouse):
    folder = packs["openbaar"]
    everyone = list(data.region())
    region_texts = all_text(folder / "regio")
    for path, text in region_texts.items():
        assert names_in(text, everyone) == set(), path  # the region part names no gemeente at all
        assert "Openbaar" in text or path.suffix == ".json"
    cells = list(_count_cells(one(folder / "regio", "*_gegevens.xlsx")))
    assert len(cells) > 50
    for sheet, column, value, note in cells:
        # a count shown is a multiple of 5; one not shown is an empty cell whose reason is in the note column
        assert (isinstance(value, int) and value % 5 == 0) or (value is None and f"{column}: " in note), (
            sheet, column, value, note)
    summary = "\n".join(pdf_text(one(folder / "regio", "*_rapport.pdf")))
    shown = re.search(r"Meldingen:?\s+(\d+)", summary)
    assert shown and int(shown.group(1)) % 5 == 0
    # the gemeente part is about Texel by name: no count of its signals anywhere, no free text
    gemeente_texts = all_text(folder / OTHER)
    for path, text in gemeente_texts.items():
        assert names_in(text, [c for c in everyone if c != OTHER]) == set(), path
        if path.suffix != ".json":
            assert not re.search(r"Toelichting(?! bij lege cellen)", text), path  # the gemeente's free text
    assert_no_counts(folder / OTHER)
    assert "Openbaar" in gemeente_texts[one(folder / OTHER, "*_rapport.pdf")]


def test_openbaar_small_counts_are_never_shown(small, tmp_path):
    result = export.build_pack("2026Q3", "openbaar", [OWN], True, ["xlsx"], tmp_path / "pack")
    region = one(result.out_dir / "regio", "*_gegevens.xlsx")
    cells = list(_count_cells(region))
    values = [v for _, _, v, _ in cells]
    # three gemeenten of 32 submitted: no group has the 5 others a public figure needs, so none is shown
    assert values and set(values) == {None}, set(values)
    assert all("te weinig gemeenten" in note for _, _, _, note in cells)
    for sheet, column, value, _ in cells:
        assert not (isinstance(value, int) and 1 <= value <= 4), (sheet, column, value)
    assert names_in(xlsx_text(region), list(data.region())) == set()
    assert_no_counts(result.out_dir / OWN)
    assert "bestuur" not in xlsx_text(one(result.out_dir / OWN, "*_gegevens.xlsx"))  # no free text


def test_formula_like_text_is_neutralised(small, tmp_path):
    assert export.neutralise("=SOM(A1)") == "'=SOM(A1)"
    assert [export.neutralise(x) for x in ("+31", "-x", "@x", "\tx", "x=1")] == [
        "'+31", "'-x", "'@x", "'\tx", "x=1"]
    assert export.spreadsheet_value("-1,5") == (-1.5, "#,##0.0")
    assert export.spreadsheet_value("38%") == (0.38, "0%")
    assert export.csv_value("-1,5") == "-1,5" and export.csv_value("-x") == "'-x"
    result = export.build_pack("2026Q3", "coordinator", [OWN], False, ["xlsx", "csv"], tmp_path / "pack")
    ws = load_workbook(one(result.out_dir / OWN, "*_gegevens.xlsx"))["Checklist"]
    explanations = {r[0]: r[4] for r in ws.iter_rows(min_row=6, values_only=True)}
    assert explanations["LA1"] == "'-1 bouwsteen; zie =SOM(A1)"
    assert explanations["LA2"] == "'@bestuur: besproken"
    for row in ws.iter_rows(min_row=6):
        assert all(cell.data_type != "f" for cell in row)


# --- replacing, refusing ------------------------------------------------------------------------------


def test_running_again_replaces_the_pack(small, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    export.build_pack("2026Q3", "coordinator", [OWN, OTHER], True, ["xlsx"], out)
    (out / "stray.txt").write_text("oud")
    export.build_pack("2026Q3", "coordinator", [OWN], False, ["xlsx"], out)
    assert not (out / "stray.txt").exists() and not (out / OTHER).exists() and not (out / "regio").exists()
    assert export.verify(out) == []
    before = export.read_manifest(out)

    def broken(*args, **kwargs):
        raise RuntimeError("schijf vol")

    from dashboard.export import workbook

    monkeypatch.setattr(workbook, "write_xlsx", broken)
    with pytest.raises(RuntimeError):
        export.build_pack("2026Q3", "coordinator", [OTHER], False, ["xlsx"], out)
    assert export.read_manifest(out) == before and export.verify(out) == []  # the earlier pack is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


def test_requests_it_cannot_carry_out(small, tmp_path):
    folder = tmp_path / "eigen"
    folder.mkdir()
    (folder / "notities.txt").write_text("niet weggooien")
    cases = [
        dict(quarter="2026Q3", audience="iedereen", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2026K3", audience="coordinator", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2030Q1", audience="coordinator", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=["GM0363"], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=[], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="gemeente", codes=[], region=True, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=[OWN], region=False, formats=["docx"]),
    ]
    for case in cases:
        with pytest.raises(export.ExportError):
            export.build_pack(**case, out_dir=tmp_path / "pack")
    with pytest.raises(export.ExportError, match="geen exportpakket"):
        export.build_pack("2026Q3", "coordinator", [OWN], False, ["xlsx"], folder)
    assert (folder / "notities.txt").read_text() == "niet weggooien"


# --- the command --------------------------------------------------------------------------------------


def test_cli_help_validation_and_audit(small, tmp_path):
    from cli.export import export as command

    runner = CliRunner()
    help_text = runner.invoke(command, ["--help"])
    assert help_text.exit_code == 0 and "--kwartaal" in help_text.output and "openbaar" in help_text.output
    for args in (["--audience", "iedereen", "--regio"], ["--audience", "coordinator"],
                 ["--audience", "coordinator", "--regio", "--kwartaal", "2030Q1"],
                 ["--audience", "coordinator", "--gemeente", "GM9999"],
                 ["--audience", "gemeente", "--regio"],
                 ["--audience", "coordinator", "--regio", "--formats", "png,doc"]):
        result = runner.invoke(command, [*args, "-o", str(tmp_path / "x")])
        assert result.exit_code == 2, (args, result.output)
    assert not (tmp_path / "x").exists()
    result = runner.invoke(command, ["--kwartaal", "2026Q3", "--gemeente", f"{OWN},{OTHER}", "--audience",
                                     "gemeente", "--formats", "xlsx", "-o", str(tmp_path / "pakket")])
    assert result.exit_code == 0, result.output
    assert "Klaar" in result.output and export.verify(tmp_path / "pakket") == []
    assert sorted(p.name for p in (tmp_path / "pakket").iterdir()) == [OWN, OTHER, "manifest.json"]
    with small.connect() as conn:
        rows = conn.execute(select(schema.audit_log).where(schema.audit_log.c.event == "export")).all()
    assert len(rows) == 1 and rows[0].actor == "cli"
    detail = json.loads(rows[0].detail)
    assert detail["publiek"] == "gemeente" and detail["gemeenten"] == [OWN, OTHER]
    assert detail["kwartaal"] == "2026Q3"


def test_progress_counts_every_file_of_the_pack(small, tmp_path):
    """The progress total is known from the parts' data before anything is drawn: it ends at exactly 100%."""
    seen = []
    result = export.build_pack("2026Q3", "coordinator", [OWN], True, ("xlsx", "csv"), tmp_path / "pakket",
                               progress=lambda done, total, path: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == len(result.files) + 1  # + the pack's own manifest
    assert all(total == seen[0][1] for _, total in seen)


# --- documents a coordinator can hand out (issue 22): as LibreOffice, poppler and pikepdf read them ---------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "exports"
AUDIENCES = ("coordinator", "gemeente", "openbaar")


def _documents(packs, audience: str, pattern: str) -> list[Path]:
    found = sorted(packs[audience].rglob(pattern))
    assert found, (audience, pattern)
    return found


def _contact_sheet(pdf: Path, out: Path, resolution: int) -> None:
    """The document's pages side by side in one PNG, for docs/screenshots/exports/."""
    import subprocess
    import tempfile

    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(resolution), "-png", str(pdf), f"{tmp}/p"], check=True)
        pages = [Image.open(p) for p in sorted(Path(tmp).glob("p-*.png"))]
        cols = 4 if pages[0].width < pages[0].height else 3
        w, h = max(p.width for p in pages), max(p.height for p in pages)
        sheet = Image.new("RGB", (cols * w + (cols + 1) * 8, ((len(pages) + cols - 1) // cols) * (h + 8) + 8), "#9A9A9A")
        for k, page in enumerate(pages):
            sheet.paste(page, (8 + (k % cols) * (w + 8), 8 + (k // cols) * (h + 8)))
        out.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(out, optimize=True)


@pytest.fixture(scope="module")
def rendered_decks(packs, tmp_path_factory) -> dict[Path, Path]:
    """Every deck of the three packs as LibreOffice Impress renders it (one conversion per deck)."""
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice is needed: apt-get install libreoffice-impress-nogui (scripts/setup.sh --test)")
    out = tmp_path_factory.mktemp("decks")
    profile = out / "profile"
    rendered = {}
    for audience in AUDIENCES:  # one folder per audience: the region decks of the audiences share a name
        decks = list(_documents(packs, audience, "*_presentatie.pptx"))
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                        "--outdir", str(out / audience), *map(str, decks)], check=True, capture_output=True,
                       timeout=240)
        rendered.update({deck: out / audience / f"{deck.stem}.pdf" for deck in decks})
    assert all(pdf.is_file() for pdf in rendered.values()), list(out.iterdir())
    return rendered


def _lines(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every line of text with its box (points), from `pdftotext -bbox-layout`."""
    import subprocess

    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    root = ET.fromstring(xhtml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        lines = []
        for line in page.iterfind(".//x:line", ns):
            words = [w.text or "" for w in line.iterfind("x:word", ns)]
            lines.append((*(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")), " ".join(words)))
        pages.append((float(page.get("width")), float(page.get("height")), lines))
    return pages


@pytest.mark.slow
def test_decks_fit_their_slides_as_libreoffice_draws_them(packs, rendered_decks, demo_warehouse):
    """Nothing crosses the footer or a slide's edge, no text runs over other text, and pictures and tables end
    above the footer (python-pptx's geometry of the same slides)."""
    for deck, pdf in rendered_decks.items():
        pages = _lines(pdf)
        assert len(pages) == len(Presentation(deck).slides)
        for number, (width, height, lines) in enumerate(pages, start=1):
            _assert_page_fits(f"{deck.name}, dia {number}", width, height, lines)
        for number, slide in enumerate(Presentation(deck).slides, start=1):
            footer = next(s for s in slide.shapes if s.name == "Bron en vertrouwelijkheid")
            for shape in slide.shapes:
                assert shape.left >= 0 and shape.left + shape.width <= Presentation(deck).slide_width, (deck.name, number)
                if shape.shape_id != footer.shape_id:
                    assert shape.top + shape.height <= footer.top, (deck.name, number, shape.name)
    # the pages as PNGs, for the documentation
    for audience in AUDIENCES:
        for deck in _documents(packs, audience, "*_presentatie.pptx"):
            name = f"{audience}_{'regio' if deck.parent.name == 'regio' else deck.parent.name}_presentatie.png"
            _contact_sheet(rendered_decks[deck], SCREENSHOTS / name, 30)


def _assert_page_fits(where: str, width: float, height: float, lines: list) -> None:
    """One drawn slide: the slide's size, every line inside its edges, above the footer and over no other line."""
    assert abs(width - 960) < 0.5 and abs(height - 540) < 0.5, where
    for x0, y0, x1, y1, text in lines:
        assert 2 <= x0 and x1 <= width - 2 and 2 <= y0 and y1 <= height - 2, (where, text, x0, y0, x1, y1)
    footer_top = max(y0 for x0, y0, x1, y1, text in lines if text.startswith("Bron:"))
    footer = [ln for ln in lines if ln[1] >= footer_top - 0.5]
    assert any(ln[4].startswith(("Vertrouwelijk", "Openbaar")) for ln in footer), where
    for x0, y0, x1, y1, text in lines:
        if (x0, y0, x1, y1, text) not in footer:
            assert y1 <= footer_top + 0.5, (where, "over the footer", text)
    for k, a in enumerate(lines):
        for b in lines[k + 1:]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 1 or overlap_y <= 1, (where, "text over text", a[4], b[4])


def test_long_tables_continue_and_titles_fit(tmp_path, demo_warehouse):
    """Measured, not fixed: the 18-row checklist with long explanations continues on a second slide with the
    header repeated; a title longer than a line shrinks or wraps to two lines; every picture's alt text is the
    chart's description and the second slide is the quarter's story."""
    from dashboard.export import slides

    part = export.gemeente_part("coordinator", OWN, QUARTER)
    deck = slides.Deck(part)
    lines, size = deck.title_layout("Status per bouwsteen in de gemeenten van Noord-Holland Noord met meer dan "
                                    "50.000 inwoners tegen de rest van de regio")
    assert size == slides.TITLE_SIZES[-1] and len(lines) == 2
    assert all(slides.text_width(line, size, True) <= deck.width - 2 * slides.INSET_X for line in lines)
    long_part = export.gemeente_part("coordinator", OWN, QUARTER)
    long_part.checklist = long_part.checklist.assign(Toelichting="Een lange toelichting " * 6)
    path = tmp_path / "deck.pptx"
    images = []
    for k, _chart in enumerate(long_part.charts):
        image = tmp_path / f"{k}.png"
        from PIL import Image

        Image.new("RGB", (2 * 1280, 2 * 566), "#FFFFFF").save(image)
        images.append(image)
    slides.write_pptx(long_part, images, path)
    prs = Presentation(path)
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert titles[1] == "Het kwartaal in het kort"
    parts_of_checklist = [t for t in titles if t.startswith("Checklist bouwstenen")]
    assert len(parts_of_checklist) >= 3 and parts_of_checklist[1] == "Checklist bouwstenen (vervolg)"
    rows = [s for s in prs.slides if s.shapes.title.text_frame.text.startswith("Checklist")]
    for slide in rows:
        table = next(s for s in slide.shapes if s.has_table).table
        assert table.cell(0, 0).text_frame.text == "Code"  # the header on every slide
    pictures = [p for s in prs.slides for p in s.shapes if p.shape_type == 13]
    alts = [p._element.nvPicPr.cNvPr.get("descr") for p in pictures]
    assert alts == [c.description for c in long_part.charts]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_reports_are_tagged_accessible_pdfs(packs, audience, demo_warehouse):
    """PDF/UA: a structure tree with headings, figures with the charts' descriptions as alt text and tables with
    header cells; Dutch; a title shown in the window; bookmarks; a colophon; a sane number of pages."""
    import pikepdf

    for pdf_path in _documents(packs, audience, "*_rapport.pdf"):
        is_region = pdf_path.parent.name == "regio"
        code = OWN if audience != "openbaar" else OTHER
        part = (export.region_part(audience, QUARTER, OWN if audience == "gemeente" else None) if is_region
                else export.gemeente_part(audience, code, QUARTER))
        with pikepdf.open(pdf_path) as pdf:
            root = pdf.Root
            assert "/StructTreeRoot" in root and bool(root.MarkInfo.Marked)
            assert str(root.Lang) == "nl-NL"
            assert str(pdf.docinfo.Title) == f"NHSV-monitor — {part.title} — {QUARTER_LABEL}"
            assert bool(root.ViewerPreferences.DisplayDocTitle)
            with pdf.open_metadata() as meta:
                assert "pdfuaid:part" in str(meta) or meta.get("pdfuaid:part") == "1"
            kinds: dict[str, list] = {}

            def walk(node, depth=0, kinds=kinds):
                if depth > 60:
                    return
                if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                    kinds.setdefault(str(node.S), []).append(node)
                kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
                if isinstance(kids, pikepdf.Array):
                    for kid in kids:
                        walk(kid, depth + 1, kinds)
                elif isinstance(kids, pikepdf.Dictionary):
                    walk(kids, depth + 1, kinds)

            walk(root.StructTreeRoot)
            alts = [str(f.get("/Alt", "")) for f in kinds.get("/Figure", [])]
            assert sorted(alts) == sorted(c.description for c in part.charts), pdf_path
            assert kinds.get("/H1") and len(kinds.get("/H2", [])) >= 3 and len(kinds.get("/H3", [])) >= len(part.charts)
            assert kinds.get("/Table") and kinds.get("/TH") and kinds.get("/TD")
            headings = len(kinds["/H1"]) + len(kinds["/H2"]) + len(kinds["/H3"])
            outlines = 0
            with pdf.open_outline() as outline:
                stack = list(outline.root)
                while stack:
                    item = stack.pop()
                    outlines += 1
                    stack += list(item.children)
            assert outlines == headings  # every heading is a bookmark
            assert len(pdf.pages) <= len(part.charts) + 5, (pdf_path, len(pdf.pages))
        text = "\n".join(pdf_text(pdf_path))
        assert "Colofon" in text and "Contact" in text and part.label in text
        name = f"{audience}_{'regio' if is_region else pdf_path.parent.name}_rapport.png"
        _contact_sheet(pdf_path, SCREENSHOTS / name, 30)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_workbooks_are_tidy(packs, audience):
    """Short distinct sheet names with an index of full titles and links; numbers as numbers (a value not
    shown is an empty cell with its reason in a note); frozen headers, print titles, landscape and one page
    wide; source and confidentiality in header and footer."""
    from dashboard.export import workbook

    for path in _documents(packs, audience, "*_gegevens.xlsx"):
        wb = load_workbook(path)
        names = wb.sheetnames
        assert len({n.lower() for n in names}) == len(names) and all(len(n) <= 31 for n in names)
        index = wb[names[0]]
        links = {c.hyperlink.location.split("!")[0].strip("'"): c.row for row in index.iter_rows() for c in row
                 if c.hyperlink is not None and c.hyperlink.location}
        assert set(links) == set(names[1:]), path
        for name in names[1:]:
            ws = wb[name]
            title = index.cell(row=links[name], column=2).value
            assert ws["A1"].value == title  # the full title, where the name is short
            assert ws.freeze_panes == "B6" and ws.print_title_rows.replace("$", "") == "5:5"
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert "Bron:" in ws.oddFooter.left.text and ws["A3"].value in ws.oddHeader.right.text
            header = [c.value for c in ws[5]]
            notes = header.index(NOTE) if NOTE in header else None
            for column in range(len(header)):
                if column == notes:
                    continue
                cells = [r[column] for r in ws.iter_rows(min_row=6, values_only=True)]
                if sum(isinstance(v, int | float) for v in cells) * 2 > len(cells):  # a column of numbers
                    for row, v in enumerate(cells, start=6):
                        assert v is None or isinstance(v, int | float), (path.name, name, header[column], v)
                        if v is None:
                            assert notes is not None and f"{header[column]}: " in (
                                ws.cell(row=row, column=notes + 1).value or ""), (path.name, name, row)
            for row in ws.iter_rows(min_row=6, values_only=True):
                assert not any(v in ("–", "<5", "×") for v in row), (path.name, name, row)
    assert workbook.sheet_name(9, "meldingen_herkomst_zaanstreek_waterland", set()) == "09 Meldingen herkomst ZW"
