"""The dashboard in a real browser, as a coordinator and as a gemeente user."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard import data, plotly_bundle
from tests.browser.conftest import wait_for_charts

PAGES = ["/", "/gemeente/GM0405", "/vergelijken", "/ontwikkeling", "/signalen", "/verantwoording"]


def test_coordinator_opens_every_page_switches_quarter_and_follows_the_map(page_as, live_server):
    page = page_as("coordinator")
    for path in [*PAGES, "/aanlevering"]:
        # a coordinator chooses the gemeente to compare: until then Vergelijken draws nothing
        page.goto(live_server + path + ("?gemeente=GM0405" if path == "/vergelijken" else ""))
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.is_visible(), path
        if path not in ("/verantwoording", "/aanlevering"):
            wait_for_charts(page)
            assert page.locator(".js-plotly-plot").count() >= 1, path
            # every trace drawn as the type it asked for: the partial plotly.js bundle has them all
            asked, drawn = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].reduce(
                ([a, d], gd) => [a.concat(gd.data.map(t => t.type || 'scatter')), d.concat(gd._fullData.map(t => t.type))],
                [[], []])""")
            assert asked == drawn and asked, path
    # switch the quarter on the overview: the URL carries it and the page shows it
    page.goto(live_server + "/")
    wait_for_charts(page)
    # drawn with the partial plotly.js bundle (dashboard.plotly_bundle): the 4.8 MB full one is never fetched
    assert page.evaluate("window.Plotly.version") == plotly_bundle.VERSION
    fetched = [name.split("?")[0] for name in page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)")]
    assert any(name.endswith("/vendor/plotly-cartesian.min.js") for name in fetched), fetched
    assert not any(name.endswith("/plotly.min.js") for name in fetched), fetched
    page.select_option("#nav-kwartaal", label="2e kwartaal 2026")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url(re.compile(r"kwartaal=2026Q2"))
    page.locator(".caption", has_text="2e kwartaal 2026").first.wait_for()
    wait_for_charts(page)
    # a map tile leads to the profile. First its hover label: it shows once plotly has drawn the map and the
    # graph listens to the mouse, which a click straight after the page's requests settled could come before
    tile = page.locator(".js-plotly-plot").first.locator("g.points path.point").nth(5)
    tile.hover(force=True)
    page.locator(".js-plotly-plot").first.locator(".hoverlayer .hovertext").first.wait_for()
    tile.click(force=True)
    page.wait_for_url(re.compile(r"/gemeente/GM\d{4}"))
    page.wait_for_selector("text=Checklist bouwstenen")
    # the table alternative opens (the server renders it then) and the CSV downloads what is shown
    summary = page.locator("summary", has_text="Toon als tabel").first
    summary.click()
    page.locator(".table-alternative table").first.wait_for()
    assert page.locator(".table-alternative table").first.is_visible()
    with page.expect_download() as download:
        page.locator("button", has_text="Download als CSV").first.click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Thema" in content.splitlines()[0]


SELECTED = "sel => [...sel.selectedOptions].map(o => o.value)"


def test_the_filter_selects_hold_their_options_and_the_own_selection_is_applied(page_as, live_server):
    """components.nav_select sends a select's options as one attribute and assets/selects.js makes the
    <option>s: on the first page, after a navigation inside the app, and as the form's values."""
    page = page_as("coordinator")
    others = sorted((p.name, code) for code, p in data.region().items() if code != "GM0405")
    page.goto(live_server + "/")
    wait_for_charts(page)
    # to Vergelijken through the main navigation: no page load, other selects in the page
    page.locator("#hoofdnavigatie a", has_text="Vergelijken").click()
    page.wait_for_url(re.compile(r"/vergelijken"))
    expect(page.locator("#nav-gemeente option")).to_have_count(len(others) + 2)  # (alle) and every gemeente
    assert page.eval_on_selector("#nav-gemeente", SELECTED) == [""]
    page.select_option("#nav-gemeente", "GM0405")
    page.select_option("#nav-groep", "selectie")
    chosen = [others[0][1], others[-1][1]]
    page.select_option("#nav-selectie", chosen)
    # a change elsewhere in the page (a chart redrawn, say) leaves the choices not yet applied as they are
    page.evaluate("document.querySelector('main').appendChild(document.createElement('div'))")
    assert sorted(page.eval_on_selector("#nav-selectie", SELECTED)) == sorted(chosen)
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url(re.compile(r"selectie="))
    wait_for_charts(page)
    # the page compares with the chosen two, and its selects show what was applied
    page.locator(".subtitle", has_text="(2 andere gemeenten)").wait_for()
    assert page.eval_on_selector("#nav-gemeente", SELECTED) == ["GM0405"]
    assert page.eval_on_selector("#nav-groep", SELECTED) == ["selectie"]
    assert sorted(page.eval_on_selector("#nav-selectie", SELECTED)) == sorted(chosen)
    # the own gemeente is not offered for its own selection; the names are the options' texts
    texts = page.eval_on_selector("#nav-selectie", "sel => [...sel.options].map(o => o.text)")
    assert texts == [name for name, _code in others]


