"""The cache of rendered pages: it never crosses scopes, a load invalidates it, it sits behind the login guard,
and it answers exactly what a fresh render answers."""

from __future__ import annotations

import gzip
import json

import pytest

from dashboard import auth
from dashboard.render_cache import RenderCache
from tests.conftest import good_values, load_bytes
from tests.test_auth import COORDINATOR, HOORN, PASSWORD, login, logout
from tests.test_pages import leaked, router_body, strings

UPDATE = "/_dash-update-component"


@pytest.fixture
def app(engine, workbook, monkeypatch):
    """A warehouse with Hoorn and Alkmaar in 2026Q3, a coordinator and a Hoorn user, and a fresh app."""
    from dashboard.app import create_app

    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    auth.add_user(engine, HOORN, "gemeente", "GM0405", PASSWORD, actor="test")
    for code in ("GM0405", "GM0361"):
        assert load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3")).outcome == "loaded"
    monkeypatch.setenv("NHSV_RENDER_CACHE_MB", "8")
    return create_app()


def client_of(app, email: str):
    client = app.server.test_client()
    assert login(client, email).status_code == 302
    client.get("/_dash-layout")  # Dash registers its pages router on the first request
    return client


def post(client, app, pathname: str, search: str = "", **headers):
    response = client.post(UPDATE, json=router_body(app, pathname, search), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def content_text(response) -> str:
    return "\n".join(strings(response.get_json()["response"]["_pages_content"]["children"]))


def test_a_repeat_is_served_from_the_cache_with_the_same_answer(app):
    client = client_of(app, COORDINATOR)
    first = post(client, app, "/", "?kwartaal=2026Q3")
    second = post(client, app, "/", "?kwartaal=2026Q3")
    assert (first.headers["X-Render-Cache"], second.headers["X-Render-Cache"]) == ("miss", "hit")
    assert second.get_json() == first.get_json()
    assert "Alkmaar" in leaked(content_text(second))  # a coordinator sees names (the check is not blind)
    other = post(client, app, "/", "?kwartaal=2026Q3&maat=signals_per_10k")  # another URL: another key
    assert other.headers["X-Render-Cache"] == "miss"


def test_the_cache_never_carries_one_scope_to_another(app):
    coordinator, hoorn = client_of(app, COORDINATOR), client_of(app, HOORN)
    search = "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0405"
    assert "Alkmaar" in leaked(content_text(post(coordinator, app, "/vergelijken", search)))
    assert post(coordinator, app, "/vergelijken", search).headers["X-Render-Cache"] == "hit"
    answer = post(hoorn, app, "/vergelijken", search)  # the very same request body, another scope
    assert answer.headers["X-Render-Cache"] == "miss"
    text = content_text(answer)
    assert "alleen beschikbaar voor coördinatoren" in text
    assert leaked(text) == set()
    profile = post(hoorn, app, "/gemeente/GM0361")
    assert "Geen toegang" in content_text(profile) and "Alkmaar" not in content_text(profile)


def test_a_load_invalidates_every_cached_page(app, engine, workbook):
    client = client_of(app, COORDINATOR)
    before = post(client, app, "/gemeente/GM0405", "?kwartaal=2026Q3")
    assert post(client, app, "/gemeente/GM0405", "?kwartaal=2026Q3").headers["X-Render-Cache"] == "hit"
    changed = good_values(statuses={"LA1": 3}, explanations={"LA1": "Nieuw vastgesteld plan, versie 2."})
    assert load_bytes(engine, "GM0405-v2.xlsx", workbook("GM0405", "2026Q3", changed)).outcome == "loaded"
    after = post(client, app, "/gemeente/GM0405", "?kwartaal=2026Q3")
    assert after.headers["X-Render-Cache"] == "miss"
    assert after.get_json() != before.get_json()
    assert "Nieuw vastgesteld plan, versie 2." in content_text(after)


def test_the_cache_sits_behind_the_login_guard(app):
    client = client_of(app, COORDINATOR)
    post(client, app, "/")
    body = router_body(app, "/")
    assert client.post(UPDATE, json=body).headers["X-Render-Cache"] == "hit"
    logout(client)
    assert client.post(UPDATE, json=body).status_code == 401
    assert app.server.test_client().post(UPDATE, json=body).status_code == 401


def test_answers_are_gzip_compressed_when_the_browser_accepts_it(app):
    client = client_of(app, COORDINATOR)
    plain = post(client, app, "/ontwikkeling")
    for _ in range(2):  # a miss is compressed too, then a hit
        packed = client.post(UPDATE, json=router_body(app, "/ontwikkeling"), headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        assert json.loads(gzip.decompress(packed.get_data())) == plain.get_json()
        assert len(packed.get_data()) < len(plain.get_data()) / 3


def test_pages_with_forms_are_not_cached(app):
    client = client_of(app, COORDINATOR)
    for _ in range(2):
        assert "X-Render-Cache" not in post(client, app, "/aanleveren").headers


def test_size_zero_switches_the_cache_off(engine, monkeypatch):
    from dashboard.app import create_app

    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    monkeypatch.setenv("NHSV_RENDER_CACHE_MB", "0")
    app = create_app()
    client = client_of(app, COORDINATOR)
    for _ in range(2):
        assert "X-Render-Cache" not in post(client, app, "/").headers


def test_least_recently_used_answers_go_first_within_the_byte_bound():
    cache = RenderCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"1234")  # 12 bytes > 10: b goes
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"1234"
    assert cache.size_bytes == 8 and len(cache) == 2
    cache.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 2)
