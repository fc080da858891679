"""The login guard: anonymous users reach only the login pages (the second step, a forgotten password, the links
from mails), static assets and the health check.

Registered before Dash's own hooks, it runs first on every request: pages redirect to /login, Dash's endpoints
(`/_dash-*`, anything under `/_`) answer 401 with JSON. For logged-in users it checks the CSRF token of forms
and refuses Dash endpoints that are not posted as JSON. What a logged-in user may *see* is decided in the data
layer, from `sessions.current_viewer()`, never here.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import flask
from flask import current_app, jsonify, redirect, request
from flask_login import current_user

# The login's second step, and the pages a link in a mail opens (the link itself is the key there).
PUBLIC_PATHS = frozenset({"/login", "/login/code", "/login/tweede-factor", "/wachtwoord-vergeten", "/healthz",
                          "/_favicon.ico"})
PUBLIC_PREFIXES = ("/static/", "/assets/", "/wachtwoord-herstellen/", "/uitnodiging/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_public(path: str) -> bool:
    if "/../" in path or path.endswith("/..") or "\\" in path:
        return False
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    """Dash's own endpoints and anything else under /_ (/_dash-*, /_reload-hash): answered with JSON."""
    return path.startswith("/_")


def safe_next(target: str | None) -> str:
    """Only relative targets on this site; anything else (//host, http://, backslashes, /login) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    if parts.path in ("/login", "/logout"):
        return "/"
    return target


def login_url(target: str | None = None) -> str:
    target = safe_next(target)
    return "/login" if target == "/" else "/login?" + urlencode({"next": target})


def unauthorized_json():
    response = jsonify(error="niet ingelogd", message="Log eerst in.", login="/login")
    response.status_code = 401
    return response


def _csrf_protect() -> None:
    current_app.extensions["csrf"].protect()


def guard():
    path = request.path
    unsafe = request.method in UNSAFE_METHODS
    if is_public(path):
        if unsafe:
            _csrf_protect()
        return None
    if not current_user.is_authenticated:
        if is_api(path):
            return unauthorized_json()
        target = request.full_path if request.method == "GET" else request.path
        return redirect(login_url(target.rstrip("?")), 302)
    if unsafe and not path.startswith("/_dash-"):
        _csrf_protect()
    if unsafe and path.startswith("/_dash-") and not request.is_json:
        # Dash sends JSON; a cross-site HTML form cannot (that would need a CORS preflight).
        return jsonify(error="verkeerd verzoek", message="Alleen JSON."), 415
    return None


def register(server: flask.Flask) -> None:
    server.before_request(guard)
