"""Outgoing mail: an SMTP server in production, `.eml` files in an outbox folder in development and the demo.

Which one is decided per message from the settings (tests change them between messages):

- `NHSV_SMTP_URL`, or `NHSV_SMTP_HOST` with its port, user, password and STARTTLS: that server;
- otherwise `NHSV_MAIL_OUTBOX`, or outside production `NHSV_DATA_DIR/outbox`: one `.eml` file per message, which
  any mail program opens, so that the demo needs no server;
- otherwise (production without a server) nothing can be sent: `MailNotConfigured`, in Dutch, for the caller to
  show. Links in mails are built from `NHSV_BASE_URL`, never from a request's Host header (which a client
  chooses, and which would put an attacker's host into a password-reset link).
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from nhsv import settings

DEVELOPMENT_BASE_URL = "http://127.0.0.1:8050"
SMTP_TIMEOUT_SECONDS = 20
_TRUE = ("1", "true", "yes", "ja", "on")


class MailNotConfigured(RuntimeError):
    """No mail server and no outbox: the message (Dutch) tells the administrator what to set."""


@dataclass(frozen=True)
class Mail:
    """One message to one recipient: plain text, and the same as simple HTML."""

    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    tls: str  # "starttls", "tls" (smtps: TLS from the start) or "none"

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}"


@dataclass(frozen=True)
class Outbox:
    folder: Path

    def describe(self) -> str:
        return f"map {self.folder}"


def _flag(value: str, default: bool) -> bool:
    value = value.strip().lower()
    return default if value == "" else value in _TRUE


def smtp_from_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailNotConfigured("NHSV_SMTP_URL moet beginnen met smtp:// of smtps:// en een server noemen.")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "smtps":
        tls = "tls"
    else:
        tls = "starttls" if _flag(query.get("starttls", ""), True) else "none"
    return SmtpServer(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 587),
                      unquote(parts.username or ""), unquote(parts.password or ""), tls)


def transport() -> SmtpServer | Outbox | None:
    """Where mail goes now, from the settings; None when it cannot go anywhere (production without a server)."""
    url = settings.get("NHSV_SMTP_URL").strip()
    if url:
        return smtp_from_url(url)
    host = settings.get("NHSV_SMTP_HOST").strip()
    if host:
        return SmtpServer(host, settings.get_int("NHSV_SMTP_PORT"), settings.get("NHSV_SMTP_USER"),
                          settings.get("NHSV_SMTP_PASSWORD"),
                          "starttls" if _flag(settings.get("NHSV_SMTP_STARTTLS"), True) else "none")
    folder = settings.get("NHSV_MAIL_OUTBOX").strip()
    if folder:
        return Outbox(settings.resolve_path(folder))
    if not settings.is_production():
        return Outbox(settings.data_dir() / "outbox")
    return None


def outbox_folder() -> Path | None:
    """The outbox folder when mail goes to files, else None."""
    where = transport()
    return where.folder if isinstance(where, Outbox) else None


def base_url() -> str:
    """The monitor's address for links in mails, without a trailing slash."""
    url = settings.get("NHSV_BASE_URL").strip().rstrip("/")
    if url:
        return url
    if settings.is_production():
        raise MailNotConfigured("NHSV_BASE_URL ontbreekt: zonder het adres van de monitor kunnen mails geen links "
                                "bevatten.")
    return DEVELOPMENT_BASE_URL


def link(path: str) -> str:
    return base_url() + path


def sender() -> str:
    return settings.get("NHSV_MAIL_FROM").strip()


def build(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = parseaddr(sender())[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the monitor
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _file_name(message: EmailMessage) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    ident = re.sub(r"[^A-Za-z0-9]", "", str(message["Message-ID"]))[:24]
    return f"{stamp}-{ident}.eml"


def _open_smtp(server: SmtpServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.tls == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS,
                                                    context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
        if server.tls == "starttls":
            connection.starttls(context=context)
    if server.user:
        connection.login(server.user, server.password)
    return connection


def send_all(mails: Iterable[Mail]) -> int:
    """Send every mail (one SMTP connection for all); returns how many went. Raises MailNotConfigured, or the
    SMTP or file error, at the first one that cannot go (those before it have gone)."""
    mails = list(mails)
    if not mails:
        return 0
    where = transport()
    if where is None:
        raise MailNotConfigured("Er is geen mailserver ingesteld (NHSV_SMTP_URL of NHSV_SMTP_HOST): de mail is niet "
                                "verstuurd.")
    if isinstance(where, Outbox):
        where.folder.mkdir(parents=True, exist_ok=True)
        for mail in mails:
            message = build(mail)
            target = where.folder / _file_name(message)
            partial = target.with_name("." + target.name + ".part")
            partial.write_bytes(bytes(message))
            partial.replace(target)  # whoever reads the folder never sees half a message
        return len(mails)
    with _open_smtp(where) as connection:
        for mail in mails:
            connection.send_message(build(mail))
    return len(mails)


def send(mail: Mail) -> None:
    send_all([mail])
