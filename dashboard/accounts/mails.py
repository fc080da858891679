"""The monitor's mails: Dutch, plain text plus the same as simple HTML, rendered from templates/mail/NAME.txt and
NAME.html (the HTML autoescaped). A mail holds nothing its recipient may not see in the monitor itself: the
callers pass only the recipient's own data, or, to coordinators, what coordinators see."""

from __future__ import annotations

import logging
import smtplib
from pathlib import Path

import jinja2

from nhsv import mail

log = logging.getLogger("dashboard.accounts")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
# What can go wrong when sending: no server configured, the server refuses or cannot be reached, a full disk.
SEND_ERRORS = (mail.MailNotConfigured, smtplib.SMTPException, OSError)


def compose(name: str, to: str, subject: str, **context) -> mail.Mail:
    values = {"subject": subject, "base_url": mail.base_url(), **context}
    return mail.Mail(to=to, subject=subject, text=_ENV.get_template(f"{name}.txt").render(values),
                     html=_ENV.get_template(f"{name}.html").render(values))


def send_or_log(message: mail.Mail, what: str) -> bool:
    """Send one mail from a page; False (and one log line) when it could not go, for the page to say so."""
    try:
        mail.send(message)
    except SEND_ERRORS as problem:
        log.error("mail not sent (%s): %s: %s", what, type(problem).__name__, problem)
        return False
    return True
