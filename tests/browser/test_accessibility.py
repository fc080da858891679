"""WCAG 2.1 AA in the browser: axe-core on every page for every role, and a keyboard-only walk."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import PASSWORD, USERS

PAGES = {
    "coordinator": ["/", "/gemeente/GM0405", "/vergelijken", "/ontwikkeling", "/signalen", "/aanleveren",
                    "/aanlevering", "/verantwoording", "/bestaat-niet", "/account", "/beheer/introducties"],
    "gemeente": ["/", "/gemeente/GM0405", "/gemeente/GM0361", "/vergelijken", "/ontwikkeling", "/signalen",
                 "/aanleveren", "/aanlevering", "/verantwoording", "/account", "/introductie?blok=LA6&kwartaal=2026Q3"],
    "admin": ["/", "/aanlevering", "/aanleveren", "/beheer", "/beheer/audit", "/account", "/account/tweede-factor"],
}


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("role", list(PAGES))
def test_no_axe_violations(page_as, live_server, role, lang):
    """Every page in both languages, at any impact (a duplicate landmark name is 'moderate', and still a fault);
    the page says which language it is in (<html lang>, what screen readers read by)."""
    page = page_as(role)
    axe = Axe()
    problems = []
    try:
        for path in PAGES[role]:
            page.goto(live_server + path + ("&" if "?" in path else "?") + f"lang={lang}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.lang") == lang, path
            problems += [f"{path}: {violation['id']} ({violation['impact']}) at "
                         f"{[n['target'] for n in violation['nodes'][:3]]}"
                         for violation in axe.run(page).response["violations"]]
    finally:
        page.goto(live_server + "/?lang=nl")  # the choice is stored for the user: the other tests read Dutch
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", ["/login", "/wachtwoord-vergeten", "/uitnodiging/verlopen-link"])
def test_login_pages_have_no_axe_violations(chromium, live_server, path, lang):
    page = chromium.new_page()
    page.goto(live_server + f"{path}?lang={lang}")
    assert page.evaluate("document.documentElement.lang") == lang
    violations = [v["id"] for v in Axe().run(page).response["violations"]]
    page.close()
    assert not violations


def test_the_language_switch_works_with_the_keyboard_and_keeps_the_view(page_as, live_server):
    """'English' in the header (in English, with its lang) reloads the same view in English and is remembered;
    'Nederlands' brings it back."""
    page = page_as("gemeente")
    try:
        page.goto(live_server + "/signalen?kwartaal=2026Q2")
        page.wait_for_load_state("networkidle")
        _tab_to(page, "el.tagName === 'A' && el.getAttribute('hreflang') === 'en'")
        assert page.evaluate("[document.activeElement.textContent, document.activeElement.lang]") == ["English", "en"]
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/signalen\?kwartaal=2026Q2&lang=en$"))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.get_by_text("NHSV region: reports by type").first.wait_for()
        assert page.locator("#hoofdnavigatie a[aria-current=page]").inner_text() == "Signals"
        page.locator(".js-plotly-plot").first.hover()  # the chart's toolbar speaks English too
        buttons = page.evaluate("[...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))")
        assert buttons and set(buttons) == {"Download as PNG"}, buttons
        page.goto(live_server + "/ontwikkeling")  # no ?lang=: the stored choice
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.get_by_text("Trends in the region").wait_for()
        _tab_to(page, "el.tagName === 'A' && el.getAttribute('hreflang') === 'nl'")
        assert page.evaluate("document.activeElement.lang") == "nl"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/ontwikkeling\?lang=nl$"))
        page.get_by_text("Ontwikkeling van de regio").wait_for()
        assert page.evaluate("document.documentElement.lang") == "nl"
    finally:
        page.goto(live_server + "/?lang=nl")


def _tab_to(page, predicate: str, limit: int = 250) -> None:
    """Press Tab until the focused element satisfies a JS predicate on `el`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({predicate})); }})()"):
            return
    raise AssertionError(f"keyboard focus never reached: {predicate}")


