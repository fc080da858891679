"""Accounts around the login, by job:

- `mails`: the monitor's mails (plain text and simple HTML, in the recipient's language) from the templates in
  templates/mail/;
- `links`: invitation and password-reset pages (the links in those mails) and "Wachtwoord vergeten?";
- `my_account`: /account, where a user changes the password, the second factor and which mails they get;
- `admin`: /beheer for the functional administrator: users, their access, and the audit log (`audit_query`);
- `introductions`: "Vraag een introductie" from a gemeente profile, and the coordinators' list of requests;
- `notify`: `nhsv notify`, the quarter's reminders and the coordinators' digest, from `quarter_status` queries.

The sending itself is `nhsv.mail` (an SMTP server, or an outbox folder in development and the demo).
"""

from __future__ import annotations

import flask


def register(server: flask.Flask) -> None:
    """Put the account pages, /beheer and the introduction requests on the Flask server (after auth.init_app)."""
    from dashboard import formatting
    from dashboard.accounts import admin, introductions, links, my_account

    # dates and quarters on these pages as the interface writes them in the request's language
    server.add_template_filter(formatting.date_time, "date_time")
    server.add_template_filter(formatting.quarter_label, "quarter_label")
    links.register(server)
    my_account.register(server)
    admin.register(server)
    introductions.register(server)
