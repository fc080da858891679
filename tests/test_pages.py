"""The dashboard pages: each `layout(...)` called with a fixture warehouse and a viewer of each role (issue 4,
acceptance 1), and every parameter that takes a gemeente, quarter or peer group forged by a `gemeente` user,
directly and through Dash's own endpoint (issue 3, acceptance 2): nothing beyond what DOMAIN.md §5 allows."""

from __future__ import annotations

import json
import re

import pytest
from plotly.io.json import to_json_plotly

from benchmarks.server import DOWNLOAD_CSV, SHOW_TABLE, on_request_body
from dashboard import components, context, data
from dashboard.alternatives import STALE as STALE_TEXT
from dashboard.data import scope
from dashboard.data import warehouse as store
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer
from etl import load
from tests.warehouses import demo_warehouse, use_warehouse

OWN = "GM0405"  # Hoorn
PASSWORD = "een-goed-wachtwoord-123"
HOORN_USER, COORDINATOR_USER = "hoorn-pages@example.nl", "coord-pages@example.nl"
COORDINATOR, ADMIN, HOORN = Viewer("coordinator"), Viewer("admin"), Viewer("gemeente", OWN)
ROLES = {"coordinator": COORDINATOR, "admin": ADMIN, "gemeente": HOORN}
LAST = "2025Q2"  # the fixture warehouse's latest quarter
PSEUDONYM = re.compile(r"Gemeente [A-Z]{1,2}")
# column headers and titles of figures that rest on counts of signals or trajectories
COUNT_LABELS = {m.label for m in MEASURES.values() if m.count_based} | {
    "Meldingen", "Totaal", "Radicalisering", "Polarisatie", "Van burgers", "Van professionals",
    "Ingebracht in ZVH", "% ingebracht in ZVH", "Lopende interventietrajecten"}


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory) -> str:
    return demo_warehouse(tmp_path_factory.mktemp("pages"), {HOORN_USER: ("gemeente", OWN),
                                                               COORDINATOR_USER: ("coordinator", None)}, PASSWORD)


@pytest.fixture
def warehouse(warehouse_url, monkeypatch):
    return use_warehouse(warehouse_url, monkeypatch)


@pytest.fixture(scope="module")
def app(warehouse_url):
    """One Dash app for the module (it registers the pages, which the page modules need on import)."""
    from dashboard.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NHSV_DATABASE_URL", warehouse_url)
        return create_app(warehouse_url)


PAGE_PATHS = {"overzicht": "/", "gemeente": "/gemeente", "vergelijken": "/vergelijken",
              "ontwikkeling": "/ontwikkeling", "signalen": "/signalen", "aanlevering": "/aanlevering"}


@pytest.fixture
def pages(app, warehouse):
    """Each page's `layout` as Dash registered it, giving the page as a user sees it after opening every
    'Toon als tabel' and pressing every 'Download als CSV' (`with_tables`). (Importing `dashboard.pages.x`
    directly would register the page a second time under another module name, and Dash refuses duplicate
    paths at the first request.)"""
    import dash

    by_path = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    return {name: with_tables(by_path[path]) for name, path in PAGE_PATHS.items()}


def with_tables(layout):
    """The layout with what the table and CSV callbacks (dashboard.alternatives) would put in its placeholders:
    the table of each offered key, and each CSV as text in a <pre class="csv">, so that every check below
    reads the tables and downloads too."""
    from dash import html

    from dashboard import alternatives

    def render(**kwargs):
        with components.collecting() as offered:
            tree = layout(**kwargs)
        if hasattr(tree, "_traverse"):
            for node in tree._traverse():
                kind = getattr(node, "id", None)
                if not isinstance(kind, dict):
                    continue
                if kind.get("type") == "tabel":
                    node.children = alternatives.table_view(offered.get(kind["key"]))
                elif kind.get("type") == "csv-melding":
                    csv = alternatives.csv_file(offered[kind["key"]])["content"]
                    node.children = html.Pre(csv, className="csv")
        return tree

    return render


