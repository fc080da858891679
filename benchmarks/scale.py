"""Every measurement of one scale, in a process of its own (the reference data is read once per process, so
regional and national need separate processes). Run by `python -m benchmarks`; writes its numbers as JSON.

    python -m benchmarks.scale --scale regional|national --config '{"calls": 30, ...}' --out results.json

The process environment names the warehouse (NHSV_DATABASE_URL), the reference folder, NHSV_TODAY and the
data folder; `benchmarks.__main__` sets them.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import random
import resource
import shutil
import statistics
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import profiling, synthetic, targets
from benchmarks.server import (
    DOWNLOAD_CSV,
    PASSWORD,
    SHOW_TABLE,
    Server,
    login,
    map_click_body,
    on_request_body,
    post_callback,
    proc_cpu_seconds,
    proc_status,
    router_body,
    template_body,
)

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CHARTS_DRAWN = """() => {
  const plots = [...document.querySelectorAll('#inhoud .js-plotly-plot')];
  return plots.length >= 2 && plots.every(p => p._fullLayout && p._fullData && p.querySelector('.main-svg'));
}"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    """Percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- the warehouse -----------------------------------------------------------------------------------------


def reset_database(url: str) -> None:
    """An empty database at `url`: PostgreSQL databases are dropped and created, SQLite files removed."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


# --- loading ---------------------------------------------------------------------------------------------


def _load_once(engine, inbox: Path, files: int):
    """One load of the inbox: its report, the milliseconds between files' reports, and the seconds in all."""
    from etl import load

    stamps: list[float] = []
    next_report = [time.perf_counter() + 30]

    def progress(_report) -> None:
        now = time.perf_counter()
        stamps.append(now)
        if now > next_report[0]:
            next_report[0] = now + 30
            log(f"    {len(stamps)}/{files} files, {now - start:.0f} s")

    start = time.perf_counter()
    report = load.load_paths(engine, [inbox], actor="benchmark", channel="cli", progress=progress)
    seconds = time.perf_counter() - start
    return report, [(b - a) * 1000 for a, b in zip([start, *stamps[:-1]], stamps, strict=True)], seconds


