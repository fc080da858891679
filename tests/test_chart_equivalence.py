"""The chart builders build their figures as plain dicts, without plotly's per-element validation. These tests
hold them to what the validated graph_objects builders produced: tests/fixtures/charts/*.json were recorded
from the earlier implementation (the same inputs as `CASES` below), and every builder's figure must still pass
plotly's validation, so that a misspelt property name fails here rather than silently on screen or in an export.

Re-record (only when a chart is meant to change): `python -m tests.test_chart_equivalence --record`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.utils import PlotlyJSONEncoder

FIXTURES = Path(__file__).parent / "fixtures" / "charts"
CODES = ["LA1", "LA2", "KE1", "MM1", "SS1", "PR1"]
THEME_NAMES = {"LA": "Lokale aanpak", "KE": "Kennis en expertise", "MM": "Mens en middelen",
               "SS": "Signaleringsstructuur", "PR": "Preventie"}


def _matrix() -> pd.DataFrame:
    return pd.DataFrame({"label": ["Hoorn", "Texel", "Den Helder", "Edam-Volendam"], "own": [True, False, False, False],
                         "score": [50.0, None, 72.5, 12.0], "LA1": [3, None, 2, 0], "LA2": [0, None, 1.0, 2],
                         "KE1": [1, None, 3, None], "MM1": [2, None, 2, 2], "SS1": [None, None, 0, 3],
                         "PR1": [3, None, 3, 1]})


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"key": ["GM0405", None, None, None, None],
                         "label": ["Hoorn", "Gemeente A", "Gemeente B", "Gemeente C", "Gemeente D"],
                         "own": [True, False, False, False, False], "score": [50.0, 80.0, 60.0, None, 60.0],
                         "fte_per_100k": [1.2, 2.0, 0.5, 1.0, 0.75], "budget_per_1000": [300.0, 300.0, 300.0, 300.0,
                                                                                       300.0],
                         "network_coverage": [None, 0.5, 0.25, 1.0, None]})


def _trends() -> pd.DataFrame:
    rows = []
    for k, group in enumerate(["Regio NHSV", "District Noord", "District Midden", "District Zuid", "District West"]):
        for j, quarter in enumerate(["2025Q4", "2026Q1", "2026Q2", "2026Q3"]):
            if (k, j) in ((1, 1), (3, 0)):
                continue  # a gap
            value = 40.0 + 3 * k + 2.5 * j
            rows.append({"group": group, "quarter": quarter, "value": value, "text": f"{value:.1f}".replace(".", ","),
                         "n": 10 + k})
    return pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)  # unsorted on purpose


def _events() -> pd.DataFrame:
    return pd.DataFrame({"date": [dt.date(2026, 6, 16), dt.date(2024, 1, 1), dt.date(2026, 2, 3)],
                         "title": ["DTN juni 2026", "Buiten beeld", "Start <b>aanpak</b>"],
                         "description": ["", "", "x"]})


def _positions() -> dict:
    return {"GM0405": (0, 0, "HRN"), "GM0448": (1, 0, "TEX"), "GM0400": (1, 1, "DHE"), "GM0385": (2, 1, "EDV"),
            "GM0361": (2, 2, "ALK")}


def _values() -> pd.DataFrame:
    return pd.DataFrame({"code": ["GM0405", "GM0400", "GM0385", "GM0361"],
                         "name": ["Hoorn", "Den Helder", "Edam-Volendam", "Alkmaar"],
                         "submitted": [True, True, False, True], "value": [64.8, 20.0, None, 90.5]})


def _geojson() -> dict:
    def square(lon, lat, size=0.1):
        return [[lon, lat], [lon, lat + size], [lon + size, lat + size], [lon + size, lat], [lon, lat]]

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"statcode": "GM0405"},
         "geometry": {"type": "Polygon", "coordinates": [square(5.0, 52.6)]}},
        {"type": "Feature", "properties": {"statcode": "GM0448"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square(4.8, 53.1)], [square(4.9, 53.2, 0.05)]]}},
        {"type": "Feature", "properties": {"statcode": "GM0385"},
         "geometry": {"type": "Polygon", "coordinates": [square(5.05, 52.5)]}},
        {"type": "Feature", "properties": {"statcode": "GM0361"},
         "geometry": {"type": "Polygon", "coordinates": [square(4.75, 52.6, 0.2)]}},
        {"type": "Feature", "properties": {"statcode": "GM9999"}, "geometry": {"type": "Point",
                                                                               "coordinates": [5, 52]}},
    ]}


def _scores() -> pd.DataFrame:
    return pd.DataFrame({"theme": list(THEME_NAMES.values()), "own": [55.0, 70.0, None, 33.3, 90.0],
                         "median": [50.0, 60.0, 40.0, 30.0, 80.0], "q1": [40.0, 45.0, 30.0, 20.0, 70.0],
                         "q3": [60.0, 75.0, 55.0, 45.0, 95.0], "n": [12, 12, 11, 12, 12]})


def _history() -> pd.DataFrame:
    return pd.DataFrame({"block_code": ["LA1", "LA1", "LA1", "LA2", "LA2", "KE1"],
                         "quarter": ["2026Q1", "2026Q2", "2026Q3", "2026Q1", "2026Q3", "2026Q2"],
                         "status": [0, 1, 3, 2.0, 1.0, None]})


def _timeline() -> pd.DataFrame:
    return pd.DataFrame({"quarter": ["2025Q4", "2026Q1", "2026Q2", "2026Q3"],
                         "fte_per_100k": [1.25, None, 1.5, 2.0], "budget_per_1000": [None, None, None, None],
                         "signals_radicalisation": [3.0, 4.0, None, 7.0], "signals_polarisation": [1.0, 0.0, 2.0, 5.0]})


def _signal_table(hidden: bool):
    from dashboard import data
    from dashboard.disclosure import protect_table

    body = [[3, 10], [12, 9], [7, 8]] if hidden else [[30, 10], [12, 9], [7, 8]]
    cells = protect_table(body, threshold=5)
    return data.SignalTable("Regio NHSV: meldingen naar soort", ["2026Q1", "2026Q2", "2026Q3"],
                            ["Radicalisering", "Polarisatie"], cells.cells, cells.row_totals, cells.col_totals,
                            cells.grand_total, per_10k=["–", "0,50", "0,4"], share_zvh=["–", "40%", "10%"])


CASES = {
    "empty": lambda c: c.empty("leeg", "Leeg", "Geen gegevens voor dit kwartaal."),
    "tile_map": lambda c: c.tile_map(_values(), _positions(), "score"),
    "tile_map_unlabelled": lambda c: c.tile_map(_values(), _positions(), "fte_per_100k", labelled=False),
    "tile_map_no_values": lambda c: c.tile_map(_values().iloc[:0], _positions(), "score"),
    "choropleth": lambda c: c.choropleth(_values(), _geojson(), "score"),
    "status_heatmap": lambda c: c.status_heatmap(_matrix(), CODES, THEME_NAMES),
    "status_heatmap_empty": lambda c: c.status_heatmap(_matrix().iloc[:0], CODES, THEME_NAMES),
    "theme_scores": lambda c: c.theme_scores(_scores(), "Hoorn", "gemeenten van 50.000–100.000"),
    "block_history": lambda c: c.block_history(_history(), ["LA1", "LA2", "KE1", "MM1"],
                                               ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]),
    "block_history_empty": lambda c: c.block_history(_history().iloc[:0], ["LA1"], ["2026Q3"]),
    "timeline": lambda c: c.timeline(_timeline(), [("fte_per_100k", "fte per 100.000 inwoners")], "capaciteit",
                                     "Capaciteit", "fte per 100.000 inwoners", 2),
    "timeline_gaps": lambda c: c.timeline(_timeline(), [("budget_per_1000", "€ per 1.000 inwoners")], "budget",
                                          "Budget", "€ per 1.000 inwoners"),
    "timeline_multi": lambda c: c.timeline(_timeline(), [("signals_radicalisation", "Radicalisering"),
                                                         ("signals_polarisation", "Polarisatie"),
                                                         ("fte_per_100k", "fte"), ("budget_per_1000", "budget"),
                                                         ("signals_radicalisation", "nogmaals")],
                                           "signalen", "Signalen", "aantal"),
    "ranking": lambda c: c.ranking(_rows(), "score"),
    "ranking_no_own": lambda c: c.ranking(_rows().assign(own=False), "fte_per_100k"),
    "ranking_empty": lambda c: c.ranking(_rows().assign(score=None), "score"),
    "scatter": lambda c: c.scatter(_rows(), "score", "fte_per_100k"),
    "distribution": lambda c: c.distribution(_rows(), ["score", "fte_per_100k", "budget_per_1000",
                                                       "network_coverage"]),
    "distribution_no_own": lambda c: c.distribution(_rows().assign(own=False), ["score", "fte_per_100k"]),
    "trend_lines": lambda c: c.trend_lines(_trends(), "score", _events()),
    "trend_lines_no_events": lambda c: c.trend_lines(_trends(), "fte_per_100k"),
    "trend_lines_empty": lambda c: c.trend_lines(_trends().iloc[:0], "score", _events()),
    "signal_bars": lambda c: c.signal_bars(_signal_table(True), "meldingen"),
    "signal_bars_open": lambda c: c.signal_bars(_signal_table(False), "meldingen_open"),
}


def _normalised(value):
    """JSON as the browser and kaleido receive it (PlotlyJSONEncoder), read back: key order does not count."""
    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder, sort_keys=True))


def record(chart) -> dict:
    """What a chart is made of, as JSON: the figure exactly as it is sent, and its words and table."""
    table = chart.table
    return {"key": chart.key, "title": chart.title, "description": chart.description,
            "figure": _normalised(chart.figure.to_plotly_json()),
            "table": {"columns": [str(c) for c in table.columns],
                      "rows": _normalised([[None if isinstance(v, float) and math.isnan(v) else v for v in row]
                                           for row in table.astype(object).itertuples(index=False)])}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_output_is_unchanged(name):
    from dashboard import charts

    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    got = record(CASES[name](charts))
    assert got["figure"] == expected["figure"]
    assert {k: v for k, v in got.items() if k != "figure"} == {k: v for k, v in expected.items() if k != "figure"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_screen_gets_the_same_figure_as_the_export(name):
    """chart_card hands dcc.Graph the chart's ready-made JSON; it must be what the go.Figure would send."""
    from dashboard import charts

    chart = CASES[name](charts)
    assert _normalised(chart.figure_json()) == _normalised(chart.figure.to_plotly_json())


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_builder_passes_plotlys_validation(name):
    """The builders skip validation for speed; here it is on, so a misspelt or misplaced property fails."""
    from dashboard import charts

    spec = CASES[name](charts).figure.to_plotly_json()
    validated = go.Figure(spec)  # raises ValueError on an unknown property or an invalid value
    assert _normalised(validated.to_plotly_json()) == _normalised(spec)


