"""The pack's workbooks and CSV files: the data of every chart with quarter and source, text that a spreadsheet
would read as a formula neutralised, and tidy sheets (names, index, numbers as numbers, print setup)."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from dashboard import export
from tests.export.helpers import AUDIENCES, NOTE, OWN, QUARTER, QUARTER_LABEL, SOURCE, documents, one


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


@pytest.mark.parametrize("audience", AUDIENCES)
def test_workbooks_are_tidy(packs, audience):
    """Short distinct sheet names with an index of full titles and links; numbers as numbers (a value not
    shown is an empty cell with its reason in a note); frozen headers, print titles, landscape and one page
    wide; source and confidentiality in header and footer."""
    from dashboard.export import workbook

    for path in documents(packs, audience, "*_gegevens.xlsx"):
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