@pytest.fixture
def as_viewer(monkeypatch):
    def set_viewer(viewer: Viewer) -> Viewer:
        monkeypatch.setattr(context, "viewer", lambda: viewer)
        return viewer

    return set_viewer


# --- reading what a page renders ----------------------------------------------------------------------


def to_json(component) -> object:
    """Exactly what Dash would send: the component serialised (figures included) and read back."""
    return json.loads(to_json_plotly(component))


def strings(obj) -> list[str]:
    """Every text in a serialised tree."""
    out: list[str] = []

    def walk(x):
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for key, value in x.items():
                out.append(str(key))
                walk(value)
        elif isinstance(x, list):
            for value in x:
                walk(value)
        elif x is not None and not isinstance(x, bool):
            out.append(str(x))

    walk(obj)
    return out


def text_of(obj) -> str:
    """The visible text of a serialised subtree (children only, no property names or values)."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return str(obj)
    if isinstance(obj, list):
        return " ".join(t for t in (text_of(x) for x in obj) if t)
    if isinstance(obj, dict) and "props" in obj:
        return text_of(obj["props"].get("children"))
    return ""


def render(component) -> tuple[object, str]:
    tree = to_json(component)
    return tree, "\n".join(strings(tree))


def nodes(obj, kind: str):
    """Components of a type (e.g. 'Table', 'Section') in a serialised tree."""
    if isinstance(obj, dict):
        if obj.get("type") == kind and "props" in obj:
            yield obj
        for value in obj.values():
            yield from nodes(value, kind)
    elif isinstance(obj, list):
        for value in obj:
            yield from nodes(value, kind)


def _children(node) -> list:
    kids = node.get("props", {}).get("children") if isinstance(node, dict) else None
    if kids is None:
        return []
    return kids if isinstance(kids, list) else [kids]


def tables(tree) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every HTML table, as cell texts."""
    out = []
    for table in nodes(tree, "Table"):
        header: list[str] = []
        rows: list[list[str]] = []
        for part in _children(table):
            if not isinstance(part, dict):
                continue
            for tr in nodes(part, "Tr"):
                cells = [text_of(_children(c)) for c in _children(tr) if isinstance(c, dict)]
                if part.get("type") == "Thead":
                    header.extend(cells)
                else:
                    rows.append(cells)
        out.append((header, rows))
    return out


def cards(tree) -> list[tuple[str, str]]:
    """(title, all text) of every card (a chart or table with its caption)."""
    out = []
    for section in nodes(tree, "Section"):
        titles = [text_of(_children(h)) for h in nodes(section, "H2")]
        out.append((titles[0] if titles else "", "\n".join(strings(section))))
    return out


def other_names() -> dict[str, re.Pattern]:
    """Every other NHSV gemeente's name, tile abbreviation and code, as whole words ('Haarlem' is not found in
    'Haarlemmermeer', nor 'Waterland' in the district 'Zaanstreek-Waterland')."""
    tiles = data.tile_positions()
    out = {}
    for code, place in data.region().items():
        if code == OWN:
            continue
        for word in {place.name, tiles[code][2], code}:
            out[word] = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    return out


def leaked(text: str) -> set[str]:
    return {word for word, pattern in other_names().items() if pattern.search(text)}


def assert_within_scope(tree, text: str) -> None:
    """What DOMAIN.md §5 allows a gemeente user: no other gemeente's name or code anywhere, and no row or point
    per other gemeente (no pseudonyms) — in tables, charts or CSV downloads."""
    assert not leaked(text), leaked(text)
    assert not PSEUDONYM.search(text), PSEUDONYM.search(text)  # no rows per other gemeente, not even unnamed
    assert "Meldingen per gemeente" not in text


# --- the helpers themselves ---------------------------------------------------------------------------


