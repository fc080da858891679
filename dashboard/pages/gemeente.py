"""Gemeente: one gemeente's checklist, theme scores and resources against a group, history and signals."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from dashboard import charts, components, context, data, formatting
from dashboard.accounts import introductions
from dashboard.i18n import N_, _, ngettext
from dashboard.metrics import N_BLOCKS
from dashboard.viewer import MUNICIPALITY

dash.register_page(__name__, path_template="/gemeente/<code>", path="/gemeente", name=N_("Gemeente"),
                   title=components.page_title(N_("Gemeente")), order=1)

UITLEG = N_("Het profiel toont de checklist van de gemeente zoals de regionale handreiking die beschrijft, met de "
            "status aan het eind van het kwartaal. De themascores, de capaciteit en het budget staan tegen de "
            "spreiding in een vergelijkingsgroep (de middelste helft en de mediaan). Onderaan staan het verloop per "
            "bouwsteen, de middelen en de meldingen.")

PEER_KINDS = [("grootte", N_("Gemeenten van dezelfde grootte")), ("district", N_("Eigen district")),
              ("regio", N_("De regio"))]


def _checklist(p: data.Profile, quarter: str, caption: str) -> html.Section:
    rows = []
    for theme, part in p.checklist.groupby("theme", sort=False):
        rows.append(html.Tr(html.Th(theme, colSpan=4, scope="colgroup", className="theme-row")))
        for item in part.itertuples():
            status = None if pd.isna(item.status) else int(item.status)
            prev = None if pd.isna(item.previous_status) else int(item.previous_status)
            change = ""
            if status is not None and prev is not None and status != prev:
                change = " " + _("(was %(status)s)", status=charts.status_text(prev).lower())
            peers = p.learning_partners.get(item.code)
            peer_text, ask = "", None
            if isinstance(peers, list) and peers:
                peer_text = _("Op orde bij: %(names)s", names=", ".join(peers))
            elif isinstance(peers, int) and peers:
                peer_text = ngettext("Op orde bij %(num)s andere gemeente in %(group)s; de regionale coördinator kan u "
                                     "met hen in contact brengen",
                                     "Op orde bij %(num)s andere gemeenten in %(group)s; de regionale coördinator kan "
                                     "u met hen in contact brengen", peers, group=p.partners_group)
                ask = introductions.ask_link(item.code, quarter)
            rows.append(html.Tr([
                html.Td(item.code),
                html.Td([html.Span(item.label, className="block-label"),
                         html.Details([html.Summary(_("Tekst handreiking")), html.P(item.description)])]),
                html.Td([html.Span(charts.STATUS_SYMBOLS[status], className=f"status-symbol s{status}",
                                   **{"aria-hidden": "true"}), " ", charts.status_text(status), change],
                        className="status-cell"),
                html.Td([html.Span(item.explanation or ""), html.Br() if peer_text and item.explanation else None,
                         html.Span(peer_text, className="peer-hint"), " " if ask else None, ask]),
            ]))
    return html.Section([
        html.H2(_("Checklist bouwstenen")),
        html.Div(html.Table([
            html.Caption(_("Status van de %(blocks)s bouwstenen, %(quarter)s", blocks=N_BLOCKS,
                           quarter=formatting.quarter_label(quarter))),
            html.Thead(html.Tr([html.Th(_("Code"), scope="col"), html.Th(_("Bouwsteen"), scope="col"),
                                html.Th(_("Status"), scope="col"), html.Th(_("Toelichting"), scope="col")])),
            html.Tbody(rows)], className="data-table checklist"), className="table-scroll",
            tabIndex="0", role="region", **{"aria-label": _("Checklist bouwstenen")}),
        components.status_legend(),
        html.P(caption, className="caption"),
    ], className="card")


def layout(code: str | None = None, kwartaal: str | None = None, groep: str = "grootte", **_kwargs):
    viewer = context.viewer()
    if code is None or code == "none":
        if viewer.role == MUNICIPALITY:
            code = viewer.municipality_code
        else:
            places = sorted(data.region().values(), key=lambda p: p.name)
            return html.Div([components.page_header(_("Gemeenten"), _("Kies een gemeente om haar profiel te openen.")),
                             html.Ul([html.Li(dcc.Link(p.name, href=f"/gemeente/{p.code}")) for p in places],
                                     className="columns")])
    code = str(code).upper()
    quarter = data.resolve_quarter(kwartaal)
    if quarter is None:
        return components.no_data(_("Gemeente"))
    groep = groep if groep in dict(PEER_KINDS) else "grootte"
    try:
        p = data.profile(viewer, code, quarter, peer_kind=groep)
    except data.TooFew:
        p = data.profile(viewer, code, quarter, peer_kind="regio")
    except data.Forbidden as refused:
        return components.forbidden(str(refused))
    caption = data.caption(quarter)
    controls = [components.quarter_select(data.quarters(), quarter),
                components.nav_select("groep", _("Vergelijken met"), [(k, _(v)) for k, v in PEER_KINDS], groep)]
    header = components.page_header(p.name, _(UITLEG), controls)
    facts = html.P(_("%(district)s · %(size)s inwoners (%(population)s inwoners, CBS %(year)s)", district=p.district,
                     size=data.scope.size_text(p.size_class), population=formatting.number(p.population),
                     year=data.warehouse.population_year()), className="subtitle")
    summary = html.P(p.summary, className="summary")
    if not p.submitted:
        steps = [html.P(summary.children)]
        if viewer.role == MUNICIPALITY:
            steps.append(html.P([_("Lever de gegevens aan via "), dcc.Link(_("Aanleveren"), href="/aanleveren"),
                                 "."]))
        if p.previous_quarters:
            steps.append(html.P([_("Eerdere kwartalen met een aanlevering: "), *[
                item for q in p.previous_quarters[:4] for item in
                (dcc.Link(formatting.quarter_label(q), href=f"/gemeente/{code}?kwartaal={q}"), " ")]]))
        return html.Div([header, facts, html.Div(steps, className="empty-state", role="status")])
    stem = components.file_stem(quarter, p.name)
    cards = [components.chart_card(chart, caption, stem=stem) for chart in charts.profile_charts(p)]
    export = components.export_link(f"/exporteer?kwartaal={quarter}&gemeente={p.code}",
                                    _("Exporteer het profiel van %(name)s (rapport, presentatie, grafieken en "
                                      "cijfers als zip)", name=p.name))
    return html.Div([header, facts, html.Div(summary, className="summary-box"), export, _checklist(p, quarter, caption),
                     html.Div(cards, className="grid-2")])