def test_keyboard_only_login_quarter_map_and_download(chromium, live_server):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server + "/login")
    _tab_to(page, "el.name === 'email'")
    page.keyboard.type(USERS["coordinator"][0])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    page.wait_for_load_state("networkidle")
    page.locator(".skip-link").wait_for(state="attached")  # drawn by Dash after its scripts have loaded

    # the skip link is the first stop and takes focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"

    # change the quarter with the keyboard
    _tab_to(page, "el.id === 'nav-kwartaal'")
    page.keyboard.press("ArrowDown")  # the next (older) quarter
    _tab_to(page, "el.textContent === 'Toepassen'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"kwartaal=2026Q2"))
    page.wait_for_load_state("networkidle")

    # open a gemeente from the map: its table alternative lists every gemeente as a link
    _tab_to(page, "el.tagName === 'SUMMARY' && el.textContent === 'Toon als tabel'")
    page.keyboard.press("Enter")
    page.locator(".table-alternative table").first.wait_for()  # rendered by the server when opened
    _tab_to(page, "el.tagName === 'A' && el.getAttribute('href') && el.getAttribute('href').startsWith('/gemeente/')")
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target)))
    page.get_by_text("Checklist bouwstenen").wait_for()

    # download a table
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent === 'Download als CSV'")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    context.close()


# Words of plotly.js's own interface in English: none may be a stop of the keyboard or the name of a control.
ENGLISH = re.compile(r"Download plot|Zoom|Autoscale|Reset axes|Pan|Produced with Plotly|Toggle|Compare data|"
                     r"Show closest|Box Select|Lasso|Edit in Chart Studio|Share", re.I)
FOCUS_STOPS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, name: (el.getAttribute('aria-label') || el.getAttribute('title') ||
          el.getAttribute('data-title') || el.innerText || '').slice(0, 80),
          outline: style.outlineStyle + ' ' + style.outlineColor, shadow: style.boxShadow};
}"""


@pytest.mark.parametrize("role", ["coordinator", "gemeente"])
def test_every_keyboard_stop_is_dutch_and_ringed(page_as, live_server, role):
    """Tab through the overview and a profile: every stop has a Dutch name (no English chart tool), and a focus
    ring of two colours, yellow inside near-black (each at least 3:1 against the other and one of them against
    every background of the monitor)."""
    page = page_as(role)
    for path in ["/", "/gemeente/GM0405"]:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        seen = 0
        for _ in range(60):
            page.keyboard.press("Tab")
            stop = page.evaluate(FOCUS_STOPS)
            if stop["tag"] == "BODY":
                break
            seen += 1
            assert not ENGLISH.search(stop["name"]), f"{path}: an English tab stop {stop}"
            assert "255, 221, 0" in stop["outline"] and "11, 12, 12" in stop["shadow"], f"{path}: ring {stop}"
        assert seen > 5


def test_the_navigation_marks_the_current_page(page_as, live_server):
    page = page_as("coordinator")
    for path, name in [("/", "Overzicht"), ("/signalen", "Signalen"), ("/gemeente/GM0405", "Gemeente")]:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        current = page.locator("#hoofdnavigatie a[aria-current=page]")
        assert current.count() == 1 and current.inner_text() == name, path


def test_chart_toolbar_offers_only_a_dutch_png_download_and_nothing_leaves_the_monitor(page_as, live_server):
    """No upload to an outside service: the toolbar has one button, 'Download als PNG'; an SVG is drawn in the
    browser; and while every page is used, no request goes to a host other than the monitor's own."""
    page = page_as("coordinator")
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    for path in ["/", "/gemeente/GM0405", "/vergelijken?gemeente=GM0405", "/ontwikkeling", "/signalen"]:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.locator(".js-plotly-plot").first.hover()
        page.wait_for_timeout(200)
        text = page.content()
        assert "plotly cloud" not in text.lower() and "chart studio" not in text.lower() and "Share" not in text
        buttons = page.evaluate("""() => [...document.querySelectorAll('.modebar-btn')].map(
            b => b.getAttribute('data-title'))""")
        assert buttons and set(buttons) == {"Download als PNG"}, (path, buttons)
    with page.expect_download() as download:
        page.locator("button", has_text="Download als SVG").first.click()
    assert download.value.suggested_filename.startswith("NHSV_") and download.value.suggested_filename.endswith(".svg")
    assert "<svg" in open(download.value.path(), encoding="utf-8").read(500)
    assert hosts == {live_server.split("/")[2]}, hosts
