"""The page shell (skip link, navigation for the user's role, page container) and the one navigation
callback: a click on the map opens a profile. Filters are native selects in a GET form, so every view is a
real URL, and pages read the query string in their `layout(**kwargs)`, querying fresh data on each visit."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, dcc, html
from flask_login import current_user

from dashboard.i18n import _, other_languages
from dashboard.viewer import ROLE_LABELS

COORDINATOR_ONLY = {"/aanlevering"}


def shell():
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A(_("Naar de inhoud"), href="#inhoud", className="skip-link"),
        html.Header([
            html.Div([html.Span("NHSV-monitor", className="brand"),
                      html.Span(_("Aanpak polarisatie en radicalisering"), className="brand-sub")]),
            html.Nav(id="hoofdnavigatie", **{"aria-label": _("Hoofdnavigatie")}, children=_nav_links()),
            html.Div([*_user_box(), language_switch()], className="user-box"),
        ], className="site-header"),
        html.Main(dcc.Loading(dash.page_container, type="circle", delay_show=400, color="#0b4f8a",
                              overlay_style={"visibility": "visible", "opacity": 0.6}),
                  id="inhoud", tabIndex="-1"),
        html.Div(html.P(_("NHSV-monitor · Noord-Holland Samen Veilig · bevat geen persoonsgegevens")),
                    className="site-footer", role="contentinfo"),
    ])


def _nav_links():
    role = getattr(current_user, "role", None)
    links = []
    for page in dash.page_registry.values():
        coordinators_only = page["path"] in COORDINATOR_ONLY and role not in ("coordinator", "admin")
        if page.get("hidden") or page["path"] == "/404" or coordinators_only:
            continue
        links.append(dcc.Link(_(page["name"]), href=page["relative_path"], className="nav-link"))
    return links


def _user_box():
    email = getattr(current_user, "email", "")
    role_code = getattr(current_user, "role", "")
    role = ROLE_LABELS.get(role_code, "")
    # /account, /beheer and /logout are Flask pages: plain links (a full page load), not Dash's dcc.Link.
    # /logout answers GET with a small confirmation form; the logout itself is a POST with a CSRF token
    links = [html.A(_("Mijn account"), href="/account", className="link-button")]
    if role_code in ("coordinator", "admin"):
        links.append(html.A(_("Introducties"), href="/beheer/introducties", className="link-button"))
    if role_code == "admin":
        links.append(html.A(_("Beheer"), href="/beheer", className="link-button"))
    return [html.Span(f"{email} ({_(role)})" if email else "", className="user"), *links,
            html.A(_("Uitloggen"), href="/logout", className="link-button")]


def language_switch() -> html.Nav:
    """A link to the page in the other language, named in that language (with its `lang`). It reloads the page
    with `?lang=`, which the server stores for the user; assets/navigation.js keeps the page's query in it."""
    return html.Nav([html.A(name, href=f"?lang={code}", lang=code, hrefLang=code, className="link-button lang-link")
                     for code, name in other_languages()],
                    className="language-switch", **{"aria-label": _("Taal")})


def profile_href(clicks: list) -> str | None:
    """The profile URL of the clicked map tile, or None (grey tiles without a gemeente, no click)."""
    data = next((c for c in clicks or [] if c), None)
    if not data:
        return None
    code = (data.get("points") or [{}])[0].get("customdata")
    if not code or not str(code).startswith("GM"):
        return None
    return f"/gemeente/{code}"


def open_profile(clicks):
    """A click on a map tile opens that gemeente's profile (the profile page itself checks access)."""
    return profile_href(clicks) or dash.no_update


def register(app: dash.Dash) -> None:
    """The shell's callback, on this app: a module-level dash.callback goes to the first app a process makes
    only, and a second app (tests make several) lost the map's click."""
    app.callback(Output("url", "href"), Input({"type": "map", "name": ALL}, "clickData"),
                 prevent_initial_call=True)(open_profile)
