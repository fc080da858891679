"""The app in English (issue 21) on the demo warehouse: every page reads in English for a coordinator and a gemeente
user (tables and CSV downloads included) with no Dutch interface word left outside the region's own texts; `?lang=`
switches and is stored for the user, the login page follows `?lang=` and the browser, error, logout and export
pages speak the language, and the quarterly packs stay Dutch."""

from __future__ import annotations

import html
import json
import re

import pytest
from plotly.io.json import to_json_plotly
from sqlalchemy import select, text

from dashboard import alternatives, components, context, data, i18n, uploads
from dashboard.data import warehouse as store
from dashboard.viewer import Viewer
from etl import db, reference, schema
from tests.english import PROPER_NAMES, dutch_words, shown_texts
from tests.warehouses import app_on, demo_warehouse, use_warehouse

OWN, OTHER = "GM0405", "GM0361"  # Hoorn, Alkmaar
LAST = "2025Q2"
PASSWORD = "een-goed-wachtwoord-123"
COORDINATOR_USER, HOORN_USER = "coord-i18n@example.nl", "hoorn-i18n@example.nl"
COORDINATOR, HOORN = Viewer("coordinator"), Viewer("gemeente", OWN)


# --- the pages in English -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory) -> str:
    return demo_warehouse(tmp_path_factory.mktemp("i18n"), {HOORN_USER: ("gemeente", OWN),
                                                               COORDINATOR_USER: ("coordinator", None)}, PASSWORD)


@pytest.fixture
def warehouse(warehouse_url, monkeypatch):
    return use_warehouse(warehouse_url, monkeypatch)


@pytest.fixture(scope="module")
def app(warehouse_url):
    return app_on(warehouse_url)


def region_texts(engine) -> list[str]:
    """Texts that are the region's own and stay as they are in English: names of gemeenten and districts, the
    checklist (as the pages shorten its labels too), events, explanations, stored findings, proper names."""
    out: set[str] = set(PROPER_NAMES)
    for place in store.region().values():
        out |= {place.name, place.district}
    out |= {short for _row, _col, short in store.tile_positions().values()}  # the map's abbreviations
    for block in reference.blocks():
        out |= {block.label, block.description, block.theme, block.label[:40].rstrip(),
                f"{block.code} {block.label}"[:34]}
    events = data.events()
    out |= set(events["title"]) | set(events["description"])
    with engine.connect() as conn:
        out |= {r[0] for r in conn.execute(select(schema.block_quarter.c.explanation)) if r[0]}
        for place, message in conn.execute(select(schema.finding.c.place, schema.finding.c.message)):
            out |= {place or "", message or ""}
        out |= {r[0] for r in conn.execute(select(schema.source_file.c.file_name))}  # as the gemeenten named them
    year = store.population_year()
    out.add(f"Gebieden in Nederland {year}")  # the CBS table's own name
    return sorted((t for t in out if t), key=len, reverse=True)


def _layouts() -> dict[str, dict]:
    import dash

    return {page.get("path_template") or page["path"]: page for page in dash.page_registry.values()}


def render_english(app, monkeypatch, viewer: Viewer, path: str, **params) -> list[str]:
    """A page as the pages router renders it in a request with `?lang=en`, with every table it offers opened
    and every CSV downloaded (dashboard.alternatives), and its document title."""
    page = _layouts()[path]
    monkeypatch.setattr(context, "viewer", lambda: viewer)
    with app.server.test_request_context("/?lang=en"):
        assert i18n.language() == "en"
        with components.collecting() as offered:
            tree = page["layout"](**params)
        texts = shown_texts(json.loads(to_json_plotly(tree)))
        for found in offered.values():
            texts += shown_texts(json.loads(to_json_plotly(alternatives.table_view(found))))
            texts.append(components.table_csv(found.make()))
        texts.append(page["title"](**{k: v for k, v in params.items() if k == "code"}))
    return texts