def test_the_validation_test_would_catch_a_typo():
    spec = {"data": [{"type": "scatter", "x": [1], "markr": {"size": 3}}], "layout": {}}
    with pytest.raises(ValueError):
        go.Figure(spec)
    spec = {"data": [{"type": "scatter", "x": [1]}], "layout": {"xaxis": {"visible": "nee"}}}
    with pytest.raises(ValueError):
        go.Figure(spec)


# --- the table alternative, the CSV link and the card ----------------------------------------------------------

def _reference_data_table(table: pd.DataFrame, caption: str, links: dict[str, str] | None = None):
    """components.data_table as it was, from Dash components: the tree the dict-built one must serialise to."""
    from dash import dcc, html

    head = html.Thead(html.Tr([html.Th(str(c), scope="col") for c in table.columns]))
    body_rows = []
    for row in table.itertuples(index=False):
        cells = []
        for k, value in enumerate(row):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            if k == 0:
                content = dcc.Link(text, href=links[text]) if links and text in links else text
                cells.append(html.Th(content, scope="row"))
            else:
                cells.append(html.Td(text))
        body_rows.append(html.Tr(cells))
    return html.Div(html.Table([html.Caption(caption), head, html.Tbody(body_rows)], className="data-table"),
                    className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption})


def _odd_table() -> pd.DataFrame:
    return pd.DataFrame({"Gemeente": ["Hoorn", "Texel", None, "=cmd", "Den Helder"],
                         "Waarde": [1.5, float("nan"), 3.0, -2.0, 1e20], "Aantal": pd.array([1, None, 3, 4, 5],
                                                                                            dtype="Int64"),
                         "Tekst": ["a", None, "+b", "", "é ★ <b>"], "Datum": pd.to_datetime(["2026-01-01"] * 5),
                         "Vlag": [True, False, True, False, True]})


