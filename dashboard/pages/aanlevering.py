"""Aanlevering (coordinators and admins): per quarter which gemeenten are missing, which were rejected and why,
which came with warnings, and which are loaded — problems first."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from dashboard import components, context, data, formatting

dash.register_page(__name__, path="/aanlevering", name="Aanlevering", title="Aanlevering — NHSV-monitor", order=6)

UITLEG = ("Per kwartaal de stand van de aanleveringen van alle gemeenten, de problemen bovenaan. Ontbreekt: er is "
          "niets ontvangen. Afgewezen: er is een bestand ontvangen maar niet geladen; de redenen staan erbij, zodat "
          "u de gemeente gericht kunt benaderen. Waarschuwingen hielden het laden niet tegen, maar zijn het nagaan "
          "waard (bijvoorbeeld een bouwsteen die is teruggevallen). Aangeleverd: er is een geldige aanlevering "
          "geladen (bij een correctie telt de laatste versie). Klik op een tegel om alleen die gemeenten te zien.")

FILTERS = [("alle", "Alle gemeenten"), ("ontbreekt", "Ontbreekt"), ("afgewezen", "Afgewezen"),
           ("waarschuwingen", "Met waarschuwingen"), ("aangeleverd", "Aangeleverd")]
NOT_ALLOWED = "Deze pagina is alleen beschikbaar voor coördinatoren en beheerders."


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _list(items) -> list:
    items = list(items or [])
    return [html.Ul([html.Li(i) for i in items])] if items else []


def _tiles(status: pd.DataFrame, quarter: str, show: str) -> html.Div:
    counts = status["kind"].value_counts()
    total = len(status)
    loaded = int(counts.get("aangeleverd", 0) + counts.get("waarschuwingen", 0))
    tiles = [("ontbreekt", "Ontbreekt", formatting.number(int(counts.get("ontbreekt", 0)))),
             ("afgewezen", "Afgewezen", formatting.number(int(counts.get("afgewezen", 0)))),
             ("waarschuwingen", "Met waarschuwingen", formatting.number(int(counts.get("waarschuwingen", 0)))),
             ("aangeleverd", "Aangeleverd", f"{loaded} van {total}")]
    return html.Div([
        html.A([html.Span(label, className="kf-label"), html.Span(value, className="kf-value")],
               href=f"/aanlevering?kwartaal={quarter}&toon={kind}", className="kf kf-link" + (
                   " kf-active" if show == kind else ""), **({"aria-current": "true"} if show == kind else {}))
        for kind, label, value in tiles
    ], className="key-figures", role="navigation", **{"aria-label": "Filter op status"})


def layout(kwartaal=None, toon=None, **_):
    viewer = context.viewer()
    if not viewer.sees_all:
        return components.forbidden(NOT_ALLOWED)
    quarters = data.quarters()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.no_data("Aanlevering")
    show = _one(toon) if _one(toon) in dict(FILTERS) else "alle"
    try:
        status = data.submission_status(viewer, quarter)
    except data.Forbidden as refused:
        return components.forbidden(str(refused))
    if show == "aangeleverd":
        shown = status[status["kind"].isin(["aangeleverd", "waarschuwingen"])]
    elif show != "alle":
        shown = status[status["kind"] == show]
    else:
        shown = status
    caption = data.caption(quarter)
    title = f"Aanleveringen {formatting.quarter_label(quarter)}"
    columns = [("Gemeente", None), ("District", None), ("Status", None), ("Versies", None), ("Geladen op", None),
               ("Bestand", None), ("Redenen afwijzing", "rejected_reasons"), ("Waarschuwingen", "warnings")]
    # a column without any content is left out: it only squeezed the others
    columns = [(c, f) for c, f in columns if f is None or shown[f].map(bool).any()]
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c, _ in columns]))
    body = []
    for r in shown.itertuples():
        cells = {"Gemeente": html.Th(dcc.Link(r.gemeente, href=f"/gemeente/{r.code}"), scope="row"),
                 "District": html.Td(r.district), "Status": html.Td(r.status, className=f"submission-{r.kind} nowrap"),
                 "Versies": html.Td(str(r.versions)), "Geladen op": html.Td(r.loaded or "–", className="nowrap"),
                 "Bestand": html.Td(r.file or "–", className="file-name"),
                 "Redenen afwijzing": html.Td(_list(r.rejected_reasons), className="findings-fatal"),
                 "Waarschuwingen": html.Td(_list(r.warnings))}
        body.append(html.Tr([cells[c] for c, _ in columns]))
    table = html.Div(html.Table([html.Caption(title), head, html.Tbody(body)], className="data-table"),
                     className="table-scroll", tabIndex="0", role="region", **{"aria-label": title})

    def export() -> pd.DataFrame:  # the CSV's table, made only when the download asks for it
        return pd.DataFrame({
            "Gemeente": shown["gemeente"], "District": shown["district"], "Status": shown["status"],
            "Versies": shown["versions"], "Geladen op": shown["loaded"], "Bestand": shown["file"],
            "Redenen afwijzing": shown["rejected_reasons"].map(lambda x: " | ".join(x or [])),
            "Waarschuwingen": shown["warnings"].map(lambda x: " | ".join(x or [])),
        })

    components.offer("aanlevering", title, export, filename=f"NHSV_{quarter}_aanlevering.csv")
    controls = [components.quarter_select(quarters, quarter), components.nav_select("toon", "Toon", FILTERS, show)]
    content = (table if len(shown) else
               html.Div(html.P("Geen gemeenten met deze status in dit kwartaal."), className="empty-state",
                        role="status"))
    return html.Div([
        components.page_header("Aanlevering", UITLEG, controls),
        _tiles(status, quarter, show),
        html.Section([html.H2(title), content, html.P(caption, className="caption"),
                      components.downloads("aanlevering")], className="card"),
    ])
