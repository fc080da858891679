"""DOMAIN.md §5 (version 2) under attack: for every gemeente user of the demo, everything the server sends them
(every page with every filter value and quarter, every table and CSV alternative, the export) is attacked as a
hostile portfolio holder would, with the CBS population table and the public facts. The attacks must find
nothing on the product, and must find the leaks of the earlier behaviour (tests/privacy/unsafe.py), so that
they are not blind.

The crawl and the attacks run once per module for all 32 users, in as many processes as there are cores (each
crawls its users in-process, as the pages router and the table callbacks render, and returns only what the
attacks learnt), with one test that the real endpoint sends what the crawl reads.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor

import pytest

from dashboard import auth
from dashboard.data import scope, warehouse
from dashboard.viewer import Viewer
from tests.privacy import attacks, crawl, unsafe
from tests.privacy import workers as workers_module
from tests.privacy.attacks import hidden_counts, linking, naming, pinning, reading, submitters
from tests.privacy.crawl import Response

pytestmark = pytest.mark.slow
PASSWORD = "een-goed-wachtwoord-123"


@pytest.fixture(scope="module")
def truth(privacy_app):
    return warehouse.mart(None)


@pytest.fixture(scope="module")
def product(privacy_app, privacy_users, truth) -> dict[str, attacks.Findings]:
    """Code → what the attacks learnt from everything the server sends that gemeente's user."""
    codes = sorted(privacy_users)
    environment = {k: os.environ[k] for k in ("NHSV_DATABASE_URL", "NHSV_TODAY", "NHSV_SECRET_KEY",
                                              "NHSV_REFERENCE_DIR", "NHSV_SMALL_COUNT_THRESHOLD") if k in os.environ}
    workers = max(1, min(os.cpu_count() or 1, 4))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=workers_module.start, initargs=(environment,)) as pool:
        return dict(zip(codes, pool.map(workers_module.attack_user, codes), strict=True))


def _unsafe_responses(viewer: Viewer) -> list[Response]:
    """The views of the earlier behaviour that the attacks were written against, as JSON and tables."""
    quarters = warehouse.quarters()
    out = []

    def add(page, params, quarter, charts_):
        payload = json.loads(crawl.to_json_plotly({"figures": [c.figure for c in charts_]}))
        tables = {c.title: c.table for c in charts_}
        from dashboard import components

        out.append(Response(page, params, quarter, payload, tables,
                            [components.table_csv(t) for t in tables.values()]))

    for q in quarters[:2]:
        for kind in ("regio", "district", "grootte"):
            add("/vergelijken", {"kwartaal": q, "groep": kind}, q, unsafe.comparison_charts(viewer, q, kind))
        for district in (None, *warehouse.districts()):
            add("/", {"kwartaal": q, "district": district}, q, [unsafe.heatmap_chart(viewer, q, district)])
    add("/signalen", {}, None, unsafe.signal_charts(viewer))
    for measure in ("signals_total", "signals_per_10k"):
        add("/ontwikkeling", {"maat": measure}, None, [unsafe.trend_chart(viewer, measure)])
    return out


def _groups(responses: list[Response], own: str) -> dict[int, frozenset[str]]:
    """What the attacker knows of each view's group from its request: a district filter or a peer group."""
    places = warehouse.region()
    out = {}
    for k, r in enumerate(responses):
        if r.page == "/" and r.params.get("district"):
            out[k] = frozenset(c for c, p in places.items() if p.district == r.params["district"])
        elif r.page == "/vergelijken" and r.params.get("groep") == "grootte":
            out[k] = frozenset(c for c, p in places.items() if p.size_class == places[own].size_class)
        elif r.page == "/vergelijken" and r.params.get("groep") == "district":
            out[k] = frozenset(c for c, p in places.items() if p.district == places[own].district)
        else:
            out[k] = frozenset(places)
    return out


# --- the crawl reads what the endpoint sends ---------------------------------------------------------------

def _login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                           headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302