def test_the_leak_check_finds_names_where_they_are(pages, as_viewer):
    """A coordinator's page does name other gemeenten, also inside the CSV downloads: the check is not blind."""
    as_viewer(COORDINATOR)
    tree, text = render(pages["vergelijken"](gemeente="GM0361", groep="grootte"))
    assert {"Alkmaar", "Haarlem", "Zaanstad", "GM0361"} <= leaked(text)
    csvs = [text_of(_children(node)) for node in nodes(tree, "Pre") if node["props"].get("className") == "csv"]
    assert csvs and any("Haarlemmermeer" in csv for csv in csvs)
    assert not leaked("Hoorn in district Zaanstreek-Waterland, Haarlemmermeer") - {"Haarlemmermeer"}


def test_nav_select_multi_is_backward_compatible():
    single = to_json(components.nav_select("groep", "Groep", [("a", "A"), ("b", "B")], "b"))
    multi = to_json(components.nav_select("selectie", "Selectie", [("a", "A"), ("b", "B"), ("c", "C")],
                                          ["a", "c"], multi=True))
    assert selected(single, "groep") == ["b"] and not multi_select(single, "groep")
    assert selected(multi, "selectie") == ["a", "c"] and multi_select(multi, "selectie")


def _select(tree, name: str) -> dict:
    return next(s["props"] for s in nodes(tree, "Select") if s["props"].get("name") == name)


def selected(tree, name: str) -> list[str]:
    return [o["props"]["value"] for o in _children({"props": _select(tree, name)}) if o["props"].get("selected")]


def multi_select(tree, name: str) -> bool:
    return bool(_select(tree, name).get("multiple"))


# --- every page, every role ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_overzicht(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["overzicht"](kwartaal=LAST))
    assert "Overzicht van de regio" in text
    assert "Voortgangsscore per gemeente" in text
    assert "2e kwartaal 2025" in text
    if viewer.sees_all:
        assert "Bouwstenen per gemeente" in text and {"Alkmaar", "Haarlem", "Texel"} <= leaked(text)
    else:
        assert "Hoorn" in text and "Status per bouwsteen in de regio (NHSV)" in text
        counts = next(rows for header, rows in tables(tree) if header[:2] == ["Bouwsteen", "Niet gestart"])
        assert len(counts) == 18 and all(sum(int(c) for c in row[1:5]) == 30 for row in counts)  # 30 of 32 sent
        assert_within_scope(tree, text)


def test_the_coordinators_grid_comes_in_pages_of_a_long_list(pages, as_viewer, monkeypatch):
    """A list longer than a page shows one page of the grid and links to the others, keeping the filters; the
    counts above the blocks stay those of every gemeente."""
    import sys

    import dash

    module = sys.modules[next(p["module"] for p in dash.page_registry.values() if p["path"] == "/")]
    monkeypatch.setattr(module, "GRID_ROWS", 10)
    as_viewer(COORDINATOR)
    whole = next(c for c in nodes(to_json(pages["overzicht"](kwartaal=LAST)), "Graph")
                 if c["props"]["id"] == {"type": "grafiek", "key": "bouwstenen"})["props"]["figure"]
    assert len(whole["data"][0]["y"]) == 10
    tree, text = render(pages["overzicht"](kwartaal=LAST, sorteer="naam", vanaf="15"))  # into the second page
    figure = next(c for c in nodes(tree, "Graph")
                  if c["props"]["id"] == {"type": "grafiek", "key": "bouwstenen"})["props"]["figure"]
    assert len(figure["data"][0]["y"]) == 10
    assert figure["layout"]["xaxis"]["ticktext"] == whole["layout"]["xaxis"]["ticktext"]  # counts of all 32
    names = sorted(p.name for p in data.region().values())
    assert list(figure["data"][0]["y"]) == names[10:20]
    assert "Gemeente 11 tot en met 20 van 32" in text and "Getoond: gemeente 11 tot en met 20 van 32." in text
    links = {text_of(_children(link)): link["props"]["href"] for link in nodes(tree, "Link")}
    assert links["← Vorige 10"] == "/?kwartaal=2025Q2&maat=score&sorteer=naam&vanaf=1"
    assert links["Volgende 10 →"] == "/?kwartaal=2025Q2&maat=score&sorteer=naam&vanaf=21"
    last_page = render(pages["overzicht"](kwartaal=LAST, vanaf="999"))[1]
    assert "Gemeente 31 tot en met 32 van 32" in last_page and "Volgende" not in last_page
    assert "Gemeente 1 tot en met 10 van 32" in render(pages["overzicht"](kwartaal=LAST, vanaf="x"))[1]


