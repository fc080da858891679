"""Aanlevering (coordinators and admins): per quarter which gemeenten have an active submission, which were
rejected and why, which are missing, and the warnings that came with the loaded ones."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import components, context, data, formatting

dash.register_page(__name__, path="/aanlevering", name="Aanlevering", title="Aanlevering — NHSV-monitor", order=6,
                   render_cache=True)

UITLEG = ("Per kwartaal de stand van de aanleveringen van alle gemeenten. Aangeleverd: er is een geldige "
          "aanlevering geladen (bij een correctie telt de laatste versie). Afgewezen: er is een bestand ontvangen"
          " maar niet geladen; de redenen staan erbij, zodat u de gemeente gericht kunt benaderen. Ontbreekt: er "
          "is niets ontvangen. Waarschuwingen hielden het laden niet tegen, maar zijn het nagaan waard "
          "(bijvoorbeeld een bouwsteen die is teruggevallen zonder toelichting).")

FILTERS = [("alle", "Alle gemeenten"), ("aangeleverd", "Aangeleverd"), ("afgewezen", "Afgewezen"),
           ("ontbreekt", "Ontbreekt"), ("waarschuwing", "Met waarschuwingen")]
NOT_ALLOWED = "Deze pagina is alleen beschikbaar voor coördinatoren en beheerders."


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _kind(status: str) -> str:
    return "aangeleverd" if status.startswith("aangeleverd") else status


def _list(items) -> list:
    items = list(items or [])
    return [components.element("Ul", [components.element("Li", i) for i in items])] if items else []


def layout(kwartaal=None, toon=None, **_):
    viewer = context.viewer()
    if not viewer.sees_all:
        return components.forbidden(NOT_ALLOWED)
    quarters = data.quarters()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.empty_state("Aanlevering", "Er zijn nog geen aanleveringen geladen.")
    show = _one(toon) if _one(toon) in dict(FILTERS) else "alle"
    try:
        status = data.submission_status(viewer, quarter)
    except data.Forbidden as refused:
        return components.forbidden(str(refused))

    kinds = status["status"].map(_kind)
    counts = kinds.value_counts()
    with_warnings = int(status["warnings"].map(bool).sum())
    total = len(status)
    figures = [
        data.KeyFigure("Aangeleverd", f"{int(counts.get('aangeleverd', 0))} van {total}", "",
                       "Gemeenten met een geldige, geladen aanlevering over dit kwartaal."),
        data.KeyFigure("Afgewezen", formatting.number(int(counts.get("afgewezen", 0))), "",
                       "Gemeenten waarvan alleen afgewezen bestanden zijn ontvangen."),
        data.KeyFigure("Ontbrekend", formatting.number(int(counts.get("ontbreekt", 0))), "",
                       "Gemeenten waarvan niets is ontvangen."),
        data.KeyFigure("Met waarschuwingen", formatting.number(with_warnings), "",
                       "Geladen aanleveringen met ten minste één waarschuwing."),
    ]

    shown = status
    if show == "waarschuwing":
        shown = status[status["warnings"].map(bool)]
    elif show != "alle":
        shown = status[kinds == show]

    caption = data.caption(quarter)
    title = f"Aanleveringen {formatting.quarter_label(quarter)}"
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in (
        "Gemeente", "District", "Status", "Versies", "Geladen op", "Bestand", "Redenen afwijzing",
        "Waarschuwingen")]))
    body = []
    cell = components.element  # 342 rows × 8 cells at national scale: as JSON, not as Dash components
    for r in shown.itertuples():
        kind = _kind(r.status)
        body.append(cell("Tr", [
            cell("Th", components.link(r.gemeente, f"/gemeente/{r.code}"), scope="row"),
            cell("Td", r.district),
            cell("Td", r.status, className=f"submission-{kind}"),
            cell("Td", str(r.versions)),
            cell("Td", r.loaded or "–"),
            cell("Td", r.file or "–"),
            cell("Td", _list(r.rejected_reasons), className="findings-fatal" if r.rejected_reasons else None),
            cell("Td", _list(r.warnings)),
        ]))
    table = html.Div(html.Table([html.Caption(title), head, html.Tbody(body)], className="data-table"),
                     className="table-scroll", tabIndex="0", role="region", **{"aria-label": title})
    def export() -> pd.DataFrame:  # the CSV's table, made only when the download asks for it
        return pd.DataFrame({
            "Gemeente": shown["gemeente"], "District": shown["district"], "Status": shown["status"],
            "Versies": shown["versions"], "Geladen op": shown["loaded"], "Bestand": shown["file"],
            "Redenen afwijzing": shown["rejected_reasons"].map(lambda x: " | ".join(x or [])),
            "Waarschuwingen": shown["warnings"].map(lambda x: " | ".join(x or [])),
        })

    components.offer("aanlevering", title, export, filename=f"aanlevering_{quarter}.csv")
    controls = [components.quarter_select(quarters, quarter), components.nav_select("toon", "Toon", FILTERS, show)]
    content = (table if len(shown) else
               html.Div(html.P("Geen gemeenten met deze status in dit kwartaal."), className="empty-state",
                        role="status"))
    return html.Div([
        components.page_header("Aanlevering", UITLEG, controls),
        components.key_figures(figures),
        html.Section([
            html.H2(title),
            content,
            html.P(caption, className="caption"),
            components.csv_download("aanlevering"),
        ], className="card"),
    ])
