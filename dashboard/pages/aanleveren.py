"""Aanleveren: download the template for a gemeente and quarter, upload the filled-in file, see the findings and
the gemeente's submission history.

`gemeente` users work for their own gemeente only; coordinators and admins choose any NHSV gemeente. The
callbacks are thin: they take the viewer from `context.viewer()` and leave every decision (scope, size, loading,
audit) to `dashboard.uploads` and the loader, so a forged request gets no further than the page would.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import components, context, formatting, uploads
from dashboard.data import Forbidden
from dashboard.i18n import N_, _, ngettext
from etl import reference
from etl.domain import current_quarter, last_completed_quarter

dash.register_page(__name__, path="/aanleveren", name=N_("Aanleveren"),
                   title=components.page_title(N_("Aanleveren")), order=5)

UITLEG = N_("Download het Excel-sjabloon voor uw gemeente en het kwartaal, vul de gele cellen in en lever het "
            "bestand hier weer aan. Heeft de gemeente eerder aangeleverd, dan staan de waarden van de laatste "
            "aanlevering al ingevuld: pas aan wat veranderd is. Een CSV in het afgesproken lange formaat mag ook. "
            "Na het aanleveren ziet u meteen of het bestand is geladen; zo niet, dan staat per fout waar in het "
            "bestand die zit en wat u moet doen. Een afgewezen bestand wordt helemaal niet geladen: er gaat niets "
            "verloren van wat er al stond. Een nieuwe aanlevering over een kwartaal vervangt de vorige versie; "
            "eerdere versies blijven bewaard.")
QUARTERS_SHOWN = 8
SEVERITY_LABELS = {"fatal": N_("fout"), "warning": N_("waarschuwing")}


def _quarter_options() -> list[tuple[str, str]]:
    q, out = current_quarter(), []
    for _step in range(QUARTERS_SHOWN):
        if q < reference.QUARTERS_FROM:
            break
        out.append((q.code, formatting.quarter_label(q.code)))
        q = q.previous()
    return out


def _one(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value).strip().upper()


def layout(gemeente=None, kwartaal=None, **_kwargs):
    viewer = context.viewer()
    if viewer.role not in ("coordinator", "admin", "gemeente"):
        return components.forbidden(_("Aanleveren kan alleen met een account van een gemeente of de regio."))
    places = reference.region()
    quarters = _quarter_options()
    wanted = _one(kwartaal)
    quarter = wanted if wanted in dict(quarters) else last_completed_quarter().code
    controls = []
    if viewer.sees_all:
        code = _one(gemeente) if _one(gemeente) in places else None
        options = [(c, f"{m.name} ({c})") for c, m in sorted(places.items(), key=lambda x: x[1].name)]
        controls.append(components.nav_select("gemeente", _("Gemeente"), options, code, clearable=code is None))
        upload_note = _("Als coördinator of beheerder kunt u voor elke NHSV-gemeente aanleveren; de gemeente en "
                        "het kwartaal in het bestand bepalen waarvoor het geldt.")
    else:
        code = viewer.municipality_code
        name = places[code].name if code in places else code
        upload_note = _("U levert aan voor %(name)s; een bestand voor een andere gemeente wordt geweigerd.", name=name)
    controls.append(components.nav_select("kwartaal", _("Kwartaal"), quarters, quarter))
    chosen = reference.municipalities()[code].name if code else None

    limit = uploads.max_bytes()
    template_card = html.Section([
        html.H2(_("1. Sjabloon downloaden")),
        html.P((_("Het sjabloon voor %(name)s, %(quarter)s. Een ander kwartaal of een andere gemeente kiest u "
                  "hierboven.", name=chosen, quarter=formatting.quarter_label(quarter)) if viewer.sees_all else
                _("Het sjabloon voor %(name)s, %(quarter)s. Een ander kwartaal kiest u hierboven.", name=chosen,
                  quarter=formatting.quarter_label(quarter)))
               if chosen else _("Kies hierboven eerst een gemeente en een kwartaal.")),
        html.Button(_("Download het sjabloon (Excel)"), id="aanleveren-sjabloon-knop", n_clicks=0, className="apply",
                    disabled=not chosen),
        dcc.Download(id="aanleveren-sjabloon"),
        html.Div(id="aanleveren-sjabloon-melding", role="status", **{"aria-live": "polite"}),
    ], className="card")
    upload_card = html.Section([
        html.H2(_("2. Ingevuld bestand aanleveren")),
        html.P(upload_note),
        dcc.Upload(id="aanleveren-upload", multiple=False, accept=uploads.ACCEPTED_TYPES,
                   children=html.Div([_("Sleep het bestand hierheen of "), html.U(_("kies een bestand"))]),
                   style={"border": "2px dashed #0b4f8a", "borderRadius": "6px", "padding": "1.2rem",
                          "textAlign": "center", "cursor": "pointer", "background": "#f8fbff"}),
        html.P(uploads.accepted_note(limit), className="note"),
        dcc.Loading(html.Div(id="aanleveren-uitkomst", role="status", **{"aria-live": "polite"}), type="default"),
    ], className="card")
    history_card = html.Section([
        html.H2(_("Eerdere aanleveringen")),
        html.Div(history_view(viewer, code), id="aanleveren-geschiedenis"),
    ], className="card")
    # what the page was opened with; the server checks it again on every use (it can be forged like any input)
    choice = dcc.Store(id="aanleveren-keuze", data={"gemeente": code, "kwartaal": quarter})
    return html.Div([components.page_header(_("Aanleveren"), _(UITLEG), controls), choice, template_card, upload_card,
                     history_card])


# --- views --------------------------------------------------------------------------------------------

def history_view(viewer, code: str | None):
    if not code:
        return html.P(_("Kies een gemeente om haar aanleveringen te zien."), className="empty-state")
    try:
        table = uploads.submission_history(viewer, code)
    except Forbidden as refused:
        return html.P(str(refused), className="empty-state", role="alert")
    name = reference.municipalities()[code].name
    if table.empty:
        return html.P(_("%(name)s heeft nog niets aangeleverd.", name=name), className="empty-state")
    # free text that a person typed (file names) cannot start a formula when the table is copied into a sheet
    typed = [table.columns[uploads.HISTORY_COLUMNS.index(c)] for c in ("Ingediend door", "Bestand")]
    table = table.assign(**{c: table[c].map(components.neutralise) for c in typed})
    return components.data_table(table, _("Aanleveringen van %(name)s, nieuwste eerst", name=name))


def result_view(result: uploads.UploadResult):
    fatal = [f for f in result.findings if f.is_fatal]
    body = [html.P([html.Strong(result.title + ": "), result.message],
                   className="findings-fatal" if not result.accepted else None)]
    if result.findings:
        ordered = fatal + [f for f in result.findings if not f.is_fatal]
        # the findings' places and messages are the loader's, in Dutch, as they are stored
        table = pd.DataFrame([(_(SEVERITY_LABELS[f.severity]) if f.severity in SEVERITY_LABELS else f.severity,
                               f.place, f.message) for f in ordered],
                             columns=[_("Ernst"), _("Plaats"), _("Melding")])
        counts = []
        if fatal:
            counts.append(ngettext("%(num)s fout", "%(num)s fouten", len(fatal)))
        if len(ordered) > len(fatal):
            counts.append(ngettext("%(num)s waarschuwing", "%(num)s waarschuwingen", len(ordered) - len(fatal)))
        counted = counts[0] if len(counts) == 1 else _("%(first)s en %(last)s", first=counts[0], last=counts[1])
        body.append(components.data_table(table, _("Bevindingen bij %(file)s: %(counts)s", file=result.file_name,
                                                   counts=counted)))
    return html.Div(body, className="summary-box", **{"data-uitkomst": result.outcome})


# --- callbacks (thin: the viewer from the server, every decision in dashboard.uploads) ------------------

def _choice(data) -> tuple[str | None, str | None]:
    data = data if isinstance(data, dict) else {}
    return _one(data.get("gemeente")), _one(data.get("kwartaal"))


@callback(Output("aanleveren-uitkomst", "children"),
          Output("aanleveren-geschiedenis", "children"),
          Output("aanleveren-upload", "contents"),
          Input("aanleveren-upload", "contents"),
          State("aanleveren-upload", "filename"),
          State("aanleveren-keuze", "data"),
          prevent_initial_call=True)
def upload_file(contents, filename, choice):
    if contents is None:
        return dash.no_update, dash.no_update, dash.no_update
    viewer = context.viewer()
    if isinstance(filename, list):
        filename = filename[0] if filename else None
    if isinstance(contents, list):
        contents = contents[0] if contents else None
    code, _quarter = _choice(choice)
    result = uploads.receive_upload(viewer, contents, filename, code)
    history_code = result.history_code or (viewer.municipality_code if not viewer.sees_all else None)
    return result_view(result), history_view(viewer, history_code), None


@callback(Output("aanleveren-sjabloon", "data"), Output("aanleveren-sjabloon-melding", "children"),
          Input("aanleveren-sjabloon-knop", "n_clicks"), State("aanleveren-keuze", "data"),
          prevent_initial_call=True)
def download_template(n_clicks, choice):
    from dashboard.auth import audit
    from etl import db
    from etl.prefill import TemplateRequestError, check_request, template_bytes  # openpyxl: only when asked
    from etl.template import template_file_name

    viewer = context.viewer()
    code, quarter = _choice(choice)
    if not code:
        return dash.no_update, html.P(_("Kies eerst een gemeente."), role="alert")
    detail = {"soort": "sjabloon", "gemeente": code, "kwartaal": quarter}
    if not uploads.may_upload_for(viewer, code):
        audit("export", {**detail, "uitkomst": "geweigerd"}, actor=viewer.email or None)
        return dash.no_update, html.P(_("U kunt alleen het sjabloon van uw eigen gemeente downloaden."),
                                      role="alert", className="findings-fatal")
    try:
        municipality, q = check_request(code, quarter)
    except TemplateRequestError as problem:
        return dash.no_update, html.P(_("Het sjabloon kan niet worden gemaakt: %(problem)s.", problem=problem),
                                      role="alert")
    data = template_bytes(db.engine(), municipality.code, q)
    audit("export", {**detail, "uitkomst": "gedownload"}, actor=viewer.email or None)
    return (dcc.send_bytes(data, template_file_name(municipality.code, q)),
            html.P(_("Sjabloon voor %(name)s, %(quarter)s gedownload.", name=municipality.name,
                     quarter=formatting.quarter_label(q.code))))
