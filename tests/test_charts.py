"""Chart builders are pure functions: small frames in, a figure and its table alternative out."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

from cli.main import main
from dashboard import charts, data
from dashboard.disclosure import protect_table
from dashboard.metrics import THEMES


def valid(chart: charts.Chart) -> dict:
    """The chart's figure, validated by plotly (every property a real one) and returned as plain data."""
    return go.Figure(chart.figure).to_plotly_json()


def _rows():
    return pd.DataFrame({"key": ["GM0405", "GM0361", "GM0392", "GM0394"],
                         "label": ["Hoorn", "Alkmaar", "Haarlem", "Haarlemmermeer"],
                         "own": [True, False, False, False], "score": [50.0, 80.0, 60.0, None],
                         "fte_per_100k": [1.2, 2.0, 0.5, 1.0]})


def test_ranking_highlights_the_chosen_gemeente_and_skips_missing():
    chart = charts.ranking(_rows(), "score")
    valid(chart)
    assert list(chart.table["Gemeente"]) == ["Alkmaar", "Haarlem", "Hoorn"]
    assert "plaats 3 van 3" in chart.description
    bar = chart.figure["data"][0]
    assert bar["marker"]["color"][bar["y"].index("★ Hoorn")] == charts.OWN_COLOUR
    assert list(chart.table["Voortgangsscore"]) == ["80,0", "60,0", "50,0"]  # Dutch decimals


def test_a_long_ranking_draws_the_places_around_the_chosen_gemeente():
    n = 100
    rows = pd.DataFrame({"key": [f"GM{k:04}" for k in range(n)], "label": [f"Gemeente {k:03}" for k in range(n)],
                         "own": [k == 30 for k in range(n)], "score": [float(k) for k in range(n)]})
    chart = charts.ranking(rows, "score", window=10)
    valid(chart)
    bars = chart.figure["data"][0]
    # score k is place n - k: the chosen gemeente (score 30) is place 70, shown among places 65 to 74
    assert bars["y"][::-1] == [("★ " if k == 30 else "") + f"Gemeente {k:03}" for k in range(35, 25, -1)]
    assert "plaats 70 van 100" in chart.description and "plaats 65 tot en met 74" in chart.description
    assert len(chart.table) == n
    assert chart.figure["layout"]["xaxis"]["range"][1] == pytest.approx(99 * 1.15)  # the scale of the whole group
    at_the_end = charts.ranking(rows.assign(own=[k == 0 for k in range(n)]), "score", window=10).figure["data"][0]
    assert at_the_end["y"][0] == "★ Gemeente 000" and len(at_the_end["y"]) == 10
    assert len(charts.ranking(rows, "score", window=n).figure["data"][0]["y"]) == n


def test_scatter_table_matches_the_points():
    chart = charts.scatter(_rows(), "score", "fte_per_100k")
    valid(chart)
    assert len(chart.table) == 3 and sum(len(t["x"]) for t in chart.figure["data"]) == 3


def test_bands_in_real_units_with_the_own_value_and_only_published_numbers():
    rows = pd.DataFrame([dict(measure="fte_per_100k", own=0.52, p10=0.8, p25=1.1, median=1.4, p75=1.7, p90=1.9,
                              position="onder het 10e percentiel", own_text="0,52", p10_text="0,8", p25_text="1,1",
                              median_text="1,4", p75_text="1,7", p90_text="1,9")])
    chart = charts.bands(rows, "Hoorn", "de regio (NHSV)")
    figure = valid(chart)
    drawn = {v for t in figure["data"] for v in (t.get("x") or []) if v is not None}
    assert drawn == {0.52, 0.8, 1.1, 1.4, 1.7, 1.9}  # no widths or other derived numbers
    assert chart.table.iloc[0].tolist() == ["Capaciteit", "0,52", "0,8", "1,1", "1,4", "1,7", "1,9",
                                            "onder het 10e percentiel"]
    assert "fte per 100.000 inwoners" in json.dumps(figure["layout"])  # the axis in real units


