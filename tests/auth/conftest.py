"""Fixtures of the login and session tests: a coordinator and a Hoorn user, and an app on the warehouse under test."""

from __future__ import annotations

import pytest

from dashboard import auth
from tests.auth.helpers import COORDINATOR, HOORN, PASSWORD


@pytest.fixture
def users(engine):
    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    auth.add_user(engine, HOORN, "gemeente", "GM0405", PASSWORD, actor="test")
    return engine


@pytest.fixture
def app(make_app):
    return make_app()
