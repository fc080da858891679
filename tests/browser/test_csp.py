"""The pages load and draw their charts under the Content-Security-Policy, and the browser reports no
violation of it: the policy allows what Dash and plotly.js need, and no inline script of anyone else."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BROWSER_ARGS, login, wait_for_charts  # noqa: F401 - BROWSER_ARGS: see below

WITH_CHARTS = ["/", "/gemeente/GM0405", "/vergelijken?gemeente=GM0405", "/ontwikkeling", "/signalen"]
WITHOUT_CHARTS = ["/verantwoording", "/aanleveren", "/aanlevering", "/bestaat-niet", "/logout"]

# Every violation the page itself notices, from the first script on: a listener installed before any of the
# page's own scripts run (Playwright's init scripts are not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} ${e.sample || ''}`.trim()));
"""


@pytest.fixture
def watched_page(chromium):
    """A browser page whose console messages about the policy and whose violation events are collected."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(20_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.console_about_policy = console
    yield page
    context.close()


def violations(page) -> list[str]:
    events = page.evaluate("window.__cspViolations || []")
    messages = [m for m in page.console_about_policy if "Content Security Policy" in m or "Permissions-Policy" in m]
    return events + messages


def test_every_page_draws_its_charts_under_the_policy_without_a_violation(watched_page, live_server):
    page = watched_page
    response = page.goto(live_server + "/login")
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "'sha256-" in script_src
    assert not violations(page), violations(page)

    login(page, live_server, "coordinator")
    found = {}
    for path in WITH_CHARTS + WITHOUT_CHARTS:
        response = page.goto(live_server + path)
        assert response.headers["content-security-policy"] == policy, path  # one policy for every page
        page.wait_for_load_state("networkidle")
        if path in WITH_CHARTS:
            wait_for_charts(page)
            assert page.locator(".js-plotly-plot .main-svg").count() >= 1, path
            # hover labels and the mode bar are drawn on demand: make plotly.js draw them as well
            page.locator(".js-plotly-plot .nsewdrag").first.hover()
            page.wait_for_timeout(200)
        else:
            assert page.locator("h1").first.is_visible(), path
        if violations(page):
            found[path] = violations(page)
        page.console_about_policy.clear()
    assert not found, found


def test_an_injected_inline_script_is_blocked_and_reported(watched_page, live_server):
    """The checks above would see a violation: an inline script that is not Dash's is refused, and reported."""
    page = watched_page
    login(page, live_server, "gemeente")
    page.goto(live_server + "/verantwoording")
    page.wait_for_load_state("networkidle")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true;';
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__injected === true") is False
    assert any("script-src" in v for v in violations(page)), violations(page)
