"""A real SMTP server inside the tests (aiosmtpd), and reading what arrived."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage

import pytest


class Inbox:
    """Every message the server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages to `address`, once at least `count` arrived (mail from a page may go out from a thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mail(s) to {address}, got {len(self.to(address))}")

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_path(message: EmailMessage, base: str = "http://monitor.test") -> str:
    """The path of the first link to the monitor in the mail's text."""
    match = re.search(re.escape(base) + r"(/[^\s]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A running SMTP server that the monitor sends to; yields its Inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("NHSV_SMTP_URL", f"smtp://127.0.0.1:{controller.port}?starttls=0")
    monkeypatch.setenv("NHSV_BASE_URL", "http://monitor.test")
    monkeypatch.setenv("NHSV_MAIL_FROM", "NHSV-monitor <monitor@nhsv.test>")
    try:
        yield inbox
    finally:
        controller.stop()
