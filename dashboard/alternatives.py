"""'Toon als tabel', 'Download als CSV' and 'Download als SVG' under every chart.

A page sends its charts; the table that says the same in text, and the CSV of exactly those figures, are
rendered only when the user opens the table or presses the download button. To answer, the server renders the
page again for the URL in the browser's address bar and the logged-in user, and takes the table the page offered
under that key (`components.offer`). So the table is built by the same code, from the same data layer and in the
same scope as the page: a request for another page, another gemeente or a made-up key gets only what that user
could see on that page, or a message. The SVG is drawn in the browser from the chart on the page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import dash
from dash import MATCH, ClientsideFunction, Input, Output, State, ctx, dcc, html

from dashboard import components
from dashboard.i18n import N_, _

LOCATION = "_pages_location"  # the dcc.Location of dash.page_container, which the pages router reads
STALE = N_("Deze tabel staat niet meer op de pagina, bijvoorbeeld omdat er intussen nieuwe gegevens zijn geladen. "
           "Laad de pagina opnieuw.")


def _template(path: str) -> re.Pattern:
    """A page's path template ('/gemeente/<code>') as a pattern with one named group per variable."""
    parts = [f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("<") and p.endswith(">") else re.escape(p)
             for p in path.strip("/").split("/")]
    return re.compile("^/" + "/".join(parts) + "$") if parts != [""] else re.compile("^/$")


def page_for(pathname: str | None) -> tuple[dict | None, dict[str, str]]:
    """The registered page for a URL path and its path variables (as Dash's pages router resolves them)."""
    app = dash.get_app()
    path = "/" + (app.strip_relative_path(pathname or "/") or "")
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            match = _template(template).match(path)
            if match:
                return page, match.groupdict()
        elif page["path"] == path:
            return page, {}
    return None, {}


def query(search: str | None) -> dict[str, str | list[str]]:
    """A query string as Dash hands it to a layout: one value as text, a repeated key as a list."""
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs((search or "").lstrip("?")).items()}


def tables_of(pathname: str | None, search: str | None) -> dict[str, components.Offered]:
    """The tables the page at this URL offers the current user, by key, as the pages router would render it."""
    page, variables = page_for(pathname)
    layout = page.get("layout") if page else None
    with components.collecting() as found:
        if callable(layout):
            layout(**variables, **query(search))
    return found


def table_view(offered: components.Offered | None):
    if offered is None:
        return html.P(_(STALE), className="problem", role="alert")
    return components.data_table(offered.make(), offered.title, offered.links)


def csv_file(offered: components.Offered) -> dict:
    """What dcc.Download saves: the CSV with a byte order mark, so that Excel reads it as UTF-8."""
    return dcc.send_string("\ufeff" + components.table_csv(offered.make()), offered.filename, type="text/csv")


def show_table(_clicks, shown, pathname, search):
    """The first time 'Toon als tabel' opens, the table takes the place of 'Tabel wordt geladen…'."""
    if shown is not None and not isinstance(shown, str):
        return dash.no_update  # already there (a click that closes the table, or opens it again)
    return table_view(tables_of(pathname, search).get(ctx.triggered_id["key"]))


def download_csv(_clicks, pathname, search):
    offered = tables_of(pathname, search).get(ctx.triggered_id["key"])
    if offered is None:
        return dash.no_update, _(STALE)
    return csv_file(offered), ""


def register(app: dash.Dash) -> None:
    """The callbacks, on this app (not Dash's global list, which only the first app of a process takes)."""
    app.callback(Output({"type": "tabel", "key": MATCH}, "children"),
                 Input({"type": "tabel-toon", "key": MATCH}, "n_clicks"),
                 State({"type": "tabel", "key": MATCH}, "children"),
                 State(LOCATION, "pathname"), State(LOCATION, "search"),
                 prevent_initial_call=True)(show_table)
    app.callback(Output({"type": "csv-bestand", "key": MATCH}, "data"),
                 Output({"type": "csv-melding", "key": MATCH}, "children"),
                 Input({"type": "csv", "key": MATCH}, "n_clicks"),
                 State(LOCATION, "pathname"), State(LOCATION, "search"),
                 prevent_initial_call=True)(download_csv)
    # drawn in the browser (assets/downloads.js) from the chart next to the button: nothing to ask the server
    app.clientside_callback(ClientsideFunction(namespace="nhsv", function_name="downloadSvg"),
                            Output({"type": "svg", "key": MATCH}, "title"),
                            Input({"type": "svg", "key": MATCH}, "n_clicks"),
                            State({"type": "svg", "key": MATCH}, "value"),
                            prevent_initial_call=True)
