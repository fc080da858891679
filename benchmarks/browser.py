"""Where users wait: the browser. Headless Debian Chromium against the production server on 127.0.0.1,
after every worker has answered each page once (`benchmarks.run.warm_every_worker`): the browser's share, not the
server's first answers, which the callbacks step measures.

- first render: from the click on *Inloggen* until every chart of the overview is drawn, in a new browser
  context each time (nothing cached), median of `runs`;
- each page's first render, in a new context that is already logged in (its cookies only), against an empty
  Dash page (an address that is no page: Dash's index, the shell and the router, no data) — the floor; the
  floor and the pages take turns, one run each per round, so that drift of the machine falls on all alike;
- the checklist grid: how long plotly.js takes to draw the overview's heatmap from scratch (Plotly.newPlot), median.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
# every graph of the page drawn and no loading indicator left
CHARTS_DRAWN = """() => {
  const graphs = [...document.querySelectorAll('.dash-graph')].filter(g => g.offsetParent !== null);
  return graphs.length > 0 && graphs.every(g => g.querySelector('.main-svg'))
    && !document.querySelector('._dash-loading');
}"""
PAGE_SHOWN = "() => !!document.querySelector('main h1') && !document.querySelector('._dash-loading')"
GRID_REDRAW = """async () => {
  const host = document.getElementById('{"key":"bouwstenen","type":"grafiek"}');
  const gd = host && host.querySelector('.js-plotly-plot');
  if (!gd) return null;
  const times = [];
  for (let k = 0; k < 5; k++) {
    // drawn from scratch: Plotly.react with the figure it already shows would find nothing to redraw
    const data = JSON.parse(JSON.stringify(gd.data)), layout = JSON.parse(JSON.stringify(gd.layout));
    const start = performance.now();
    await window.Plotly.newPlot(gd, data, layout);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[2];
}"""


def browser_path() -> str:
    return os.environ.get("NHSV_BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _login(page, base: str, email: str, password: str) -> float:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    start = time.perf_counter()
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return start


def measure(base: str, email: str, password: str, pages: list[str], runs: int = 5) -> dict:
    """The browser's figures for one user (a coordinator: every page has charts)."""
    from playwright.sync_api import sync_playwright

    out: dict = {"first_render_ms": [], "pages": {}, "page_runs_ms": {}, "grid_ms": None}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=BROWSER_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
                page = context.new_page()
                page.set_default_timeout(120_000)
                start = _login(page, base, email, password)
                page.wait_for_function(CHARTS_DRAWN, polling="raf")
                out["first_render_ms"].append((time.perf_counter() - start) * 1000)
                if out["grid_ms"] is None:
                    out["grid_ms"] = page.evaluate(GRID_REDRAW)
                state = context.storage_state()
                context.close()
            # round by round, the empty page and each page once per round: a machine that slows down or speeds up
            # during the measurement shifts the floor and the pages alike, not the pages measured last
            paths = ["/bestaat-niet", *pages]
            for path in paths:
                out["page_runs_ms"][path] = []
            for _ in range(runs):
                for path in paths:
                    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL",
                                                  storage_state=state)
                    page = context.new_page()
                    page.set_default_timeout(120_000)
                    start = time.perf_counter()
                    page.goto(base + path)
                    page.wait_for_function(PAGE_SHOWN if path == "/bestaat-niet" else CHARTS_DRAWN, polling="raf")
                    out["page_runs_ms"][path].append((time.perf_counter() - start) * 1000)
                    context.close()
            out["pages"] = {path: statistics.median(times) for path, times in out["page_runs_ms"].items()}
        finally:
            browser.close()
    out["first_render_median_ms"] = statistics.median(out["first_render_ms"])
    out["floor_ms"] = out["pages"].pop("/bestaat-niet")
    return out
