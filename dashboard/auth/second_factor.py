"""The login's second step: a code from the authenticator app or a recovery code (/login/code), or enrolment when
the second factor is required and not yet set up (/login/tweede-factor).

Both pages work only for a pending login (a right password less than five minutes ago, in this browser). Every
code checked is counted per user first (`throttle`), so that a million codes cannot be tried; the pending login
carries no session, so nothing of the monitor is reachable before the second factor is right.

The user is known here though not logged in: the pages speak the language chosen on the login page or on these
pages (`?lang=`), which the login then stores, else the user's stored choice, else what the browser asks for.
"""

from __future__ import annotations

import math
import time

import flask
from flask import redirect, render_template, request, session

from dashboard import i18n
from dashboard.auth import config, throttle, totp
from dashboard.auth.audit_log import audit
from dashboard.auth.views import PENDING, finish_login
from dashboard.i18n import N_, gettext, ngettext

PENDING_MAX_SECONDS = 5 * 60
CODE_PURPOSE = "mfa"
WRONG_CODE = N_("De code is onjuist of al gebruikt. Probeer de volgende code uit de app, of een herstelcode.")


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


def _language(user) -> str:
    """The language of the pending login's pages (see the module's description); one asked for here is kept
    with the pending login."""
    data = session[PENDING]
    chosen = i18n.asked()
    if chosen and chosen != data.get("lang"):
        session[PENDING] = {**data, "lang": chosen}
    stored = user.language if user.language in i18n.LANGUAGES else None
    return chosen or data.get("lang") or stored or i18n.language()


def _start_again():
    session.pop(PENDING, None)
    return redirect("/login?verlopen=1", 302)


def _next() -> str:
    from dashboard.auth.guard import safe_next

    return safe_next((session.get(PENDING) or {}).get("next"))


def wait_message(seconds: int) -> str:
    """Too many wrong codes: how long to wait (also on Mijn account)."""
    if seconds < 120:
        return ngettext("Te veel onjuiste codes. Probeer het over %(num)s seconde opnieuw.",
                        "Te veel onjuiste codes. Probeer het over %(num)s seconden opnieuw.", seconds)
    return gettext("Te veel onjuiste codes. Probeer het over %(minutes)s minuten opnieuw.",
                   minutes=math.ceil(seconds / 60))


def _wait_response(template: str, seconds: int, **context):
    response = flask.make_response(render_template(template, error=wait_message(seconds), **context), 429)
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
    with i18n.force_language(_language(user)):
        return _code_step(user)


def _code_step(user):
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
        return flask.make_response(render_template("login_code.html", error=gettext(WRONG_CODE)), 401)
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
    with i18n.force_language(_language(user)):
        return _enrol_step(user)


def _enrol_step(user):
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
            "mfa_enrol.html", error=gettext("De code klopt niet. Controleer of de tijd van uw telefoon goed staat en "
                                            "probeer de nieuwe code."), **context, **enrolment_context(engine, user)),
            400)
    throttle.forget(engine, CODE_PURPOSE, str(user.id))
    audit("mfa_enrolled", {"email": user.email}, actor=user.email)
    target = _next()
    page = flask.make_response(render_template("recovery_codes.html", codes=codes, next=target))
    return finish_login(totp.user_row(engine, user.id), page, "ingesteld")


def register(server: flask.Flask) -> None:
    server.add_url_rule("/login/code", "login_code", code_page, methods=["GET", "POST"])
    server.add_url_rule("/login/tweede-factor", "login_enrol", enrol_page, methods=["GET", "POST"])

