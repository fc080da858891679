"""The production server's configuration: gunicorn's options, bad settings refused before starting, workers
sharing a generated key and no database connection of the master, one BLAS thread, and the layers of serving
importing one way."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from cli import serve as production
from etl import db
from tests.production.helpers import ROOT
from tests.serverprocess import free_port

# --- configuration checks ------------------------------------------------------------------------------------


def test_gunicorn_options(monkeypatch):
    for name in ("NHSV_WORKERS", "NHSV_THREADS", "NHSV_FORWARDED_ALLOW_IPS", "NHSV_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    options = production.gunicorn_options("0.0.0.0", 8050)
    assert options["bind"] == ["0.0.0.0:8050"]
    assert options["workers"] == 2 and options["threads"] == 4 and options["worker_class"] == "gthread"
    assert options["preload_app"] is False
    assert options["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert options["timeout"] >= 60 and options["control_socket_disable"] is True
    assert production.gunicorn_options("::1", 9000, workers=3, threads=1)["bind"] == ["[::1]:9000"]
    assert production.gunicorn_options("::", 80, workers=3)["workers"] == 3

    monkeypatch.setenv("NHSV_WORKERS", "5")
    assert production.gunicorn_options("127.0.0.1", 1)["workers"] == 5
    from gunicorn.config import Config

    config = Config()
    for key, value in production.gunicorn_options("127.0.0.1", 8050).items():
        if key in config.settings:
            config.set(key, value)  # gunicorn accepts every value
    assert config.workers == 5 and config.preload_app is False
    for value in ("", "127.0.0.1, 172.29.80.1, ::1"):
        monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", value)
        config.set("forwarded_allow_ips", production.gunicorn_options("127.0.0.1", 1)["forwarded_allow_ips"])


@pytest.mark.parametrize(("env", "message"), [
    ({"NHSV_WORKERS": "0"}, "NHSV_WORKERS"),
    ({"NHSV_THREADS": "veel"}, "NHSV_THREADS"),
    ({"NHSV_LOG_FORMAT": "xml"}, "NHSV_LOG_FORMAT"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "10.0.0.0/8, proxy.example"}, "NHSV_FORWARDED_ALLOW_IPS"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "127.0.0.1, 172.16.0.0/12"}, "geen netwerken"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "*"}, "geen netwerken"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "proxy.example"}, "ongeldig adres"),
    ({"NHSV_ENV": "production", "NHSV_SECRET_KEY": ""}, "NHSV_SECRET_KEY"),
    ({"NHSV_ENV": "production", "NHSV_SECRET_KEY": "kort"}, "NHSV_SECRET_KEY"),
])
def test_serve_production_refuses_bad_settings_before_starting(monkeypatch, env, message):
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = []
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", lambda self: started.append(self))  # noqa: PLW0108 - a lambda binds self, list.append would not
    with pytest.raises(production.ConfigurationError, match=message):
        production.serve_production("127.0.0.1", free_port())
    assert not started


def test_development_workers_share_one_generated_secret_key(monkeypatch, tmp_path):
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    monkeypatch.setenv("NHSV_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("NHSV_ENV", "development")
    monkeypatch.setenv("NHSV_SECRET_KEY", "")
    started = []
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", lambda self: started.append(self))  # noqa: PLW0108 - a lambda binds self, list.append would not
    production.serve_production("127.0.0.1", free_port(), workers=2)
    assert len(started) == 1
    assert len(os.environ["NHSV_SECRET_KEY"]) >= 32  # set before the fork: every worker signs with it
    assert started[0].cfg.workers == 2 and started[0].cfg.preload_app is False


@pytest.mark.parametrize("present", [True, False])
def test_the_server_warns_without_the_images_malloc_setting(monkeypatch, tmp_path, caplog, present):
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    monkeypatch.setenv("NHSV_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("NHSV_ENV", "development")
    for name, value in production.MALLOC_ENV.items():
        if present:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", lambda self: None)
    with caplog.at_level("WARNING", logger="cli.serve"):
        production.serve_production("127.0.0.1", free_port())
    warned = [r.getMessage() for r in caplog.records if "MALLOC_MMAP_THRESHOLD_" in r.getMessage()]
    if present:
        assert warned == []
    else:
        assert len(warned) == 1 and "MALLOC_MMAP_THRESHOLD_=4194304" in warned[0]


def test_no_worker_inherits_a_database_connection_of_the_master(monkeypatch, tmp_path):
    """The CLI checks the schema before serving; those pooled connections are closed before the fork."""
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("NHSV_DATABASE_URL", url)
    master = db.engine(url)
    db.schema_revision(master)
    assert master.pool.checkedin() == 1
    production._release_database_connections()
    assert master.pool.checkedin() == 0  # nothing open is left to share
    assert db.schema_revision(db.engine(url)) == db.schema_revision(master)  # a worker opens its own


def test_the_app_keeps_numpy_to_one_blas_thread(engine):
    """Requests run in parallel already; competing OpenBLAS threads made the suppression 5-20 times slower."""
    from threadpoolctl import threadpool_info

    from dashboard.app import create_app

    create_app()
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas and all(info["num_threads"] == 1 for info in blas)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_layers_import_one_way_settings_at_the_bottom_serving_on_top():
    """dashboard.wsgi and the production server imported each other; now the server (cli.serve) loads the app
    (wsgi), the app uses the proxy fix and the settings, and those two import neither (tests/test_layers.py checks
    the packages as a whole)."""
    wsgi, serving = _imports(ROOT / "dashboard" / "wsgi.py"), _imports(ROOT / "cli" / "serve.py")
    assert "dashboard.wsgi" in serving
    assert not {name for name in wsgi if name.startswith("cli")}
    for bottom in ("settings.py", "proxies.py"):
        names = _imports(ROOT / "nhsv" / bottom)
        assert not {n for n in names if n.startswith(("dashboard", "cli", "etl"))}, bottom
