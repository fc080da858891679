"""The demo warehouse the attacks run against: the demo's submissions for the 32 gemeenten (2024Q1 to the last
completed quarter, with its missing, rejected and corrected submissions) loaded through the real loader into a
SQLite file of this session, and a gemeente user for every gemeente.

The crawl reads through the data layer and does not depend on the database engine; the loader and the data
layer's reading are tested on PostgreSQL elsewhere, so this suite builds its warehouse on SQLite in either run."""

from __future__ import annotations

import pytest

from dashboard.data import warehouse
from etl import db
from nhsv import settings
from tests.warehouses import load_demo

PASSWORD = "een-goed-wachtwoord-123"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/privacy" in str(item.fspath):
            item.add_marker(pytest.mark.privacy)


@pytest.fixture(scope="session")
def privacy_url(tmp_path_factory) -> str:
    users = {f"{code.lower()}@privacy.example.nl": ("gemeente", code) for code in sorted(warehouse.region())}
    return load_demo(tmp_path_factory.mktemp("privacy"), users, PASSWORD)


@pytest.fixture(scope="module")
def privacy_app(privacy_url):
    """The app, with the data layer reading the demo warehouse for the whole module."""
    from dashboard.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NHSV_DATABASE_URL", privacy_url)
        cached = db.engine
        mp.setattr(db, "engine", lambda url=None: cached(url or settings.database_url()))
        warehouse.clear_caches()
        yield create_app(privacy_url)
        warehouse.clear_caches()


@pytest.fixture(scope="module")
def privacy_users(privacy_url) -> dict[str, str]:
    return {code: f"{code.lower()}@privacy.example.nl" for code in warehouse.region()}
