"""Signalen: signals per quarter by type and source, per 10,000 inhabitants and share brought into the ZVH,
under the small-count rule; for coordinators also per gemeente for a chosen quarter."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import charts, components, context, data, formatting
from dashboard.disclosure import COMPLEMENT_NOTE, COMPLEMENT_TEXT
from dashboard.i18n import N_, _
from dashboard.viewer import MUNICIPALITY

dash.register_page(__name__, path="/signalen", name=N_("Signalen"), title=components.page_title(N_("Signalen")),
                   order=4)

UITLEG = N_("Meldingen van radicalisering en polarisatie per kwartaal, naar soort en naar herkomst (burgers of "
            "professionals), voor de regio en een gekozen politiedistrict. Bij een lange reeks tonen de grafieken de "
            "recentste kwartalen; de tabel bij elke grafiek heeft ze alle en geeft ook het aantal per 10.000 "
            "inwoners en het aandeel dat is ingebracht in het Zorg- en Veiligheidshuis (ZVH). "
            "Omdat kleine aantallen naar personen kunnen wijzen, geldt de regel voor kleine aantallen: buiten de "
            "eigen gemeente wordt een aantal van 1 tot en met 4 getoond als \"<5\" (0 blijft 0). Omdat de regio de "
            "som is van de districten en een totaal de som van zijn delen, wordt zo nodig nog een aantal afgeschermd, "
            "getoond als \"×\", zodat geen klein aantal door aftrekken kan worden teruggerekend, ook niet over "
            "tabellen heen. Per 10.000 inwoners staat er alleen waar het aantal zelf wordt getoond.")
UITLEG_GEMEENTE = N_("Van uw eigen gemeente ziet u de exacte aantallen; van andere gemeenten ziet u nooit "
                     "aantallen per gemeente, alleen totalen van de regio en de districten. Per 10.000 inwoners staat "
                     "er voor de regio en de districten alleen in een kwartaal waarin alle gemeenten aanleverden.")
UITLEG_COORDINATOR = N_("Als coördinator ziet u alle aantallen exact, en onderaan de meldingen per gemeente in "
                        "het gekozen kwartaal. Gemeentegebruikers zien de aantallen met de afscherming hierboven.")


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _pair(viewer, group: str, key: str, caption: str, stem: str) -> list:
    tables = data.signal_tables(viewer, group)
    if not tables or not tables[0].quarters:
        return [html.Div(html.P(_("Voor deze groep zijn nog geen meldingen aangeleverd.")), className="empty-state",
                         role="status")]
    return [components.chart_card(charts.signal_bars(t, f"{key}_{suffix}"), caption, note=_note(t), stem=stem)
            for t, suffix in zip(tables, ("soort", "herkomst"), strict=True)]


def _note(table) -> str:
    texts = [c.text for row in table.cells for c in row] + [c.text for c in table.row_totals]
    return _(COMPLEMENT_NOTE) + "." if COMPLEMENT_TEXT in texts else ""


def per_gemeente(viewer, quarter: str, caption: str, stem: str, params: dict, vanaf: str | None) -> html.Section:
    """Every gemeente's signals in the quarter: a page of the table at a time, the whole table as CSV."""
    frame = data.per_gemeente(viewer, quarter)
    submitted = frame["submitted"].fillna(False).astype(bool)

    def column(name: str, fmt) -> list[str]:
        return [fmt(v) if s else "–" for v, s in zip(frame[name], submitted, strict=True)]

    table = pd.DataFrame({
        _("Gemeente"): frame["name"], _("District"): frame["district"],
        _("Aangeleverd"): [_("ja") if s else _("nee") for s in submitted],
        _("Meldingen"): column("signals_total", formatting.number),
        _("Per 10.000 inwoners"): column("signals_per_10k", lambda v: formatting.number(v, 2)),
        _("Ingebracht in ZVH"): column("signals_to_safety_house", formatting.number),
        _("% ingebracht in ZVH"): column("share_to_safety_house", formatting.percent),
        _("Lopende interventietrajecten"): column("interventions_active", formatting.number),
    })
    links = {r.name: f"/gemeente/{r.municipality_code}" for r in frame.itertuples()}
    title = _("Meldingen per gemeente, %(quarter)s", quarter=formatting.quarter_label(quarter))
    key = f"meldingen_per_gemeente_{quarter}"
    components.offer(key, title, table, links, filename=f"{stem}_{key}.csv")
    page = components.page_of("/signalen", params, vanaf, len(table), _("Pagina's van de meldingen per gemeente"))
    return html.Section([html.H2(title), page.nav, components.data_table(table.iloc[page.rows], title, links),
                         html.P(caption, className="caption"), components.downloads(key)], className="card")


def layout(scope=None, kwartaal=None, vanaf=None, **_kwargs):
    viewer = context.viewer()
    quarters = data.quarters()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.no_data(_("Signalen"))
    places = data.region()
    districts = data.districts()
    own = places.get(viewer.municipality_code or "") if viewer.role == MUNICIPALITY else None
    requested = _one(scope)
    district = data.resolve_district(requested, viewer.municipality_code)
    caption = data.caption(quarters[0], extra=_("Alle kwartalen met aanleveringen"))
    stem = components.file_stem(quarters[0], "meldingen")
    controls = [components.quarter_select(quarters, quarter)] if viewer.sees_all else []
    controls.append(components.nav_select("scope", _("District"), [(d, d) for d in districts], district))
    uitleg = _(UITLEG) + " " + _(UITLEG_COORDINATOR if viewer.sees_all else UITLEG_GEMEENTE)
    parts: list = [components.page_header(_("Signalen"), uitleg, controls)]
    try:
        if own is not None:
            parts += [html.H2(_("Eigen gemeente: %(name)s", name=own.name)),
                      html.Div(_pair(viewer, "eigen", "meldingen_eigen", caption, stem), className="grid-2")]
        parts += [html.H2(data.scope.group_label(data.scope.REGION_NAME)),
                  html.Div(_pair(viewer, data.scope.REGION_NAME, "meldingen_regio", caption, stem), className="grid-2"),
                  html.H2(_("District %(name)s", name=district)),
                  html.Div(_pair(viewer, district, "meldingen_district", caption, stem), className="grid-2")]
        if viewer.sees_all:
            parts.append(per_gemeente(viewer, quarter, data.caption(quarter), stem,
                                      dict(kwartaal=quarter, scope=district), _one(vanaf)))
    except data.Forbidden as refused:
        return components.forbidden(str(refused))
    return html.Div(parts)
