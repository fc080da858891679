"""Every parameter that takes a gemeente, quarter or peer group forged by a `gemeente` user, directly and through
Dash's own endpoint (issue 3, acceptance 2): nothing beyond what DOMAIN.md §5 allows; and the leak check
itself, which does find names on a coordinator's page."""

from __future__ import annotations

import pytest

from tests.pages.helpers import (
    COORDINATOR,
    COORDINATOR_USER,
    HOORN,
    HOORN_USER,
    LAST,
    OWN,
    assert_within_scope,
    children,
    leaked,
    login_as,
    nodes,
    render,
    route,
    strings,
    text_of,
)

# --- the leak check itself ------------------------------------------------------------------------------


def test_the_leak_check_finds_names_where_they_are(pages, as_viewer):
    """A coordinator's page does name other gemeenten, also inside the CSV downloads: the check is not blind."""
    as_viewer(COORDINATOR)
    tree, text = render(pages["vergelijken"](gemeente="GM0361", groep="grootte"))
    assert {"Alkmaar", "Haarlem", "Zaanstad", "GM0361"} <= leaked(text)
    csvs = [text_of(children(node)) for node in nodes(tree, "Pre") if node["props"].get("className") == "csv"]
    assert csvs and any("Haarlemmermeer" in csv for csv in csvs)
    assert not leaked("Hoorn in district Zaanstreek-Waterland, Haarlemmermeer") - {"Haarlemmermeer"}


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
    login_as(client, HOORN_USER)
    answer = route(client, app, pathname, search)
    content = answer["response"]["_pages_content"]["children"]
    text = "\n".join(strings(content))
    assert expect in text
    assert_within_scope(content, text)


def test_router_callback_as_coordinator_names_gemeenten(app, warehouse):
    """The same forged request from a coordinator does carry the names: the endpoint test is not blind."""
    client = app.server.test_client()
    login_as(client, COORDINATOR_USER)
    answer = route(client, app, "/vergelijken", "?gemeente=GM0361&groep=selectie&selectie=GM0361,GM0392")
    text = "\n".join(strings(answer["response"]["_pages_content"]["children"]))
    assert {"Alkmaar", "Haarlem"} <= leaked(text)
