"""Gemeente: one gemeente's checklist, theme scores against its peers, history, resources and signals."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from dashboard import charts, components, context, data, formatting
from dashboard.viewer import MUNICIPALITY

dash.register_page(__name__, path_template="/gemeente/<code>", path="/gemeente", name="Gemeente",
                   title="Gemeente — NHSV-monitor", order=1, render_cache=True)

UITLEG = ("Het profiel toont de checklist van de gemeente zoals de regionale handreiking die beschrijft, met de "
          "status aan het eind van het kwartaal. De themascores worden vergeleken met de vergelijkingsgroep "
          "(mediaan en middelste helft). Onderaan staan het verloop per bouwsteen, de middelen en de meldingen.")

PEER_KINDS = [("grootte", "Gemeenten van dezelfde grootte"), ("district", "Eigen district"), ("regio", "De regio")]


def layout(code: str | None = None, kwartaal: str | None = None, groep: str = "grootte", **_):
    viewer = context.viewer()
    if code is None or code == "none":
        if viewer.role == MUNICIPALITY:
            code = viewer.municipality_code
        else:
            places = sorted(data.region().values(), key=lambda p: p.name)
            return html.Div([components.page_header("Gemeenten", "Kies een gemeente om haar profiel te openen."),
                             html.Ul([html.Li(dcc.Link(p.name, href=f"/gemeente/{p.code}")) for p in places],
                                     className="columns")])
    code = str(code).upper()
    quarter = data.resolve_quarter(kwartaal)
    if quarter is None:
        return components.empty_state("Gemeente", "Er zijn nog geen aanleveringen geladen.")
    groep = groep if groep in dict(PEER_KINDS) else "grootte"
    try:
        p = data.profile(viewer, code, quarter, peer_kind=groep)
    except data.Forbidden as refused:
        return components.forbidden(str(refused))
    caption = data.caption(quarter)
    quarters = data.quarters()
    controls = [components.quarter_select(quarters, quarter),
                components.nav_select("groep", "Vergelijken met", PEER_KINDS, groep)]
    header = components.page_header(f"{p.name}", UITLEG, controls)
    facts = html.P(f"{p.district} · {p.size_class} inwoners ({formatting.number(p.population)} inwoners, CBS 2026)",
                   className="subtitle")
    summary = html.P(p.summary, className="summary")
    if not p.submitted:
        return html.Div([header, facts, html.Div(summary, className="empty-state", role="status")])

    checklist_rows = []
    for theme, part in p.checklist.groupby("theme", sort=False):
        checklist_rows.append(html.Tr(html.Th(theme, colSpan=4, scope="colgroup", className="theme-row")))
        for item in part.itertuples():
            status = None if pd.isna(item.status) else int(item.status)
            prev = None if pd.isna(item.previous_status) else int(item.previous_status)
            change = ""
            if status is not None and prev is not None and status != prev:
                change = " (was " + charts.status_text(prev).lower() + ")"
            peers = p.peers_with_block.get(item.code)
            peer_text = ""
            if isinstance(peers, list) and peers:
                peer_text = "Op orde bij: " + ", ".join(peers)
            elif isinstance(peers, int) and peers:
                peer_text = f"Op orde bij {peers} vergelijkbare gemeente{'n' if peers != 1 else ''}"
            checklist_rows.append(html.Tr([
                html.Td(item.code),
                html.Td([html.Span(item.label, className="block-label"),
                         html.Details([html.Summary("Tekst handreiking"), html.P(item.description)])]),
                html.Td([html.Span(charts.STATUS_SYMBOLS[status], className=f"status-symbol s{status}",
                                   **{"aria-hidden": "true"}), " ", charts.status_text(status), change],
                        className="status-cell"),
                html.Td([html.Span(item.explanation or ""), html.Br() if peer_text and item.explanation else None,
                         html.Span(peer_text, className="peer-hint")]),
            ]))
    checklist = html.Section([
        html.H2("Checklist bouwstenen"),
        html.Div(html.Table([
            html.Caption(f"Status van de 18 bouwstenen, {formatting.quarter_label(quarter)}"),
            html.Thead(html.Tr([html.Th("Code", scope="col"), html.Th("Bouwsteen", scope="col"),
                                html.Th("Status", scope="col"), html.Th("Toelichting", scope="col")])),
            html.Tbody(checklist_rows)], className="data-table checklist"), className="table-scroll",
            tabIndex="0", role="region", **{"aria-label": "Checklist bouwstenen"}),
        components.status_legend(),
        html.P(caption, className="caption"),
    ], className="card")

    block_codes = list(p.checklist["code"])
    timeline_quarters = list(p.timeline["quarter"])
    cards = [
        components.chart_card(charts.theme_scores(p.theme_scores, p.name, p.peer_group), caption),
        components.chart_card(charts.block_history(p.history, block_codes, timeline_quarters), caption),
        components.chart_card(charts.timeline(p.timeline, [("fte_per_100k", "fte per 100.000 inwoners")],
                                              "capaciteit", "Capaciteit", "fte per 100.000", 2), caption),
        components.chart_card(charts.timeline(p.timeline, [("budget_per_1000", "€ per 1.000 inwoners")],
                                              "budget", "Budget (aanpak en interventies)", "€ per 1.000"), caption),
        components.chart_card(charts.timeline(p.timeline, [("signals_radicalisation", "Radicalisering"),
                                                           ("signals_polarisation", "Polarisatie"),
                                                           ("signals_to_safety_house", "Ingebracht in ZVH")],
                                              "meldingen", "Meldingen", "aantal"), caption),
    ]
    export = components.export_link(f"/exporteer?kwartaal={quarter}&gemeente={p.code}",
                                    f"Exporteer het profiel van {p.name} (rapport, presentatie, grafieken en "
                                    "cijfers als zip)")
    return html.Div([header, facts, html.Div(summary, className="summary-box"), export, checklist,
                     html.Div(cards, className="grid-2")])
