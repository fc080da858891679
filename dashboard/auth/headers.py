"""Response headers: a request id on every request, the Content-Security-Policy and the other security headers,
and `Cache-Control: no-store` on everything but static files."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence

import flask
from flask import current_app, g, has_request_context, request

from dashboard.auth import config

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's id (nginx's $request_id is 32 hex digits) is kept when it looks like one; anything else is replaced,
# so that what a client sends cannot forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
CSP_SCRIPTS = "nhsv_csp_scripts"  # extension: a function that gives the hashes of the app's inline scripts
# Files that are the same for everybody (Dash fingerprints its component suites): a browser may cache them.
STATIC_PREFIXES = ("/assets/", "/static/", "/_dash-component-suites/", "/_favicon.ico")
HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the domain are not ours to decide
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb"))


def request_id() -> str | None:
    """The id of the current request: the proxy's X-Request-Id when it is well-formed, else a new one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def content_security_policy(script_hashes: Sequence[str] = ()) -> str:
    directives = {
        "default-src": ["'self'"],
        # Dash's scripts are files of this server; its one inline script (the renderer) is allowed by its hash.
        "script-src": ["'self'", *script_hashes],
        # plotly.js adds its own stylesheet rules as <style> elements and writes style attributes while it draws
        # (hover labels, the mode bar, legends). With style-src 'self' alone Chromium refused them (dozens of
        # style-src-elem violations per page) and the charts lost their layout rules: the grid lines took the
        # pointer from the hover layer. Styles run no code; scripts stay limited to files and hashes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],  # plotly.js draws images of a chart as data: and blob: URLs
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def use_dash_scripts(server: flask.Flask, csp_hashes: Callable[[], Sequence[str]]) -> None:
    """Allow the Dash app's inline scripts by hash (`dash.Dash.csp_hashes`). It is asked per response, so that
    scripts registered after start-up (pages, clientside callbacks) are covered too; hashing them takes
    microseconds."""
    server.extensions[CSP_SCRIPTS] = csp_hashes


def _assign_request_id() -> None:
    request_id()


def _headers(response: flask.Response) -> flask.Response:
    response.headers[REQUEST_ID_HEADER] = request_id() or ""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    scripts = current_app.extensions.get(CSP_SCRIPTS)
    response.headers["Content-Security-Policy"] = content_security_policy(scripts() if scripts else ())
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if config.current().production:
        response.headers["Strict-Transport-Security"] = HSTS
    if not request.path.startswith(STATIC_PREFIXES) and not flask.g.get("cacheable"):
        # pages, Dash's layout and callback answers, downloads and exports hold one user's view of the data;
        # a view that serves the same public bytes to everyone under a versioned URL sets g.cacheable
        response.headers["Cache-Control"] = "no-store"
    return response


def register_request_id(server: flask.Flask) -> None:
    """First of all hooks, so that every later failure (the guard's database look-up included) has an id."""
    server.before_request(_assign_request_id)


def register(server: flask.Flask) -> None:
    server.after_request(_headers)
