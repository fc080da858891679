"""Error pages: Dutch, in the monitor's own layout (templates/error.html); JSON for Dash's endpoints."""

from __future__ import annotations

import flask
from flask import has_request_context, jsonify, redirect, render_template, request
from werkzeug.exceptions import InternalServerError

from dashboard.auth import guard

ERROR_TEXTS = {
    400: ("Verzoek niet begrepen", "Dit verzoek kon niet worden verwerkt."),
    403: ("Geen toegang", "U hebt geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze handeling is hier niet toegestaan."),
    500: ("Er ging iets mis", "Er is een fout opgetreden. Probeer het later opnieuw; blijft het misgaan, neem dan "
                              "contact op met de functioneel beheerder."),
}


def error_response(code: int):
    title, body = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    if has_request_context() and guard.is_api(request.path):
        return jsonify(error=title, message=body), code
    html = render_template("error.html", title=title, text=body)
    return html, code, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _unauthorized(_error):
    if guard.is_api(request.path):
        return guard.unauthorized_json()
    return redirect(guard.login_url(request.full_path.rstrip("?") if request.method == "GET" else "/"), 302)


def _server_error(_error):
    # Flask has logged the exception; the answer reveals nothing internal.
    return error_response(500)


def register(server: flask.Flask) -> None:
    server.register_error_handler(401, _unauthorized)
    for code in (400, 403, 404, 405):
        server.register_error_handler(code, lambda _error, code=code: error_response(code))
    server.register_error_handler(InternalServerError, _server_error)
