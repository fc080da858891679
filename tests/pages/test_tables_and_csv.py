"""'Toon als tabel' and 'Download als CSV', the alternatives to each chart: asked for through Dash's endpoint they
stay in a gemeente user's scope (and do name gemeenten for a coordinator), and each has its own key on a page."""

from __future__ import annotations

import pytest

from benchmarks.server import DOWNLOAD_CSV, SHOW_TABLE
from dashboard.alternatives import STALE as STALE_TEXT
from tests.pages.helpers import (
    COORDINATOR_USER,
    HOORN_USER,
    OWN,
    ROLES,
    assert_within_scope,
    leaked,
    login_as,
    nodes,
    offered_keys,
    on_request,
    render,
    route,
    strings,
)

# --- 'Toon als tabel' and 'Download als CSV' through Dash's endpoint ---------------------------------------


@pytest.mark.parametrize(("pathname", "search"), [
    ("/", ""), ("/gemeente/GM0405", ""), ("/vergelijken", "?groep=grootte"), ("/ontwikkeling", ""),
    ("/signalen", ""),
])
def test_tables_and_csvs_on_request_stay_in_a_gemeente_users_scope(app, warehouse, pathname, search):
    """Every table and CSV a page offers a gemeente user, asked for as the browser asks: each one arrives, with
    nothing beyond what DOMAIN.md §5 allows, and the CSV is what the table shows."""
    client = app.server.test_client()
    login_as(client, HOORN_USER)
    content = route(client, app, pathname, search)["response"]["_pages_content"]["children"]
    tables_keys, csv_keys = offered_keys(content, "tabel"), offered_keys(content, "csv")
    assert csv_keys and set(tables_keys) <= set(csv_keys)
    for key in tables_keys:
        table = on_request(client, SHOW_TABLE, key, pathname, search)[f'{{"key":"{key}","type":"tabel"}}']
        shown = table["children"]
        text = "\n".join(strings(shown))
        assert any(nodes(shown, "Table")) and STALE_TEXT not in text, key
        assert_within_scope(shown, text)
    for key in csv_keys:
        answer = on_request(client, DOWNLOAD_CSV, key, pathname, search)
        download = answer[f'{{"key":"{key}","type":"csv-bestand"}}']["data"]
        assert download["filename"].endswith(".csv") and download["content"].startswith("\ufeff"), download
        assert not leaked(download["content"]), (key, leaked(download["content"]))


def test_tables_on_request_of_a_forbidden_page_or_unknown_key_give_a_message(app, warehouse):
    client = app.server.test_client()
    login_as(client, HOORN_USER)
    for pathname, search, key in [("/gemeente/GM0361", "", "checklist"),  # another gemeente's profile
                                  ("/aanlevering", "", "aanlevering"),  # coordinators only
                                  ("/signalen", "", "bestaat-niet")]:
        table = on_request(client, SHOW_TABLE, key, pathname, search)[f'{{"key":"{key}","type":"tabel"}}']
        assert STALE_TEXT in "\n".join(strings(table["children"])) and not any(nodes(table["children"], "Table"))
        answer = on_request(client, DOWNLOAD_CSV, key, pathname, search)
        assert answer[f'{{"key":"{key}","type":"csv-melding"}}']["children"].startswith(STALE_TEXT)
        assert f'{{"key":"{key}","type":"csv-bestand"}}' not in answer  # no file


def test_tables_on_request_as_coordinator_name_gemeenten(app, warehouse):
    """The same request from a coordinator does carry the names: the scope test above is not blind."""
    client = app.server.test_client()
    login_as(client, COORDINATOR_USER)
    search = "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0392"
    content = route(client, app, "/vergelijken", search)["response"]["_pages_content"]["children"]
    texts = []
    for key in offered_keys(content, "tabel"):
        table = on_request(client, SHOW_TABLE, key, "/vergelijken", search)[f'{{"key":"{key}","type":"tabel"}}']
        texts += strings(table["children"])
    assert {"Alkmaar", "Haarlem"} <= leaked("\n".join(texts))


@pytest.mark.parametrize("role", ROLES)
def test_every_offered_table_has_its_own_key(pages, as_viewer, role):
    """The placeholders' ids are the tables' keys: two the same on one page would break both in the browser."""
    as_viewer(ROLES[role])
    for name, kwargs in [("overzicht", {}), ("gemeente", {"code": OWN}), ("vergelijken", {"groep": "grootte"}),
                         ("ontwikkeling", {}), ("signalen", {}), ("aanlevering", {})]:
        tree, _ = render(pages[name](**kwargs))
        for kind in ("tabel", "csv"):
            keys = offered_keys(tree, kind)
            assert len(keys) == len(set(keys)), (name, kind, keys)
