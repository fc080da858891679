"""Aanlevering (coordinators and admins): per quarter which gemeenten are missing, which were rejected and why,
which came with warnings, and which are loaded — problems first."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from dashboard import components, context, data, formatting
from dashboard.i18n import N_, _

dash.register_page(__name__, path="/aanlevering", name=N_("Aanlevering"),
                   title=components.page_title(N_("Aanlevering")), order=6)

UITLEG = N_("Per kwartaal de stand van de aanleveringen van alle gemeenten, de problemen bovenaan. Ontbreekt: er is "
            "niets ontvangen. Afgewezen: er is een bestand ontvangen maar niet geladen; de redenen staan erbij, zodat "
            "u de gemeente gericht kunt benaderen. Waarschuwingen hielden het laden niet tegen, maar zijn het nagaan "
            "waard (bijvoorbeeld een bouwsteen die is teruggevallen). Aangeleverd: er is een geldige aanlevering "
            "geladen (bij een correctie telt de laatste versie). Klik op een tegel om alleen die gemeenten te zien.")

FILTERS = [("alle", N_("Alle gemeenten")), ("ontbreekt", N_("Ontbreekt")), ("afgewezen", N_("Afgewezen")),
           ("waarschuwingen", N_("Met waarschuwingen")), ("aangeleverd", N_("Aangeleverd"))]
NOT_ALLOWED = N_("Deze pagina is alleen beschikbaar voor coördinatoren en beheerders.")
# the table's columns: key (as the rows below name them), heading, and the column whose content decides whether
# the column is shown at all (a column without any content only squeezed the others)
COLUMNS = [("gemeente", N_("Gemeente"), None), ("district", N_("District"), None), ("status", N_("Status"), None),
           ("versions", N_("Versies"), None), ("loaded", N_("Geladen op"), None), ("file", N_("Bestand"), None),
           ("rejected_reasons", N_("Redenen afwijzing"), "rejected_reasons"),
           ("warnings", N_("Waarschuwingen"), "warnings")]


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
    tiles = [("ontbreekt", _("Ontbreekt"), formatting.number(int(counts.get("ontbreekt", 0)))),
             ("afgewezen", _("Afgewezen"), formatting.number(int(counts.get("afgewezen", 0)))),
             ("waarschuwingen", _("Met waarschuwingen"), formatting.number(int(counts.get("waarschuwingen", 0)))),
             ("aangeleverd", _("Aangeleverd"), _("%(n)s van %(total)s", n=loaded, total=total))]
    return html.Div([
        html.A([html.Span(label, className="kf-label"), html.Span(value, className="kf-value")],
               href=f"/aanlevering?kwartaal={quarter}&toon={kind}", className="kf kf-link" + (
                   " kf-active" if show == kind else ""), **({"aria-current": "true"} if show == kind else {}))
        for kind, label, value in tiles
    ], className="key-figures", role="navigation", **{"aria-label": _("Filter op status")})


def layout(kwartaal=None, toon=None, vanaf=None, **_kwargs):
    viewer = context.viewer()
    if not viewer.sees_all:
        return components.forbidden(_(NOT_ALLOWED))
    quarters = data.quarters()
    quarter = data.resolve_quarter(_one(kwartaal))
    if quarter is None:
        return components.no_data(_("Aanlevering"))
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
    title = _("Aanleveringen %(quarter)s", quarter=formatting.quarter_label(quarter))
    columns = [(key, _(heading)) for key, heading, content in COLUMNS
               if content is None or shown[content].map(bool).any()]
    head = html.Thead(html.Tr([html.Th(heading, scope="col") for _key, heading in columns]))
    page = components.page_of("/aanlevering", dict(kwartaal=quarter, toon=show), _one(vanaf), len(shown),
                              _("Pagina's van de aanleveringen"))
    body = []
    for r in shown.iloc[page.rows].itertuples():
        cells = {"gemeente": html.Th(dcc.Link(r.gemeente, href=f"/gemeente/{r.code}"), scope="row"),
                 "district": html.Td(r.district), "status": html.Td(r.status, className=f"submission-{r.kind} nowrap"),
                 "versions": html.Td(str(r.versions)), "loaded": html.Td(r.loaded or "–", className="nowrap"),
                 "file": html.Td(r.file or "–", className="file-name"),
                 "rejected_reasons": html.Td(_list(r.rejected_reasons), className="findings-fatal"),
                 "warnings": html.Td(_list(r.warnings))}
        body.append(html.Tr([cells[key] for key, _heading in columns]))
    table = html.Div(html.Table([html.Caption(title), head, html.Tbody(body)], className="data-table"),
                     className="table-scroll", tabIndex="0", role="region", **{"aria-label": title})

    def export() -> pd.DataFrame:  # the CSV's table, made only when the download asks for it
        names = {key: _(heading) for key, heading, _content in COLUMNS}
        return pd.DataFrame({
            names["gemeente"]: shown["gemeente"], names["district"]: shown["district"],
            names["status"]: shown["status"], names["versions"]: shown["versions"], names["loaded"]: shown["loaded"],
            names["file"]: shown["file"],
            names["rejected_reasons"]: shown["rejected_reasons"].map(lambda x: " | ".join(x or [])),
            names["warnings"]: shown["warnings"].map(lambda x: " | ".join(x or [])),
        })

    components.offer("aanlevering", title, export, filename=f"NHSV_{quarter}_aanlevering.csv")
    controls = [components.quarter_select(quarters, quarter),
                components.nav_select("toon", _("Toon"), [(k, _(v)) for k, v in FILTERS], show)]
    content = (table if len(shown) else
               html.Div(html.P(_("Geen gemeenten met deze status in dit kwartaal.")), className="empty-state",
                        role="status"))
    return html.Div([
        components.page_header(_("Aanlevering"), _(UITLEG), controls),
        _tiles(status, quarter, show),
        html.Section([html.H2(title), page.nav, content, html.P(caption, className="caption"),
                      components.downloads("aanlevering")], className="card"),
    ])
