"""Vergelijken: one gemeente against a peer group — position per measure, a scatter of two measures, a ranking."""

from __future__ import annotations

import dash
from dash import html

from dashboard import charts, components, context, data
from dashboard.metrics import COMPARE_MEASURES, MEASURES
from dashboard.viewer import MUNICIPALITY, Viewer

dash.register_page(__name__, path="/vergelijken", name="Vergelijken", title="Vergelijken — NHSV-monitor", order=2,
                   render_cache=True)

UITLEG = ("Vergelijk een gemeente met een vergelijkingsgroep: de hele regio, het eigen politiedistrict of de "
          "gemeenten van dezelfde grootteklasse (naar inwonertal). Bovenaan ziet u per maat waar de gemeente "
          "staat tussen de laagste (0) en de hoogste (100) van de groep; de doos is de middelste helft. Daaronder"
          " staan twee maten tegen elkaar en een rangorde waarin de gemeente is gemarkeerd (★).")
UITLEG_GEMEENTE = (" Andere gemeenten ziet u zonder naam (Gemeente A, B, …); de letters worden per weergave "
                   "opnieuw toegekend in volgorde van de voortgangsscore, zodat ze niet over weergaven of "
                   "kwartalen te volgen zijn. Maten die op aantallen meldingen rusten, worden niet per andere "
                   "gemeente getoond. Een vergelijkingsgroep heeft altijd ten minste 3 andere gemeenten.")
UITLEG_COORDINATOR = (" Als coördinator kunt u ook een eigen selectie van gemeenten samenstellen: kies 'Eigen "
                      "selectie' en de gemeenten (meerdere met Ctrl of Cmd), en klik op Toepassen.")

PEER_KINDS = [("regio", "De regio"), ("district", "Eigen district"), ("grootte", "Gemeenten van dezelfde grootte")]
SELECTION = ("selectie", "Eigen selectie")
DEFAULT_X, DEFAULT_Y, DEFAULT_RANKING = "fte_per_100k", "score", "score"


def _one(value) -> str | None:
    """A scalar query parameter (Dash gives a list when a parameter is repeated)."""
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _codes(value) -> list[str]:
    """A comma-separated (or repeated) list of gemeente codes."""
    items = value if isinstance(value, list) else [value] if value else []
    out: list[str] = []
    for item in items:
        for code in str(item).split(","):
            code = code.strip().upper()
            if code and code not in out:
                out.append(code)
    return out


def measures_for(viewer: Viewer) -> list[str]:
    """The comparison measures this viewer is offered: no count-based ones for gemeente users."""
    return [k for k in COMPARE_MEASURES if viewer.sees_all or not MEASURES[k].count_based]


def layout(kwartaal=None, gemeente=None, groep=None, selectie=None, x=None, y=None, maat=None, **_):
    viewer = context.viewer()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.empty_state("Vergelijken", "Er zijn nog geen aanleveringen geladen.")
    places = data.region()
    by_name = sorted(places.values(), key=lambda p: p.name)

    if viewer.role == MUNICIPALITY:
        code = viewer.municipality_code or ""
    else:
        requested = (_one(gemeente) or "").upper()
        code = requested if requested in places else by_name[0].code

    kinds = PEER_KINDS + ([SELECTION] if viewer.sees_all else [])
    requested_kind = _one(groep) or "regio"
    # an unknown kind falls back to the region; a known one the viewer may not use goes to the data layer,
    # which refuses it (so the refusal is the server's, not the page's)
    kind = requested_kind if requested_kind in dict(PEER_KINDS + [SELECTION]) else "regio"
    selection = [c for c in _codes(selectie) if c in places] if viewer.sees_all else []

    allowed = measures_for(viewer)
    x_measure = _one(x) if _one(x) in allowed else DEFAULT_X
    y_measure = _one(y) if _one(y) in allowed else DEFAULT_Y
    ranking_measure = _one(maat) if _one(maat) in allowed else DEFAULT_RANKING
    options = [(k, MEASURES[k].label) for k in allowed]

    controls = [components.quarter_select(data.quarters(), quarter)]
    if viewer.sees_all:
        controls.append(components.nav_select("gemeente", "Gemeente", [(p.code, p.name) for p in by_name], code))
    shown_kind = kind if kind in dict(kinds) else None
    controls.append(components.nav_select("groep", "Vergelijken met", kinds, shown_kind))
    if viewer.sees_all:
        controls.append(components.nav_select("selectie", "Eigen selectie (bij 'Eigen selectie')",
                                              [(p.code, p.name) for p in by_name if p.code != code],
                                              [c for c in selection if c != code], multi=True))
    controls += [components.nav_select("x", "Horizontale as", options, x_measure),
                 components.nav_select("y", "Verticale as", options, y_measure),
                 components.nav_select("maat", "Rangorde naar", options, ranking_measure)]
    uitleg = UITLEG + (UITLEG_COORDINATOR if viewer.sees_all else UITLEG_GEMEENTE)
    own_name = places[code].name if code in places else ""
    header = components.page_header(f"Vergelijken: {own_name}" if own_name else "Vergelijken", uitleg, controls)

    try:
        rows, group_name = data.comparison(viewer, code, quarter, kind, selection=selection)
    except data.Forbidden as refused:
        return html.Div([header, html.P(str(refused), className="empty-state", role="alert")])

    others = int((~rows["own"].astype(bool)).sum())
    if others == 0:
        message = ("Kies ten minste één andere gemeente voor de selectie." if kind == "selectie"
                   else "Deze vergelijkingsgroep heeft geen andere gemeenten.")
        return html.Div([header, html.Div(html.P(message), className="empty-state", role="status")])
    own_rows = rows[rows["own"].astype(bool)]
    submitted = bool(own_rows["submitted"].fillna(False).astype(bool).any()) if not own_rows.empty else False
    caption = data.caption(quarter, extra=f"Vergelijkingsgroep: {group_name} ({others} andere gemeenten)")
    intro = html.P(f"{own_name} vergeleken met {group_name}: {others} andere gemeente"
                   f"{'n' if others != 1 else ''}.", className="subtitle")
    notice = None if submitted else html.P(
        f"{own_name} heeft over dit kwartaal (nog) geen geldige aanlevering; de groep wordt zonder de gemeente "
        "getoond.", className="empty-state", role="status")

    links = ({str(r.label): f"/gemeente/{r.key}" for r in rows.itertuples() if r.key}
             if viewer.sees_all else {own_name: f"/gemeente/{code}"})
    cards = [
        components.chart_card(charts.distribution(rows, allowed), caption),
        html.Div([
            components.chart_card(charts.scatter(rows, x_measure, y_measure), caption),
            components.chart_card(charts.ranking(rows, ranking_measure), caption, links=links),
        ], className="grid-2"),
    ]
    return html.Div([header, intro, notice, *cards])