@pytest.mark.parametrize("role", ROLES)
def test_gemeente_profile(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["gemeente"](code=OWN, kwartaal=LAST))
    assert "Hoorn" in text and "Checklist bouwstenen" in text and "Score per thema tegen" in text
    assert "Verloop per bouwsteen" in text
    if not viewer.sees_all:
        assert_within_scope(tree, text)


@pytest.mark.parametrize("role", ROLES)
def test_vergelijken(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["vergelijken"](gemeente="GM0361", groep="regio", kwartaal=LAST,
                                                    x="budget_per_1000", y="score", maat="fte_per_100k"))
    assert "Positie in de vergelijkingsgroep" in text
    assert "de regio (NHSV)" in text
    if viewer.sees_all:
        assert "Budget tegen Voortgangsscore" in text and "Rangorde: Capaciteit" in text
        assert "Vergelijken: Alkmaar" in text and {"Haarlem", "Zaanstad"} <= leaked(text)
        assert "Meldingen per 10.000 inwoners" in text  # count-based measures for coordinators
    else:
        assert "Vergelijken: Hoorn" in text and "◆ Hoorn" in text
        assert "Rangorde" not in text and "Budget tegen" not in text  # no points or bars per other gemeente
        for measure in MEASURES.values():
            if measure.count_based:
                assert measure.label not in text  # not offered, not drawn
        assert_within_scope(tree, text)


def test_vergelijken_selection_for_coordinators(pages, as_viewer):
    as_viewer(COORDINATOR)
    tree, text = render(pages["vergelijken"](gemeente="GM0361", groep="selectie", selectie="GM0392,GM0394"))
    assert "eigen selectie" in text and "2 andere gemeenten" in text
    ranking = next(rows for header, rows in tables(tree) if header[:2] == ["Positie", "Gemeente"])
    assert sorted(r[1].lstrip("★ ") for r in ranking) == ["Alkmaar", "Haarlem", "Haarlemmermeer"]
    assert multi_select(tree, "selectie") and selected(tree, "selectie") == ["GM0392", "GM0394"]
    assert selected(tree, "groep") == ["selectie"] and selected(tree, "gemeente") == ["GM0361"]
    # the filter form sends a multiple select as repeated keys
    _, text = render(pages["vergelijken"](gemeente="GM0361", groep="selectie", selectie=["GM0392", "GM0394"]))
    assert "2 andere gemeenten" in text
    # an empty selection asks for one instead of drawing an empty group
    _, text = render(pages["vergelijken"](gemeente="GM0361", groep="selectie"))
    assert "Kies ten minste één andere gemeente" in text


def test_vergelijken_refused_peer_group_shows_the_reason(pages, as_viewer, monkeypatch):
    as_viewer(HOORN)
    monkeypatch.setattr(scope, "MIN_OTHERS", 50)
    tree, text = render(pages["vergelijken"](groep="grootte"))
    assert "Te weinig gemeenten" in text and "ten minste 50 andere gemeenten" in text
    assert "Positie in de vergelijkingsgroep" not in text
    assert_within_scope(tree, text)