def test_status_counts_per_block_with_symbols_and_the_own_status():
    counts = pd.DataFrame({0: [2, 0], 1: [3, 1], 2: [4, 4], 3: [1, 5]}, index=["LA1", "LA2"])
    chart = charts.status_counts(counts, {"LA1": "Portefeuille", "LA2": "Beleid"}, "de regio (NHSV)",
                                 {"LA1": 2, "LA2": 3}, "Hoorn")
    figure = valid(chart)
    names = [t["name"] for t in figure["data"]]
    assert names[:4] == ["✕ Niet gestart", "◐ In ontwikkeling", "✓ Gerealiseerd", "★ Geborgd"]
    assert all(t["marker"]["pattern"]["shape"] is not None for t in figure["data"][:4])  # not colour alone
    assert chart.table["Hoorn"].tolist() == ["Gerealiseerd", "Geborgd"]
    assert "LA1 (5 van 10)" in chart.description  # the block least often in order


def test_status_heatmap_carries_symbols_theme_lines_and_totals():
    matrix = pd.DataFrame({"label": ["Hoorn", "Texel"], "own": [False, False], "score": [50, None],
                           "LA1": [3, None], "KE1": [0, None]})
    chart = charts.status_heatmap(matrix, ["LA1", "KE1"], THEMES)
    figure = valid(chart)
    heat = figure["data"][0]
    assert list(heat["text"][0]) == ["★", "✕"] and list(heat["text"][1]) == ["–", "–"]
    assert len(figure["layout"]["shapes"]) == 1  # a line between Lokale aanpak and Kennis en expertise
    assert figure["layout"]["xaxis"]["ticktext"] == ["LA1<br>1", "KE1<br>0"]  # in order per block
    assert list(chart.table.iloc[0]) == ["Hoorn", "Geborgd", "Niet gestart"]
    assert "Niet aangeleverd" in list(chart.table.iloc[1])


def test_status_heatmap_shows_a_page_of_rows_and_counts_them_all():
    matrix = pd.DataFrame({"label": [f"Gemeente {k}" for k in range(6)], "own": [False] * 6, "score": [1] * 6,
                           "LA1": [3, 3, 0, 3, 2, None], "KE1": [0, 1, 1, 2, 3, None]})
    chart = charts.status_heatmap(matrix, ["LA1", "KE1"], THEMES, slice(2, 4))
    figure = valid(chart)
    assert list(figure["data"][0]["y"]) == ["Gemeente 2", "Gemeente 3"]
    assert list(figure["data"][0]["text"][0]) == ["✕", "◐"]
    assert figure["layout"]["xaxis"]["ticktext"] == ["LA1<br>4", "KE1<br>2"]  # in order among all six
    assert chart.table["Gemeente"].tolist() == ["Gemeente 2", "Gemeente 3", "Op orde (van 5)"]
    assert "Getoond: gemeente 3 tot en met 4 van 6." in chart.description
    assert "Getoond" not in charts.status_heatmap(matrix, ["LA1", "KE1"], THEMES).description


def test_block_history_names_every_change_regressions_first():
    rows = [dict(block_code=b, quarter=q, status=s) for b, statuses in
            {"LA1": [1, 2, 2], "LA2": [2, 2, 0], "LA3": [0, 1, 2]}.items()
            for q, s in zip(["2026Q1", "2026Q2", "2026Q3"], statuses, strict=True)]
    chart = charts.block_history(pd.DataFrame(rows), ["LA1", "LA2", "LA3"], ["2026Q1", "2026Q2", "2026Q3"])
    valid(chart)
    text = chart.description
    assert text.index("Teruggevallen: LA2") < text.index("Vooruitgegaan:")
    for change in ("LA1 van in ontwikkeling naar gerealiseerd", "LA3 van niet gestart naar in ontwikkeling",
                   "LA3 van in ontwikkeling naar gerealiseerd"):
        assert change in text
    short = charts.block_history(pd.DataFrame(rows), ["LA1", "LA2", "LA3"], ["2026Q1", "2026Q2", "2026Q3"], limit=2)
    assert "En 2 andere veranderingen" in short.description and "LA2" in short.description


