"""Fixtures of the account tests: the second factor's clock, and an admin, a coordinator and a Hoorn user."""

from __future__ import annotations

import pytest

from dashboard import auth
from dashboard.auth import totp
from tests.accounts.helpers import ADMIN, Clock
from tests.auth.helpers import COORDINATOR, HOORN, PASSWORD


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(totp, "clock", fake)
    return fake


@pytest.fixture
def people(engine):
    for email, role, code in ((ADMIN, "admin", None), (COORDINATOR, "coordinator", None),
                              (HOORN, "gemeente", "GM0405")):
        auth.add_user(engine, email, role, code, PASSWORD, actor="test")
    return engine
