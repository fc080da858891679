"""'Toon als tabel' and 'Download als CSV', rendered when asked for.

A page sends its charts; the table that says the same in text, and the CSV of exactly those figures, are
rendered only when the user opens the table or presses the download button. Most views open neither, and the
tables and CSVs were about half of what a page sent (900 KB for a national Ontwikkeling).

To answer, the server renders the page again for the URL in the browser's address bar and the logged-in user,
and takes the table the page offered under that key (`components.offer`). So the table is built by the same
code, from the same data layer and in the same scope as the page: a request for another page, another
gemeente or a made-up key gets only what that user could see on that page, or a message.
"""

from __future__ import annotations

import dash
from dash import MATCH, Input, Output, State, ctx, dcc, html

from dashboard import components

LOCATION = "_pages_location"  # the dcc.Location of dash.page_container, which the pages router reads
STALE = ("Deze tabel staat niet meer op de pagina, bijvoorbeeld omdat er intussen nieuwe gegevens zijn geladen. "
         "Laad de pagina opnieuw.")


def tables_of(pathname: str | None, search: str | None) -> dict[str, components.Offered]:
    """The tables the page at this URL offers the current user, by key, as the pages router would render it."""
    from dash import _pages

    app = dash.get_app()
    page, variables = _pages._path_to_page(app.strip_relative_path(pathname or "/") or "")
    layout = page.get("layout") if page else None
    with components.collecting() as found:
        if callable(layout):
            layout(**(variables or {}), **_pages._parse_query_string(search or ""))
    return found


def table_view(offered: components.Offered | None):
    if offered is None:
        return html.P(STALE, className="problem", role="alert")
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
        return dash.no_update, STALE
    return csv_file(offered), ""


def register(app: dash.Dash) -> None:
    """The two callbacks, on this app (not Dash's global list, which only the first app of a process takes)."""
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
