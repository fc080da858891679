"""The pages behind the links in mails, and "Wachtwoord vergeten?".

- /wachtwoord-vergeten: the same answer, as fast, whether or not the address belongs to a user (the mail goes
  out from a thread, so the time an SMTP server takes tells nothing); requests are counted per address and per
  e-mail address like failed logins, and beyond the allowance no mail goes out (the answer stays the same).
- /wachtwoord-herstellen/<token>: a new password (policy of `passwords`), once, within 30 minutes; every session
  of the user ends, and the user logs in again with the new password *and* the second factor: a reset never
  bypasses it.
- /uitnodiging/<token>: the invited user chooses a password (72 hours, once); where the second factor is
  required, enrolment follows at once.

The mails are in the recipient's language (`mails.compose`); the link of an English mail carries `?lang=en`, so
that its page, and the login after it, speak English too (Dutch, the default, needs nothing).
"""

from __future__ import annotations

import threading
import time

import flask
from flask import redirect, render_template, request, session

from dashboard.accounts import mails
from dashboard.auth import config, throttle, tokens, totp, users
from dashboard.auth.audit_log import audit
from dashboard.auth.views import PENDING
from dashboard.i18n import DEFAULT, LANGUAGES, N_, gettext
from dashboard.viewer import ROLE_LABELS

FORGOT_ANSWER = N_("Als dit e-mailadres bij een account van de NHSV-monitor hoort, is er nu een mail onderweg met "
                   "een link om een nieuw wachtwoord te kiezen. De link is 30 minuten geldig. Geen mail ontvangen? "
                   "Kijk ook bij de ongewenste mail, of vraag de functioneel beheerder van NHSV.")
RESET_PURPOSE_ACCOUNT, RESET_PURPOSE_ADDRESS = "reset-account", "reset-address"
RESETS_PER_ACCOUNT = 3  # mails per e-mail address before the next must wait (1 s, 2 s, … as for logins)


def _link(path: str, language: str | None) -> str:
    """The link in a mail: its page opens in the mail's language."""
    lang = mails.language_of(language)
    return mails.mail.link(path if lang == DEFAULT else f"{path}?lang={lang}")


def reset_mail(email: str, path: str, second_factor: bool, language: str | None) -> mails.mail.Mail:
    return mails.compose("wachtwoord_herstellen", email, N_("Nieuw wachtwoord voor de NHSV-monitor"),
                         language=language, email=email, link=_link(path, language),
                         minutes=int(tokens.LIFETIMES[tokens.RESET].total_seconds() // 60), second_factor=second_factor)


def invitation_mail(email: str, role: str, path: str, language: str | None = None) -> mails.mail.Mail:
    """The invitation, in the language the administrator chose for the new user (Dutch when none)."""
    with mails.in_language(language):
        role_label = gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else role
    return mails.compose("uitnodiging", email, N_("Uw account voor de NHSV-monitor"), language=language,
                         email=email, role_label=role_label, link=_link(path, language),
                         hours=int(tokens.LIFETIMES[tokens.INVITATION].total_seconds() // 3600),
                         mfa_required=totp.mode() == totp.REQUIRED)


def _send_later(message, what: str) -> None:
    threading.Thread(target=mails.send_or_log, args=(message, what), daemon=True, name="nhsv-mail").start()


def forgot():
    if request.method == "GET":
        return render_template("forgot.html")
    cfg = config.current()
    email = users.normalize_email(request.form.get("email", ""))[:254]
    policy = throttle.Policy.of(cfg)
    account = throttle.account_key(email)
    allowed = (not throttle.check_allowed(cfg.engine, RESET_PURPOSE_ADDRESS, throttle.address_key(request.remote_addr),
                                          throttle.ADDRESS_FACTOR * cfg.free_failures, policy)
               and not throttle.check_allowed(cfg.engine, RESET_PURPOSE_ACCOUNT, account, RESETS_PER_ACCOUNT, policy))
    sent = False
    if allowed and email:
        started = users.start_password_reset(cfg.engine, email, actor=None)
        if started is not None:
            user = totp.user_row(cfg.engine, started[0])
            _send_later(reset_mail(user.email, started[1], totp.enrolled(user), user.language), "password reset")
            sent = True
    audit("password_reset_requested", {"email_hmac": account, "verstuurd": sent, "afgeremd": not allowed},
          actor=None)
    return render_template("forgot.html", notice=gettext(FORGOT_ANSWER))


def _password_form(purpose: str, token: str):
    row = tokens.find(config.current().engine, token, purpose)
    if row is None:
        return flask.make_response(render_template("link_invalid.html", purpose=purpose), 410)
    title = gettext("Kies uw wachtwoord") if purpose == tokens.INVITATION else gettext("Kies een nieuw wachtwoord")
    if request.method == "GET":
        return render_template("set_password.html", title=title, email=row.email)
    first, second = request.form.get("password", ""), request.form.get("password2", "")
    if first != second:
        return flask.make_response(render_template("set_password.html", title=title, email=row.email,
                                                   error=gettext("De twee wachtwoorden zijn niet gelijk.")), 400)
    event = "invitation_accepted" if purpose == tokens.INVITATION else "password_reset"
    try:
        users.set_password_by_link(config.current().engine, row.token_id, row.id, first, event)
    except ValueError as refused:
        return flask.make_response(render_template("set_password.html", title=title, email=row.email,
                                                   error=str(refused)), 400)
    session.clear()
    # the language the link opened in (an English mail's ?lang=en) carries on to the login, as a choice made there
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
    if purpose == tokens.INVITATION and totp.mode() == totp.REQUIRED:
        user = totp.user_row(config.current().engine, row.id)
        if not totp.enrolled(user):
            # the link proved the mailbox and the password is new: enrolment follows at once, as after a login
            session[PENDING] = {"uid": row.id, "at": int(time.time()), "next": "/", "step": "enrol", "lang": lang}
            return redirect("/login/tweede-factor", 302)
    target = "/login?ingesteld=1" if purpose == tokens.INVITATION else "/login?hersteld=1"
    return redirect(f"{target}&lang={lang}" if lang else target, 302)


def reset_page(token: str):
    return _password_form(tokens.RESET, token)


def invitation_page(token: str):
    return _password_form(tokens.INVITATION, token)


def register(server: flask.Flask) -> None:
    server.add_url_rule("/wachtwoord-vergeten", "forgot_password", forgot, methods=["GET", "POST"])
    server.add_url_rule("/wachtwoord-herstellen/<token>", "reset_password", reset_page, methods=["GET", "POST"])
    server.add_url_rule("/uitnodiging/<token>", "invitation", invitation_page, methods=["GET", "POST"])
