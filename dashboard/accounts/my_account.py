"""Mijn account (/account): the logged-in user's password, second factor and notification mails.

A new password needs the current one and ends every session (this one too: the user logs in again with it).
Switching the second factor off, or making new recovery codes, needs a current code from the app; switching it
off is not offered where it is required.
"""

from __future__ import annotations

import math

from flask import redirect, request, session
from flask_login import current_user, logout_user

from dashboard import i18n
from dashboard.accounts import preferences
from dashboard.accounts.pages import page
from dashboard.auth import config, throttle, totp, users
from dashboard.auth.audit_log import audit
from dashboard.auth.second_factor import CODE_PURPOSE, enrolment_context, wait_message
from dashboard.i18n import gettext

PASSWORD_PURPOSE = "password-change"


def _user():
    return totp.user_row(config.current().engine, current_user.user_id)


def _render(status: int = 200, **context):
    user = _user()
    engine = config.current().engine
    wanted = preferences.wanted(engine, user.id, user.role)
    return page("account.html", status, user=user, mode=totp.mode(), enrolled=totp.enrolled(user),
                codes_left=totp.recovery_codes_left(engine, user.id) if totp.enrolled(user) else 0,
                kinds=[(k, gettext(preferences.KINDS[k][1]), on) for k, on in wanted.items()],
                language_name=i18n.NAMES[i18n.language()], active="account", **context)


def _throttled(purpose: str) -> int:
    cfg = config.current()
    wait = throttle.check_allowed(cfg.engine, purpose, str(current_user.user_id), cfg.free_failures,
                                  throttle.Policy.of(cfg))
    return math.ceil(wait)


def account():
    saved = request.args.get("melding") == "opgeslagen"
    return _render(notice=gettext("Uw keuze voor mails is opgeslagen.") if saved else None)


def change_password():
    cfg = config.current()
    user = _user()
    if _throttled(PASSWORD_PURPOSE):
        return _render(429, error=gettext("Te vaak een onjuist huidig wachtwoord. Probeer het later opnieuw."))
    verdict = users.check_password(cfg.engine, user.email, request.form.get("current", ""))
    if verdict.user is None:
        audit("password_change_failed", {"email": user.email})
        return _render(400, error=gettext("Uw huidige wachtwoord klopt niet."))
    throttle.forget(cfg.engine, PASSWORD_PURPOSE, str(user.id))
    first, second = request.form.get("password", ""), request.form.get("password2", "")
    if first != second:
        return _render(400, error=gettext("De twee nieuwe wachtwoorden zijn niet gelijk."))
    try:
        users.set_password(cfg.engine, user.email, first, actor=user.email)
    except ValueError as refused:
        return _render(400, error=str(refused))
    lang = i18n.language()  # the login page after it, for a user no longer logged in, speaks the same language
    logout_user()
    session.clear()
    return redirect("/login?hersteld=1" if lang == i18n.DEFAULT else f"/login?hersteld=1&lang={lang}", 302)


def save_mails():
    user = _user()
    on = set(request.form.getlist("soort"))
    changed = preferences.save(config.current().engine, user.id, user.role, on)
    if changed:
        audit("mail_preferences", {"email": user.email, **{k: "aan" if v else "uit" for k, v in changed.items()}})
    return redirect("/account?melding=opgeslagen", 303)


def enrol():
    """Switch the second factor on from Mijn account (where it is optional, or after an admin reset)."""
    engine = config.current().engine
    user = _user()
    if totp.mode() == totp.OFF or totp.enrolled(user):
        return redirect("/account", 303)
    context = {"action": "/account/tweede-factor", "required": False, "active": "account"}
    if request.method == "GET":
        return page("mfa_enrol.html", **context, **enrolment_context(engine, user))
    wait = _throttled(CODE_PURPOSE)
    if wait:
        return page("mfa_enrol.html", 429, error=wait_message(wait), **context, **enrolment_context(engine, user))
    codes = totp.confirm(engine, user.id, request.form.get("code", "")[:40])
    if codes is None:
        audit("mfa_failed", {"email": user.email, "soort": "instellen"})
        return page("mfa_enrol.html", 400, error=gettext("De code klopt niet. Probeer de nieuwe code uit de app."),
                    **context, **enrolment_context(engine, user))
    throttle.forget(engine, CODE_PURPOSE, str(user.id))
    audit("mfa_enrolled", {"email": user.email})
    return page("recovery_codes.html", codes=codes, next="/account")


def _code_ok(user) -> bool:
    engine = config.current().engine
    code = request.form.get("code", "")[:40]
    if totp.looks_like_recovery_code(code):
        return totp.use_recovery_code(engine, user.id, code)
    return totp.check_code(engine, user, code)


def second_factor_action():
    engine = config.current().engine
    user = _user()
    action = request.form.get("actie", "")
    if not totp.enrolled(user) or action not in ("uitzetten", "nieuwe-codes"):
        return redirect("/account", 303)
    if action == "uitzetten" and totp.mode() == totp.REQUIRED:
        return _render(400, error=gettext("De tweede factor is verplicht en kan niet uit."))
    wait = _throttled(CODE_PURPOSE)
    if wait:
        return _render(429, error=wait_message(wait))
    if not _code_ok(user):
        audit("mfa_failed", {"email": user.email, "soort": action})
        return _render(400, error=gettext("De code klopt niet of is al gebruikt."))
    throttle.forget(engine, CODE_PURPOSE, str(user.id))
    if action == "nieuwe-codes":
        codes = totp.new_recovery_codes(engine, user.id)
        audit("recovery_codes_renewed", {"email": user.email})
        return page("recovery_codes.html", codes=codes, next="/account")
    with engine.begin() as conn:
        totp.reset(conn, user.id)
    audit("mfa_disabled", {"email": user.email})
    return _render(notice=gettext("De tweede factor staat uit."))


def register(server) -> None:
    server.add_url_rule("/account", "account", account)
    server.add_url_rule("/account/wachtwoord", "account_password", change_password, methods=["POST"])
    server.add_url_rule("/account/mails", "account_mails", save_mails, methods=["POST"])
    server.add_url_rule("/account/tweede-factor", "account_enrol", enrol, methods=["GET", "POST"])
    server.add_url_rule("/account/tweede-factor/wijzigen", "account_second_factor", second_factor_action,
                        methods=["POST"])
