"""A demo warehouse for the page tests: built once per module, and the data layer pointed at it per test."""

from __future__ import annotations

from pathlib import Path

from dashboard import auth
from etl import db, demo, load
from etl.domain import Quarter
from nhsv import settings


def load_demo(folder: Path, users: dict[str, tuple[str, str | None]] | None = None, password: str = "",
              **generate) -> str:
    """The demo (`generate`: the options of `etl.demo.generate`) loaded through the loader into a SQLite file in
    `folder`, with `users` (e-mail: role, gemeente) and their `password`; its URL."""
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = db.make_engine(url)
    db.init(engine)
    demo.generate(folder / "inbox", **generate)
    load.load_paths(engine, [folder / "inbox"], actor="test")
    for email, (role, code) in (users or {}).items():
        auth.add_user(engine, email, role, code, password, actor="test")
    engine.dispose()
    return url


def demo_warehouse(folder: Path, users: dict[str, tuple[str, str | None]], password: str) -> str:
    """The demo (6 quarters, with a missing, a rejected and a corrected submission) with `users`; its URL."""
    return load_demo(folder, users, password, seed=1, last=Quarter(2025, 2))


def use_warehouse(url: str, monkeypatch):
    """Point the data layer at the warehouse. `db.engine()` without a URL is cached on its first call in the
    process, so the URL is resolved here before the cache (as `db.engine(url)` is cached per URL)."""
    monkeypatch.setenv("NHSV_DATABASE_URL", url)
    cached = db.engine
    monkeypatch.setattr(db, "engine", lambda given=None: cached(given or settings.database_url()))
    return cached(url)


def app_on(url: str):
    """A Dash app (one 'worker') built with NHSV_DATABASE_URL pointing at the warehouse at `url`; the setting is
    restored afterwards, and the page tests point the data layer at the warehouse per test (`use_warehouse`)."""
    import pytest

    from dashboard.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NHSV_DATABASE_URL", url)
        return create_app(url)
