"""Response headers: a request id on every request, security headers, and no caching of Dash's answers, which
hold one user's view."""

from __future__ import annotations

import re
import uuid

import flask
from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's id (nginx's $request_id is 32 hex digits) is kept when it looks like one; anything else is replaced,
# so that what a client sends cannot forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def request_id() -> str | None:
    """The id of the current request: the proxy's X-Request-Id when it is well-formed, else a new one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def _assign_request_id() -> None:
    request_id()


def _headers(response: flask.Response) -> flask.Response:
    response.headers[REQUEST_ID_HEADER] = request_id() or ""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/_dash-layout", "/_dash-update-component", "/_dash-dependencies")):
        response.headers["Cache-Control"] = "no-store"
    return response


def register_request_id(server: flask.Flask) -> None:
    """First of all hooks, so that every later failure (the guard's database look-up included) has an id."""
    server.before_request(_assign_request_id)


def register(server: flask.Flask) -> None:
    server.after_request(_headers)