def test_a_long_block_history_draws_the_latest_quarters_and_tables_them_all():
    quarters = [f"{y}Q{q}" for y in range(2020, 2024) for q in range(1, 5)]  # 16 quarters
    rows = [dict(block_code="LA1", quarter=q, status=min(k // 4, 3)) for k, q in enumerate(quarters)]
    chart = charts.block_history(pd.DataFrame(rows), ["LA1"], quarters, window=5)
    heatmap = valid(chart)["data"][0]
    assert heatmap["x"] == ["K4 2022", "K1 2023", "K2 2023", "K3 2023", "K4 2023"] and heatmap["z"] == [[2, 3, 3, 3, 3]]
    assert len(chart.table.columns) == 1 + len(quarters)
    assert "laatste 5 van 16 kwartalen (vanaf K4 2022)" in chart.description
    assert "LA1 van niet gestart naar in ontwikkeling in K1 2021" in chart.description  # changes before the window too
    default = charts.block_history(pd.DataFrame(rows), ["LA1"], quarters).figure["data"][0]["x"]
    assert len(default) == charts.RECENT_QUARTERS == 12
    everything = charts.block_history(pd.DataFrame(rows), ["LA1"], quarters, window=None)
    assert len(everything.figure["data"][0]["x"]) == 16 and "laatste" not in everything.description


def test_tile_map_draws_every_position_and_only_given_values():
    positions = {"GM0405": (0, 0, "HRN"), "GM0448": (1, 0, "TEX")}
    values = pd.DataFrame({"code": ["GM0405"], "name": ["Hoorn"], "submitted": [True], "value": [64.8]})
    chart = charts.tile_map(values, positions, "score")
    valid(chart)
    _tiles, neutral, coloured = chart.figure["data"]
    assert list(coloured["customdata"]) == ["GM0405"] and list(neutral["text"]) == [""]  # no name on the other tile
    assert list(chart.table["Gemeente"]) == ["Hoorn"]


def test_signal_bars_show_protected_counts_and_no_rate_beside_a_hidden_total():
    cells = protect_table([[3, 10], [12, 9]], threshold=5, with_col_totals=False)
    table = data.SignalTable("Regio NHSV: meldingen naar soort", ["2026Q2", "2026Q3"], ["Radicalisering",
                             "Polarisatie"], cells.cells, cells.row_totals, per_10k=["–", "0,50"],
                             share_zvh=["–", "40%"])
    chart = charts.signal_bars(table, "meldingen")
    valid(chart)
    assert chart.table.iloc[0]["Radicalisering"] == "<5"
    assert chart.figure["data"][0]["y"][0] is None  # a hidden count is not drawn
    assert "afgeschermd" in chart.description


def test_signal_bars_of_a_long_history_draw_the_latest_quarters_and_table_them_all():
    quarters = [f"{y}Q{q}" for y in range(2020, 2024) for q in range(1, 5)]  # 16 quarters
    cells = protect_table([[10 + k, 20 + k] for k in range(16)], threshold=5, with_col_totals=False)
    table = data.SignalTable("Regio NHSV: meldingen naar soort", quarters, ["Radicalisering", "Polarisatie"],
                             cells.cells, cells.row_totals, per_10k=["–"] * 16, share_zvh=["–"] * 16)
    chart = charts.signal_bars(table, "meldingen")
    bars = valid(chart)["data"]
    assert len(bars[0]["x"]) == charts.RECENT_QUARTERS == 12
    assert bars[0]["x"][0] == "K1 2021" and bars[0]["y"] == [14 + k for k in range(12)]
    assert bars[1]["text"][-1] == "35" and len(chart.table) == 16
    assert "laatste 12 van 16 kwartalen (vanaf K1 2021)" in chart.description
    everything = charts.signal_bars(table, "meldingen", window=None)
    assert len(everything.figure["data"][0]["x"]) == 16 and "laatste" not in everything.description


def test_trend_lines_number_the_events_above_the_lines():
    trends = pd.DataFrame({"group": ["Regio NHSV"] * 2, "quarter": ["2026Q1", "2026Q2"], "value": [50.0, 55.0],
                           "text": ["50,0", "55,0"], "n": [30, 30]})
    events = pd.DataFrame({"date": [pd.Timestamp("2026-06-16").date()], "title": ["DTN juni 2026"],
                           "description": [""]})
    chart = charts.trend_lines(trends, "score", events)
    figure = valid(chart)
    annotation = figure["layout"]["annotations"][0]
    assert annotation["text"] == "<b>1</b>" and annotation["hovertext"] == "DTN juni 2026"
    assert "1: DTN juni 2026" in chart.description
    assert list(chart.table.columns) == ["Kwartaal", "Regio NHSV"]


def _square(lon, lat):
    # counter-clockwise on purpose: the import must rewind it
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + .1, lat], [lon + .1, lat + .1], [lon, lat + .1],
                                                [lon, lat]]]}


