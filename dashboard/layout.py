"""The page shell (skip link, navigation for the user's role, page container) and the one navigation
callback: a click on the map opens a profile. Filters are native selects in a GET form, so every view is a
real URL, and pages read the query string in their `layout(**kwargs)`, querying fresh data on each visit."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, callback, ctx, dcc, html
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
        html.Div(html.P("NHSV-monitor · Noord-Holland Samen Veilig · bevat geen persoonsgegevens"),
                    className="site-footer", role="contentinfo"),
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


@callback(Output("url", "href"), Input({"type": "map", "name": ALL}, "clickData"),
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
