"""Every route and every callback needs a login (issue 3, acceptance 1), a login's redirect keeps only a relative
target, the health check answers anonymously, and what other code takes from dashboard.auth is there."""

from __future__ import annotations

import re

from dashboard import auth
from tests.auth.helpers import (
    ANONYMOUS_ALLOWLIST,
    COORDINATOR,
    ROOT,
    assert_anonymous,
    assert_logged_in,
    callback_payload,
    client_with_cookie,
    is_login_redirect,
    login,
    sample_path,
)

# --- acceptance 1: every route and every callback needs a login ---------------------------------------


def test_url_map_and_callback_map_need_a_login(app, users):
    server = app.server
    # Let Dash set itself up (callback map, pages) the way a real first visit does: as a logged-in user.
    insider = server.test_client()
    assert login(insider, COORDINATOR).status_code == 302
    assert_logged_in(insider)
    assert insider.get("/_dash-dependencies").status_code == 200
    assert app.callback_map, "Dash's callback map is empty; the walk would prove nothing"

    anonymous = server.test_client()
    reachable = set()
    for rule in server.url_map.iter_rules():
        path = sample_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            kwargs = {"json": {}} if method == "POST" and path.startswith("/_dash-") else {}
            response = anonymous.open(path, method=method, **kwargs)
            if path.startswith("/_") and rule.rule not in ANONYMOUS_ALLOWLIST:
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                assert response.is_json
            elif rule.rule not in ANONYMOUS_ALLOWLIST:
                assert is_login_redirect(response), (method, rule.rule, response.status_code)
            if not is_login_redirect(response) and response.status_code != 401:
                reachable.add(rule.rule)
    assert reachable <= ANONYMOUS_ALLOWLIST
    assert {"/_dash-layout", "/_dash-dependencies", "/_dash-update-component"} <= {
        r.rule for r in server.url_map.iter_rules()}

    # Dash's own endpoints, named.
    assert_anonymous(anonymous)
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401
    # Every registered page.
    import dash

    for page in dash.page_registry.values():
        response = anonymous.get(page["relative_path"])
        assert is_login_redirect(response), page["relative_path"]
    # Every callback of the callback map, posted by hand.
    for key, spec in app.callback_map.items():
        response = anonymous.post("/_dash-update-component", json=callback_payload(key, spec))
        assert response.status_code == 401, key
        assert response.get_json()["error"] == "niet ingelogd"
    # ... and with a cookie signed with another key.
    forged = client_with_cookie(app, "eyJfdXNlcl9pZCI6ImFiYyJ9.ZZZZZZ.abcdefghijklmnopqrstuvwxyz0")
    assert forged.post("/_dash-update-component", json={}).status_code == 401

    # The allowlist itself answers anonymously.
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/healthz").status_code == 200


def test_logged_in_user_reaches_callbacks(app, users):
    client = app.server.test_client()
    login(client)
    client.get("/_dash-layout")
    key = next(k for k in app.callback_map if "_pages_content" in k)
    body = callback_payload(key, app.callback_map[key])
    body["inputs"][0]["value"] = "/"
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    # A Dash endpoint posted as a form (as a cross-site form would) is refused.
    assert client.post("/_dash-update-component", data={"output": key}).status_code == 415


def test_redirect_keeps_only_relative_next(app, users):
    client = app.server.test_client()
    response = client.get("/kaart?kwartaal=2026Q3")
    assert response.headers["Location"] == "/login?next=%2Fkaart%3Fkwartaal%3D2026Q3"
    assert login(client, next_target="/kaart?kwartaal=2026Q3").headers["Location"] == "/kaart?kwartaal=2026Q3"
    for evil in ("//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/logout"):
        other = app.server.test_client()
        assert login(other, next_target=evil).headers["Location"] == "/", evil
    assert auth.safe_next("/\t/evil.example") == "/"


def test_healthz(app):
    body = app.server.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["schema_revision"] == body["head_revision"]


def test_every_name_other_code_takes_from_dashboard_auth_is_there():
    """dashboard.auth became a package; what the rest of the code calls on it stays importable from it."""
    import types

    used = set()
    for folder in ("dashboard", "nhsv", "etl", "benchmarks", "scripts", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "from dashboard import auth" in source:
                used |= set(re.findall(r"(?<![\w/.])auth\.([A-Za-z_]\w*)", source))
            for names in re.findall(r"from dashboard\.auth import ([\w, ]+)", source):
                used |= {name.split(" as ")[0].strip() for name in names.split(",")}
    assert {"add_user", "audit", "create_demo_users", "current_viewer", "init_app"} <= used
    missing = sorted(name for name in used if not hasattr(auth, name))
    assert not missing, missing
    assert callable(auth.audit) and not isinstance(auth.audit, types.ModuleType)
