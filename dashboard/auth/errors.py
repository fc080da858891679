"""Error pages: Dutch, in the monitor's own layout, and without the database.

When the database cannot be reached, every request answers 503 with Retry-After and logs one line with its
request id; the page tells the user that id. Error pages never load the user from the database again: before,
the 500 page's template asked Flask-Login for the user, which asked the database that had just failed, and
gunicorn answered with its bare English "Internal Server Error" and two tracebacks per request.
"""

from __future__ import annotations

import flask
from flask import has_request_context, jsonify, redirect, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import InternalServerError

from dashboard.auth import guard, sessions
from dashboard.auth.config import log
from dashboard.auth.headers import request_id
from dashboard.i18n import N_, gettext

# Errors that mean "the database is not there" (down, dropped, unreadable, every connection taken), not a bug:
# the answer is 503, and the same request works again once the database is back.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
RETRY_AFTER_SECONDS = 30

ERROR_TEXTS = {
    400: (N_("Verzoek niet begrepen"), N_("Dit verzoek kon niet worden verwerkt.")),
    403: (N_("Geen toegang"), N_("U hebt geen toegang tot deze pagina.")),
    404: (N_("Pagina niet gevonden"), N_("Deze pagina bestaat niet (meer).")),
    405: (N_("Niet toegestaan"), N_("Deze handeling is hier niet toegestaan.")),
    500: (N_("Er ging iets mis"), N_("Er is een fout opgetreden. Probeer het later opnieuw; blijft het misgaan, "
                                     "neem dan contact op met de functioneel beheerder.")),
    503: (N_("Monitor tijdelijk niet beschikbaar"),
          N_("De NHSV-monitor kan zijn gegevens op dit moment niet bereiken. Probeer het over een minuut opnieuw; "
             "blijft het misgaan, neem dan contact op met de functioneel beheerder.")),
}


def error_response(code: int, headers: dict | None = None):
    """The Dutch error page (or JSON for Dash's endpoints), rendered without touching the database."""
    sessions.without_database()
    title, body = (gettext(text) for text in ERROR_TEXTS.get(code, ERROR_TEXTS[500]))
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if has_request_context() and guard.is_api(request.path):
        response = jsonify(error=title, message=body, request_id=request_id())
        response.status_code = code
        response.headers.update(headers)
        return response
    html = render_template("error.html", title=title, text=body, request_id=request_id())
    return html, code, {"Content-Type": "text/html; charset=utf-8", **headers}


def describe(error: Exception) -> str:
    """The database's own message, first line only: enough to tell 'down' from 'dropped' in one log line."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first[:300]}"


def _database_unavailable(error: Exception):
    log.error("database unavailable, answered 503: %s %s (request %s): %s", request.method, request.path,
              request_id(), describe(error))
    return error_response(503, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _unauthorized(_error):
    if guard.is_api(request.path):
        return guard.unauthorized_json()
    return redirect(guard.login_url(request.full_path.rstrip("?") if request.method == "GET" else "/"), 302)


def _server_error(_error):
    # Flask has logged the exception (one record, with the request id in JSON logs); the answer reveals nothing
    # internal.
    return error_response(500)


def register(server: flask.Flask) -> None:
    for error in DATABASE_UNAVAILABLE:
        server.register_error_handler(error, _database_unavailable)
    server.register_error_handler(401, _unauthorized)
    for code in (400, 403, 404, 405):
        server.register_error_handler(code, lambda _error, code=code: error_response(code))
    server.register_error_handler(InternalServerError, _server_error)
