"""The audience decides what is in a pack: a `gemeente` pack holds no other gemeente's name, an `openbaar` pack
shows no count from 1 to 4 and no gemeente name beside a count."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from dashboard import data, export
from tests.export.helpers import (
    COUNT_COLUMNS,
    COUNT_HEADERS,
    NOTE,
    OTHER,
    OWN,
    all_text,
    names_in,
    one,
    pdf_text,
    pptx_slides,
    xlsx_text,
)

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
