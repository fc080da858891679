"""Ontwikkeling: the region's and each district's trend per measure and per theme, with events marked. With more
districts than a chart can tell apart (charts.DISTINCT_LINES), the region and one chosen district."""

from __future__ import annotations

import dash
from dash import html

from dashboard import charts, components, context, data, formatting
from dashboard.i18n import N_, _
from dashboard.metrics import MEASURES, THEMES

dash.register_page(__name__, path="/ontwikkeling", name=N_("Ontwikkeling"),
                   title=components.page_title(N_("Ontwikkeling")), order=3)

UITLEG = N_("Hoe ontwikkelen de regio en de drie politiedistricten zich per kwartaal? Kies een maat voor de "
            "bovenste grafiek; daaronder staat de voortgangsscore per thema van de checklist. Scores, capaciteit, "
            "budget en netwerkdekking zijn de mediaan van de gemeenten die dat kwartaal hebben aangeleverd; "
            "meldingen zijn het totaal, waarbij buiten de coördinatoren kleine aantallen (1 tot en met 4) als "
            "\"<5\" worden getoond. De genummerde stippellijnen markeren gebeurtenissen, zoals de publicatie van "
            "een nieuw Dreigingsbeeld Terrorisme Nederland; de regionale coördinatoren houden die lijst bij.")

TREND_MEASURES = ("score", "blocks_in_order", "fte_per_100k", "budget_per_1000", "network_coverage",
                  "signals_total", "signals_per_10k", "share_to_safety_house")
THEME_MEASURES = tuple(f"score_{k.lower()}" for k in THEMES)
ONE_DISTRICT = N_("Met meer dan %(n)s lijnen in één grafiek zijn ze niet uit elkaar te houden: de grafieken tonen de "
                  "regio en het gekozen district. De tabel bij elke grafiek volgt die keuze.")


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _groups(viewer, district: str | None) -> tuple[list[str] | None, list, str]:
    """The groups to draw (None: all of them), the district control when there is a choice, and a note."""
    districts = data.districts()
    if len(districts) + 1 <= charts.DISTINCT_LINES:
        return None, [], ""
    chosen = data.resolve_district(district, viewer.municipality_code)
    control = components.nav_select("district", _("District"), [(d, d) for d in districts], chosen)
    return [data.scope.REGION_NAME, chosen], [control], _(ONE_DISTRICT, n=charts.DISTINCT_LINES)


def layout(maat=None, district=None, **_kwargs):
    viewer = context.viewer()
    quarters = data.quarters()
    if not quarters:
        return components.no_data(_("Ontwikkeling"))
    measure = _one(maat) if _one(maat) in TREND_MEASURES else "score"
    events = data.events()
    caption = data.caption(quarters[0], extra=_("Kwartalen %(first)s tot en met %(last)s",
                                                first=formatting.quarter_short(quarters[-1]),
                                                last=formatting.quarter_short(quarters[0])))
    stem = components.file_stem(quarters[0], "regio")
    groups, choice, note = _groups(viewer, _one(district))
    controls = [components.nav_select("maat", _("Maat"), [(k, MEASURES[k].label) for k in TREND_MEASURES], measure),
                *choice]

    def chart(key: str):
        return components.chart_card(charts.trend_lines(data.trends(viewer, key, groups), key, events), caption,
                                     stem=stem)

    main = chart(measure)
    themes = [chart(key) for key in THEME_MEASURES]
    uitleg = _(UITLEG) + (" " + note if note else "")
    parts = [components.page_header(_("Ontwikkeling van de regio"), uitleg, controls), main,
             html.H2(_("Voortgangsscore per thema")), html.Div(themes, className="grid-2")]
    if not events.empty:
        columns = {"date": _("Datum"), "title": _("Gebeurtenis"), "description": _("Toelichting")}
        table = events.sort_values("date").rename(columns=columns)
        table[columns["date"]] = table[columns["date"]].map(formatting.date)
        parts.append(html.Section([
            html.H2(_("Gebeurtenissen")),
            components.data_table(table[list(columns.values())], _("Gebeurtenissen in de grafieken")),
            html.P(_("Bron: de lijst van gebeurtenissen van de regionale coördinatoren."), className="caption"),
        ], className="card"))
    return html.Div(parts)
