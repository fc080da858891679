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


@pytest.mark.parametrize("role", list(PAGES))
def test_no_serious_or_critical_axe_violations(page_as, live_server, role):
    page = page_as(role)
    axe = Axe()
    problems = []
    for path in PAGES[role]:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) at "
                                f"{[n['target'] for n in violation['nodes'][:3]]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/login", "/wachtwoord-vergeten", "/uitnodiging/verlopen-link"])
def test_login_page_has_no_serious_axe_violations(chromium, live_server, path):
    page = chromium.new_page()
    page.goto(live_server + path)
    violations = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    page.close()
    assert not violations


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
