"""Vergelijken: one gemeente against a group, in real units — its value on the group's bands per measure; for
coordinators also a scatter of two measures and a ranking, by name."""

from __future__ import annotations

import dash
from dash import html

from dashboard import charts, components, context, data
from dashboard.i18n import N_, _
from dashboard.metrics import COMPARE_MEASURES, MEASURES
from dashboard.viewer import Viewer

dash.register_page(__name__, path="/vergelijken", name=N_("Vergelijken"),
                   title=components.page_title(N_("Vergelijken")), order=2)

UITLEG = N_("Vergelijk een gemeente met een vergelijkingsgroep: de hele regio, het eigen politiedistrict of de "
            "gemeenten van dezelfde grootteklasse (naar inwonertal). Per maat ziet u, in de eigen eenheid, de "
            "spreiding in de groep (licht: de middelste 80%, donker: de middelste helft, streep: de mediaan) en de "
            "waarde van de gemeente (◆).")
UITLEG_GEMEENTE = N_("Andere gemeenten ziet u nooit afzonderlijk, alleen als spreiding van een groep van ten minste "
                     "5 andere gemeenten die hebben aangeleverd. Waarden per inwoner van anderen zijn afgerond op "
                     "twee cijfers. Maten die op aantallen meldingen rusten, staan hier niet.")
UITLEG_COORDINATOR = N_("Als coördinator ziet u daaronder twee maten tegen elkaar en een rangorde, met namen, en kunt "
                        "u een eigen selectie van gemeenten samenstellen: kies 'Eigen selectie' en de gemeenten "
                        "(meerdere met Ctrl of Cmd), en klik op Toepassen.")

PEER_KINDS = [("regio", N_("De regio")), ("district", N_("Eigen district")),
              ("grootte", N_("Gemeenten van dezelfde grootte"))]
SELECTION = ("selectie", N_("Eigen selectie"))
DEFAULT_X, DEFAULT_Y, DEFAULT_RANKING = "fte_per_100k", "score", "score"


def _one(value) -> str | None:
    """A scalar query parameter (Dash gives a list when a parameter is repeated)."""
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def measures_for(viewer: Viewer) -> list[str]:
    """The comparison measures this viewer is offered: no count-based ones for gemeente users."""
    return [k for k in COMPARE_MEASURES if viewer.sees_all or not MEASURES[k].count_based]


def layout(kwartaal=None, gemeente=None, groep=None, selectie=None, x=None, y=None, maat=None, **_kwargs):
    viewer = context.viewer()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.no_data(_("Vergelijken"))
    places = data.region()
    by_name = sorted(places.values(), key=lambda p: p.name)
    if viewer.sees_all:
        requested = (_one(gemeente) or "").upper()
        code = requested if requested in places else None
    else:
        code = viewer.municipality_code
    kinds = [(k, _(v)) for k, v in [*PEER_KINDS, *([SELECTION] if viewer.sees_all else [])]]
    requested_kind = _one(groep) or "regio"
    # an unknown kind falls back to the region; a known one the viewer may not use goes to the data layer,
    # which refuses it (so the refusal is the server's, not the page's)
    kind = requested_kind if requested_kind in dict([*PEER_KINDS, SELECTION]) else "regio"
    selection = [c for c in components.param_list(selectie) if c.upper() in places] if viewer.sees_all else []
    selection = [c.upper() for c in selection]
    allowed = measures_for(viewer)
    x_measure = _one(x) if _one(x) in allowed else DEFAULT_X
    y_measure = _one(y) if _one(y) in allowed else DEFAULT_Y
    ranking_measure = _one(maat) if _one(maat) in allowed else DEFAULT_RANKING
    options = [(k, MEASURES[k].label) for k in allowed]

    quarter_control = components.quarter_select(data.quarters(), quarter)
    group_control = components.nav_select("groep", _("Vergelijken met"), kinds, kind if kind in dict(kinds) else None)
    if viewer.sees_all:
        # three groups of filters, each with a legend, so the long multiple choice does not push the rest apart
        controls = [
            components.control_group(_("Kwartaal en gemeente"), [
                quarter_control,
                components.nav_select("gemeente", _("Gemeente"), [(p.code, p.name) for p in by_name], code,
                                      clearable=True)]),
            components.control_group(_("Vergelijkingsgroep"), [
                group_control,
                components.nav_select("selectie", _("Eigen selectie (bij 'Eigen selectie')"),
                                      [(p.code, p.name) for p in by_name if p.code != code],
                                      [c for c in selection if c != code], multi=True)]),
            components.control_group(_("Spreidingsdiagram en rangorde"), [
                components.nav_select("x", _("Horizontale as"), options, x_measure),
                components.nav_select("y", _("Verticale as"), options, y_measure),
                components.nav_select("maat", _("Rangorde naar"), options, ranking_measure)]),
        ]
    else:
        controls = [quarter_control, group_control]
    uitleg = _(UITLEG) + " " + _(UITLEG_COORDINATOR if viewer.sees_all else UITLEG_GEMEENTE)
    own_name = places[code].name if code in places else ""
    header = components.page_header(_("Vergelijken: %(name)s", name=own_name) if own_name else _("Vergelijken"),
                                    uitleg, controls)
    if code is None:
        return html.Div([header, html.Div(html.P(_("Kies een gemeente en klik op Toepassen.")),
                                          className="empty-state", role="status")])
    try:
        result = data.comparison(viewer, code, quarter, kind, selection=selection, measures=allowed)
    except data.Forbidden as refused:
        return html.Div([header, html.P(str(refused), className="empty-state", role="alert")])
    group = result.group
    others = len(group.others(code))
    if others == 0:
        message = (_("Kies ten minste één andere gemeente voor de selectie.") if kind == "selectie"
                   else _("Deze vergelijkingsgroep heeft geen andere gemeenten."))
        return html.Div([header, html.Div(html.P(message), className="empty-state", role="status")])
    caption = data.caption(quarter, extra=_("Vergelijkingsgroep: %(group)s (%(n)s andere gemeenten)",
                                            group=group.name, n=others))
    stem = components.file_stem(quarter, own_name)
    intro = html.P(_("%(name)s vergeleken met %(group)s (%(n)s andere gemeenten).", name=own_name, group=group.name,
                     n=others), className="subtitle")
    notice = None if result.submitted else html.P(
        _("%(name)s heeft over dit kwartaal (nog) geen geldige aanlevering; de spreiding van de groep staat er "
          "zonder de gemeente.", name=own_name), className="empty-state", role="status")
    cards = [components.chart_card(charts.bands(result.bands, own_name, group.name), caption, stem=stem)]
    if result.rows is not None:
        links = {str(r.label): f"/gemeente/{r.key}" for r in result.rows.itertuples()}
        cards.append(html.Div([
            components.chart_card(charts.scatter(result.rows, x_measure, y_measure), caption, stem=stem),
            components.chart_card(charts.ranking(result.rows, ranking_measure, components.PAGE_ROWS), caption,
                                  links=links, stem=stem),
        ], className="grid-2"))
    return html.Div([header, intro, notice, *cards])