PAGES = {
    "coordinator": [("/", {"kwartaal": LAST}), ("/", {"kwartaal": LAST, "district": "Kennemerland", "sorteer": "naam",
                                                     "maat": "signals_per_10k"}),
                    ("/gemeente/<code>", {"code": OWN, "kwartaal": LAST}), ("/gemeente/<code>", {"code": None}),
                    ("/vergelijken", {"gemeente": OTHER, "kwartaal": LAST}), ("/vergelijken", {}),
                    ("/vergelijken", {"gemeente": OTHER, "groep": "selectie", "selectie": "GM0392,GM0394"}),
                    ("/ontwikkeling", {}), ("/ontwikkeling", {"maat": "signals_total"}),
                    ("/signalen", {"kwartaal": LAST}), ("/aanlevering", {"kwartaal": LAST}),
                    ("/aanlevering", {"kwartaal": LAST, "toon": "afgewezen"}), ("/aanleveren", {"gemeente": OWN}),
                    ("/aanleveren", {}), ("/verantwoording", {}), ("/404", {})],
    "gemeente": [("/", {"kwartaal": LAST}), ("/", {"district": "West-Friesland"}),
                 ("/gemeente/<code>", {"code": OWN, "kwartaal": LAST}),
                 ("/gemeente/<code>", {"code": OWN, "kwartaal": LAST, "groep": "district"}),
                 ("/gemeente/<code>", {"code": OTHER}), ("/vergelijken", {"groep": "grootte"}),
                 ("/ontwikkeling", {"maat": "signals_per_10k"}), ("/signalen", {}), ("/aanlevering", {}),
                 ("/aanleveren", {}), ("/verantwoording", {})],
}


@pytest.mark.parametrize("role", PAGES)
def test_every_page_reads_in_english(app, warehouse, monkeypatch, role):
    viewer = COORDINATOR if role == "coordinator" else HOORN
    region = region_texts(warehouse)
    problems = {}
    for path, params in PAGES[role]:
        texts = render_english(app, monkeypatch, viewer, path, **params)
        assert len(texts) >= 3
        found = dutch_words(texts, region)
        if found:
            problems[f"{path} {params}"] = found
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_the_english_pages_say_what_they_should(app, warehouse, monkeypatch):
    """Not only no Dutch: the English texts are there (titles, quarters, numbers the English way)."""
    texts = "\n".join(render_english(app, monkeypatch, COORDINATOR, "/", kwartaal=LAST))
    assert "Overview of the region" in texts and "The quarter in brief" in texts and "Q2 2025" in texts
    assert "Building blocks per municipality" in texts and "Show as table" in texts
    assert "Overview — NHSV-monitor" in texts
    texts = "\n".join(render_english(app, monkeypatch, HOORN, "/signalen"))
    assert "NHSV region: reports by type" in texts and "Hoorn: reports by source" in texts


def test_the_check_is_not_blind(app, warehouse, monkeypatch):
    """Without the English catalogue the same pages are Dutch, and the check says so."""
    from babel.support import NullTranslations

    region = region_texts(warehouse)
    assert dutch_words(["Toon als tabel", "Hoorn heeft nog niets aangeleverd."], region) == {
        "toon": "Toon als tabel", "als": "Toon als tabel", "tabel": "Toon als tabel", "heeft": "Hoorn heeft nog niets aangeleverd.",
        "nog": "Hoorn heeft nog niets aangeleverd.", "aangeleverd": "Hoorn heeft nog niets aangeleverd."}
    assert not dutch_words([reference.blocks()[0].label, store.region()[OWN].name], region)
    monkeypatch.setattr(i18n, "translations", lambda lang: NullTranslations())
    found = dutch_words(render_english(app, monkeypatch, COORDINATOR, "/", kwartaal=LAST), region)
    assert {"gemeenten", "kwartaal", "bouwstenen"} <= set(found)


def test_the_data_layer_caches_text_per_language(app, warehouse, monkeypatch):
    """A cached value written in one language is not served in the other: signal counts and trends carry the
    language in their key; the profile's bands are cached without text."""
    with app.server.test_request_context("/?lang=en"):
        english = data.trends(HOORN, "score")
        english_counts = data.signal_tables(COORDINATOR, data.scope.REGION_NAME)
    with app.server.test_request_context("/"):
        dutch = data.trends(HOORN, "score")
        dutch_counts = data.signal_tables(COORDINATOR, data.scope.REGION_NAME)
    assert "NHSV region" in set(english["label"]) and "Regio NHSV" in set(dutch["label"])
    assert english_counts[0].title == "NHSV region: reports by type"
    assert dutch_counts[0].title == "Regio NHSV: meldingen naar soort"
    assert any("," in t for t in dutch["text"]) and not any("." in t for t in dutch["text"])
    assert any("." in t for t in english["text"]) and not any("," in t for t in english["text"])
    with app.server.test_request_context("/?lang=en"):
        english_profile = data.profile(HOORN, OWN, LAST, peer_kind="regio")
    with app.server.test_request_context("/"):
        dutch_profile = data.profile(HOORN, OWN, LAST, peer_kind="regio")
    english_band = english_profile.bands_over_time["fte_per_100k"]
    dutch_band = dutch_profile.bands_over_time["fte_per_100k"]
    assert english_band["median"].tolist() == dutch_band["median"].tolist()
    assert english_band["median_text"].tolist() == [t.replace(",", ".") for t in dutch_band["median_text"]]


