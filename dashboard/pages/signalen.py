"""Signalen: signals per quarter by type and source, per 10,000 inhabitants and share brought into the ZVH,
under the small-count rule; for coordinators also per gemeente for a chosen quarter."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import charts, components, context, data, formatting
from dashboard.disclosure import COMPLEMENT_NOTE, COMPLEMENT_TEXT
from dashboard.viewer import MUNICIPALITY

dash.register_page(__name__, path="/signalen", name="Signalen", title="Signalen — NHSV-monitor", order=4,
                   render_cache=True)

UITLEG = ("Meldingen van radicalisering en polarisatie per kwartaal, naar soort en naar herkomst (burgers of "
          "professionals), voor de regio en een gekozen politiedistrict. De tabel bij elke grafiek geeft ook het "
          "aantal per 10.000 inwoners en het aandeel dat is ingebracht in het Zorg- en Veiligheidshuis (ZVH). "
          "Omdat kleine aantallen naar personen kunnen wijzen, geldt de regel voor kleine aantallen: buiten de "
          "eigen gemeente wordt een aantal van 1 tot en met 4 getoond als \"<5\" (0 blijft 0). Staat er een "
          "totaal bij, dan wordt ook een tweede cel afgeschermd, getoond als \"×\", zodat het kleine aantal niet "
          "door aftrekken kan worden teruggerekend. Per 10.000 inwoners en het aandeel in het ZVH staan er alleen "
          "waar het aantal zelf wordt getoond (anders \"–\"). Afgeschermde aantallen worden niet getekend.")
UITLEG_GEMEENTE = (" Van uw eigen gemeente ziet u de exacte aantallen; van andere gemeenten ziet u nooit "
                   "aantallen per gemeente, alleen totalen van de regio en de districten.")
UITLEG_COORDINATOR = (" Als coördinator ziet u alle aantallen exact, en onderaan de meldingen per gemeente in "
                      "het gekozen kwartaal. Gemeentegebruikers zien de aantallen met de afscherming hierboven.")


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _pair(viewer, scope: str, key: str, caption: str) -> list:
    tables = data.signal_tables(viewer, scope)
    if not tables or not tables[0].quarters:
        return [html.Div(html.P("Voor deze groep zijn nog geen meldingen aangeleverd."), className="empty-state",
                         role="status")]
    return [components.chart_card(charts.signal_bars(t, f"{key}_{suffix}"), caption, note=_note(t))
            for t, suffix in zip(tables, ("soort", "herkomst"), strict=True)]


def _note(table) -> str:
    texts = [c.text for row in table.cells for c in row] + [c.text for c in table.row_totals]
    return COMPLEMENT_NOTE + "." if COMPLEMENT_TEXT in texts else ""


def table_card(title: str, table: pd.DataFrame, caption: str, key: str,
               links: dict[str, str] | None = None) -> html.Section:
    """A table with caption and a CSV download of exactly what is shown."""
    components.offer(key, title, table, links)
    return html.Section([
        html.H2(title),
        components.data_table(table, title, links),
        html.P(caption, className="caption"),
        components.csv_download(key),
    ], className="card")


def per_gemeente(viewer, quarter: str, caption: str) -> html.Section:
    frame = data.signals_by_gemeente(viewer, quarter)
    submitted = frame["submitted"].fillna(False).astype(bool)
    table = pd.DataFrame({
        "Gemeente": frame["name"],
        "District": frame["district"],
        "Aangeleverd": ["ja" if s else "nee" for s in submitted],
        "Meldingen": [formatting.number(v) if s else "–" for v, s in zip(frame["signals_total"], submitted,
                                                                         strict=True)],
        "Per 10.000 inwoners": [formatting.number(v, 2) if s else "–"
                                for v, s in zip(frame["signals_per_10k"], submitted, strict=True)],
        "Ingebracht in ZVH": [formatting.number(v) if s else "–"
                              for v, s in zip(frame["signals_to_safety_house"], submitted, strict=True)],
        "% ingebracht in ZVH": [formatting.percent(v) if s else "–"
                                for v, s in zip(frame["share_to_safety_house"], submitted, strict=True)],
        "Lopende interventietrajecten": [formatting.number(v) if s else "–"
                                         for v, s in zip(frame["interventions_active"], submitted, strict=True)],
    })
    links = {r.name: f"/gemeente/{r.municipality_code}" for r in frame.itertuples()}
    return table_card(f"Meldingen per gemeente, {formatting.quarter_label(quarter)}", table, caption,
                      f"meldingen_per_gemeente_{quarter}", links)


def layout(scope=None, kwartaal=None, **_):
    viewer = context.viewer()
    quarters = data.quarters()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.empty_state("Signalen", "Er zijn nog geen aanleveringen geladen.")
    places = data.region()
    districts = data.districts()
    own = places.get(viewer.municipality_code or "") if viewer.role == MUNICIPALITY else None
    requested = _one(scope)
    district = requested if requested in districts else (own.district if own else districts[0])
    caption = data.caption(quarters[0], extra="Alle kwartalen met aanleveringen")

    controls = []
    if viewer.sees_all:
        controls.append(components.quarter_select(quarters, quarter))
    controls.append(components.nav_select("scope", "District", [(d, d) for d in districts], district))
    uitleg = UITLEG + (UITLEG_COORDINATOR if viewer.sees_all else UITLEG_GEMEENTE)
    parts: list = [components.page_header("Signalen", uitleg, controls)]
    try:
        if own is not None:
            parts += [html.H2(f"Eigen gemeente: {own.name}"),
                      html.Div(_pair(viewer, "eigen", "meldingen_eigen", caption), className="grid-2")]
        parts += [html.H2("Regio NHSV"),
                  html.Div(_pair(viewer, "regio", "meldingen_regio", caption), className="grid-2"),
                  html.H2(f"District {district}"),
                  html.Div(_pair(viewer, district, "meldingen_district", caption), className="grid-2")]
        if viewer.sees_all:
            parts.append(per_gemeente(viewer, quarter, data.caption(quarter)))
    except data.Forbidden as refused:
        return components.forbidden(str(refused))
    return html.Div(parts)