@pytest.mark.parametrize("table", [
    _odd_table(), _odd_table().iloc[:0], pd.DataFrame(), _odd_table()[["Gemeente"]],
    pd.DataFrame([[1, "x"], [2, "y"]], columns=["A", "A"]),
], ids=["mixed", "no-rows", "nothing", "one-column", "same-names"])
def test_data_table_serialises_as_the_components_did(table):
    from dashboard import components

    links = {"Hoorn": "/gemeente/GM0405", "Den Helder": "/gemeente/GM0400"}
    for given in (links, None):
        got = components.data_table(table, "Bijschrift", given)
        assert _normalised(got.to_plotly_json()) == _normalised(_reference_data_table(table, "Bijschrift", given)
                                                                .to_plotly_json())


def test_data_table_reads_like_components_in_python():
    """Code that walks a layout through `.children` (as tests/test_upload.py does) finds every cell's text."""
    from dashboard import components
    from tests.test_upload import text_of

    table = _odd_table()
    links = {"Hoorn": "/gemeente/GM0405"}
    assert text_of(components.data_table(table, "Bijschrift", links)) == \
        text_of(_reference_data_table(table, "Bijschrift", links))
    body = components.data_table(table, "Bijschrift", links).children.children[2].children
    first = body[0].children[0]
    assert first.scope == "row" and first.children.href == "/gemeente/GM0405" and first.children.children == "Hoorn"
    assert not hasattr(first, "to_plotly_json") and not hasattr(first, "href")