def test_geo_import_switches_the_overview_to_boundaries(tmp_path, monkeypatch):
    from etl import geo
    from etl.geo import _signed_area

    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path))
    source = tmp_path / "grenzen.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"statcode": "GM0405", "statnaam": "Hoorn"}, "geometry": _square(5, 52.6)},
        {"type": "Feature", "properties": {"cbs_code": "GM0448"}, "geometry": _square(4.8, 53.1)},
        {"type": "Feature", "properties": {"statcode": "GM0363"}, "geometry": _square(4.9, 52.3)},  # Amsterdam
    ]}))
    result = CliRunner().invoke(main, ["geo", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 gemeentegrenzen" in result.output
    stored = json.loads(geo.target_path().read_text())
    # the NHSV gemeenten, and Amsterdam (Noord-Holland, outside NHSV) as grey surroundings
    assert {f["properties"]["statcode"]: f["properties"]["nhsv"] for f in stored["features"]} == {
        "GM0405": True, "GM0448": True, "GM0363": False}
    assert all(_signed_area(f["geometry"]["coordinates"][0]) < 0 for f in stored["features"])  # clockwise

    boundaries = geo.load_boundaries()
    values = pd.DataFrame({"code": ["GM0405"], "name": ["Hoorn"], "submitted": [True], "value": [60.0]})
    chart = charts.choropleth(values, boundaries, "score")
    fills = [t for t in chart.figure["data"] if t.get("fill") == "toself"]
    assert len(fills) == 3 and list(chart.figure["data"][-1]["customdata"]) == ["GM0405"]  # Amsterdam grey

    bad = tmp_path / "leeg.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    result = CliRunner().invoke(main, ["geo", "import", str(bad)])
    assert result.exit_code == 1 and "geen van de gemeenten" in result.output


@pytest.mark.parametrize("value,expected", [(1234.5, "1.234,5"), (0.26, "0,3"), (-2.5, "-2,5")])
def test_dutch_number_format(value, expected):
    from dashboard import formatting

    assert formatting.number(value, 1) == expected


def test_a_map_click_opens_the_profile_and_nothing_else():
    from dashboard.layout import profile_href

    assert profile_href([None, {"points": [{"customdata": "GM0405"}]}]) == "/gemeente/GM0405"
    assert profile_href([{"points": [{"customdata": ""}]}]) is None  # a grey tile without a gemeente
    assert profile_href([None]) is None


def test_margins_make_room_for_the_axes_labels_and_titles():
    from dashboard.charts.margins import TITLE_PX, axis_margins

    names = [dict(type="bar", orientation="h", y=["Texel", "Hollands Kroon"], x=[3, 12])]
    short = axis_margins([dict(type="bar", orientation="h", y=["Texel"], x=[3])], {}, 13)
    long = axis_margins(names, {}, 13)
    assert long["l"] > short["l"] > 0  # the longest name decides
    titled = axis_margins(names, {"yaxis": {"title": {"text": "Gemeente"}}}, 13)
    assert titled["l"] == long["l"] + TITLE_PX
    assert axis_margins(names, {"xaxis": {"visible": False}, "yaxis": {"visible": False}}, 13) == \
        {"l": 0, "r": 0, "t": 0, "b": 0}
    on_top = axis_margins([dict(type="heatmap", z=[[1]], x=[0], y=["Texel"])],
                          {"xaxis": {"side": "top", "tickvals": [0], "ticktext": ["LA1<br>3"], "tickangle": 0}}, 13)
    assert on_top["t"] > 0 and on_top["b"] == 0
    few = axis_margins([dict(type="scatter", x=[f"K{q} 2026" for q in range(1, 5)], y=[1, 2, 3, 4])], {}, 13)
    many = axis_margins([dict(type="scatter", x=[f"K{q % 4 + 1} {2020 + q // 4}" for q in range(40)],
                              y=list(range(40)))], {}, 13)
    assert many["b"] > few["b"]  # forty quarters stand upright under the axis


def test_figures_ask_for_the_margins_their_axes_need():
    chart = charts.status_heatmap(pd.DataFrame({"label": ["Hollands Kroon"], "own": [False], "score": [1],
                                                "LA1": [3]}), ["LA1"], THEMES)
    assert chart.figure["layout"]["margin"]["l"] > 10 and chart.figure["layout"]["margin"]["t"] == 50