def _router_body(app, pathname: str, search: str) -> dict:
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    spec = app.callback_map[key]
    values = {"_pages_location.pathname": pathname, "_pages_location.search": search}

    def item(dep):
        return {**dep, "value": values.get(f"{dep['id']}.{dep['property']}")}

    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs, "inputs": [item(d) for d in spec.get("inputs", [])],
            "state": [item(d) for d in spec.get("state", [])], "changedPropIds": ["_pages_location.pathname"]}


@pytest.mark.parametrize(("pathname", "search", "path", "params"), [
    ("/", "?kwartaal=2026Q3&district=Kennemerland&maat=fte_per_100k", "/",
     {"kwartaal": "2026Q3", "district": "Kennemerland", "maat": "fte_per_100k"}),
    ("/vergelijken", "?kwartaal=2026Q2&groep=grootte", "/vergelijken", {"kwartaal": "2026Q2", "groep": "grootte"}),
    ("/gemeente/GM0405", "?groep=district", "/gemeente/<code>", {"code": "GM0405", "groep": "district"}),
])
def test_the_endpoint_sends_what_the_crawl_reads(privacy_app, privacy_users, pathname, search, path, params):
    client = privacy_app.server.test_client()
    _login(client, privacy_users["GM0405"])
    client.get("/_dash-layout")
    answer = client.post("/_dash-update-component", json=_router_body(privacy_app, pathname, search))
    assert answer.status_code == 200
    sent = answer.get_json()["response"]["_pages_content"]["children"]
    read = crawl.render(privacy_app, Viewer("gemeente", "GM0405"), path, params, None).payload
    assert sent == read


def test_the_overview_crawl_covers_every_combination(privacy_app):
    """The crawl renders Overzicht for every (quarter, district) and every (quarter, map measure), and the full
    product for the latest quarter only: what a combination sends is within what those two send."""
    from dashboard.metrics import MAP_MEASURES, MEASURES

    viewer = Viewer("gemeente", "GM0405")
    maps = [k for k in MAP_MEASURES if not MEASURES[k].count_based]
    for q in warehouse.quarters()[1:4]:
        for district in warehouse.districts():
            by_district = crawl.render(privacy_app, viewer, "/", {"kwartaal": q, "district": district,
                                                                  "maat": "score"}, q)
            for measure in maps[1:]:
                by_measure = crawl.render(privacy_app, viewer, "/", {"kwartaal": q, "district": None,
                                                                     "maat": measure}, q)
                both = crawl.render(privacy_app, viewer, "/", {"kwartaal": q, "district": district,
                                                               "maat": measure}, q)
                known = {*reading.all_numbers(by_district), *reading.all_numbers(by_measure)}
                assert set(reading.all_numbers(both)) <= known, (q, district, measure)
                words = set(reading.all_text(by_district).split()) | set(reading.all_text(by_measure).split())
                assert set(reading.all_text(both).split()) <= words, (q, district, measure)


# --- 1. names ------------------------------------------------------------------------------------------------

def test_no_other_gemeente_is_named(product):
    leaks = {code: sorted(found.names) for code, found in product.items()}
    assert not {c: n for c, n in leaks.items() if n}, leaks


def test_the_name_attack_finds_names_where_they_are_sent(privacy_app):
    coordinator = [crawl.render(privacy_app, Viewer("coordinator"), "/vergelijken",
                                {"kwartaal": "2026Q3", "gemeente": "GM0405", "groep": "district"}, "2026Q3")]
    assert len(naming.names(coordinator, "GM0405")) >= 10


# --- 2. population pinning ----------------------------------------------------------------------------------

def test_no_number_pins_another_gemeente_by_its_population(product):
    hits = {code: found.pins for code, found in product.items()}
    assert not {c: h for c, h in hits.items() if h}, {c: sorted(h, key=str)[:5] for c, h in hits.items() if h}