def measure_loading(engine, inbox: Path, repeats: int = 1) -> dict:
    """Parse-only and a load into a fresh warehouse, each `repeats` times alternately (the medians are compared:
    a regional load is half a second, and one run differs from the next by up to 10%). The last load stays for
    the later steps."""
    from etl import db, load
    from etl.extract import extract

    paths = load.collect_paths([inbox])
    size = sum(p.stat().st_size for p in paths)
    for p in paths:  # warm the page cache, so that neither timing pays for the first read from disk
        p.read_bytes()
    url = engine.url.render_as_string(hide_password=False)
    parse_runs: list[float] = []
    load_runs: list[float] = []
    for attempt in range(repeats):
        log(f"  parse-only: {len(paths)} files, {size / 1e6:.0f} MB ...")
        start = time.perf_counter()
        rows = 0
        for p in paths:
            rows += extract(p.read_bytes()).rows
        parse_runs.append(time.perf_counter() - start)
        log(f"  parse-only: {parse_runs[-1]:.1f} s; loading into {engine.url.render_as_string()} ...")
        if attempt:  # a fresh warehouse again
            engine.dispose()
            reset_database(url)
            db.init(engine)
        report, per_file, seconds = _load_once(engine, inbox, len(paths))
        load_runs.append(seconds)
        log(f"  loaded in {seconds:.1f} s ({seconds / parse_runs[-1]:.2f}x parse-only)")
    parse_seconds, load_seconds = statistics.median(parse_runs), statistics.median(load_runs)

    tenth = max(1, len(per_file) // 10)
    outcomes: dict[str, int] = {}
    for f in report.files:
        outcomes[f.outcome] = outcomes.get(f.outcome, 0) + 1
    rows_loaded = sum(f.rows_loaded for f in report.files)
    out = dict(files=len(paths), bytes=size, rows=rows, rows_loaded=rows_loaded, outcomes=outcomes,
               parse_seconds=parse_seconds, load_seconds=load_seconds, ratio=load_seconds / parse_seconds,
               parse_runs=parse_runs, load_runs=load_runs,
               parse_files_per_s=len(paths) / parse_seconds, parse_rows_per_s=rows / parse_seconds,
               load_files_per_s=len(paths) / load_seconds, load_rows_per_s=rows / load_seconds,
               first_tenth_ms_per_file=statistics.mean(per_file[:tenth]),
               last_tenth_ms_per_file=statistics.mean(per_file[-tenth:]),
               deciles_ms_per_file=[statistics.mean(per_file[k * tenth:(k + 1) * tenth]) for k in range(10)
                                    if per_file[k * tenth:(k + 1) * tenth]])
    medians = f" (medians of {repeats})" if repeats > 1 else ""
    log(f"  load {load_seconds:.1f} s / parse-only {parse_seconds:.1f} s = {out['ratio']:.2f}x{medians}, "
        f"outcomes {outcomes}")
    return out


# --- the cases -----------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    role: str  # coordinator | gemeente
    kind: str  # router | click | template | table | csv
    page: str = "/"  # the page's path in dash.page_registry (for the in-process layout)
    pathname: str = "/"
    search: str = ""
    kwargs: dict = field(default_factory=dict)
    code: str | None = None  # click and template
    quarter: str | None = None  # template
    key: str = ""  # table and csv: the chart's or table's key on the page

    def body(self) -> dict:
        if self.kind == "router":
            return router_body(self.pathname, self.search)
        if self.kind in ("table", "csv"):
            return on_request_body(SHOW_TABLE if self.kind == "table" else DOWNLOAD_CSV, self.key, self.pathname,
                                   self.search)
        if self.kind == "click":
            return map_click_body(self.code)
        return template_body(self.code or "", self.quarter or "")


def make_cases(code: str, district: str, template_quarter: str) -> list[Case]:
    c, g = "coordinator", "gemeente"
    return [
        Case("Overzicht", c, "router"),
        Case("Overzicht, district + maat", c, "router", search=f"?maat=signals_per_10k&district={district}",
             kwargs={"maat": "signals_per_10k", "district": district}),
        Case("Gemeente (profiel)", c, "router", "/gemeente", f"/gemeente/{code}", kwargs={"code": code}),
        Case("Vergelijken", c, "router", "/vergelijken", "/vergelijken", f"?gemeente={code}&groep=grootte",
             {"gemeente": code, "groep": "grootte"}),
        Case("Ontwikkeling", c, "router", "/ontwikkeling", "/ontwikkeling"),
        Case("Signalen", c, "router", "/signalen", "/signalen"),
        Case("Aanlevering", c, "router", "/aanlevering", "/aanlevering"),
        Case("Verantwoording", c, "router", "/verantwoording", "/verantwoording"),
        Case("Aanleveren", c, "router", "/aanleveren", "/aanleveren"),
        Case("Kaartklik (open profiel)", c, "click", code=code),
        Case("Sjabloon downloaden", c, "template", code=code, quarter=template_quarter),
        Case("Overzicht: toon kaart als tabel", c, "table", key="kaart"),
        Case("Overzicht: bouwstenen als CSV", c, "csv", key="bouwstenen"),
        Case("Overzicht", g, "router"),
        Case("Gemeente (eigen profiel)", g, "router", "/gemeente", f"/gemeente/{code}", kwargs={"code": code}),
        Case("Vergelijken", g, "router", "/vergelijken", "/vergelijken", "?groep=grootte", {"groep": "grootte"}),
        Case("Ontwikkeling", g, "router", "/ontwikkeling", "/ontwikkeling"),
        Case("Signalen", g, "router", "/signalen", "/signalen"),
        Case("Ontwikkeling: toon score als tabel", g, "table", "/ontwikkeling", "/ontwikkeling",
             key="ontwikkeling_score"),
    ]


class Meter:
    """Time spent inside the public functions of modules (outermost calls only): the data layer alone. Wall
    time by default, because PostgreSQL answers in another process; `clock=time.process_time` for CPU time."""

    def __init__(self, *modules, clock=time.perf_counter) -> None:
        self.clock = clock
        self.spent = 0.0
        self.depth = 0
        self.originals = []
        for module in modules:
            for name, fn in list(vars(module).items()):
                if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                    self.originals.append((module, name, fn))
                    setattr(module, name, self._wrap(fn))

    def _wrap(self, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self.depth += 1
            start = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.spent += self.clock() - start
        return timed

    def restore(self) -> None:
        for module, name, fn in self.originals:
            setattr(module, name, fn)


def _dump(component) -> str:
    from dashboard import fastjson

    return fastjson.dumps(component)


@functools.cache
def _request_app():
    import flask

    return flask.Flask("floors")


def _render(layout, kwargs: dict) -> str:
    """A page's layout built in a request context of its own, as on the server (where the data layer reads the
    warehouse version once per request), then encoded as Dash sends it."""
    with _request_app().test_request_context():
        result = layout(**kwargs)
    return _dump(result)


def in_process(cases: list[Case], code: str, calls: int) -> dict[tuple[str, str], dict]:
    """Per case, in this process on the same warehouse: the data layer's time alone (the 'query-alone'
    floor) and the whole layout (+ JSON) without HTTP, p50/p95 over `calls`."""
    import dash

    from dashboard import alternatives, context, data
    from dashboard.viewer import Viewer
    from etl import db, prefill
    from etl.domain import Quarter

    layouts = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    viewers = {"coordinator": Viewer("coordinator"), "gemeente": Viewer("gemeente", code)}
    request_app = _request_app()  # each call in a request context of its own, as on the server
    out = {}
    meter = Meter(data)
    try:
        for case in cases:
            context.viewer = lambda v=viewers[case.role]: v
            query, whole, with_json = [], [], []
            for k in range(calls + 2):  # two warm-up calls
                meter.spent = 0.0
                start = time.perf_counter()
                if case.kind == "router":
                    with request_app.test_request_context():
                        result = layouts[case.page](**case.kwargs)
                    middle = time.perf_counter()
                    _dump(result)
                    end = time.perf_counter()
                    spent = meter.spent
                elif case.kind in ("table", "csv"):  # what the callback does: the page again, then one table
                    with request_app.test_request_context():
                        shown = alternatives.tables_of(case.pathname, case.search).get(case.key)
                    if shown is None:
                        raise RuntimeError(f"{case.pathname} offers no table {case.key!r}")
                    result = alternatives.table_view(shown) if case.kind == "table" else alternatives.csv_file(shown)
                    middle = time.perf_counter()
                    _dump(result)
                    end = time.perf_counter()
                    spent = meter.spent
                elif case.kind == "template":  # the callback's read of the warehouse
                    prefill.last_values(db.engine(), case.code or "", Quarter.parse(case.quarter or "").next())
                    middle = end = time.perf_counter()
                    spent = end - start
                else:  # the map click reads nothing
                    middle = end = time.perf_counter()
                    spent = 0.0
                if k >= 2:
                    query.append(spent * 1000)
                    whole.append((middle - start) * 1000)
                    with_json.append((end - start) * 1000)
            out[(case.name, case.role)] = dict(query_p50_ms=pct(query, 50), query_p95_ms=pct(query, 95),
                                               layout_p50_ms=pct(whole, 50), layout_json_p50_ms=pct(with_json, 50))
            if case.kind == "router":
                out[(case.name, case.role)].update(after_load(layouts[case.page], case.kwargs, meter,
                                                              max(3, calls // 6)))
    finally:
        meter.restore()
    return out


def after_load(layout, kwargs: dict, meter: Meter, calls: int) -> dict:
    """A page's first render after a load: every read of the data layer is cached per warehouse version, and a
    load (any file offered to the loader) starts a new one, so the first render of each page in each worker
    reads the warehouse again. Here every call starts with the data layer's caches emptied, which is what a
    new version does; the caches that do not depend on the warehouse (reference data, events.csv) stay."""
    from dashboard import data

    query, with_json = [], []
    for _ in range(calls):
        data.clear_caches()
        meter.spent = 0.0
        start = time.perf_counter()
        _render(layout, kwargs)
        with_json.append((time.perf_counter() - start) * 1000)
        query.append(meter.spent * 1000)
    data.clear_caches()
    return dict(after_load_query_p50_ms=pct(query, 50), after_load_p50_ms=pct(with_json, 50),
                after_load_calls=calls)


def mart_cache_bytes() -> int:
    from dashboard import data

    return int(sum(frame.memory_usage(deep=True).sum() for frame in data._MART_CACHE.entries.values()))


# --- callbacks over HTTP -------------------------------------------------------------------------------------


def _ok(response) -> bool:
    if response.status_code == 204:
        return True
    if response.status_code != 200:
        return False
    try:
        return "response" in response.json()
    except ValueError:
        return False


def time_body(server: Server, session, body: dict, calls: int, warmup: int = 4) -> dict:
    for _ in range(warmup):  # new connections: both workers warm up
        response, _rid, _ms = post_callback(session, server.base, body)
        if not _ok(response):
            raise RuntimeError(f"callback answered {response.status_code}: {response.text[:300]}")
    ids, client = [], []
    for _ in range(calls):
        response, rid, ms = post_callback(session, server.base, body)
        if not _ok(response):
            raise RuntimeError(f"callback answered {response.status_code}: {response.text[:300]}")
        ids.append(rid)
        client.append(ms)
    durations = server.wait_for_log(ids)
    server_ms = [durations[r] for r in ids if r in durations]
    return dict(calls=calls, server_p50_ms=pct(server_ms, 50), server_p95_ms=pct(server_ms, 95),
                server_max_ms=max(server_ms) if server_ms else float("nan"),
                client_p50_ms=pct(client, 50), client_p95_ms=pct(client, 95),
                response_bytes=len(response.content))


def time_get(server: Server, path: str, calls: int) -> dict:
    import uuid

    import requests

    ids, client = [], []
    for _ in range(calls + 2):
        rid = uuid.uuid4().hex
        start = time.perf_counter()
        requests.get(server.base + path, headers={"X-Request-Id": rid, "Connection": "close"}, timeout=30)
        ids.append(rid)
        client.append((time.perf_counter() - start) * 1000)
    ids, client = ids[2:], client[2:]
    durations = server.wait_for_log(ids)
    server_ms = [durations[r] for r in ids if r in durations]
    return dict(calls=calls, server_p50_ms=pct(server_ms, 50), server_p95_ms=pct(server_ms, 95),
                client_p50_ms=pct(client, 50), client_p95_ms=pct(client, 95))


def measure_callbacks(server: Server, sessions: dict, cases: list[Case], floors: dict, calls: int) -> dict:
    noop = time_body(server, sessions["coordinator"], map_click_body(None), calls)
    log(f"  no-op callback: p50 {noop['server_p50_ms']:.1f} ms, p95 {noop['server_p95_ms']:.1f} ms (server)")
    results = []
    for case in cases:
        timing = time_body(server, sessions[case.role], case.body(), calls)
        timing.update(floors[(case.name, case.role)])
        results.append(dict(name=case.name, role=case.role, kind=case.kind,
                            request=(case.pathname + case.search if case.kind == "router" else
                                     f"{case.kind} {case.key} on {case.pathname}{case.search}" if case.key else
                                     case.kind),
                            **timing))
        log(f"  {case.role:<11} {case.name:<30} p50 {timing['server_p50_ms']:7.1f}  p95 "
            f"{timing['server_p95_ms']:7.1f} ms   query-alone p95 {timing['query_p95_ms']:6.1f} ms")
    trivial = time_body(server, sessions["coordinator"], router_body("/404"), calls)
    health = time_get(server, "/healthz", calls)
    return dict(noop=noop, trivial_page=trivial, healthz=health, cases=results)


def uncached_callbacks(folder: Path, env: dict, cfg: dict, main_users: list, cases: list[Case],
                       floors: dict) -> dict:
    """The callbacks on a server without the page cache (NHSV_RENDER_CACHE_MB=0): every call renders."""
    with Server(folder, {**env, "NHSV_RENDER_CACHE_MB": "0"}, workers=cfg["workers"]) as server:
        sessions = {"coordinator": login(server.base, main_users[0][0]),
                    "gemeente": login(server.base, main_users[1][0])}
        return measure_callbacks(server, sessions, cases, floors, cfg["calls"])


# --- first render in Chromium ------------------------------------------------------------------------------


def first_render(base: str, email: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    path = os.environ.get("NHSV_BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    measurements = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(base + "/login")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", PASSWORD)
                start = time.perf_counter()
                page.click("button[type=submit]")
                page.wait_for_url(lambda u: "/login" not in u)
                page.wait_for_function(CHARTS_DRAWN, polling="raf")
                wall = (time.perf_counter() - start) * 1000
                timeline = page.evaluate("""() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const cb = performance.getEntriesByType('resource')
                        .filter(e => e.name.includes('_dash-update-component'));
                    const js = performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script');
                    return {drawn: performance.now(), response_end: nav.responseEnd,
                            dom_content_loaded: nav.domContentLoadedEventEnd,
                            router_start: cb.length ? cb[0].startTime : null,
                            router_end: cb.length ? cb[0].responseEnd : null,
                            scripts: js.length,
                            script_bytes: js.reduce((a, e) => a + (e.encodedBodySize || 0), 0)};
                }""")
                timeline["login_click_to_drawn_ms"] = wall
                measurements.append(timeline)
                context.close()
        finally:
            browser.close()
    walls = [m["login_click_to_drawn_ms"] for m in measurements]
    return dict(runs=measurements, median_ms=statistics.median(walls), max_ms=max(walls),
                median_from_navigation_ms=statistics.median(m["drawn"] for m in measurements))


# --- concurrent users -----------------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Peak memory and CPU of the server's workers, every 0.25 s (gunicorn replaces a worker after
    max_requests, so every worker pid ever seen is kept)."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.stop_event = threading.Event()
        self.hwm: dict[int, int] = {}
        self.rss: dict[int, int] = {}
        self.cpu_first: dict[int, float] = {}
        self.cpu_last: dict[int, float] = {}
        self.born: dict[int, float] = {}  # pid -> seconds after the sampler started
        self.started = time.perf_counter()

    def sample(self) -> None:
        for pid in self.server.worker_pids():
            self.born.setdefault(pid, time.perf_counter() - self.started)
            status = proc_status(pid)
            if status:
                self.hwm[pid] = max(self.hwm.get(pid, 0), status.get("VmHWM", 0))
                self.rss[pid] = max(self.rss.get(pid, 0), status.get("VmRSS", 0))
            cpu = proc_cpu_seconds(pid)
            if cpu is not None:
                self.cpu_first.setdefault(pid, cpu)
                self.cpu_last[pid] = cpu

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(0.25)

    def stop(self) -> None:
        self.sample()
        self.stop_event.set()
        self.join()

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_last[p] - self.cpu_first[p] for p in self.cpu_last)


def concurrency(server: Server, users: list[tuple[str, str, str | None]], codes: list[str], quarters: list[str],
                district: str, duration: float, think: tuple[float, float], seed: int) -> dict:
    """`users` virtual users (coordinators and gemeente users), each logged in with its own session, for
    `duration` seconds: think, then a page view (half of them a full page load, half a navigation)."""
    log(f"  logging in {len(users)} users ...")
    sessions = [login(server.base, email) for email, _role, _code in users]
    records: list[tuple[float, str, float, bool]] = []
    actions: list[tuple[float, str, float, bool]] = []
    errors: list[str] = []
    lock = threading.Lock()
    recent = quarters[-8:]

    def pages(role: str, own: str | None, rng: random.Random) -> tuple[str, str]:
        other = rng.choice(codes)
        if role == "coordinator":
            choices = [("/", ""), ("/", ""), ("/", f"?maat=signals_per_10k&district={district}"),
                       (f"/gemeente/{other}", ""), ("/vergelijken", f"?gemeente={other}&groep=grootte"),
                       ("/ontwikkeling", ""), ("/signalen", ""), ("/aanlevering", "")]
        else:
            choices = [("/", ""), ("/", ""), (f"/gemeente/{own}", ""), ("/vergelijken", "?groep=grootte"),
                       ("/ontwikkeling", ""), ("/signalen", "")]
        pathname, search = rng.choice(choices)
        if rng.random() < 0.2 and pathname in ("/", "/signalen", "/aanlevering", "/vergelijken") or \
                pathname.startswith("/gemeente/") and rng.random() < 0.2:
            search += ("&" if search else "?") + f"kwartaal={rng.choice(recent)}"
        return pathname, search

    started = time.perf_counter()
    stop_at = started + duration

    last_end: dict[int, float] = {}

    def one(index: int, session, kind: str, method: str, url: str, **kwargs) -> tuple[bool, float]:
        start = time.perf_counter()
        idle = start - last_end.get(index, start)  # since this user's previous response (keep-alive idle)
        try:
            response = session.request(method, server.base + url, timeout=30, allow_redirects=False, **kwargs)
            ok = response.status_code == 200 and (kind != "router" or "response" in response.json())
            detail = "" if ok else f"{kind} {url}: {response.status_code}"
        except Exception as problem:  # noqa: BLE001 - every failure is counted
            ok, detail = False, (f"{kind} {url}: {type(problem).__name__}: {problem} (at {start - started:.1f} s, "
                                 f"after {idle:.1f} s without a request on this user's connection)")
        last_end[index] = time.perf_counter()
        ms = (last_end[index] - start) * 1000
        with lock:
            records.append((start - started, kind, ms, ok))
            if detail and len(errors) < 10:
                errors.append(detail)
        return ok, ms

    def user(index: int) -> None:
        email, role, own = users[index]
        session = sessions[index]
        rng = random.Random(seed * 1000 + index)
        time.sleep(rng.uniform(0, think[1]))  # users arrive spread over the first think time
        while time.perf_counter() < stop_at:
            pathname, search = pages(role, own, rng)
            begin = time.perf_counter()
            ok = True
            if rng.random() < 0.5:  # a full page load: a filter form is a GET, or a new tab
                ok &= one(index, session, "html", "GET", pathname + search)[0]
                ok &= one(index, session, "layout", "GET", "/_dash-layout")[0]
                ok &= one(index, session, "dependencies", "GET", "/_dash-dependencies")[0]
            ok &= one(index, session, "router", "POST", "/_dash-update-component",
                      json=router_body(pathname, search))[0]
            with lock:
                actions.append((begin - started, pathname, (time.perf_counter() - begin) * 1000, ok))
            pause = rng.uniform(*think)
            if time.perf_counter() + pause >= stop_at:
                break
            time.sleep(pause)

    sampler = Sampler(server)
    sampler.start()
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        list(pool.map(user, range(len(users))))
    elapsed = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    sampler.stop()
    for s in sessions:
        s.close()

    times = [ms for _t, _k, ms, _ok in records]
    router = [ms for _t, k, ms, _ok in records if k == "router"]
    action_ms = [ms for _t, _p, ms, _ok in actions]
    n_errors = sum(1 for *_rest, ok in records if not ok)
    by_kind = {}
    for kind in ("html", "layout", "dependencies", "router"):
        values = [ms for _t, k, ms, _ok in records if k == kind]
        if values:
            by_kind[kind] = dict(requests=len(values), p50_ms=pct(values, 50), p95_ms=pct(values, 95))
    cpu = sampler.cpu_seconds
    return dict(
        users=len(users), duration_s=elapsed, think_s=list(think), requests=len(records),
        throughput_rps=len(records) / elapsed, actions=len(actions), actions_per_s=len(actions) / elapsed,
        errors=n_errors, error_samples=errors, p50_ms=pct(times, 50), p95_ms=pct(times, 95),
        p99_ms=pct(times, 99), max_ms=max(times) if times else float("nan"),
        router_p95_ms=pct(router, 95), action_p50_ms=pct(action_ms, 50), action_p95_ms=pct(action_ms, 95),
        by_kind=by_kind, worker_cpu_seconds=cpu, worker_cpu_ms_per_request=cpu / max(1, len(records)) * 1000,
        worker_cpu_ms_per_action=cpu / max(1, len(actions)) * 1000,
        worker_cpu_utilisation=cpu / elapsed,
        client_cpu_seconds=(usage_after.ru_utime + usage_after.ru_stime)
        - (usage_before.ru_utime + usage_before.ru_stime),
        worker_pids_seen=len(sampler.hwm),
        worker_restarts_at_s=sorted(round(t, 1) for t in sampler.born.values() if t > 0.5),
        _memory=dict(hwm_kb=sampler.hwm, rss_kb=sampler.rss),
    )


# --- export --------------------------------------------------------------------------------------------------


def measure_export(quarter: str, codes: list[str], folder: Path) -> dict:
    from benchmarks.export import bare_export
    from dashboard import export

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    result = export.build_pack(quarter, "coordinator", codes, True, export.DEFAULT_FORMATS, folder / "pack",
                               keep_figures=True, tabs=export.TABS)
    figures = result.exported_figures
    bare = bare_export(figures, folder / "bare")
    size = sum(f.bytes for f in result.files)
    shutil.rmtree(folder, ignore_errors=True)
    n = result.figures
    return dict(quarter=quarter, gemeenten=len(codes), parts=result.parts, figures=n, files=len(result.files),
                megabytes=size / 1e6, pack_seconds=result.seconds, render_seconds=result.render_seconds,
                bare_seconds=bare, per_figure_s=result.seconds / n, bare_per_figure_s=bare / n,
                ratio=(result.seconds / n) / (bare / n))


# --- profiles of missed targets --------------------------------------------------------------------------------

LOAD_STEPS = {
    "extract (parse the file)": ("etl/extract.py", "extract"),
    "validate": ("etl/validate.py", "validate"),
    "marts.refresh": ("etl/marts.py", "refresh"),
    "plan the batch (hashes, versions, superseding)": ("etl/load.py", "_plan"),
    "write the batch (all tables)": ("etl/load.py", "_write"),
    "write submission + facts": ("etl/load.py", "_insert_submission"),
    "record file + findings": ("etl/load.py", "_record_file"),
    "already loaded? (hash look-up)": ("etl/load.py", "_already_loaded"),
    "previous quarter's statuses": ("etl/load.py", "previous_statuses"),
    "transaction begin/commit": ("sqlalchemy/engine/base.py", "commit"),
}
CALLBACK_STEPS = {
    "data layer: _mart (mart rows to DataFrame)": ("dashboard/data.py", "_mart"),
    "data layer: warehouse_version (one query per request)": ("dashboard/data.py", "warehouse_version"),
    "data layer: scope_rows": ("dashboard/data.py", "scope_rows"),
    "disclosure: protect_table (secondary suppression)": ("dashboard/disclosure.py", "protect_table"),
    "SQL execute (SQLAlchemy)": ("sqlalchemy/engine/base.py", "_execute_context"),
    "charts (dashboard.charts)": ("dashboard/charts.py", "*"),
    "accessible tables (components.data_table)": ("dashboard/components.py", "data_table"),
    "JSON (dashboard.fastjson, as Dash sends it)": ("benchmarks/scale.py", "_dump"),
}


def profile_load(engine, scale: str, dataset, seed: int) -> dict:
    """cProfile of loading a batch of corrections (new versions of the last 4 quarters of 8 gemeenten) into
    the loaded warehouse, and of parsing the same files."""
    from etl import demo, load, reference
    from etl.domain import last_completed_quarter
    from etl.extract import extract

    region = reference.region()
    special = {demo.CSV_SEMICOLON, demo.CSV_COMMA, demo.CSV_BULK_2024, *(c for c, *_ in demo.MISSING),
               *(c for c, *_ in demo.FLAWED), demo.RESUBMITTED[0], demo.DUPLICATE[0]}
    codes = [c for c in sorted(region) if c not in special][:8]
    last = last_completed_quarter()
    first = last.previous().previous().previous()
    folder = synthetic.BENCH_DIR / scale / "corrections"
    saved = demo.FIRST_QUARTER
    demo.FIRST_QUARTER = first
    try:
        plan = demo.generate(folder, seed=seed + 7, last=last, municipalities={c: region[c] for c in codes})
    finally:
        demo.FIRST_QUARTER = saved
    contents = [(p.name, p.read_bytes()) for p in plan.files]
    start = time.perf_counter()
    for _name, data in contents:
        extract(data)
    parse_seconds = time.perf_counter() - start
    from sqlalchemy import event

    statements = []

    def count(_conn, _cursor, statement, _parameters, _context, executemany) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    from etl import db

    copy_rows = db.insert_rows

    def counted_copy(conn, table, rows) -> None:  # COPY goes past SQLAlchemy's events: count it here
        if rows and conn.dialect.driver == "psycopg":
            statements.append("COPY")
        copy_rows(conn, table, rows)

    holder = {}
    event.listen(engine, "before_cursor_execute", count)
    db.insert_rows = counted_copy
    try:
        start = time.perf_counter()
        stats = profiling.profile(lambda: holder.setdefault(
            "report", load.load_files(engine, contents, actor="benchmark-profile", channel="cli")))
        profiled_seconds = time.perf_counter() - start
    finally:
        event.remove(engine, "before_cursor_execute", count)
        db.insert_rows = copy_rows
    summary = profiling.summarize(stats, LOAD_STEPS)
    outcomes = [f.outcome for f in holder["report"].files]
    trips = roundtrips(engine)
    kinds = {k: statements.count(k) for k in sorted(set(statements))}
    return dict(files=len(contents), outcomes={o: outcomes.count(o) for o in set(outcomes)},
                parse_seconds=parse_seconds, profiled_seconds=profiled_seconds, profile=summary,
                statements=len(statements), statements_per_file=len(statements) / max(1, len(contents)),
                statement_kinds=kinds, roundtrip=trips)


def _charts_total(stats) -> float:
    raw = stats.stats
    return sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, callers) in raw.items()
               if filename.replace("\\", "/").endswith("dashboard/charts.py") and not any(
                   c[0].replace("\\", "/").endswith("dashboard/charts.py") for c in callers))


def profile_callbacks(cases: list[Case], code: str, calls: int = 5) -> list[dict]:
    import dash

    from dashboard import context
    from dashboard.viewer import Viewer

    layouts = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    out = []
    for case in cases:
        if case.kind != "router":
            continue
        viewer = Viewer("coordinator") if case.role == "coordinator" else Viewer("gemeente", code)
        context.viewer = lambda v=viewer: v
        layout = layouts[case.page]
        _render(layout, case.kwargs)

        def run(layout=layout, case=case):
            for _ in range(calls):
                _render(layout, case.kwargs)

        stats = profiling.profile(run)
        steps = {k: v for k, v in CALLBACK_STEPS.items() if v[1] != "*"}
        summary = profiling.summarize(stats, steps)
        charts = _charts_total(stats)
        summary["steps"].insert(5, ("charts (dashboard.charts)", charts,
                                    charts / summary["total"] if summary["total"] else 0.0))
        summary["calls"] = calls
        out.append(dict(name=case.name, role=case.role, profile=summary))
    return out


def gc_experiment(cases: list[Case], code: str, calls: int = 10) -> list[dict]:
    """In-process layout + JSON of `cases`, timing the cyclic garbage collector itself (gc.callbacks) during
    each render: with Python's default collector, then after gc.freeze() (every object alive then, the app,
    modules and caches, moved out of the collector's generations), as a worker could do once after start-up.
    Runs last: it changes this process's collector."""
    import gc

    import dash

    from dashboard import context
    from dashboard.viewer import Viewer

    layouts = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    clock = {"start": 0.0, "spent": 0.0, "full": 0}

    def callback(phase, info) -> None:
        if phase == "start":
            clock["start"] = time.perf_counter()
        else:
            clock["spent"] += time.perf_counter() - clock["start"]
            clock["full"] += info.get("generation") == 2

    def measure(case: Case) -> dict:
        context.viewer = lambda v=(Viewer("coordinator") if case.role == "coordinator"
                                   else Viewer("gemeente", code)): v
        renders, in_gc, full = [], [], 0
        for k in range(calls + 2):
            clock["spent"], clock["full"] = 0.0, 0
            start = time.perf_counter()
            _render(layouts[case.page], case.kwargs)
            if k >= 2:
                renders.append((time.perf_counter() - start) * 1000)
                in_gc.append(clock["spent"] * 1000)
                full += clock["full"]
        return dict(p50_ms=pct(renders, 50), gc_ms=statistics.mean(in_gc), full_per_render=full / calls)

    results = []
    gc.callbacks.append(callback)
    try:
        before = {(c.name, c.role): measure(c) for c in cases}
        gc.freeze()
        try:
            after = {(c.name, c.role): measure(c) for c in cases}
        finally:
            gc.unfreeze()
    finally:
        gc.callbacks.remove(callback)
    for c in cases:
        b, a = before[(c.name, c.role)], after[(c.name, c.role)]
        results.append(dict(name=c.name, role=c.role, default_p50_ms=b["p50_ms"], default_gc_ms=b["gc_ms"],
                            default_full_per_render=b["full_per_render"], frozen_p50_ms=a["p50_ms"],
                            frozen_gc_ms=a["gc_ms"]))
    return results


def roundtrips(engine, n: int = 300) -> dict:
    """The cost of one statement round trip (SELECT 1 on an open connection) and of one empty transaction
    with a one-row write (BEGIN, INSERT, COMMIT: the commit waits for the WAL flush)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        start = time.perf_counter()
        for _ in range(n):
            conn.execute(text("SELECT 1"))
        select_ms = (time.perf_counter() - start) / n * 1000
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS bench_commit (x int)"))
        conn.commit()
        start = time.perf_counter()
        for k in range(n // 3):
            conn.execute(text("INSERT INTO bench_commit VALUES (:k)"), {"k": k})
            conn.commit()
        commit_ms = (time.perf_counter() - start) / (n // 3) * 1000
    return dict(select_ms=select_ms, insert_commit_ms=commit_ms)


# --- the run -------------------------------------------------------------------------------------------------


def pick_code(region: dict) -> tuple[str, str]:
    """A gemeente to look at: Hoorn in the real region (the demo's gemeente user), else the median-sized one."""
    if "GM0405" in region:
        return "GM0405", region["GM0405"].police_district or ""
    ordered = sorted(region.values(), key=lambda m: (m.population, m.code))
    m = ordered[len(ordered) // 2]
    return m.code, m.police_district or ""


def run(scale: str, cfg: dict) -> dict:
    from etl import db, reference
    from etl.domain import current_quarter

    results: dict = {"scale": scale, "steps": {}, "errors": []}
    seed = cfg["seed"]

    def step(name: str, fn):
        if name in cfg.get("skip", []):
            log(f"[{scale}] {name}: skipped")
            return None
        log(f"[{scale}] {name} ...")
        start = time.perf_counter()
        try:
            value = fn()
        except Exception as problem:  # noqa: BLE001 - one failing step is reported, the rest still runs
            log(traceback.format_exc())
            results["errors"].append(f"{name}: {type(problem).__name__}: {problem}")
            value = None
        results["steps"][name] = time.perf_counter() - start
        return value

    if scale == "regional":
        dataset = synthetic.regional_dataset(seed, cfg.get("regenerate", False), log=log)
    else:
        dataset = synthetic.national_dataset(seed, quarters=cfg["national_quarters"],
                                             regenerate=cfg.get("regenerate", False), name=scale, log=log)
    results["dataset"] = dict(gemeenten=dataset.gemeenten, quarters=[dataset.quarters[0], dataset.quarters[-1]],
                              n_quarters=len(dataset.quarters), files=dataset.files,
                              generated_seconds=dataset.generated_seconds, inbox=str(dataset.inbox))

    url = os.environ["NHSV_DATABASE_URL"]
    if "loading" not in cfg.get("skip", []):
        reset_database(url)  # without loading, the warehouse of the last run is measured as it is
    engine = db.make_engine(url)
    db.init(engine)
    results["database"] = engine.url.render_as_string(hide_password=True)
    # a regional load takes half a second: the median of three says more than one
    loading = step("loading", lambda: measure_loading(engine, dataset.inbox, 3 if scale == "regional" else 1))
    if loading is not None:
        loading["full_history_seconds"] = loading["load_seconds"]
        results["loading"] = loading

    region = reference.region()
    code, district = pick_code(region)
    template_quarter = current_quarter().code
    cases = make_cases(code, district, template_quarter)
    results["subject"] = dict(code=code, name=region[code].name, district=district,
                              population=region[code].population)

    from dashboard import auth
    from dashboard.app import create_app

    create_app()  # registers the pages in this process (the in-process floors read their layouts)
    floors = step("in-process floors", lambda: in_process(cases, code, cfg["calls"]))
    results["mart_cache_mb_in_process"] = mart_cache_bytes() / 1e6

    rng = random.Random(seed)
    codes = sorted(region)
    users = [(f"coordinator{k}@bench.nhsv.nl", "coordinator", None) for k in range(cfg["users"] // 5)]
    while len(users) < cfg["users"]:
        k = len(users)
        users.append((f"gemeente{k}@bench.nhsv.nl", "gemeente", rng.choice(codes)))
    main_users = [("coordinator@bench.nhsv.nl", "coordinator", None), ("gemeente@bench.nhsv.nl", "gemeente", code)]
    for email, role, c in main_users + users:
        try:
            auth.add_user(engine, email, role, c, PASSWORD, actor="benchmark")
        except ValueError:  # the warehouse of an earlier run (--skip loading) has them
            pass
    quarters = sorted({q for q in dataset.quarters})

    server_dir = synthetic.BENCH_DIR / scale / "server"
    env = {"NHSV_DATABASE_URL": url}
    if floors is not None:  # every call renders: the server with its page cache switched off
        results["callbacks"] = step("callbacks", lambda: uncached_callbacks(server_dir.parent / "server-uncached",
                                                                           env, cfg, main_users, cases, floors))
    server = Server(server_dir, env, workers=cfg["workers"])
    step_start = time.perf_counter()
    server.start()
    results["steps"]["server start"] = time.perf_counter() - step_start
    try:
        results["memory_idle_kb"] = {pid: proc_status(pid) for pid in server.worker_pids()}
        sessions = {"coordinator": login(server.base, main_users[0][0]),
                    "gemeente": login(server.base, main_users[1][0])}
        if floors is not None:  # as deployed: after its first render, a page is answered from the cache
            results["callbacks_cached"] = step("callbacks cached", lambda: measure_callbacks(
                server, sessions, cases, floors, cfg["calls"]))
        results["memory_after_callbacks_kb"] = {pid: proc_status(pid) for pid in server.worker_pids()}
        results["browser"] = step("browser", lambda: first_render(server.base, main_users[0][0],
                                                                  cfg["browser_runs"]))
        conc = step("concurrency", lambda: concurrency(server, users, codes, quarters, district, cfg["duration"],
                                                       tuple(cfg["think"]), seed))
        if conc is not None:
            memory = conc.pop("_memory")
            hwm = memory["hwm_kb"]
            results["concurrency"] = conc
            results["memory"] = dict(
                per_worker_hwm_mb={str(p): v / 1024 for p, v in hwm.items()},
                max_hwm_mb=max(hwm.values()) / 1024 if hwm else float("nan"),
                max_rss_mb=max(memory["rss_kb"].values()) / 1024 if memory["rss_kb"] else float("nan"),
                workers_seen=len(hwm))
            final = {pid: proc_status(pid) for pid in server.worker_pids()}
            results["memory"]["final_hwm_mb"] = {str(p): s.get("VmHWM", 0) / 1024 for p, s in final.items()}
    finally:
        server.stop()

    from dashboard import data

    latest = data.resolve_quarter(None)
    ordered = sorted(region.values(), key=lambda m: (m.population, m.code))
    n = cfg["export_gemeenten"] if scale != "regional" or cfg["quick"] else len(ordered)
    n = min(n, len(ordered))
    picked = sorted({ordered[round(k * (len(ordered) - 1) / max(1, n - 1))].code for k in range(n)}) if n else []
    results["export"] = step("export", lambda: measure_export(latest, picked, synthetic.BENCH_DIR / scale / "export"))

    # profiles: always for the loader (cheap), for callbacks where a target is missed
    results["load_profile"] = step("load profile", lambda: profile_load(engine, scale, dataset, seed))
    targets.callback_checks(scale, results)  # sets each case's floor bound
    if results.get("callbacks"):
        routed = [c for c in results["callbacks"]["cases"] if c["kind"] == "router"]
        if scale.startswith("national"):  # the 100 ms target: the slowest pages
            ranked = sorted(routed, key=lambda c: c["server_p95_ms"], reverse=True)
        else:  # the floor target: the pages furthest over their bound
            ranked = sorted(routed, key=lambda c: c["server_p95_ms"] - c["floor_bound_ms"], reverse=True)
        wanted, pages = [], set()
        for c in ranked:
            if c["name"] not in pages and len(wanted) < (5 if scale.startswith("national") else 3):
                wanted.append(c)
                pages.add(c["name"])
        chosen = [case for case in cases if any(case.name == w["name"] and case.role == w["role"] for w in wanted)]
        results["callback_profiles"] = step("callback profiles", lambda: profile_callbacks(chosen, code))
        results["gc_experiment"] = step("gc experiment", lambda: gc_experiment(chosen, code))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--config", required=True, help="JSON")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    cfg = json.loads(args.config)
    results = run(args.scale, cfg)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    log(f"[{args.scale}] results in {args.out}")


if __name__ == "__main__":
    main()
