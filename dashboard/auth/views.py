"""The login's own pages: /login, /logout and the health check /healthz.

A right password ends the login only for a user without a second factor (or with NHSV_MFA=off); otherwise the
browser carries a pending login (the user's id and when, in the signed session cookie, five minutes at most) to
the second step (`second_factor`): a code, or enrolment when the second factor is required and not set up.
"""

from __future__ import annotations

import math
import time

import flask
from flask import jsonify, redirect, render_template, request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from dashboard.auth import config, errors, guard, sessions, throttle, totp, users
from dashboard.auth.audit_log import audit
from dashboard.auth.config import log
from dashboard.i18n import N_, gettext, ngettext
from dashboard.viewer import ROLE_LABELS

LOGIN_FAILED_MESSAGE = N_("E-mailadres of wachtwoord onjuist.")
PENDING = "nhsv_login_pending"  # session key of a login waiting for its second factor
STEP_PATHS = {"code": "/login/code", "enrol": "/login/tweede-factor"}
NOTICES = {"uitgelogd": N_("U bent uitgelogd."),
           "hersteld": N_("Uw wachtwoord is gewijzigd en al uw sessies zijn beëindigd. Log in met het nieuwe "
                          "wachtwoord."),
           "ingesteld": N_("Uw wachtwoord is ingesteld. U kunt nu inloggen."),
           "verlopen": N_("Het inloggen duurde te lang. Log opnieuw in.")}


def render_login(status: int = 200, error: str | None = None, notice: str | None = None, email: str = "",
                 next_target: str | None = "/"):
    from dashboard import i18n

    # the language the page was chosen in travels with the form, so that the answer to it speaks it too
    chosen = request.values.get("lang") if request.values.get("lang") in i18n.LANGUAGES else ""
    return flask.make_response(render_template(
        "login.html", error=error, notice=notice, email=email, next=guard.safe_next(next_target), lang=chosen),
        status)


def _wait_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Te veel mislukte inlogpogingen. Probeer het over %(num)s seconde opnieuw.",
                        "Te veel mislukte inlogpogingen. Probeer het over %(num)s seconden opnieuw.", seconds)
    return gettext("Te veel mislukte inlogpogingen. Probeer het over %(minutes)s minuten opnieuw.",
                   minutes=math.ceil(seconds / 60))


def login():
    cfg = config.current()
    next_target = guard.safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_target)
        notice = next((gettext(text) for key, text in NOTICES.items() if request.args.get(key)), None)
        return render_login(notice=notice, next_target=next_target)

    email = users.normalize_email(request.form.get("email", ""))[:254]
    password = request.form.get("password", "")
    account = throttle.account_key(email)
    attempt = throttle.Attempt.of(cfg, account, throttle.address_key(request.remote_addr),
                                  throttle.device_key(request.cookies.get(cfg.device_cookie), account))
    policy = throttle.Policy.of(cfg)
    # Of a failed attempt only the keyed hash of the e-mail field is kept: what was typed there is sometimes a
    # password, or the address of someone who is no user.
    wait = throttle.reserve(cfg.engine, attempt.counters, policy)
    if wait:
        seconds = math.ceil(wait)
        audit("login_throttled", {"email_hmac": account, "wacht_seconden": seconds}, actor=None)
        response = render_login(429, error=_wait_message(seconds), email=email, next_target=next_target)
        response.headers["Retry-After"] = str(seconds)
        return response

    verdict = users.check_password(cfg.engine, email, password)
    if verdict.user is None:
        audit("login_failed", {"email_hmac": account, "reden": verdict.reason}, actor=None)
        return render_login(401, error=gettext(LOGIN_FAILED_MESSAGE), email=email, next_target=next_target)

    user = verdict.user
    throttle.succeeded(cfg.engine, attempt, policy)
    users.upgrade_hash(cfg.engine, user, password)
    step = totp.login_step(user)
    if step is not None:
        session.clear()
        session[PENDING] = {"uid": user.id, "at": int(time.time()), "next": next_target, "step": step,
                            "lang": request.form.get("lang")}
        return redirect(STEP_PATHS[step], 302)
    return finish_login(user, redirect(next_target, 302))


def finish_login(user, response: flask.Response, how: str | None = None) -> flask.Response:
    """Start the session of `user` (all factors checked) and mark this browser with the account's device cookie."""
    cfg = config.current()
    token = sessions.start_session(cfg.engine, user.id)
    language = _language_chosen_at_login(user)  # before the session is cleared: a second factor's page carries it
    session.clear()  # no fixation: nothing from before the login survives, the CSRF token included
    login_user(sessions.AuthUser(user.id, user.email, user.role, user.municipality_code, token, language))
    users.record_login(cfg.engine, user.id)
    label = ROLE_LABELS.get(user.role, user.role)
    audit("login_ok", f"{label}; tweede factor: {how}" if how else label, actor=user.email)
    response.set_cookie(cfg.device_cookie, throttle.new_device_cookie(throttle.account_key(user.email)),
                        max_age=int(throttle.DEVICE_COOKIE_MAX_AGE.total_seconds()), path="/",
                        secure=cfg.cookie_secure, httponly=True, samesite="Lax")
    return response


def _language_chosen_at_login(user) -> str | None:
    """A language chosen on the login page (?lang=, carried by the form) is the user's choice from then on."""
    from dashboard import i18n

    chosen = request.form.get("lang") or (session.get(PENDING) or {}).get("lang")
    if chosen in i18n.LANGUAGES and chosen != getattr(user, "language", None):
        i18n.store_choice(user.id, chosen)
        return chosen
    return getattr(user, "language", None)


def logout():
    cfg = config.current()
    if request.method == "GET":  # a link (GET) only shows the form: logging out is a POST with a CSRF token
        return flask.make_response(render_template("logout.html", email=current_user.email))
    if current_user.is_authenticated:
        email = current_user.email
        sessions.end_session(cfg.engine, current_user.get_id())
        audit("logout", None, actor=email)
    logout_user()
    session.clear()
    return redirect("/login?uitgelogd=1", 302)


def healthz():
    from etl import db

    cfg = config.current()
    revision, reachable = None, False
    try:
        with cfg.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        reachable = True
        revision = db.schema_revision(cfg.engine)
    except sa_exc.SQLAlchemyError as problem:  # the health check reports, it does not raise
        log.warning("health check: database not reachable: %s", errors.describe(problem))
    head = db.head_revision()
    ok = reachable and revision == head
    response = jsonify(status="ok" if ok else "fout", database=reachable, schema_revision=revision,
                       head_revision=head, schema_current=revision == head)
    response.status_code = 200 if ok else 503
    return response


def _csrf_error(_error):
    if request.path == "/login" and request.method == "POST":
        return render_login(400, error=gettext("Het formulier is verlopen of ongeldig. Probeer het opnieuw."),
                            next_target=request.values.get("next"))
    return errors.error_response(400)


def register(server: flask.Flask) -> None:
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
    server.add_url_rule("/healthz", "healthz", healthz)
    server.register_error_handler(CSRFError, _csrf_error)
