"""Security headers on every response, and no caching of Dash's answers, which hold one user's view."""

from __future__ import annotations

import flask
from flask import request


def _headers(response: flask.Response) -> flask.Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/_dash-layout", "/_dash-update-component", "/_dash-dependencies")):
        response.headers["Cache-Control"] = "no-store"
    return response


def register(server: flask.Flask) -> None:
    server.after_request(_headers)
