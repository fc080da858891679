"""The page shell (skip link, navigation for the user's role, page container) and the thin navigation
callbacks: selectors write the query string, the map opens a profile. Pages read the query string in
their `layout(**kwargs)`, so every view is a real URL and every visit queries fresh data."""

from __future__ import annotations

import urllib.parse

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from flask_login import current_user

from dashboard.viewer import ROLE_LABELS

COORDINATOR_ONLY = {"/aanlevering"}


def shell():
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Naar de inhoud", href="#inhoud", className="skip-link"),
        html.Header([
            html.Div([html.Span("NHSV-monitor", className="brand"),
                      html.Span("Aanpak polarisatie en radicalisering", className="brand-sub")]),
            html.Nav(id="hoofdnavigatie", **{"aria-label": "Hoofdnavigatie"}, children=_nav_links()),
            html.Div(_user_box(), className="user-box"),
        ], className="site-header"),
        html.Main(dash.page_container, id="inhoud", tabIndex="-1"),
        html.Footer(html.P("NHSV-monitor · Noord-Holland Samen Veilig · bevat geen persoonsgegevens"),
                    className="site-footer"),
    ])


def _nav_links():
    role = getattr(current_user, "role", None)
    links = []
    for page in dash.page_registry.values():
        if page.get("hidden") or (page["path"] in COORDINATOR_ONLY and role not in ("coordinator", "admin")):
            continue
        links.append(dcc.Link(page["name"], href=page["relative_path"], className="nav-link"))
    return links


def _user_box():
    email = getattr(current_user, "email", "")
    role = ROLE_LABELS.get(getattr(current_user, "role", ""), "")
    # /logout answers GET with a small confirmation form; the logout itself is a POST with a CSRF token
    return [html.Span(f"{email} ({role})" if email else "", className="user"),
            html.A("Uitloggen", href="/logout", className="link-button")]


@callback(Output("url", "search"), Input({"type": "nav-param", "name": ALL}, "value"),
          State({"type": "nav-param", "name": ALL}, "id"), State("url", "search"), prevent_initial_call=True)
def sync_query(values, ids, search):
    """Selectors -> query string; the page then renders itself from the URL."""
    params = dict(urllib.parse.parse_qsl((search or "").lstrip("?")))
    for value, ident in zip(values, ids, strict=True):
        if value in (None, "", []):
            params.pop(ident["name"], None)
        else:
            params[ident["name"]] = ",".join(value) if isinstance(value, list) else str(value)
    new = "?" + urllib.parse.urlencode(params) if params else ""
    return new if new != (search or "") else dash.no_update


@callback(Output("url", "href", allow_duplicate=True), Input({"type": "map", "name": ALL}, "clickData"),
          prevent_initial_call=True)
def open_profile(clicks):
    """A click on a map tile opens that gemeente's profile (the profile page itself checks access)."""
    data = next((c for c in clicks if c), None) if ctx.triggered else None
    if not data:
        return dash.no_update
    code = (data.get("points") or [{}])[0].get("customdata")
    if not code or not str(code).startswith("GM"):
        return dash.no_update
    return f"/gemeente/{code}"