def test_events_are_read_again_when_the_coordinators_edit_the_file(monkeypatch, tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    monkeypatch.setenv("NHSV_REFERENCE_DIR", str(reference))
    assert data.events().empty  # no file: no events
    path = reference / "events.csv"
    path.write_text("date,title,description\n2026-06-16,DTN juni 2026,Dreigingsbeeld\n", encoding="utf-8")
    assert data.events()["title"].tolist() == ["DTN juni 2026"]
    path.write_text("date,title,description\n2026-06-16,DTN juni 2026,Dreigingsbeeld\n"
                    "2026-12-08,DTN december 2026,Dreigingsbeeld\n", encoding="utf-8")
    assert data.events()["title"].tolist() == ["DTN juni 2026", "DTN december 2026"]
    changed = data.events()
    changed.loc[0, "title"] = "gewijzigd"  # a caller's change does not reach the next caller
    assert data.events()["title"].tolist() == ["DTN juni 2026", "DTN december 2026"]


@pytest.mark.parametrize("role", ROLES)
def test_ontwikkeling(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["ontwikkeling"](maat="fte_per_100k"))
    assert "Ontwikkeling: Capaciteit" in text
    themes = ("Lokale aanpak", "Kennis en expertise", "Mens en middelen", "Signaleringsstructuur", "Preventie")
    for theme in themes:
        assert f"Ontwikkeling: Score {theme}" in text
    assert "data/reference" not in text and "lijst van gebeurtenissen van de regionale coördinatoren" in text
    assert "DTN juni 2024" in text  # an event inside the warehouse's quarters, annotated
    assert "Regio NHSV" in text and "Kennemerland" in text
    graphs = list(nodes(tree, "Graph"))
    assert len(graphs) == 6 and all(g["props"]["figure"]["data"] for g in graphs)
    if not viewer.sees_all:
        assert_within_scope(tree, text)


def test_ontwikkeling_signals_follow_the_small_count_rule(pages, as_viewer):
    as_viewer(HOORN)
    _, text = render(pages["ontwikkeling"](maat="signals_total"))
    assert "Ontwikkeling: Meldingen" in text
    trend = data.trends(HOORN, "signals_total")
    assert set(trend["text"]) & {"<5", "×"} or (trend["value"].dropna() >= 5).all()
    assert trend["n"].isna().all()  # how many submitted per group is for coordinators only


@pytest.mark.parametrize("role", ROLES)
def test_signalen(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["signalen"](scope="Zaanstreek-Waterland", kwartaal=LAST))
    for title in ("Regio NHSV: meldingen naar soort", "Regio NHSV: meldingen naar herkomst",
                  "District Zaanstreek-Waterland: meldingen naar soort"):
        assert title in text
    assert "Per 10.000 inwoners" in text and "Ingebracht in ZVH" in text
    assert '"<5"' in text and '"×"' in text  # the Uitleg explains the small-count rule
    if viewer.sees_all:
        assert "Meldingen per gemeente, 2e kwartaal 2025" in text
        per_gemeente = next(rows for header, rows in tables(tree) if "Meldingen" in header)
        assert len(per_gemeente) == 32
        assert {"Texel", "Wormerland"} <= leaked(text)
    else:
        assert "Hoorn: meldingen naar soort" in text
        titles = [title for title, _ in cards(tree)]
        assert titles and all(t.startswith(("Hoorn:", "Regio NHSV:", "District ")) for t in titles), titles
        assert_within_scope(tree, text)


@pytest.mark.parametrize("role", ROLES)
def test_aanlevering(pages, as_viewer, role):
    viewer = as_viewer(ROLES[role])
    tree, text = render(pages["aanlevering"](kwartaal=LAST))
    if not viewer.sees_all:
        assert "Geen toegang" in text and "coördinatoren en beheerders" in text
        assert_within_scope(tree, text)
        return
    header, rows = tables(tree)[0]
    assert header[:3] == ["Gemeente", "District", "Status"] and len(rows) == 32
    status = {r[0]: r[2] for r in rows}
    assert status["Texel"] == "ontbreekt" and status["Wormerland"] == "afgewezen"
    assert status["Hoorn"].startswith("aangeleverd")
    wormerland = next(r for r in rows if r[0] == "Wormerland")
    assert wormerland[6]  # the reasons of the rejection
    assert [r[2] for r in rows[:2]] == ["ontbreekt", "afgewezen"]  # problems first
    figures = {text_of(f["props"]["children"][0]): text_of(f["props"]["children"][1])
               for f in nodes(tree, "A") if "kf" in (f["props"].get("className") or "")}
    assert figures["Aangeleverd"] == "30 van 32" and figures["Afgewezen"] == "1" and figures["Ontbreekt"] == "1"
    _, text = render(pages["aanlevering"](kwartaal=LAST, toon="afgewezen"))
    assert "Wormerland" in text and "Texel" not in text


# --- issue 3, acceptance 2: forged parameters as a gemeente user --------------------------------------

FORGED = [
    ("gemeente", dict(code="GM0361")),
    ("gemeente", dict(code="gm0361", kwartaal="2024Q3")),
    ("gemeente", dict(code="GM0392", groep="selectie")),
    ("gemeente", dict(code=OWN, groep="selectie", kwartaal="2024Q1")),
    ("vergelijken", dict(gemeente="GM0361", groep="selectie", selectie="GM0361,GM0392")),
    ("vergelijken", dict(gemeente="GM0361", groep="district", kwartaal="2024Q4")),
    ("vergelijken", dict(gemeente="GM0392", groep="grootte", maat="signals_per_10k", x="share_to_safety_house",
                         y="signals_total")),
    ("vergelijken", dict(groep=["selectie", "regio"], selectie=["GM0361", "GM0392"])),
    ("signalen", dict(scope="GM0361")),
    ("signalen", dict(scope="Alkmaar", kwartaal="2024Q2")),
    ("signalen", dict(scope="eigen")),
    ("signalen", dict(scope="Kennemerland")),
    ("aanlevering", dict(kwartaal=LAST)),
    ("aanlevering", dict(kwartaal="2024Q3", toon="afgewezen")),
    ("overzicht", dict(district="Kennemerland", maat="signals_per_10k")),
    ("overzicht", dict(district="Noord-Holland Noord", maat="signals_total", sorteer="naam", kwartaal="2024Q3")),
    ("ontwikkeling", dict(maat="signals_per_10k")),
    ("ontwikkeling", dict(maat="share_to_safety_house")),
]


@pytest.mark.parametrize(("page_name", "params"), FORGED, ids=[f"{p}-{i}" for i, (p, _) in enumerate(FORGED)])
def test_forged_parameters_give_a_gemeente_user_nothing_more(pages, as_viewer, page_name, params):
    as_viewer(HOORN)
    tree, text = render(pages[page_name](**params))
    assert_within_scope(tree, text)
    if page_name == "gemeente" and params["code"].upper() != OWN:
        assert "Geen toegang" in text and "Checklist" not in text
    if page_name == "vergelijken" and "selectie" in str(params.get("groep")):
        assert "alleen beschikbaar voor coördinatoren" in text
    if page_name == "aanlevering":
        assert "Geen toegang" in text
    if page_name == "overzicht":
        assert "Meldingen per 10.000 inwoners per gemeente" not in text and "Meldingen per gemeente" not in text


# --- the same through Dash's own endpoint, logged in as a gemeente user ---------------------------------


def _login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                           headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _route(client, app, pathname: str, search: str = "") -> dict:
    """POST the pages router callback by hand, as a forged request would."""
    client.get("/_dash-layout")  # Dash registers the router on the first request
    response = client.post("/_dash-update-component", json=router_body(app, pathname, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def router_body(app, pathname: str, search: str = "") -> dict:
    """The body the browser posts when Dash's pages router renders `pathname` + `search` (after the first
    request, when Dash has registered the router)."""
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    spec = app.callback_map[key]
    values = {"_pages_location.pathname": pathname, "_pages_location.search": search}

    def item(dep):
        return {**dep, "value": values.get(f"{dep['id']}.{dep['property']}")}

    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
               for part in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs, "inputs": [item(d) for d in spec.get("inputs", [])],
            "state": [item(d) for d in spec.get("state", [])],
            "changedPropIds": ["_pages_location.pathname"]}
    return body


@pytest.mark.parametrize(("pathname", "search", "expect"), [
    ("/gemeente/GM0361", "", "Geen toegang"),
    ("/vergelijken", "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0392",
     "alleen beschikbaar voor coördinatoren"),
    ("/vergelijken", "?gemeente=GM0392&groep=grootte&maat=signals_per_10k", "Vergelijken: Hoorn"),
    ("/signalen", "?scope=GM0361", "Hoorn: meldingen naar soort"),
    ("/aanlevering", "?kwartaal=2025Q2", "Geen toegang"),
    ("/", "?district=Kennemerland&maat=signals_per_10k", "Overzicht van de regio"),
])
def test_forged_router_callback_as_gemeente_user(app, warehouse, pathname, search, expect):
    client = app.server.test_client()
    _login(client, HOORN_USER)
    answer = _route(client, app, pathname, search)
    content = answer["response"]["_pages_content"]["children"]
    text = "\n".join(strings(content))
    assert expect in text
    assert_within_scope(content, text)


def test_router_callback_as_coordinator_names_gemeenten(app, warehouse):
    """The same forged request from a coordinator does carry the names: the endpoint test is not blind."""
    client = app.server.test_client()
    _login(client, COORDINATOR_USER)
    answer = _route(client, app, "/vergelijken", "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0392")
    text = "\n".join(strings(answer["response"]["_pages_content"]["children"]))
    assert {"Alkmaar", "Haarlem"} <= leaked(text)


# --- 'Toon als tabel' and 'Download als CSV' through Dash's endpoint ---------------------------------------

def _offered_keys(content, kind: str) -> list[str]:
    """The keys of the placeholders of `kind`: "tabel" (a Div to fill) or "csv" (a Button)."""
    return [node["props"]["id"]["key"] for tag in ("Div", "Button") for node in nodes(content, tag)
            if isinstance(node["props"].get("id"), dict) and node["props"]["id"].get("type") == kind]


def _on_request(client, output: str, key: str, pathname: str, search: str = "") -> dict:
    """POST what the browser posts when 'Toon als tabel' is opened or 'Download als CSV' pressed."""
    client.get("/_dash-layout")
    response = client.post("/_dash-update-component", json=on_request_body(output, key, pathname, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


@pytest.mark.parametrize(("pathname", "search"), [
    ("/", ""), ("/gemeente/GM0405", ""), ("/vergelijken", "?groep=grootte"), ("/ontwikkeling", ""),
    ("/signalen", ""),
])
def test_tables_and_csvs_on_request_stay_in_a_gemeente_users_scope(app, warehouse, pathname, search):
    """Every table and CSV a page offers a gemeente user, asked for as the browser asks: each one arrives, with
    nothing beyond what DOMAIN.md §5 allows, and the CSV is what the table shows."""
    client = app.server.test_client()
    _login(client, HOORN_USER)
    content = _route(client, app, pathname, search)["response"]["_pages_content"]["children"]
    tables_keys, csv_keys = _offered_keys(content, "tabel"), _offered_keys(content, "csv")
    assert csv_keys and set(tables_keys) <= set(csv_keys)
    for key in tables_keys:
        table = _on_request(client, SHOW_TABLE, key, pathname, search)[f'{{"key":"{key}","type":"tabel"}}']
        shown = table["children"]
        text = "\n".join(strings(shown))
        assert any(nodes(shown, "Table")) and STALE_TEXT not in text, key
        assert_within_scope(shown, text)
    for key in csv_keys:
        answer = _on_request(client, DOWNLOAD_CSV, key, pathname, search)
        download = answer[f'{{"key":"{key}","type":"csv-bestand"}}']["data"]
        assert download["filename"].endswith(".csv") and download["content"].startswith("\ufeff"), download
        assert not leaked(download["content"]), (key, leaked(download["content"]))


def test_tables_on_request_of_a_forbidden_page_or_unknown_key_give_a_message(app, warehouse):
    client = app.server.test_client()
    _login(client, HOORN_USER)
    for pathname, search, key in [("/gemeente/GM0361", "", "checklist"),  # another gemeente's profile
                                  ("/aanlevering", "", "aanlevering"),  # coordinators only
                                  ("/signalen", "", "bestaat-niet")]:
        table = _on_request(client, SHOW_TABLE, key, pathname, search)[f'{{"key":"{key}","type":"tabel"}}']
        assert STALE_TEXT in "\n".join(strings(table["children"])) and not any(nodes(table["children"], "Table"))
        answer = _on_request(client, DOWNLOAD_CSV, key, pathname, search)
        assert answer[f'{{"key":"{key}","type":"csv-melding"}}']["children"].startswith(STALE_TEXT)
        assert f'{{"key":"{key}","type":"csv-bestand"}}' not in answer  # no file


def test_tables_on_request_as_coordinator_name_gemeenten(app, warehouse):
    """The same request from a coordinator does carry the names: the scope test above is not blind."""
    client = app.server.test_client()
    _login(client, COORDINATOR_USER)
    search = "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0392"
    content = _route(client, app, "/vergelijken", search)["response"]["_pages_content"]["children"]
    texts = []
    for key in _offered_keys(content, "tabel"):
        table = _on_request(client, SHOW_TABLE, key, "/vergelijken", search)[f'{{"key":"{key}","type":"tabel"}}']
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
            keys = _offered_keys(tree, kind)
            assert len(keys) == len(set(keys)), (name, kind, keys)


def test_overzicht_switches_to_the_boundary_map_after_a_geo_import(pages, as_viewer, tmp_path, monkeypatch):
    """`nhsv geo import` of a small GeoJSON turns the tile map into the boundary map."""
    import json as json_module

    from click.testing import CliRunner

    from cli.main import main

    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path))
    as_viewer(ROLES["coordinator"])

    def map_traces():
        tree, _ = render(pages["overzicht"](kwartaal=LAST))
        graphs = [g for g in nodes(tree, "Graph") if "map" in json_module.dumps(g["props"].get("id"))]
        return graphs[0]["props"]["figure"]["data"]

    assert not any(t.get("fill") == "toself" for t in map_traces())  # the tile map
    square = [[4.9, 52.6], [4.9, 52.7], [5.0, 52.7], [5.0, 52.6], [4.9, 52.6]]
    source = tmp_path / "grenzen.geojson"
    source.write_text(json_module.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"statcode": "GM0405"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}))
    assert CliRunner().invoke(main, ["geo", "import", str(source)]).exit_code == 0
    traces = map_traces()
    assert any(t.get("fill") == "toself" for t in traces)  # polygons now


