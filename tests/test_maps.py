"""Imported boundaries (issue 22): simplified and stored once with the province as grey context, the import
says what it kept and dropped, the overview sends the outlines once per version, exports draw them."""

from __future__ import annotations

import json
import math
import random

import pytest
from click.testing import CliRunner

from cli.main import main
from etl import geo, reference


def _wiggly(lon: float, lat: float, points: int = 3000) -> dict:
    """A rough square of about 0.1 degrees with a finely wiggling edge: many points, like PDOK's boundaries."""
    ring = []
    rng = random.Random(int(lon * 1000 + lat * 1000))
    for k in range(points):
        t = k / points * 4
        side, f = int(t), t - int(t)
        x, y = [(f, 0), (1, f), (1 - f, 1), (0, 1 - f)][side]
        ring.append([lon + 0.1 * x + rng.uniform(-2e-5, 2e-5), lat + 0.1 * y + rng.uniform(-2e-5, 2e-5)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def boundaries(tmp_path, monkeypatch):
    """The 44 gemeenten of the province on a grid, and 20 from elsewhere in the country."""
    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path))
    features = []
    for k, code in enumerate(sorted(reference.municipalities())):
        features.append({"type": "Feature", "properties": {"statcode": code, "statnaam": "x"},
                         "geometry": _wiggly(4.5 + 0.1 * (k % 8), 52.2 + 0.1 * (k // 8))})
    for k in range(20):
        features.append({"type": "Feature", "properties": {"statcode": f"GM{9900 + k}"},
                         "geometry": _wiggly(6 + 0.1 * k, 51)})
    source = tmp_path / "grenzen.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return source, features


def test_import_simplifies_keeps_the_province_and_reports(boundaries):
    from shapely.geometry import shape

    source, features = boundaries
    result = CliRunner().invoke(main, ["geo", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "32 gemeentegrenzen van NHSV en 12 omliggende gemeenten" in result.output
    assert "Weggelaten: 20 objecten" in result.output and "Vereenvoudigd" in result.output
    stored = json.loads(geo.target_path().read_text())
    assert len(stored["features"]) == 44 and sum(f["properties"]["nhsv"] for f in stored["features"]) == 32
    assert geo.target_path().stat().st_size * 10 < source.stat().st_size  # stored once, simplified
    original = {f["properties"]["statcode"]: shape(f["geometry"]) for f in features}
    for feature in stored["features"]:
        simple, before = shape(feature["geometry"]), original[feature["properties"]["statcode"]]
        assert simple.is_valid and abs(simple.area - before.area) / before.area < 0.01
        assert simple.hausdorff_distance(before) < 2 * geo.SIMPLIFY_DEGREES  # recognisably the same shape


def test_overview_sends_the_outlines_once_per_version(boundaries, engine, workbook, make_app):
    from dashboard import auth
    from tests.auth.helpers import login
    from tests.conftest import good_values, load_bytes

    source, _ = boundaries
    assert CliRunner().invoke(main, ["geo", "import", str(source)]).exit_code == 0
    for code in ("GM0405", "GM0361", "GM0392", "GM0448", "GM0400", "GM0399"):
        load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3", good_values()))
    auth.add_user(engine, "hoorn@test.nl", "gemeente", "GM0405", "kaart-test-wachtwoord")
    app = make_app()
    client = app.server.test_client()
    login(client, "hoorn@test.nl", "kaart-test-wachtwoord")
    key = next(k for k in app.callback_map if "_pages_content" in k)
    from tests.auth.helpers import callback_payload

    body = callback_payload(key, app.callback_map[key])
    body["inputs"][0]["value"] = "/"
    page = client.post("/_dash-update-component", json=body)
    assert page.status_code == 200
    view = page.get_data()
    assert len(view) < 300_000, len(view)  # the whole page view, map included
    text = page.get_data(as_text=True)
    url = "/kaart/grenzen-" + geo.boundaries_version() + ".json"
    assert url in json.dumps(json.loads(text))  # Dash escapes '/' in its JSON
    names = [m.name for c, m in reference.municipalities().items() if c != "GM0405"]
    assert not [n for n in names if f'"{n}' in text]  # no other gemeente named, context ones included
    figure = json.loads(text)
    traces = [t for t in _figures(figure) if t.get("fill") == "toself"]
    assert len(traces) == 44 and all(t["x"] == [] for t in traces)  # no coordinates inside the page
    outlines = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert outlines.status_code == 200 and "immutable" in outlines.headers["Cache-Control"]
    assert outlines.headers["Content-Encoding"] == "gzip"
    import gzip

    shapes = json.loads(gzip.decompress(outlines.data))
    assert len(shapes["shapes"]) == 44 and "GM" not in json.dumps(shapes)
    assert client.get("/kaart/grenzen-0000.json").status_code == 404


def _figures(node):
    if isinstance(node, dict):
        if "figure" in node and isinstance(node["figure"], dict):
            yield from node["figure"].get("data", [])
        for value in node.values():
            yield from _figures(value)
    elif isinstance(node, list):
        for value in node:
            yield from _figures(value)


def test_exports_draw_the_imported_boundaries_with_grey_context(boundaries, engine, workbook):
    from dashboard.charts.maps import CONTEXT_FILL
    from dashboard.export.parts import map_chart
    from dashboard.viewer import Viewer
    from tests.conftest import good_values, load_bytes

    source, _ = boundaries
    geo.import_boundaries(str(source))
    load_bytes(engine, "GM0405.xlsx", workbook("GM0405", "2026Q3", good_values()))
    chart = map_chart(Viewer("coordinator"), "2026Q3")
    polygons = [t for t in chart.figure["data"] if t.get("fill") == "toself"]
    assert len(polygons) == 44 and all(len(t["x"]) > 4 for t in polygons)
    context = [t for t in polygons if t["fillcolor"] == CONTEXT_FILL]
    assert len(context) == 12 and all(t["hoverinfo"] == "skip" for t in context)
    assert not math.isnan(chart.figure["layout"]["xaxis"]["range"][0])
