"""Production mode: no start without a proper secret key (development makes one per process), and error pages
that reveal nothing."""

from __future__ import annotations

import pytest

from tests.auth.helpers import csrf_token, login

# --- production mode and error pages -------------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key(make_app, engine):
    with pytest.raises(RuntimeError, match="NHSV_SECRET_KEY"):
        make_app(NHSV_ENV="production", NHSV_SECRET_KEY="")
    with pytest.raises(RuntimeError, match="te kort"):
        make_app(NHSV_ENV="production", NHSV_SECRET_KEY="kort")


def test_development_generates_a_key_per_process(make_app, engine):
    app = make_app(NHSV_SECRET_KEY="")
    assert len(app.server.secret_key) >= 32


def test_production_error_pages_reveal_nothing(make_app, users):
    app = make_app(NHSV_ENV="production", NHSV_SECRET_KEY="k" * 48, NHSV_MFA="optional")
    server = app.server

    def boom():
        raise RuntimeError("geheime interne details /etc/passwd")

    server.add_url_rule("/boom", "boom", boom)
    client = server.test_client()
    assert login(client, base_url="https://localhost").status_code == 302
    response = client.get("/boom", base_url="https://localhost")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Er ging iets mis" in html and 'lang="nl"' in html
    assert "geheime" not in html and "Traceback" not in html and "RuntimeError" not in html

    anonymous = server.test_client()
    response = anonymous.get("/assets/bestaat-niet.css")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)
    response = client.post("/healthz", data={"csrf_token": csrf_token(client, "/logout", "https://localhost")},
                           base_url="https://localhost", headers={"Referer": "https://localhost/logout"})
    assert response.status_code == 405 and "Niet toegestaan" in response.get_data(as_text=True)
