"""Browser tests: the demo warehouse served from a thread, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from etl import db, demo, load
from etl.domain import Quarter

PASSWORD = "browser-test-wachtwoord"
USERS = {"coordinator": ("coordinator@test.nhsv.nl", "coordinator", None),
         "gemeente": ("hoorn@test.nhsv.nl", "gemeente", "GM0405"),
         "admin": ("beheer@test.nhsv.nl", "admin", None)}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def browser_path() -> str:
    path = os.environ.get("NHSV_BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium (scripts/setup.sh --test)")
    return path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """URL of a running dashboard on a demo warehouse (SQLite), with one user per role."""
    from werkzeug.serving import make_server

    from dashboard import auth
    from dashboard.app import create_app

    base = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{base / 'warehouse.db'}"
    saved = {k: os.environ.get(k) for k in ("NHSV_DATABASE_URL", "NHSV_DATA_DIR")}
    os.environ["NHSV_DATABASE_URL"] = url
    os.environ["NHSV_DATA_DIR"] = str(base)
    engine = db.engine(url)
    db.init(engine)
    plan = demo.generate(base / "inbox", seed=11, last=Quarter(2026, 3))
    load.load_paths(engine, [plan.inbox], actor="browser-test", channel="demo")
    for email, role, code in USERS.values():
        auth.add_user(engine, email, role, code, PASSWORD)
    app = create_app(url)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=BROWSER_ARGS)
        yield browser
        browser.close()


def login(page, base: str, role: str) -> None:
    email = USERS[role][0]
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.fixture
def page_as(chromium, live_server):
    """page_as(role, width=1280, height=800) -> a logged-in page."""
    contexts = []

    def make(role: str, width: int = 1280, height: int = 800):
        context = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                       locale="nl-NL")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        login(page, live_server, role)
        return page

    yield make
    for context in contexts:
        context.close()


def wait_for_charts(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