def test_uploads_answer_in_english(app, warehouse, monkeypatch):
    """The messages the app writes itself; the loader's findings stay Dutch, as they are stored."""
    monkeypatch.setenv("NHSV_UPLOAD_MAX_BYTES", "1000")
    with app.server.test_request_context("/?lang=en"):
        result = uploads.receive_upload(HOORN, "data:application/octet-stream;base64," + "A" * 4000, "x.xlsx", OWN)
        assert result.title == "Refused" and result.message.startswith("The file is too large (3000 bytes)")
        assert "Submit only the completed template or the CSV." in result.message
        history = uploads.submission_history(HOORN, OWN)
        assert list(history.columns)[:3] == ["Quarter", "Version", "Status"]
        assert set(history["Status"]) <= {"active", "replaced", "rejected"}


# --- choosing the language ----------------------------------------------------------------------------------


def _csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, email: str, **extra):
    return client.post("/login", data={"csrf_token": _csrf(client), "email": email, "password": PASSWORD, **extra})


def _stored(engine, email: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(schema.user.c.language).where(schema.user.c.email == email)).scalar()


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


@pytest.fixture
def client(app, warehouse):
    with warehouse.begin() as conn:
        conn.execute(text("UPDATE app_user SET language = NULL"))
    return app.server.test_client()


def test_lang_switches_the_page_and_is_stored_for_the_user(client, warehouse):
    assert _login(client, COORDINATOR_USER).status_code == 302
    assert _stored(warehouse, COORDINATOR_USER) is None
    page = client.get("/signalen").get_data(as_text=True)
    assert _html_lang(page) == "nl"
    page = client.get("/signalen?lang=en&kwartaal=2025Q1").get_data(as_text=True)
    assert _html_lang(page) == "en" and _stored(warehouse, COORDINATOR_USER) == "en"
    # Dash's own requests carry no ?lang=: they follow the stored choice
    layout = client.get("/_dash-layout").get_json()
    shell = json.dumps(layout)
    assert '"Log out"' in shell and '"Overview"' in shell and '"Nederlands"' in shell and '"lang": "nl"' in shell
    assert not dutch_words(shown_texts(layout), [*PROPER_NAMES, COORDINATOR_USER])
    assert _html_lang(client.get("/").get_data(as_text=True)) == "en"
    client.get("/?lang=nl")
    assert _stored(warehouse, COORDINATOR_USER) == "nl"
    shell = json.dumps(client.get("/_dash-layout").get_json())
    assert '"Uitloggen"' in shell and '"English"' in shell and '"hrefLang": "en"' in shell
    assert _html_lang(client.get("/").get_data(as_text=True)) == "nl"
    client.get("/?lang=xx")  # not a language of the monitor: nothing changes
    assert _stored(warehouse, COORDINATOR_USER) == "nl"


def test_the_choice_is_per_user(app, client, warehouse):
    _login(client, COORDINATOR_USER)
    client.get("/?lang=en")
    other = app.server.test_client()
    _login(other, HOORN_USER)
    assert _html_lang(other.get("/").get_data(as_text=True)) == "nl"
    assert _stored(warehouse, HOORN_USER) is None and _stored(warehouse, COORDINATOR_USER) == "en"


