"""Overzicht: the region at a glance — key figures, a map by a chosen measure, and the checklist: per gemeente
for coordinators, per status (how many gemeenten) for everyone else."""

from __future__ import annotations

import dash
from dash import MATCH, ClientsideFunction, Input, Output, State, dcc, html

from dashboard import boundaries as boundary_file
from dashboard import charts, components, context, data
from dashboard.i18n import N_, _
from dashboard.metrics import MAP_MEASURES, MEASURES, THEMES, theme_name
from dashboard.viewer import Viewer
from etl import geo, reference

dash.register_page(__name__, path="/", name=N_("Overzicht"), title=components.page_title(N_("Overzicht")), order=0)

UITLEG = N_(
    "Het overzicht toont waar de regio staat op de bouwstenen van de regionale checklist. De tegels bovenaan "
    "geven de kerncijfers van het gekozen kwartaal en de verandering sinds het kwartaal ervoor. De kaart kleurt "
    "de gemeenten naar de gekozen maat; klik op een gemeente (of gebruik de tabel onder de kaart) om haar profiel "
    "te openen."
)
UITLEG_COORDINATOR = N_("De tabel met bouwstenen toont per gemeente de status met kleur en symbool.")
UITLEG_GEMEENTE = N_("Andere gemeenten ziet u niet afzonderlijk: per bouwsteen ziet u hoeveel gemeenten van de regio "
                     "(of van een district) elke status hebben, met de plaats van uw eigen gemeente. Op de kaart "
                     "staat alleen uw eigen gemeente.")
SORTS = ("score", "naam", *[f"score_{k.lower()}" for k in THEMES])


def sorts() -> list[tuple[str, str]]:
    """The heatmap's orders, named in the current language."""
    return [("score", _("Voortgangsscore")), ("naam", _("Naam")),
            *[(f"score_{k.lower()}", _("Thema %(theme)s", theme=theme_name(k))) for k in THEMES]]


# The boundary map's outlines come from a versioned URL the browser caches (dashboard.boundaries), not inside
# every page: dashboard/assets/maps.js fills them into the figure.
dash.clientside_callback(ClientsideFunction("nhsv_maps", "boundaries"),
                         Output({"type": "map", "name": MATCH}, "figure"),
                         Input({"type": "map-grenzen", "name": MATCH}, "data"),
                         State({"type": "map", "name": MATCH}, "figure"))


def _controls(viewer: Viewer, quarters, quarter, district, maat, sorteer) -> list:
    map_options = [(k, MEASURES[k].label) for k in MAP_MEASURES if viewer.sees_all or not MEASURES[k].count_based]
    controls = [
        components.quarter_select(quarters, quarter),
        components.nav_select("district", _("District"), [(d, d) for d in data.districts()], district,
                              clearable=True),
        components.nav_select("maat", _("Kaart kleuren naar"), map_options, maat),
    ]
    if viewer.sees_all:
        controls.append(components.nav_select("sorteer", _("Bouwstenen sorteren op"), sorts(), sorteer))
    return controls


def _grid(matrix, codes: list[str], params: dict, vanaf: str | None, caption: str, stem: str) -> html.Div:
    """The coordinators' checklist grid, a page of gemeenten at a time when there are more."""
    page = components.page_of("/", params, vanaf, len(matrix), _("Pagina's van de bouwstenen per gemeente"))
    rows = matrix.iloc[page.rows]
    links = {label: f"/gemeente/{key}" for label, key in zip(rows["label"], rows["key"], strict=True)}
    chart = charts.status_heatmap(matrix, codes, THEMES, page.rows)
    return html.Div([page.nav, components.chart_card(chart, caption, links=links, stem=stem,
                                                     narrow=_heatmap_list(rows, codes)),
                     components.status_legend()])


def _checklist(viewer: Viewer, quarter: str, district: str | None, sorteer: str, caption: str, stem: str,
               params: dict, vanaf: str | None = None):
    if viewer.sees_all:
        matrix, codes = data.block_matrix(viewer, quarter, district, sort="naam" if sorteer == "naam" else "score")
        if sorteer.startswith("score_") and sorteer in matrix.columns:
            matrix = matrix.sort_values([sorteer, "label"], ascending=[False, True], na_position="last")
        return _grid(matrix, codes, params, vanaf, caption, stem)
    labels = {b.code: b.label for b in reference.blocks()}
    try:
        counts = data.block_counts(viewer, quarter, district)
    except data.TooFew as refused:
        return html.P(str(refused), className="empty-state", role="status")
    parts = []
    if counts.counts is None:
        parts.append(html.P(counts.reason, className="note", role="status"))
        counts = data.block_counts(viewer, quarter)
    chart = charts.status_counts(counts.counts, labels, counts.group.name, counts.own, counts.own_name)
    parts += [components.chart_card(chart, caption, stem=stem,
                                    narrow=_counts_list(counts.counts, counts.own, counts.own_name)),
              components.status_legend()]
    return html.Div(parts)


