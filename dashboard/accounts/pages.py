"""What the account and beheer pages share: who may open them, and rendering in the monitor's layout."""

from __future__ import annotations

import flask
from flask import render_template
from flask_login import current_user

from dashboard.auth import errors


def require_role(*roles: str):
    """None when the logged-in user has one of `roles`, else the 403 page to answer with (the guard has already
    sent anonymous visitors to the login page)."""
    if getattr(current_user, "role", None) in roles:
        return None
    return errors.error_response(403)


def page(template: str, status: int = 200, **context) -> flask.Response:
    return flask.make_response(render_template(template, **context), status)