@pytest.mark.parametrize("own", ["GM0405", "GM0448"])
def test_population_pinning_names_the_peers_of_the_earlier_behaviour(privacy_app, truth, own):
    responses = _unsafe_responses(Viewer("gemeente", own))
    pins = pinning.correct_pins(pinning.population_pins(responses, own, pinning.own_values(truth, own)), truth)
    named = {p.code for p in pins}
    assert len(named) >= 25, f"{len(named)} of 31 others named"


# --- 3. rows per gemeente, and linkage across views ---------------------------------------------------------

def test_no_view_has_a_row_or_point_per_other_gemeente(product):
    found = {code: f.records for code, f in product.items()}
    assert not {c: r for c, r in found.items() if r}, {c: r[:3] for c, r in found.items() if r}


def test_linkage_names_the_singletons_of_district_and_size_in_the_earlier_behaviour(privacy_app, truth):
    own = "GM0405"
    responses = _unsafe_responses(Viewer("gemeente", own))
    found = linking.records(responses, own)
    assert found, "the earlier behaviour sends rows per gemeente"
    claims = linking.linkage(responses, found, own, _groups(responses, own))
    scores = truth.set_index(["municipality_code", "quarter"])["score"]
    right = {code for code, score in claims.items()
             if any(abs(scores.get((code, q), -1) - score) < 1e-6 for q in warehouse.quarters())}
    places = warehouse.region()
    singletons = {c for c, p in places.items() if c != own and p.size_class == places[own].size_class and sum(
        1 for o, q in places.items() if o != own and q.size_class == p.size_class and q.district == p.district) == 1}
    assert right and right <= set(claims), claims
    assert right & singletons, ({places[c].name for c in right}, {places[c].name for c in singletons})


# --- 4. differencing across tables --------------------------------------------------------------------------

def test_no_hidden_count_is_worked_out_across_tables(product):
    recovered = {code: {**f.recovered, **f.bounded} for code, f in product.items()}
    assert not {c: r for c, r in recovered.items() if r}, {c: list(r.items())[:5] for c, r in recovered.items() if r}


def test_differencing_recovers_hidden_counts_of_the_earlier_behaviour(privacy_app):
    cells = hidden_counts.count_cells(_unsafe_responses(Viewer("gemeente", "GM0405")))
    recovered = hidden_counts.differencing(cells)
    assert len(recovered) >= 5, recovered
    truth = warehouse.mart(None)
    for cell, value in recovered.items():  # and what it works out is right
        rows = truth[(truth["quarter"] == cell.quarter) & truth["submitted"]]
        if cell.group != scope.REGION_NAME:
            rows = rows[rows["district"] == cell.group]
        assert int(rows[cell.kind].sum()) == value


# --- 5. who did not submit ----------------------------------------------------------------------------------

def _missing_quarters(truth) -> list[str]:
    counts = truth[truth["submitted"]].groupby("quarter").size()
    return [q for q, n in counts.items() if n < len(warehouse.region())]


def test_no_user_learns_who_did_or_did_not_submit(product, truth):
    assert _missing_quarters(truth), "the demo has quarters with missing submissions"
    learnt = {code: f.submissions for code, f in product.items() if f.submissions}
    assert not learnt, learnt


def test_the_earlier_behaviour_gives_away_who_did_not_submit(privacy_app, truth):
    own = "GM0405"
    responses = _unsafe_responses(Viewer("gemeente", own))
    q = _missing_quarters(truth)[-1]
    submitted = warehouse.submitted_codes(q)
    missing, _ = submitters.non_submitters(responses, own, q, own in submitted, len(submitted))
    assert missing and missing <= set(warehouse.region()) - submitted, (q, missing)


# --- the users and the groups the tests rely on -------------------------------------------------------------

def test_every_gemeente_of_the_demo_is_attacked(product):
    assert set(product) == set(warehouse.region())
    assert all(f.responses > 200 for f in product.values())


def test_demo_users_exist_for_the_endpoint_check(privacy_app, privacy_users):
    assert auth.find_user(warehouse.engine(), privacy_users["GM0405"]) is not None
