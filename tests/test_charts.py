"""Chart builders are pure functions: small frames in, a figure and its table alternative out."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard import charts, data
from dashboard.disclosure import protect_table
from dashboard.metrics import THEMES
from nhsv.cli import main


def _rows():
    return pd.DataFrame({"key": ["GM0405", None, None, None], "label": ["Hoorn", "Gemeente A", "Gemeente B",
                                                                        "Gemeente C"],
                         "own": [True, False, False, False], "score": [50.0, 80.0, 60.0, None],
                         "fte_per_100k": [1.2, 2.0, 0.5, 1.0]})


def test_ranking_highlights_the_own_gemeente_and_skips_missing():
    chart = charts.ranking(_rows(), "score")
    assert list(chart.table["Gemeente"]) == ["Gemeente A", "Gemeente B", "Hoorn"]
    assert "plaats 3 van 3" in chart.description
    bar = chart.figure.data[0]
    assert bar.marker.color[list(bar.y).index("★ Hoorn")] == charts.OWN_COLOUR
    assert list(chart.table["Voortgangsscore"]) == ["80,0", "60,0", "50,0"]  # Dutch decimals


def test_scatter_and_distribution_tables_match_the_points():
    chart = charts.scatter(_rows(), "score", "fte_per_100k")
    assert len(chart.table) == 3 and sum(len(t.x) for t in chart.figure.data) == 3
    dist = charts.distribution(_rows(), ["score", "fte_per_100k"])
    assert list(dist.table["Maat"]) == ["Voortgangsscore", "Capaciteit"]
    assert dist.table.iloc[0]["Waarde"] == "50,0"


def test_status_heatmap_carries_symbols_not_only_colour():
    matrix = pd.DataFrame({"label": ["Hoorn", "Texel"], "own": [True, False], "score": [50, None],
                           "LA1": [3, None], "LA2": [0, None]})
    chart = charts.status_heatmap(matrix, ["LA1", "LA2"], THEMES)
    heat = chart.figure.data[0]
    assert list(heat.text[0]) == ["★", "✕"] and list(heat.text[1]) == ["–", "–"]
    assert list(chart.table.iloc[0]) == ["★ Hoorn", "Geborgd", "Niet gestart"]
    assert "Niet aangeleverd" in list(chart.table.iloc[1])


def test_tile_map_draws_every_position_and_only_given_values():
    positions = {"GM0405": (0, 0, "HRN"), "GM0448": (1, 0, "TEX")}
    values = pd.DataFrame({"code": ["GM0405"], "name": ["Hoorn"], "submitted": [True], "value": [64.8]})
    chart = charts.tile_map(values, positions, "score")
    neutral, coloured = chart.figure.data
    assert list(coloured.customdata) == ["GM0405"] and list(neutral.text) == [""]  # no name on the other tile
    assert list(chart.table["Gemeente"]) == ["Hoorn"]


def test_signal_bars_show_protected_counts_and_no_rate_beside_a_hidden_total():
    cells = protect_table([[3, 10], [12, 9]], threshold=5)
    table = data.SignalTable("Regio NHSV: meldingen naar soort", ["2026Q2", "2026Q3"], ["Radicalisering",
                             "Polarisatie"], cells.cells, cells.row_totals, cells.col_totals, cells.grand_total,
                             per_10k=["–", "0,50"], share_zvh=["–", "40%"])
    chart = charts.signal_bars(table, "meldingen")
    assert chart.table.iloc[0]["Radicalisering"] == "<5"
    assert chart.figure.data[0].y[0] is None  # a hidden count is not drawn
    assert "afgeschermd" in chart.description


def test_trend_lines_annotate_events():
    trends = pd.DataFrame({"group": ["Regio NHSV"] * 2, "quarter": ["2026Q1", "2026Q2"], "value": [50.0, 55.0],
                           "text": ["50,0", "55,0"], "n": [30, 30]})
    events = pd.DataFrame({"date": [pd.Timestamp("2026-06-16").date()], "title": ["DTN juni 2026"],
                           "description": [""]})
    chart = charts.trend_lines(trends, "score", events)
    assert any(a.text == "DTN juni 2026" for a in chart.figure.layout.annotations)
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
    assert {f["properties"]["statcode"] for f in stored["features"]} == {"GM0405", "GM0448"}
    assert all(_signed_area(f["geometry"]["coordinates"][0]) < 0 for f in stored["features"])  # clockwise

    boundaries = geo.load_boundaries()
    values = pd.DataFrame({"code": ["GM0405"], "name": ["Hoorn"], "submitted": [True], "value": [60.0]})
    chart = charts.choropleth(values, boundaries, "score")
    fills = [t for t in chart.figure.data if t.fill == "toself"]
    assert len(fills) == 2 and list(chart.figure.data[-1].customdata) == ["GM0405"]

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