@pytest.mark.parametrize("table", [_odd_table(), _odd_table().iloc[:0], pd.DataFrame(),
                                   pd.DataFrame([[1, "x"], [2, "y"]], columns=["A", "A"])])
def test_table_csv_is_unchanged(table):
    import csv
    import io

    from dashboard import components

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([components.neutralise(c) for c in table.columns])
    for row in table.itertuples(index=False):
        writer.writerow([components.neutralise(v) for v in row])
    assert components.table_csv(table) == buffer.getvalue()
    assert [components.neutralise(v) for v in ("=1", "-", "", None, float("nan"), 3, "\tx", "a=b")] == \
        ["'=1", "'-", "", "", "", "3", "'\tx", "a=b"]


def test_the_card_sends_the_figure_plotly_would():
    from dashboard import charts, components

    chart = CASES["ranking"](charts)
    card = _normalised(components.chart_card(chart, "Bron: test").to_plotly_json())
    graphs = [node for node in _nodes(card) if node.get("type") == "Graph"]
    assert len(graphs) == 1
    assert graphs[0]["props"]["figure"] == _normalised(chart.figure.to_plotly_json())


def _nodes(tree):
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def test_a_chart_takes_a_figure_or_a_dict():
    from dashboard import charts

    chart = CASES["timeline"](charts)
    fig = chart.figure
    assert isinstance(fig, go.Figure) and chart.figure is fig  # built once
    fig.update_layout(height=999)  # a change to the figure shows in what is sent
    assert chart.figure_json()["layout"]["height"] == 999
    other = charts.Chart("k", "T", "D", go.Figure(go.Bar(x=[1], y=[2])), pd.DataFrame())
    assert other.figure_json()["data"][0]["type"] == "bar"
    other.figure = {"data": [{"type": "scatter", "x": [1]}], "layout": {}}
    assert other.figure.data[0].type == "scatter" and other.figure_json()["data"][0]["x"] == [1]


def _record_all(module) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, build in CASES.items():
        path = FIXTURES / f"{name}.json"
        path.write_text(json.dumps(record(build(module)), ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                        encoding="utf-8")
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__" and "--record" in sys.argv:
    from dashboard import charts as _charts

    _record_all(_charts)


def test_element_and_link_are_the_json_of_their_components():
    """Pages that build hundreds of rows use components.element/link; the browser gets the same tree."""
    import json

    from dash import dcc, html

    from dashboard import components, fastjson

    built = components.element("Tr", [
        components.element("Th", components.link("Hoorn", "/gemeente/GM0405"), scope="row"),
        components.element("Td", "afgewezen", className="submission-afgewezen"),
        components.element("Td", [components.element("Ul", [components.element("Li", "B1: ontbreekt")])],
                           className=None),
        components.element("Td", []),
    ])
    expected = html.Tr([
        html.Th(dcc.Link("Hoorn", href="/gemeente/GM0405"), scope="row"),
        html.Td("afgewezen", className="submission-afgewezen"),
        html.Td([html.Ul([html.Li("B1: ontbreekt")])]),
        html.Td([]),
    ])
    assert json.loads(fastjson.dumps(built)) == json.loads(fastjson.dumps(expected))
