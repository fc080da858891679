"""Security headers: a Content-Security-Policy Dash works under (its one inline script allowed by hash, no
'unsafe-inline' for scripts), HSTS in production, a Permissions-Policy, and no caching of anything that holds a
user's view of the data (pages, Dash's answers, downloads, exports). The browser test (tests/browser/test_csp.py)
shows the pages drawing their charts under this policy without a violation."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from dashboard import auth
from tests.auth.helpers import COORDINATOR, PASSWORD, callback_payload, login

PAGES = ["/", "/gemeente/GM0405", "/vergelijken", "/ontwikkeling", "/signalen", "/verantwoording", "/aanlevering",
         "/aanleveren"]


@pytest.fixture
def client(app, engine):
    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    client = app.server.test_client()
    assert login(client, COORDINATOR).status_code == 302
    return client


@pytest.fixture
def app(make_app):
    return make_app()


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def inline_scripts(html: str) -> list[str]:
    """The inline scripts a browser would run (JSON data blocks are not scripts)."""
    found = []
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        kind = re.search(r'type="([^"]+)"', attributes)
        if "src=" not in attributes and (kind is None or "javascript" in kind.group(1)):
            found.append(body)
    return found


def test_the_policy_allows_dashs_inline_script_by_hash_and_no_other(app, client):
    anonymous = app.server.test_client()
    for path in ["/login", *PAGES]:
        response = (anonymous if path == "/login" else client).get(path)
        assert response.status_code == 200, path
        policy = directives(response.headers["Content-Security-Policy"])
        scripts = policy["script-src"]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
        for body in inline_scripts(response.get_data(as_text=True)):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in scripts, (path, body[:80])
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["default-src"] == ["'self'"]
    page = client.get("/").get_data(as_text=True)
    assert inline_scripts(page), "the Dash page has its renderer script inline; the check above saw none"
    assert anonymous.get("/login").get_data(as_text=True).count("<script") == 0  # Flask's own pages: no scripts


def test_every_answer_carries_the_security_headers(client):
    for path in ("/login", "/", "/_dash-layout", "/healthz", "/bestaat/niet", "/assets/style.css"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "same-origin", path
        assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
        assert "Content-Security-Policy" in headers, path
        assert "Strict-Transport-Security" not in headers, path  # development: plain http://127.0.0.1


def test_hsts_in_production(make_app, engine):
    app = make_app(NHSV_ENV="production", NHSV_SECRET_KEY="k" * 48)
    for path in ("/login", "/healthz", "/assets/style.css"):
        response = app.server.test_client().get(path, base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_pages_data_downloads_and_exports_are_not_stored(app, client):
    for path in ["/login", "/logout", "/healthz", "/bestaat/niet", *PAGES]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    key = next(k for k in app.callback_map if "_pages_content" in k)
    body = callback_payload(key, app.callback_map[key])
    body["inputs"][0]["value"] = "/"
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    export = client.get("/exporteer?kwartaal=2026Q3")  # the export download (refused here: nothing loaded yet)
    assert export.headers["Cache-Control"] == "no-store"
    # files that are the same for everybody may be cached
    for path in ("/assets/style.css", "/static/auth.css"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', client.get("/").get_data(as_text=True))
    assert suites and "no-store" not in client.get(suites[0]).headers.get("Cache-Control", "")