def _heatmap_list(matrix, codes: list[str]):
    """The heatmap on a phone: per gemeente its blocks in order and the statuses as symbols, per theme."""
    rows = []
    for record in matrix.to_dict("records"):
        statuses = [record.get(c) for c in codes]
        if all(s is None or s != s for s in statuses):
            rows.append((dcc.Link(record["label"], href=f"/gemeente/{record['key']}"), _("niet aangeleverd"), []))
            continue
        groups = [f"{theme} " + "".join(charts.STATUS_SYMBOLS[None if record.get(c) is None or record.get(c) !=
                                                            record.get(c) else int(record[c])]
                                      for c in codes if c.startswith(theme)) for theme in THEMES]
        rows.append((dcc.Link(record["label"], href=f"/gemeente/{record['key']}"),
                     _("%(n)s op orde", n=int(record["blocks_in_order"])), groups))
    return components.compact_rows(rows, _("Bouwstenen per gemeente"))


def _counts_list(counts, own: dict, own_name: str | None):
    """The counts per status on a phone: per block the number of gemeenten per status, and the own status."""
    from etl.domain import STATUS_LABELS

    rows = []
    for block, row in counts.iterrows():
        groups = [f"{charts.STATUS_SYMBOLS[s]} {int(row[s])}" for s in range(len(STATUS_LABELS))]
        mine = own.get(block)
        summary = (f"{own_name}: {charts.STATUS_SYMBOLS[mine]} {charts.status_label(mine)}"
                   if own and mine is not None else "")
        rows.append((block, summary, groups))
    return components.compact_rows(rows, _("Status per bouwsteen"))


def layout(kwartaal: str | None = None, district: str | None = None, maat: str = "score", sorteer: str = "score",
           vanaf: str | None = None, **_kwargs):
    viewer = context.viewer()
    quarters = data.quarters()
    quarter = data.resolve_quarter(kwartaal)
    if quarter is None:
        return components.no_data(_("Overzicht"))
    district = district if district in data.districts() else None
    maat = maat if maat in MAP_MEASURES and (viewer.sees_all or not MEASURES[maat].count_based) else "score"
    sorteer = sorteer if sorteer in SORTS else "score"
    caption = data.caption(quarter)
    stem = components.file_stem(quarter, district or "regio")

    values = data.map_values(viewer, quarter, maat)
    if district:
        in_district = {c for c, p in data.region().items() if p.district == district}
        values = values[values["code"].isin(in_district)]
    boundaries = geo.load_boundaries()
    outlines = boundary_file.url() if boundaries else None
    chart = (charts.choropleth(values, boundaries, maat, geometry_url=outlines) if boundaries
             else charts.tile_map(values, data.tile_positions(), maat))
    map_links = {name: f"/gemeente/{code}" for name, code in zip(values["name"], values["code"], strict=True)}
    note = "" if viewer.sees_all else _("Op de kaart ziet u alleen uw eigen gemeente: de plaats van een tegel zou "
                                        "laten zien welke gemeente het is.")
    links = {"submitted": f"/aanlevering?kwartaal={quarter}&toon=ontbreekt"} if viewer.sees_all else {}
    try:
        figures = components.key_figures(data.key_figures(viewer, quarter, district), links)
    except data.TooFew as refused:
        figures = html.P(str(refused), className="empty-state", role="status")
    story = data.quarter_story(viewer, quarter)
    uitleg = _(UITLEG) + " " + _(UITLEG_COORDINATOR if viewer.sees_all else UITLEG_GEMEENTE)
    return html.Div([
        components.page_header(_("Overzicht van de regio"), uitleg,
                               _controls(viewer, quarters, quarter, district, maat, sorteer)),
        components.story(story.sentences),
        html.H2(_("Kerncijfers"), className="visually-hidden"),
        figures,
        components.export_link(f"/exporteer?kwartaal={quarter}&regio=1",
                               _("Exporteer dit kwartaal (rapport, presentatie, grafieken en cijfers als zip)")),
        html.Div([
            html.Div([components.chart_card(chart, caption, graph_id={"type": "map", "name": "overzicht"},
                                            links=map_links, note=note, stem=stem),
                      dcc.Store(id={"type": "map-grenzen", "name": "overzicht"}, data=outlines) if outlines
                      else None]),
            _checklist(viewer, quarter, district, sorteer, caption, stem,
                       dict(kwartaal=quarter, district=district, maat=maat, sorteer=sorteer), vanaf),
        ], className="grid-2"),
        dcc.Link(_("Naar de verantwoording van de maten"), href="/verantwoording"),
    ])
