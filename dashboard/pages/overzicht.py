"""Overzicht: the region at a glance — key figures, a map by a chosen measure, the checklist heatmap."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import charts, components, context, data
from dashboard.metrics import MAP_MEASURES, MEASURES, THEMES
from etl import geo

dash.register_page(__name__, path="/", name="Overzicht", title="Overzicht — NHSV-monitor", order=0,
                   render_cache=True)

UITLEG = (
    "Het overzicht toont waar de regio staat op de 18 bouwstenen van de regionale checklist. De tegels "
    "bovenaan geven de kerncijfers van het gekozen kwartaal en de verandering sinds het kwartaal ervoor. "
    "De kaart kleurt de gemeenten naar de gekozen maat; klik op een gemeente (of gebruik de tabel onder de "
    "kaart) om haar profiel te openen. De tabel met bouwstenen toont per gemeente de status met kleur en "
    "symbool."
)


def layout(
    kwartaal: str | None = None, district: str | None = None, maat: str = "score", sorteer: str = "score", **_
):
    viewer = context.viewer()
    quarters = data.quarters()
    quarter = data.resolve_quarter(kwartaal)
    if quarter is None:
        return components.empty_state(
            "Overzicht",
            "Er zijn nog geen aanleveringen geladen. Laad aanleveringen "
            "met nhsv load of via de pagina Aanleveren.",
        )
    district = district if district in data.districts() else None
    maat = maat if maat in MAP_MEASURES else "score"
    if maat not in MEASURES or (MEASURES[maat].count_based and not viewer.sees_all):
        maat = "score" if not viewer.sees_all else maat
    caption = data.caption(quarter)

    values = data.map_values(viewer, quarter, maat)
    if district:
        in_district = {c for c, p in data.region().items() if p.district == district}
        values = values[values["code"].isin(in_district)]
    boundaries = geo.load_boundaries()
    chart = (
        charts.choropleth(values, boundaries, maat)
        if boundaries
        else charts.tile_map(values, data.tile_positions(), maat)
    )
    links = {name: f"/gemeente/{code}" for name, code in zip(values["name"], values["code"], strict=True)}
    note = (
        ""
        if viewer.sees_all
        else (
            "Op de kaart ziet u alleen uw eigen gemeente: de plaats van een tegel "
            "zou laten zien welke gemeente het is."
        )
    )

    matrix, codes = data.block_matrix(viewer, quarter, district, sort=sorteer)
    heat = charts.status_heatmap(matrix, codes, THEMES)

    map_options = [(k, MEASURES[k].label) for k in MAP_MEASURES if viewer.sees_all or not MEASURES[k].count_based]
    controls = [
        components.quarter_select(quarters, quarter),
        components.nav_select(
            "district", "District", [(d, d) for d in data.districts()], district, clearable=True
        ),
        components.nav_select("maat", "Kaart kleuren naar", map_options, maat),
        components.nav_select(
            "sorteer",
            "Bouwstenen sorteren op",
            [("score", "Voortgangsscore")] + ([("naam", "Naam")] if viewer.sees_all else []),
            sorteer if viewer.sees_all else "score",
        ),
    ]
    return html.Div(
        [
            components.page_header("Overzicht van de regio", UITLEG, controls),
            html.H2(
                f"Kerncijfers {dash.html.Span(district) if False else ''}".strip() or "Kerncijfers",
                className="visually-hidden",
            ),
            components.key_figures(data.key_figures(viewer, quarter, district)),
        components.export_link(f"/exporteer?kwartaal={quarter}&regio=1",
                               "Exporteer dit kwartaal (rapport, presentatie, grafieken en cijfers als zip)"),
            html.Div(
                [
                    components.chart_card(
                        chart, caption, graph_id={"type": "map", "name": "overzicht"}, links=links, note=note
                    ),
                    html.Div([components.chart_card(heat, caption), components.status_legend()]),
                ],
                className="grid-2",
            ),
            dcc.Link("Naar de verantwoording van de maten", href="/verantwoording")
            if "/verantwoording" in [p["path"] for p in dash.page_registry.values()]
            else None,
        ]
    )
