"""The attacks on each user's crawl, in worker processes of their own (spawned: a test process may run browser
threads, which a fork would copy half-way). Each worker builds the app on the module's warehouse once."""

from __future__ import annotations

import os

_APP = None


def start(environment: dict[str, str]) -> None:
    global _APP  # noqa: PLW0603 - a process pool initializer gives its worker process the one app it uses
    os.environ.update(environment)
    from dashboard.app import create_app
    from etl import db
    from nhsv import settings

    cached = db.engine
    db.engine = lambda url=None: cached(url or settings.database_url())  # resolve the URL before the cache
    _APP = create_app(environment["NHSV_DATABASE_URL"])


def attack_user(code: str):
    from dashboard.data import warehouse
    from dashboard.viewer import Viewer
    from tests.privacy import attacks, crawl

    responses = crawl.crawl(_APP, Viewer("gemeente", code))
    return attacks.attack(responses, code, warehouse.mart(None))
