"""Everything the server sends one viewer: every page with every filter value and quarter, every table and CSV
alternative, and the export, gathered in-process.

A page is rendered as the pages router renders it (its registered `layout` with the URL's parameters, in a
request of that viewer) and encoded as Dash encodes a callback's answer (`plotly.io.json.to_json_plotly`);
the tables it offers are made as the table and CSV callbacks make them (`components.collecting`).
tests/privacy/test_attacks.py checks, for a sample of URLs, that the real endpoint sends the same.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import dash
import pandas as pd
from plotly.io.json import to_json_plotly

from dashboard import components, context, export
from dashboard.data import warehouse
from dashboard.metrics import MAP_MEASURES, MEASURES
from dashboard.viewer import MUNICIPALITY, Viewer

TREND_MAATEN = ("score", "blocks_in_order", "fte_per_100k", "budget_per_1000", "network_coverage",
                "signals_total", "signals_per_10k", "share_to_safety_house")


@dataclass
class Response:
    """One answer the viewer holds, with what the attacker knows about it from the request: the page, its
    parameters and the quarter it is about (None: every quarter)."""

    page: str
    params: dict
    quarter: str | None
    payload: object  # the JSON the browser receives
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # title → the table as its CSV gives it
    csv: list[str] = field(default_factory=list)


def _layouts() -> dict[str, object]:
    return {page.get("path_template") or page["path"]: page["layout"] for page in dash.page_registry.values()}


def render(app, viewer: Viewer, path: str, params: dict, quarter: str | None) -> Response:
    layout = _layouts()[path]
    with app.server.test_request_context("/"):
        original = context.viewer
        context.viewer = lambda: viewer
        try:
            with components.collecting() as offered:
                tree = layout(**params)
            payload = json.loads(to_json_plotly(tree))
            tables = {o.title: o.make() for o in offered.values()}
            csv = [components.table_csv(t) for t in tables.values()]
        finally:
            context.viewer = original
    return Response(path, params, quarter, payload, tables, csv)


def urls(viewer: Viewer, quarters: list[str], districts: list[str], codes: list[str]
         ) -> Iterator[tuple[str, dict, str | None]]:
    """(page, parameters, quarter) of every view a gemeente user can ask for, and some they should not."""
    own = viewer.municipality_code
    maps = [k for k in MAP_MEASURES if not MEASURES[k].count_based]
    # Overzicht: every district with every quarter, and every map measure with every quarter. Its parts depend on
    # (quarter, district) — key figures, story, counts per status — or on (quarter, measure) — the map, of the own
    # gemeente only, which a district filter can only leave out — never on all three; the full product of the
    # latest quarter is crawled too, and test_the_overview_crawl_covers_every_combination checks the claim.
    for q, d in itertools.product(quarters, [None, *districts]):
        yield "/", {"kwartaal": q, "district": d, "maat": "score"}, q
    for q, m in itertools.product(quarters, maps[1:]):
        yield "/", {"kwartaal": q, "district": None, "maat": m}, q
    for d, m in itertools.product(districts, maps[1:]):
        yield "/", {"kwartaal": quarters[0], "district": d, "maat": m}, quarters[0]
    for q, group in itertools.product(quarters, ["grootte", "district", "regio"]):
        yield "/gemeente/<code>", {"code": own, "kwartaal": q, "groep": group}, q
        yield "/vergelijken", {"kwartaal": q, "groep": group}, q
    for q, d in itertools.product(quarters, districts):
        yield "/signalen", {"kwartaal": q, "scope": d}, q
    for maat in TREND_MAATEN:
        yield "/ontwikkeling", {"maat": maat}, None
    yield "/verantwoording", {}, None
    yield "/aanlevering", {"kwartaal": quarters[0]}, quarters[0]
    # forged: another gemeente's profile, a comparison with a hand-picked selection, a coordinator's sort
    for code in codes:
        if code != own:
            yield "/gemeente/<code>", {"code": code, "kwartaal": quarters[0]}, quarters[0]
    yield "/vergelijken", {"kwartaal": quarters[0], "gemeente": codes[0], "groep": "selectie",
                           "selectie": ",".join(codes[:6])}, quarters[0]
    yield "/", {"kwartaal": quarters[0], "sorteer": "naam", "maat": "signals_per_10k"}, quarters[0]


def export_responses(viewer: Viewer, quarters: list[str]) -> Iterator[Response]:
    """The export pack's content for this viewer (a gemeente user's own pack, with its view of the region): each
    part's summary, notes, tables and the figures as the renderer gets them (PNG and SVG are drawn from these)."""
    for q in quarters:
        parts = [export.gemeente_part(MUNICIPALITY, viewer.municipality_code, q),
                 export.region_part(MUNICIPALITY, q, viewer.municipality_code)]
        for part in parts:
            payload = {"summary": part.summary, "notes": part.notes, "subtitle": part.subtitle,
                       "figures": [export.export_figure(c, export.WIDTH, 600) for c in part.charts],
                       "descriptions": [c.description for c in part.charts],
                       "checklist": part.checklist.to_dict("records") if part.checklist is not None else []}
            tables = {c.title: c.table for c in part.charts}
            yield Response("export", {"kwartaal": q, "part": part.folder}, q, json.loads(to_json_plotly(payload)),
                           tables, [components.table_csv(t) for t in tables.values()])


def crawl(app, viewer: Viewer, with_export: bool = True) -> list[Response]:
    quarters = warehouse.quarters()
    districts = warehouse.districts()
    codes = sorted(warehouse.region())
    out = [render(app, viewer, path, params, q) for path, params, q in urls(viewer, quarters, districts, codes)]
    if with_export:
        out += list(export_responses(viewer, quarters))
    return out
