"""The login's second step: a code from the authenticator app or a recovery code (/login/code), or enrolment when
the second factor is required and not yet set up (/login/tweede-factor).

Both pages work only for a pending login (a right password less than five minutes ago, in this browser). Every
code checked is counted per user first (`throttle`), so that a million codes cannot be tried; the pending login
carries no session, so nothing of the monitor is reachable before the second factor is right.
"""

from __future__ import annotations

import math
import time

import flask
from flask import redirect, render_template, request, session

from dashboard.auth import config, throttle, totp
from dashboard.auth.audit_log import audit
from dashboard.auth.views import PENDING, finish_login

PENDING_MAX_SECONDS = 5 * 60
CODE_PURPOSE = "mfa"
WRONG_CODE = "De code is onjuist of al gebruikt. Probeer de volgende code uit de app, of een herstelcode."


def pending(step: str):
    """The user row of this browser's pending login for `step`, or None (none, expired, or the user gone)."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("step") != step or not isinstance(data.get("uid"), int):
        return None
    if not isinstance(data.get("at"), int) or time.time() - data["at"] > PENDING_MAX_SECONDS:
        return None
    user = totp.user_row(config.current().engine, data["uid"])
    if user is None or not user.active:
        return None
    return user


def _start_again():
    session.pop(PENDING, None)
    return redirect("/login?verlopen=1", 302)


def _next() -> str:
    from dashboard.auth.guard import safe_next

    return safe_next((session.get(PENDING) or {}).get("next"))


def _wait_response(template: str, seconds: int, **context):
    when = f"{seconds} seconden" if seconds < 120 else f"{math.ceil(seconds / 60)} minuten"
    response = flask.make_response(render_template(
        template, error=f"Te veel onjuiste codes. Probeer het over {when} opnieuw.", **context), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def _counted(user) -> int:
    """Count one code check for `user`: 0 when it may be checked now, else the seconds to wait."""
    cfg = config.current()
    wait = throttle.check_allowed(cfg.engine, CODE_PURPOSE, str(user.id), cfg.free_failures, throttle.Policy.of(cfg))
    if wait:
        audit("mfa_throttled", {"email": user.email, "wacht_seconden": math.ceil(wait)}, actor=user.email)
    return math.ceil(wait)


def code_page():
    user = pending("code")
    if user is None:
        return _start_again()
    if request.method == "GET":
        return render_template("login_code.html")
    code = request.form.get("code", "")[:40]
    wait = _counted(user)
    if wait:
        return _wait_response("login_code.html", wait)
    engine = config.current().engine
    if totp.looks_like_recovery_code(code):
        accepted, how = totp.use_recovery_code(engine, user.id, code), "herstelcode"
    else:
        accepted, how = totp.check_code(engine, user, code), "app"
    if not accepted:
        audit("mfa_failed", {"email": user.email, "soort": how}, actor=user.email)
        return flask.make_response(render_template("login_code.html", error=WRONG_CODE), 401)
    throttle.forget(engine, CODE_PURPOSE, str(user.id))
    if how == "herstelcode":
        audit("recovery_code_used", {"email": user.email, "over": totp.recovery_codes_left(engine, user.id)},
              actor=user.email)
    return finish_login(user, redirect(_next(), 302), how)


def enrolment_context(engine, user) -> dict:
    secret = totp.pending_secret(engine, user.id)
    uri = totp.provisioning_uri(secret, user.email)
    return {"qr": totp.qr_data_uri(uri), "secret": totp.grouped(secret)}


def enrol_page():
    user = pending("enrol")
    if user is None:
        return _start_again()
    engine = config.current().engine
    if totp.enrolled(user):  # enrolled in another browser meanwhile: ask for a code instead
        session[PENDING] = {**session[PENDING], "step": "code"}
        return redirect("/login/code", 302)
    context = {"action": "/login/tweede-factor", "required": True}
    if request.method == "GET":
        return render_template("mfa_enrol.html", **context, **enrolment_context(engine, user))
    wait = _counted(user)
    if wait:
        return _wait_response("mfa_enrol.html", wait, **context, **enrolment_context(engine, user))
    codes = totp.confirm(engine, user.id, request.form.get("code", "")[:40])
    if codes is None:
        audit("mfa_failed", {"email": user.email, "soort": "instellen"}, actor=user.email)
        return flask.make_response(render_template(
            "mfa_enrol.html", error="De code klopt niet. Controleer of de tijd van uw telefoon goed staat en probeer "
            "de nieuwe code.", **context, **enrolment_context(engine, user)), 400)
    throttle.forget(engine, CODE_PURPOSE, str(user.id))
    audit("mfa_enrolled", {"email": user.email}, actor=user.email)
    target = _next()
    page = flask.make_response(render_template("recovery_codes.html", codes=codes, next=target))
    return finish_login(totp.user_row(engine, user.id), page, "ingesteld")


def register(server: flask.Flask) -> None:
    server.add_url_rule("/login/code", "login_code", code_page, methods=["GET", "POST"])
    server.add_url_rule("/login/tweede-factor", "login_enrol", enrol_page, methods=["GET", "POST"])