def test_cached_reads_follow_the_warehouse_version(engine, workbook):
    """One cache for the data layer's reads: kept per warehouse version, the older version's entries dropped
    once a file is loaded."""
    computed = []

    def compute(name):
        computed.append(name)
        return f"{name}{len(computed)}"

    assert store.cached(engine, "a", lambda: compute("a")) == "a1"
    assert store.cached(engine, "a", lambda: compute("a")) == "a1"  # not computed again
    report = load.load_files(engine, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
    assert report.files[0].outcome == "loaded"
    assert store.cached(engine, "a", lambda: compute("a")) == "a2"  # a new version: read again
    assert not any(key[0] == str(engine.url) and key[1] != store.warehouse_version(engine)
                   for key in list(store._CACHE))  # the old version's entries are gone


def test_cached_reads_are_safe_for_a_workers_threads(monkeypatch):
    """A server worker's threads share the cache: misses, evictions and a new version at the same time must
    neither raise nor hand a thread another key's value."""
    import sys
    import threading

    class Engine:
        url = "sqlite:///threads"

    calls = iter(range(10**9))
    monkeypatch.setattr(store, "warehouse_version", lambda _eng: next(calls) // 50)  # a new version now and then
    interval = sys.getswitchinterval()
    problems = []

    def work(thread: int) -> None:
        try:
            for i in range(3000):
                key = (thread, i % 20)
                if store.cached(Engine, key, lambda key=key: key) != key:
                    problems.append(f"wrong value for {key}")
        except Exception as problem:  # noqa: BLE001 - any exception is the failure reported
            problems.append(repr(problem))

    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
        store.clear_caches()
    assert problems == []
