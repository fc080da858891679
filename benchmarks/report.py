"""Writes docs/benchmarks.md from the numbers of one run (and benchmarks/findings.md, the hand-written reading
of the profiles, included as it stands)."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks import targets
from benchmarks.targets import Check
from nhsv import production

FINDINGS = Path(__file__).resolve().parent / "findings.md"


def _f(value, digits: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", " ") + unit
    return f"{value:,.{digits}f}".replace(",", " ") + unit


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _mark(ok: bool | None) -> str:
    return {True: "pass", False: "**MISSED**", None: "not measured"}[ok]


def checks_for(results: dict[str, dict]) -> list[Check]:
    out = []
    for scale, result in results.items():
        out += targets.all_checks(scale, result)
        for error in result.get("errors", []):
            out.append(Check(scale, "step ran", error, False))
    return out


def write(path: Path, machine: dict, config: dict, results: dict[str, dict], command: str) -> list[Check]:
    checks = checks_for(results)
    missed = [c for c in checks if c.ok is False]
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks: from one region to the whole country")
    add("")
    add(f"Written by `{command}` on {machine['date']} ({'quick smoke run' if config['quick'] else 'full run'}). "
        "Every figure below and its floor were measured in that one run on the machine described; run the "
        "command again to refresh this file (`python -m benchmarks --help` for the options). The command exits "
        "non-zero when a target is missed.")
    add("")
    verdict = "all targets met" if not missed else f"{len(missed)} of {len(checks)} checks missed"
    add(f"**Result: {verdict}.**")
    add("")

    # --- summary ---
    add("## Targets")
    add("")
    add("On a 2-core machine: callback p95 ≤ 100 ms at national scale and ≤ 2× the query-alone time plus the "
        "no-op floor; loading ≤ 1.5× parse-only and the national history in under 10 minutes; 50 concurrent "
        "users with 0 errors and p95 ≤ 500 ms; worker memory ≤ 300 MB at national scale.")
    add("")
    summary_rows = []
    for scale in results:
        scale_checks = [c for c in checks if c.scale == scale]
        groups: dict[str, list[Check]] = {}
        for c in scale_checks:
            key = "callbacks: ≤ 2× query-alone + no-op" if "2 x query" in c.target else \
                "callbacks: p95 ≤ 100 ms" if c.target.startswith("callback") else c.target
            groups.setdefault(key, []).append(c)
        for key, group in groups.items():
            bad = [c for c in group if c.ok is False]
            if key.startswith("callbacks"):
                measured = f"{len(group) - len(bad)} of {len(group)} callbacks within"
                if bad:
                    measured += "; missed: " + ", ".join(c.target.split(":")[0].removeprefix("callback ")
                                                         for c in bad)
            else:
                measured = "; ".join(c.measured for c in group)
            summary_rows.append([scale, key, measured, _mark(not bad)])
    lines += _table(["scale", "target", "measured", ""], summary_rows)

    # --- machine ---
    add("## Machine and method")
    add("")
    add(f"- {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']:.1f} GiB memory; load average "
        f"before the run {machine['loadavg_before']} (1, 5, 15 min), after it {machine.get('loadavg_after', '–')}.")
    add(f"- {machine['python']}, {machine['postgres']}, {machine['chromium']}, kernel {machine['kernel']}.")
    add("- Warehouse: PostgreSQL on 127.0.0.1 (one fresh database per scale: "
        + ", ".join(f"`{r.get('database', '?')}`" for r in results.values()) + ").")
    add(f"- Server: `nhsv.production.serve_production` (gunicorn, gthread) with {config['workers']} workers × "
        f"NHSV_THREADS (default 4) on 127.0.0.1, NHSV_ENV=production; the load generator, the browser and "
        "PostgreSQL run on the same 2 cores, so every server figure includes their competition.")
    add("- Regional: the 32 NHSV gemeenten of `data/reference`, demo data (`etl.demo`) from 2024Q1 to the last "
        "completed quarter. National: 342 synthetic gemeenten (GM0001–GM0342: a skewed population like the "
        "Netherlands', 25 veiligheidsregio's and 25 police districts, all in the region) × 40 quarters, "
        "written by the same demo generator through the real template writer and loaded through the real "
        "pipeline. The warehouse's quarter dimension starts at 2020Q1 (`etl.reference.QUARTERS_FROM`), so the "
        "40 quarters are 2020Q1–2029Q4 and the national run takes NHSV_TODAY=2030-01-15. The generated inboxes "
        "are cached under `data/bench/` (git-ignored) and reused while the generator is unchanged.")
    add("")
    data_rows = []
    for scale, r in results.items():
        d = r.get("dataset", {})
        ld = r.get("loading") or {}
        gen = d.get("generated_seconds")
        data_rows.append([scale, d.get("gemeenten"), f"{d.get('n_quarters')} ({d.get('quarters', ['', ''])[0]}–"
                          f"{d.get('quarters', ['', ''])[-1]})", _f(d.get("files")), _f(ld.get("rows")),
                          _f((ld.get("bytes") or 0) / 1e6, 0, " MB"),
                          "cached" if gen is None else _f(gen, 0, " s")])
    lines += _table(["scale", "gemeenten", "quarters", "files", "rows", "size", "generation"], data_rows)

    # --- loading ---
    add("## Loading")
    add("")
    add("Parse-only reads every file and runs `etl.extract.extract` (what the loader does first); the load is "
        "`etl.load.load_paths` into a fresh warehouse: hash, extract, validate, write facts and findings, "
        "refresh the marts; files are written in batches of up to 200, one transaction per batch, while two "
        "forked worker processes parse the files ahead. Both read the same files, from a warm page cache, in "
        "the same run. Rows are the cells of data (`extract(...).rows`). At regional scale both are measured "
        "three times, alternately, each load into a fresh warehouse, and the medians are compared (each run "
        "is listed); the national figures are one run each.")
    add("")
    rows = []
    for scale, r in results.items():
        ld = r.get("loading")
        if not ld:
            continue
        rows.append([scale, _f(ld["files"]), _f(ld["parse_seconds"], 1, " s"), _f(ld["parse_files_per_s"], 0),
                     _f(ld["parse_rows_per_s"], 0), _f(ld["load_seconds"], 1, " s"), _f(ld["load_files_per_s"], 1),
                     _f(ld["load_rows_per_s"], 0), f"{ld['ratio']:.2f}×",
                     f"{ld['first_tenth_ms_per_file']:.0f} → {ld['last_tenth_ms_per_file']:.0f}",
                     " / ".join(f"{p:.2f} s, {t:.2f} s" for p, t in zip(ld.get("parse_runs", [ld["parse_seconds"]]),
                                                                     ld.get("load_runs", [ld["load_seconds"]]),
                                                                     strict=True)),
                     ", ".join(f"{k} {v}" for k, v in sorted(ld["outcomes"].items()))])
    lines += _table(["scale", "files", "parse-only", "files/s", "rows/s", "load", "files/s", "rows/s",
                     "load / parse", "ms per file, first → last tenth", "each run: parse-only, load", "outcomes"],
                    rows)

    # --- callbacks ---
    add("## Callbacks")
    add("")
    add("Server time is gunicorn's own duration of the request (access log, `%(D)s`), from reading the request "
        "to the last byte of the response, over sequential POSTs to `/_dash-update-component` with a logged-in "
        "session, each on a new connection so that both workers serve (after 4 warm-up calls); p50 and p95 over "
        f"{config['calls']} calls. Pages are rendered by Dash's pages router callback (the `layout(**query)` of "
        "the page), as the browser asks for them; the map click and the template download are the pages' own "
        "callbacks, and so are 'Toon als tabel' and 'Download als CSV' (`dashboard.alternatives`): a page sends "
        "its charts only, and opening a table or pressing the download renders the page again for the same URL "
        "and user and answers with that one table or CSV.")
    add("")
    add("The targets are checked on a server with its page cache switched off (`NHSV_RENDER_CACHE_MB=0`), so "
        "that every call renders the page: the cost of a page seen for the first time by a scope, with the data "
        "layer's reads already cached in the worker (a first render after a load, which reads the warehouse "
        "again, is measured separately below). The columns *cached p50/p95* are the same calls against the "
        "server as deployed, where a page is rendered once per URL, scope and warehouse version and then "
        "answered from the worker's cache; they are not checked against a target.")
    add("")
    add("Floors, measured in the same run:")
    add("")
    add("- **No-op callback**: the overview map's click callback (`dashboard.layout.open_profile`) posted with "
        "no click, which runs and answers `no_update`. It is a real registered callback on the same server, so "
        "it pays exactly what every callback pays and nothing else: HTTP, the login guard with its session "
        "look-up in the warehouse, CSRF/JSON handling and Dash's dispatch. No callback can be cheaper, so it "
        "is the floor rather than `/healthz` (which skips Dash and the session, but reads the schema revision) "
        "or a trivial page (which adds a layout); both are shown for reference.")
    add("- **Query alone**: the wall time spent inside the data layer (the public functions of "
        "`dashboard.data`; for the template, `etl.prefill.last_values`) while the same page (for a table or "
        "CSV: the page again, then that table or CSV) is built in the "
        "benchmark process against the same warehouse, p50/p95 over the same number of calls. It includes "
        "the queries, turning rows into DataFrames and the scope rules, but no charts, components, JSON or "
        "HTTP. The in-process time of the whole layout (and with JSON) is shown beside it.")
    add("")
    floor_rows = []
    for scale, r in results.items():
        cb = r.get("callbacks")
        if not cb:
            continue
        for label, key in (("no-op callback (floor)", "noop"), ("trivial page (/404 via the router)",
                                                                  "trivial_page"), ("GET /healthz", "healthz")):
            v = cb[key]
            floor_rows.append([scale, label, _f(v["server_p50_ms"]), _f(v["server_p95_ms"]),
                               _f(v["client_p50_ms"])])
    lines += _table(["scale", "floor", "server p50 ms", "server p95 ms", "client p50 ms"], floor_rows)
    for scale, r in results.items():
        cb = r.get("callbacks")
        if not cb:
            continue
        subject = r.get("subject", {})
        add(f"### {scale}")
        add("")
        add(f"Gemeente in view: {subject.get('name')} ({subject.get('code')}, {subject.get('population')} "
            f"inhabitants, {subject.get('district')}); the gemeente user is that gemeente's.")
        add("")
        rows = []
        national = scale.startswith("national")
        cached = {(c["name"], c["role"]): c for c in (r.get("callbacks_cached") or {}).get("cases", [])}
        for c in cb["cases"]:
            bound = 2 * c["query_p95_ms"] + cb["noop"]["server_p95_ms"]
            ok = c["server_p95_ms"] <= bound and (not national or c["server_p95_ms"] <= targets.CALLBACK_P95_MS)
            hit = cached.get((c["name"], c["role"]), {})
            rows.append([c["role"], c["name"], f"`{c['request']}`", _f(c["server_p50_ms"]), _f(c["server_p95_ms"]),
                         _f(c["query_p50_ms"]), _f(c["query_p95_ms"]), _f(bound), _f(c["layout_p50_ms"]),
                         _f(c["layout_json_p50_ms"]), _f(c["response_bytes"] / 1000, 0), _mark(ok),
                         _f(hit.get("server_p50_ms")), _f(hit.get("server_p95_ms"))])
        lines += _table(["role", "callback", "request", "server p50", "server p95", "query p50", "query p95",
                         "2×query+no-op", "layout in-process p50", "+JSON p50", "KB", "target",
                         "cached p50", "cached p95"], rows)

    rows = []
    for scale, r in results.items():
        for c in (r.get("callbacks") or {}).get("cases", []):
            if "after_load_p50_ms" in c:
                rows.append([scale, c["role"], c["name"], _f(c["query_p50_ms"]), _f(c["layout_json_p50_ms"]),
                             _f(c["after_load_query_p50_ms"]), _f(c["after_load_p50_ms"]),
                             _f(c["after_load_p50_ms"] / c["layout_json_p50_ms"], 1, "×")
                             if c["layout_json_p50_ms"] else "–"])
    if rows:
        calls = next(c["after_load_calls"] for r in results.values()
                     for c in (r.get("callbacks") or {}).get("cases", []) if "after_load_calls" in c)
        add("### A page's first render after a load")
        add("")
        add("The data layer caches what it reads per warehouse version, and every file offered to the loader "
            "starts a new version. So after a load, the first render of each page in each worker reads the "
            "warehouse again; the callback tables above time the renders that follow it. Here, in the benchmark "
            "process, the data layer's caches are emptied before each render (what a new version does), p50 over "
            f"{calls} renders of layout + JSON, beside the same page with the caches filled. Not checked "
            "against a target.")
        add("")
        lines += _table(["scale", "role", "callback", "query p50 (cached)", "layout + JSON p50 (cached)",
                         "query p50 (after a load)", "layout + JSON p50 (after a load)", "after a load / cached"],
                        rows)

    # --- browser ---
    add("## First render in Chromium")
    add("")
    add("Headless Debian Chromium driven by Playwright: a fresh browser context (empty cache) per run, log in as "
        "a coordinator on the login form, and time from the click on *Inloggen* until both charts of the "
        "overview (map and checklist heatmap) are drawn (`.js-plotly-plot` with Plotly's `_fullLayout` and "
        "an SVG). The timeline columns are from the browser's own performance entries, in ms after the "
        "navigation started (the login POST and its redirect).")
    add("")
    rows = []
    for scale, r in results.items():
        b = r.get("browser")
        if not b:
            continue
        first = b["runs"][0]
        rows.append([scale, len(b["runs"]), _f(b["median_ms"], 0), _f(b["max_ms"], 0),
                     ", ".join(_f(m["login_click_to_drawn_ms"], 0) for m in b["runs"]),
                     _f(first["response_end"], 0), _f(first["dom_content_loaded"], 0),
                     f"{_f(first['router_start'], 0)} → {_f(first['router_end'], 0)}", _f(first["drawn"], 0),
                     f"{first['scripts']} ({_f(first['script_bytes'] / 1e6, 1)} MB)"])
    lines += _table(["scale", "runs", "median ms", "max ms", "each run", "first run: HTML received",
                     "DOMContentLoaded", "router callback", "charts drawn", "scripts"], rows)

    # --- concurrency ---
    add("## Concurrent use")
    add("")
    think = config["think"]
    add(f"{config['users']} simulated users (a fifth coordinators, the rest gemeente users of random gemeenten), "
        f"each with its own logged-in `requests` session in a bounded thread pool, for {config['duration']} s "
        f"against {config['workers']} gunicorn workers on 127.0.0.1. A user thinks {think[0]:g}–{think[1]:g} s "
        "(uniform), then views a page: half of the views are full page loads (the page's HTML, `/_dash-layout`, "
        "`/_dash-dependencies` and the router callback: a filter form is a GET), half are navigations inside "
        "the app (the router callback alone); a fifth of them pick one of the last 8 quarters. Static "
        "JavaScript is left out (the browser caches it; its cost is in the first render above). p95 is per "
        "request, as Locust reports it; per page view beside it. Worker CPU is read from /proc.")
    add("")
    rows = []
    for scale, r in results.items():
        cu = r.get("concurrency")
        if not cu:
            continue
        rows.append([scale, cu["users"], _f(cu["requests"]), _f(cu["throughput_rps"], 1), _f(cu["actions_per_s"], 1),
                     _f(cu["p50_ms"], 0), _f(cu["p95_ms"], 0), _f(cu["p99_ms"], 0), _f(cu["max_ms"], 0),
                     _f(cu["router_p95_ms"], 0), _f(cu["action_p95_ms"], 0), cu["errors"],
                     f"{cu['worker_cpu_utilisation']:.2f} cores, {cu['worker_cpu_ms_per_action']:.0f} ms/view",
                     _f(cu["client_cpu_seconds"] / cu["duration_s"], 2, " cores"), cu["worker_pids_seen"]])
    lines += _table(["scale", "users", "requests", "req/s", "views/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                     "router p95", "view p95", "errors", "worker CPU", "load generator CPU", "worker pids"], rows)
    for scale, r in results.items():
        cu = r.get("concurrency")
        if cu and cu.get("worker_restarts_at_s"):
            add(f"At {scale}, gunicorn replaced a worker (max_requests) during the test, at "
                + ", ".join(f"{t:.0f} s" for t in cu["worker_restarts_at_s"]) + ".")
            add("")
        if cu and cu["error_samples"]:
            add(f"Errors at {scale} (first {len(cu['error_samples'])}): " + "; ".join(cu["error_samples"]))
            add("")

    # --- export ---
    add("## Quarterly export")
    add("")
    add("The pack `nhsv export` writes (PNG, SVG, PDF, PPTX, XLSX and the manifest) for the coordinators, built "
        "with `dashboard.export.build_pack`, against the bare export of the same figures with plotly's "
        "`write_image` on one kaleido server (`benchmarks.export.bare_export`: PNG at scale 2 and SVG), in the "
        "same run. Regional: all 32 gemeenten and the region"
        + (" (quick run: a subset)" if config["quick"] else "")
        + f". National: a subset of {config['export_gemeenten']} gemeenten spread over the population range, "
        "and the region (whose figures hold all 342 gemeenten); a gemeente's part is the same work at either "
        "scale.")
    add("")
    rows = []
    for scale, r in results.items():
        e = r.get("export")
        if not e:
            continue
        rows.append([scale, e["quarter"], f"{e['gemeenten']} + regio", e["parts"], e["figures"],
                     _f(e["pack_seconds"], 1, " s"), _f(e["per_figure_s"], 3), _f(e["bare_seconds"], 1, " s"),
                     _f(e["bare_per_figure_s"], 3), f"{e['ratio']:.2f}×", _f(e["megabytes"], 1, " MB")])
    lines += _table(["scale", "quarter", "gemeenten", "parts", "figures", "pack", "s/figure", "bare kaleido",
                     "s/figure", "pack / bare", "size"], rows)
    for scale, r in results.items():
        e = r.get("export")
        total = (r.get("dataset") or {}).get("gemeenten")
        if e and total and e["gemeenten"] < total:
            full = e["pack_seconds"] / e["parts"] * (total + 1)
            add(f"At {scale} scale a pack of all {total} gemeenten and the region would take about "
                f"{full / 60:.0f} min ({e['pack_seconds'] / e['parts']:.1f} s per part × {total + 1} parts, "
                "extrapolated linearly from the subset).")
            add("")

    # --- memory ---
    add("## Peak memory of a server worker")
    add("")
    add("VmHWM (peak resident set) of every gunicorn worker, read from /proc/<pid>/status every 0.25 s during "
        f"the concurrent-use test and after it (gunicorn replaces a worker after {production.MAX_REQUESTS:,} + "
        "jitter requests; every worker seen is counted). After the callbacks and before the load test for reference.")
    add("")
    rows = []
    for scale, r in results.items():
        m = r.get("memory")
        if not m:
            continue
        idle = r.get("memory_idle_kb", {})
        after_cb = r.get("memory_after_callbacks_kb", {})
        rows.append([scale, _f(m["max_hwm_mb"], 0, " MB"), m["workers_seen"],
                     ", ".join(_f(v, 0) for v in m["per_worker_hwm_mb"].values()),
                     ", ".join(_f(s.get("VmRSS", 0) / 1024, 0) for s in idle.values()),
                     ", ".join(_f(s.get("VmHWM", 0) / 1024, 0) for s in after_cb.values()),
                     _f(r.get("mart_cache_mb_in_process"), 1, " MB")])
    lines += _table(["scale", "peak VmHWM", "workers seen", "each worker (MB)", "RSS at start (MB)",
                     "VmHWM after callbacks (MB)", "mart cache after all pages (in-process)"], rows)

    # --- profiles ---
    add("## Where the time goes")
    add("")
    add("cProfile, in the benchmark process on the same warehouse. Loader: a batch of corrections (new "
        "versions of the last 4 quarters of 8 gemeenten) loaded into the full warehouse. Callbacks: 5 renders "
        "(+ JSON) of the pages furthest over their bound. *Own time* is time in a package's own code; "
        "*cumulative* includes what it calls.")
    add("")
    for scale, r in results.items():
        lp = r.get("load_profile")
        if lp:
            p = lp["profile"]
            add(f"### Loader, {scale}: {lp['files']} files, {_f(lp.get('profiled_seconds', p['total']), 2)} s "
                f"under the profiler (parse-only of the same files {_f(lp['parse_seconds'], 2)} s)")
            add("")
            if "statements" in lp:
                add(f"{_f(lp['statements_per_file'], 1)} SQL statements per file ("
                    + ", ".join(f"{k} {v}" for k, v in lp["statement_kinds"].items())
                    + f" for {lp['files']} files), each a round trip to PostgreSQL; files are written in "
                    "batches, one transaction (commit) per batch.")
                trip = lp.get("roundtrip")
                if trip:
                    add(f"Measured on the same connection: one `SELECT 1` round trip {trip['select_ms']:.2f} ms, one "
                        f"INSERT + COMMIT {trip['insert_commit_ms']:.2f} ms; so the statements alone cost about "
                        f"{lp['statements_per_file'] * trip['select_ms'] + trip['insert_commit_ms']:.1f} ms per "
                        f"file, against {lp['parse_seconds'] / lp['files'] * 1000:.1f} ms to parse it.")
                add("")
            lines += _table(["step (cumulative)", "s", "share"],
                            [[k, _f(v, 2), f"{s:.0%}"] for k, v, s in p["steps"]])
            lines += _table(["package (own time)", "s", "share"],
                            [[k, _f(v, 2), f"{s:.0%}"] for k, v, s in p["packages"]])
            lines += _table(["project function (cumulative)", "s", "own s", "calls"],
                            [[f"`{k}`", _f(ct, 3), _f(tt, 3), nc] for k, tt, ct, nc in p.get("project", [])[:10]])
        for cp in r.get("callback_profiles") or []:
            p = cp["profile"]
            add(f"### Callback {cp['name']} ({cp['role']}), {scale}: {_f(p['total'] / p['calls'] * 1000, 0)} ms "
                "per render under the profiler")
            add("")
            lines += _table(["step (cumulative)", "ms per render", "share"],
                            [[k, _f(v / p["calls"] * 1000, 1), f"{s:.0%}"] for k, v, s in p["steps"]])
            lines += _table(["package (own time)", "ms per render", "share"],
                            [[k, _f(v / p["calls"] * 1000, 1), f"{s:.0%}"] for k, v, s in p["packages"]])
            lines += _table(["project function (cumulative)", "ms per render", "own ms", "calls per render"],
                            [[f"`{k}`", _f(ct / p["calls"] * 1000, 1), _f(tt / p["calls"] * 1000, 1),
                              _f(nc / p["calls"], 0)] for k, tt, ct, nc in p.get("project", [])[:10]])
            lines += _table(["function (top own time)", "own ms per render", "cumulative ms", "calls per render"],
                            [[f"`{k}`", _f(tt / p["calls"] * 1000, 1), _f(ct / p["calls"] * 1000, 1),
                              _f(nc / p["calls"], 0)] for k, tt, ct, nc in p["functions"][:8]])

    gc_rows = []
    for scale, r in results.items():
        for g in r.get("gc_experiment") or []:
            gc_rows.append([scale, g["role"], g["name"], _f(g["default_p50_ms"], 0), _f(g["default_gc_ms"], 0),
                            f"{g['default_gc_ms'] / g['default_p50_ms']:.0%}", _f(g["default_full_per_render"], 1),
                            _f(g["frozen_p50_ms"], 0), _f(g["frozen_gc_ms"], 0)])
    if gc_rows:
        add("### Garbage collection")
        add("")
        add("The same pages built in-process (layout + JSON, 10 renders after 2 warm-up renders), with the time "
            "Python's cyclic garbage collector itself runs during each render (`gc.callbacks`): first with the "
            "default collector, then after `gc.freeze()`, which moves every object alive at that moment (the app, "
            "the modules, the caches) out of the collector's generations, as a worker could do once after "
            "start-up. A full (generation 2) collection walks every long-lived object of the process.")
        add("")
        lines += _table(["scale", "role", "page", "render p50 ms", "in GC ms", "share", "full collections per "
                         "render", "after gc.freeze(): render p50 ms", "in GC ms"], gc_rows)

    add("## Reading of the results, and what would fix the misses")
    add("")
    if FINDINGS.exists():
        add(FINDINGS.read_text().strip())
    else:
        add("(benchmarks/findings.md is missing.)")
    add("")
    add("## Run")
    add("")
    rows = [[scale, ", ".join(f"{k} {v:.0f} s" for k, v in r.get("steps", {}).items())]
            for scale, r in results.items()]
    lines += _table(["scale", "steps (wall time)"], rows)
    all_checks_rows = [[c.scale, c.target, c.measured, _mark(c.ok)] for c in checks]
    add("<details><summary>Every check</summary>")
    add("")
    lines += _table(["scale", "check", "measured", ""], all_checks_rows)
    add("</details>")
    add("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return checks
