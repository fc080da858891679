"""The dashboard pages: each `layout(...)` called with the fixture warehouse and a viewer of each role (issue 4,
acceptance 1); a gemeente user's view stays within what DOMAIN.md §5 allows."""

from __future__ import annotations

import pytest

from dashboard import components, data
from dashboard.data import scope
from dashboard.metrics import MEASURES
from tests.pages.helpers import (
    COORDINATOR,
    HOORN,
    LAST,
    OWN,
    ROLES,
    assert_within_scope,
    cards,
    children,
    leaked,
    multi_select,
    nodes,
    render,
    selected,
    tables,
    text_of,
    to_json,
)


def test_nav_select_multi_is_backward_compatible():
    single = to_json(components.nav_select("groep", "Groep", [("a", "A"), ("b", "B")], "b"))
    multi = to_json(components.nav_select("selectie", "Selectie", [("a", "A"), ("b", "B"), ("c", "C")],
                                          ["a", "c"], multi=True))
    assert selected(single, "groep") == ["b"] and not multi_select(single, "groep")
    assert selected(multi, "selectie") == ["a", "c"] and multi_select(multi, "selectie")


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
    monkeypatch.setattr(components, "PAGE_ROWS", 10)
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
    links = {text_of(children(link)): link["props"]["href"] for link in nodes(tree, "Link")}
    assert links["← Vorige 10"] == "/?kwartaal=2025Q2&maat=score&sorteer=naam&vanaf=1"
    assert links["Volgende 10 →"] == "/?kwartaal=2025Q2&maat=score&sorteer=naam&vanaf=21"
    last_page = render(pages["overzicht"](kwartaal=LAST, vanaf="999"))[1]
    assert "Gemeente 31 tot en met 32 van 32" in last_page and "Volgende" not in last_page
    assert "Gemeente 1 tot en met 10 van 32" in render(pages["overzicht"](kwartaal=LAST, vanaf="x"))[1]


@pytest.mark.parametrize(("name", "params", "heading"), [
    ("signalen", dict(kwartaal=LAST, scope="Zaanstreek-Waterland"), "Meldingen"),
    ("aanlevering", dict(kwartaal=LAST, toon="alle"), "Status"),
])
def test_the_tables_per_gemeente_come_in_pages_of_a_long_list(pages, as_viewer, monkeypatch, name, params, heading):
    """A table of every gemeente longer than a page shows one page, in the order of the whole table, with links to
    the others that keep the filters; its CSV keeps every row."""
    as_viewer(COORDINATOR)

    def table(**extra):
        tree, text = render(pages[name](**params, **extra))
        rows = next(rows for header, rows in tables(tree) if heading in header and len(header) > 5)
        csv = next(text_of(children(pre)) for pre in nodes(tree, "Pre") if "Gemeente;District" in text_of(children(pre)))
        return tree, text, rows, csv.splitlines()[1:]

    def pagers(tree) -> list:
        return [n for n in nodes(tree, "Nav") if n["props"].get("className") == "pager"]

    whole_tree, _text, whole, _csv = table()
    assert len(whole) == 32 and not pagers(whole_tree)  # the region fits on one page
    monkeypatch.setattr(components, "PAGE_ROWS", 10)
    tree, text, rows, csv = table(vanaf="15")
    assert rows == whole[10:20] and len(pagers(tree)) == 1
    assert "Gemeente 11 tot en met 20 van 32" in text
    assert len(csv) == 32  # the CSV download keeps every gemeente
    links = {text_of(children(link)): link["props"]["href"] for link in nodes(tree, "Link")}
    query = "&".join(f"{k}={v}" for k, v in params.items()).replace(" ", "+")
    assert links["← Vorige 10"] == f"/{name}?{query}&vanaf=1"
    assert links["Volgende 10 →"] == f"/{name}?{query}&vanaf=21"
    assert table(vanaf="31")[2] == whole[30:]


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
        assert "Vergelijken: Hoorn" in text and "Hoorn (◆)" in text
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


def test_ontwikkeling_draws_the_region_and_one_district_when_the_lines_would_look_alike(pages, as_viewer, monkeypatch):
    """More groups than a chart can tell apart (the national scale): every chart draws the region and one
    district, by default the own one of a gemeente user, and a district control chooses another."""
    from dashboard import charts

    monkeypatch.setattr(charts, "DISTINCT_LINES", 3)  # the region and its three districts are four lines
    hoorn_district = data.region()[OWN].district

    def lines(tree) -> set[tuple[str, ...]]:
        return {tuple(t["name"] for t in g["props"]["figure"]["data"]) for g in nodes(tree, "Graph")}

    as_viewer(HOORN)
    tree, text = render(pages["ontwikkeling"]())
    assert lines(tree) == {("Regio NHSV", hoorn_district)}
    assert "niet uit elkaar te houden" in text
    selects = {s["props"]["name"]: s for s in nodes(tree, "Select")}
    assert "district" in selects
    other = next(d for d in data.districts() if d != hoorn_district)
    as_viewer(COORDINATOR)
    tree, _ = render(pages["ontwikkeling"](district=other, maat="signals_total"))
    assert lines(tree) == {("Regio NHSV", other)}
    monkeypatch.setattr(charts, "DISTINCT_LINES", 8)
    tree, text = render(pages["ontwikkeling"]())
    assert lines(tree) == {("Regio NHSV", *data.districts())} and "niet uit elkaar te houden" not in text


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
