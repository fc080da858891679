"""The monitor's mails: plain text plus the same as simple HTML, rendered from templates/mail/NAME.txt and
NAME.html (the HTML autoescaped), in the recipient's language.

Each mail is written in the language its recipient chose for the monitor (app_user.language), Dutch when they
chose none: `compose` renders the subject and both templates under `i18n.force_language`, so that `_()` in the
templates speaks that language whatever the language of the request or command that sends it. Values the caller
writes out itself (dates, quarters) are written in the same language (`in_language`). Texts the region wrote
itself (block labels, stored findings, names) stay as they are.

A mail holds nothing its recipient may not see in the monitor itself: the callers pass only the recipient's own
data, or, to coordinators, what coordinators see."""

from __future__ import annotations

import logging
import smtplib
from pathlib import Path

import jinja2

from dashboard import i18n
from nhsv import mail

log = logging.getLogger("dashboard.accounts")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
i18n.install_gettext(_ENV)
# What can go wrong when sending: no server configured, the server refuses or cannot be reached, a full disk.
SEND_ERRORS = (mail.MailNotConfigured, smtplib.SMTPException, OSError)


def language_of(stored: str | None) -> str:
    """The language to write to a user in: their stored choice when it is one of the monitor's, else Dutch."""
    value = stored.strip().lower() if isinstance(stored, str) else None
    return value if value in i18n.LANGUAGES else i18n.DEFAULT


def in_language(stored: str | None):
    """A block that speaks the language of a recipient with this stored choice: for the values a caller writes
    out before `compose` (`formatting.date`, `formatting.quarter_label`)."""
    return i18n.force_language(language_of(stored))


def compose(name: str, to: str, subject: str, language: str | None = None, **context) -> mail.Mail:
    """The mail `name` to `to` in `language` (a stored choice, see `language_of`). `subject` is the Dutch text
    (marked with N_), translated here and filled with `%(key)s` from `context`."""
    with in_language(language):
        title = i18n.gettext(subject, **context) if context else i18n.gettext(subject)
        values = {"subject": title, "base_url": mail.base_url(), "html_lang": i18n.language(), **context}
        return mail.Mail(to=to, subject=title, text=_ENV.get_template(f"{name}.txt").render(values),
                         html=_ENV.get_template(f"{name}.html").render(values))


def send_or_log(message: mail.Mail, what: str) -> bool:
    """Send one mail from a page; False (and one log line) when it could not go, for the page to say so."""
    try:
        mail.send(message)
    except SEND_ERRORS as problem:
        log.error("mail not sent (%s): %s: %s", what, type(problem).__name__, problem)
        return False
    return True