def _other_names():
    own = "GM0405"
    return {p.name for code, p in data.region().items() if code != own}


def test_gemeente_user_sees_no_other_gemeente_name_anywhere(page_as, live_server):
    page = page_as("gemeente")
    others = _other_names()
    for path in [*PAGES, "/gemeente/GM0361", "/vergelijken?groep=district", "/signalen?scope=Kennemerland",
                 "/aanlevering"]:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        summaries = page.locator("summary", has_text="Toon als tabel")
        for k in range(summaries.count()):  # every table alternative, as the server renders it on request
            summaries.nth(k).click()
        page.wait_for_load_state("networkidle")
        # a locator, not wait_for_function: that evaluates a string in the page, which the CSP refuses
        expect(page.get_by_text("Tabel wordt geladen")).to_have_count(0, timeout=20_000)
        text = page.content()
        found = [n for n in others if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
        assert not found, f"{path} shows {found}"
    page.goto(live_server + "/")
    wait_for_charts(page)
    content = page.content()
    assert "Status per bouwsteen in de regio" in content and "Hoorn" in content  # the groups, and the own
    assert not re.search(r"Gemeente [A-Z]{1,2}\b", content)  # no pseudonymous rows either


# Every chart's parts that carry meaning — the plot, its legend, its axis titles — inside the chart's own box,
# and the chart inside the window (plotly.js cuts nothing itself: a legend wider than the chart runs off it).
CLIPPED = """() => {
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach((gd, k) => {
    if (!gd.offsetParent) return;  // hidden on this screen (a narrow-screen list takes its place)
    const box = gd.getBoundingClientRect();
    if (box.right > window.innerWidth + 1 || box.left < -1) out.push(`chart ${k} outside the window`);
    gd.querySelectorAll('g.legend, g.g-xtitle, g.g-ytitle, g.xtick text, g.ytick text').forEach(part => {
      const r = part.getBoundingClientRect();
      if (r.width === 0) return;
      if (r.left < box.left - 1 || r.right > box.right + 1)
        out.push(`chart ${k}: ${part.getAttribute('class') || part.tagName} runs out of the chart`);
    });
  });
  return out;
}"""


@pytest.mark.parametrize("role", ["coordinator", "gemeente"])
@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_pages_fit_the_screen_without_sideways_scrolling_or_clipped_charts(page_as, live_server, role, width,
                                                                          height):
    page = page_as(role, width, height)
    for path in PAGES + ["/aanleveren"] + (["/aanlevering", "/vergelijken?gemeente=GM0405"]
                                            if role == "coordinator" else []):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px"
        clipped = page.evaluate(CLIPPED)
        assert not clipped, f"{path} at {width}px: {clipped}"


# Where plotly put each chart's plot area against the margins the figure asked for, left and right: plotly grows a
# margin the axes' labels do not fit by drawing the whole chart again (dashboard/charts/margins.py). Top and
# bottom are left out: a legend above or below the plot pushes those without a second drawing.
GROWN_MARGINS = """() => {
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach((gd, k) => {
    if (!gd.offsetParent || !gd.layout || (gd.layout.xaxis || {}).visible === false) return;  // hidden, or a map
    const area = gd.querySelector('.draglayer .xy .nsewdrag');
    if (!area) return;
    const x = +area.getAttribute('x'), width = +area.getAttribute('width');
    const given = gd.layout.margin || {}, right = gd.getBoundingClientRect().width - x - width;
    if (Math.abs(x - given.l) > 1 || Math.abs(right - given.r) > 1) {
      out.push(`${gd.parentElement.id || k}: asked l ${given.l} r ${given.r}, drawn l ${x} r ${Math.round(right)}`);
    }
  });
  return out;
}"""


@pytest.mark.parametrize("role", ["coordinator", "gemeente"])
def test_each_chart_is_drawn_once_its_margins_fit_its_axes(page_as, live_server, role):
    page = page_as(role)
    compare = "/vergelijken?gemeente=GM0405" if role == "coordinator" else "/vergelijken"
    for path in ["/", "/gemeente/GM0405", compare, "/ontwikkeling", "/signalen"]:
        page.goto(live_server + path)
        wait_for_charts(page)
        page.wait_for_timeout(300)
        assert page.locator(".js-plotly-plot").count() > 0, path
        grown = page.evaluate(GROWN_MARGINS)
        assert not grown, f"{path}: {grown}"