def test_the_login_page_follows_lang_and_the_browser(client):
    def lang_of(path: str, **headers) -> str:
        return _html_lang(client.get(path, headers=headers).get_data(as_text=True))

    assert lang_of("/login") == "nl"
    assert lang_of("/login", **{"Accept-Language": "en-GB,en;q=0.9"}) == "en"
    assert lang_of("/login", **{"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}) == "nl"
    assert lang_of("/login", **{"Accept-Language": "de-DE"}) == "nl"
    assert lang_of("/login?lang=en", **{"Accept-Language": "nl"}) == "en"
    assert lang_of("/login?lang=nl", **{"Accept-Language": "en"}) == "nl"
    # sent to the login from an English page: the login speaks English
    response = client.get("/signalen?lang=en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _html_lang(page) == "en" and "Log in" in page and "Password" in page
    # the switch on the login page: a link in the other language, named in it, keeping where to go next
    english = client.get("/login?next=%2Fsignalen").get_data(as_text=True)
    assert re.search(r'<a href="/login\?next=%2Fsignalen&amp;lang=en" lang="en" hreflang="en"[^>]*>English</a>',
                     english)


def test_a_language_chosen_at_login_is_kept(client, warehouse):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="en">' in page
    failed = client.post("/login", data={"csrf_token": _csrf(client, "/login?lang=en"), "email": COORDINATOR_USER,
                                          "password": "fout-wachtwoord-123", "lang": "en"})
    assert failed.status_code == 401 and "E-mail address or password incorrect." in failed.get_data(as_text=True)
    assert _login(client, COORDINATOR_USER, lang="en").status_code == 302
    assert _stored(warehouse, COORDINATOR_USER) == "en"
    assert _html_lang(client.get("/").get_data(as_text=True)) == "en"


def test_a_logged_in_user_without_a_choice_gets_dutch_whatever_the_browser(client, warehouse):
    _login(client, HOORN_USER)
    page = client.get("/", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert _html_lang(page) == "nl"


def test_error_and_logout_pages_speak_the_language(client, app):
    from dashboard.auth import errors

    with app.server.test_request_context("/iets?lang=en"):
        body, status, _headers = errors.error_response(503)
        assert status == 503 and '<html lang="en">' in body and "Monitor temporarily unavailable" in body
        assert "Error code for the administrator" in body
    _login(client, HOORN_USER)
    client.get("/?lang=en")
    page = client.get("/logout").get_data(as_text=True)
    assert _html_lang(page) == "en" and f"You are logged in as {HOORN_USER}." in page


def test_the_export_pages_speak_english(client):
    """Starting an export (a page that says what the pack holds) and a refusal, in English; the pack's own label
    stays in the pack's language, marked as Dutch."""
    from dashboard.export import confidentiality_label

    _login(client, HOORN_USER)
    client.get("/?lang=en")
    page = client.get(f"/exporteer?kwartaal={LAST}&regio=1").get_data(as_text=True)
    assert _html_lang(page) == "en" and "Export the quarterly pack" in page and "Make the pack" in page
    label = confidentiality_label("gemeente", store.region()[OWN].name)
    assert f'<strong lang="nl">{label}</strong>' in page
    text = re.sub(r"<[^>]+>", " ", page.replace(label, " "))
    assert not dutch_words([text], [*PROPER_NAMES, store.region()[OWN].name, HOORN_USER])
    refused = client.get(f"/exporteer?kwartaal={LAST}&gemeente={OTHER}")
    assert refused.status_code == 403
    assert "You can only export your own municipality's data." in html.unescape(refused.get_data(as_text=True))


def test_the_quarterly_pack_stays_dutch_in_an_english_request(app, warehouse, tmp_path):
    from dashboard import export

    with app.server.test_request_context("/?lang=en"):
        export.build_pack(LAST, "coordinator", [OWN], False, ["csv"], tmp_path / "pakket")
        assert i18n.language() == "en"  # the request itself is English again after the pack
    csvs = "\n".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "pakket").rglob("*.csv"))
    assert "Kwartaal" in csvs and "Quarter" not in csvs and "Bron: aanleveringen" in csvs


def test_the_language_column_migrates_both_ways(tmp_path):
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        db.upgrade(engine, "0006")
        with engine.begin() as conn:
            reference.load_dimensions(conn)
            # a user as 0006 stores one (the app's own functions read the language column, which 0006 lacks)
            conn.execute(text("INSERT INTO app_user (email, role, active, password_hash, session_version, created_at) "
                              "VALUES ('a@example.nl', 'coordinator', 1, 'x', 1, CURRENT_TIMESTAMP)"))
        db.upgrade(engine)
        assert db.schema_revision(engine) == "0007"
        assert _stored(engine, "a@example.nl") is None
        with engine.begin() as conn, pytest.raises(Exception, match=r"CHECK|check"):
            conn.execute(text("UPDATE app_user SET language = 'fr'"))
        cfg = db.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        with engine.connect() as conn:
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(app_user)"))]
        assert "language" not in columns and "email" in columns
    finally:
        engine.dispose()
