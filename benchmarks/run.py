"""One scale's run: load the inbox, serve it with the production server, and measure where users wait."""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import browser, synthetic
from benchmarks.server import PASSWORD, Server, login, post_callback, proc_status, router_body
from nhsv.settings import PROJECT_ROOT


def log(message: str) -> None:
    print(message, flush=True)


def reset_database(url: str) -> None:
    """An empty database at `url`: PostgreSQL databases are dropped and created, SQLite files removed."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(parsed.database) + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def measure_loading(engine, inbox: Path, repeats: int) -> dict:
    """Parse-only and a load into a fresh warehouse, alternately, `repeats` times; medians compared. The last
    load stays for the later steps."""
    from etl import db, load
    from etl.extract import extract

    paths = load.collect_paths([inbox])
    for p in paths:  # the files in the page cache, so that neither timing pays for the first read
        p.read_bytes()
    url = engine.url.render_as_string(hide_password=False)
    parse_runs, load_runs = [], []
    for attempt in range(repeats):
        start = time.perf_counter()
        for p in paths:
            extract(p.read_bytes())
        parse_runs.append(time.perf_counter() - start)
        if attempt:
            engine.dispose()
            reset_database(url)
            db.init(engine)
        start = time.perf_counter()
        load.load_paths(engine, [inbox], actor="benchmark", channel="cli")
        load_runs.append(time.perf_counter() - start)
        log(f"  parse-only {parse_runs[-1]:.1f} s, load {load_runs[-1]:.1f} s")
    parse, loaded = statistics.median(parse_runs), statistics.median(load_runs)
    return dict(files=len(paths), parse_seconds=parse, load_seconds=loaded, ratio=loaded / parse,
                run_ratios=[lo / pa for pa, lo in zip(parse_runs, load_runs, strict=True)])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def callbacks(server: Server, sessions: dict, cases: list[tuple[str, str, str]], calls: int) -> list[dict]:
    """Per page and role: the first answer after the load (nothing cached yet for this viewer) and the p50/p95
    of `calls` more, client wall time on 127.0.0.1."""
    out = []
    for role, path, search in cases:
        session = sessions[role]
        times = []
        for _ in range(calls + 1):
            response, _request_id, ms = post_callback(session, server.base, router_body(path, search), close=False)
            if response.status_code != 200:
                raise RuntimeError(f"{role} {path}{search}: {response.status_code}")
            if "nog geen aanleveringen" in response.text:  # an empty warehouse answers fast and measures nothing
                raise RuntimeError(f"{role} {path}{search}: the warehouse holds no submissions")
            times.append(ms)
        first, rest = times[0], times[1:]
        out.append(dict(role=role, url=path + search, first_ms=first, p50_ms=pct(rest, 0.5),
                        p95_ms=pct(rest, 0.95)))
        log(f"  {role:11} {path + search:45} first {first:7.0f} ms  p50 {pct(rest, .5):6.1f}  "
            f"p95 {pct(rest, .95):6.1f} ms")
    return out


def warm_every_worker(server: Server, session, paths: list[str], rounds: int = 10, at_once: int = 4) -> None:
    """Each page's router answer computed once by every worker. The browser step then measures the browser against
    a server that has answered the page before (a page's first answer is the callbacks step's "first" column);
    without this, which of the browser's runs met a worker computing the page for the first time (30-450 ms more
    nationally) depended on which worker took each new connection. An idle server hands new connections to the
    same worker again and again, so they go `at_once` at a time on new connections, until the access log shows
    that every worker has served the page."""
    from concurrent.futures import ThreadPoolExecutor

    workers = server.worker_pids()
    for path in paths:
        pathname, _, query = path.partition("?")
        body = router_body(pathname, "?" + query if query else "")
        served: set[int] = set()
        with ThreadPoolExecutor(at_once) as pool:
            for _ in range(rounds):
                sent = [pool.submit(post_callback, session, server.base, body) for _k in range(at_once)]
                ids = [future.result()[1] for future in sent]
                served |= {int(entry["pid"]) for entry in server.wait_for_entries(ids).values()}
                if served >= workers:
                    break
            else:
                raise RuntimeError(f"{path}: {rounds} rounds of {at_once} new connections did not reach every "
                                   f"worker ({sorted(served)} of {sorted(workers)})")


class PeakMemory(threading.Thread):
    """The largest VmHWM of any server worker, sampled every 0.5 s."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server, self.peak_kb, self.halt = server, 0, threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.5):
            for pid in self.server.worker_pids():
                self.peak_kb = max(self.peak_kb, proc_status(pid).get("VmHWM", 0))


def users(server: Server, accounts: list[tuple[str, str, str | None]], codes: list[str], quarters: list[str],
          duration: int, folder: Path) -> dict:
    """Locust, headless, in a process of its own: `targets.USERS` users for `duration` seconds."""
    from benchmarks.targets import USERS

    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "NHSV_BENCH_USERS": json.dumps(accounts),
           "NHSV_BENCH_PASSWORD": PASSWORD,
           "NHSV_BENCH_CODES": json.dumps(codes[:40]), "NHSV_BENCH_QUARTERS": json.dumps(quarters[-8:])}
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("users.py")), "--headless",
               "-u", str(USERS), "-r", "10", "-t", f"{duration}s", "--host", server.base, "--only-summary",
               "--csv", str(folder / "locust"), "--exit-code-on-error", "0"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=duration + 120)
    with (folder / "locust_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    # per kind of request: a login checks an Argon2id hash on purpose, a page is the router callback's answer
    kinds = {r["Name"]: dict(requests=int(r["Request Count"]), p95_ms=float(r["95%"]))
             for r in rows if r["Name"] != "Aggregated"}
    return dict(requests=int(total["Request Count"]), failures=int(total["Failure Count"]),
                p50_ms=float(total["50%"]), p95_ms=float(total["95%"]), per_s=float(total["Requests/s"]),
                kinds=kinds)


def run(scale: str, cfg: dict) -> dict:
    from dashboard import auth
    from etl import db, reference

    results: dict = {"scale": scale}
    if scale == "regional":
        dataset = synthetic.regional_dataset(cfg["seed"], log=log)
    else:
        dataset = synthetic.national_dataset(cfg["seed"], quarters=cfg["national_quarters"], log=log)
    results["dataset"] = dict(gemeenten=dataset.gemeenten, quarters=len(dataset.quarters), files=dataset.files)
    url = os.environ["NHSV_DATABASE_URL"]
    reset_database(url)
    engine = db.make_engine(url)
    db.init(engine)
    log(f"[{scale}] loading {dataset.files} files ...")
    results["loading"] = measure_loading(engine, dataset.inbox, 3 if scale == "regional" else 1)

    region = reference.region()
    codes = sorted(region)
    own = max(region.values(), key=lambda m: (m.population < 100_000, m.population)).code  # a mid-sized gemeente
    accounts: list[tuple[str, str, str | None]] = [(f"coordinator{k}@bench.nhsv.nl", "coordinator", None)
                                                   for k in range(3)]
    accounts += [(f"gemeente{k}@bench.nhsv.nl", "gemeente", codes[(k * 37) % len(codes)]) for k in range(7)]
    accounts.append(("gemeente@bench.nhsv.nl", "gemeente", own))
    for email, role, code in accounts:
        auth.add_user(engine, email, role, code, PASSWORD, actor="benchmark")
    quarter = dataset.quarters[-1]
    cases = [(role, path, search) for role in ("coordinator", "gemeente") for path, search in
             [("/", ""), ("/", f"?kwartaal={dataset.quarters[-2]}"),
              (f"/gemeente/{own}", ""), ("/vergelijken", f"?gemeente={own}&groep=grootte"),
              ("/ontwikkeling", ""), ("/ontwikkeling", "?maat=signals_total"), ("/signalen", ""),
              ("/verantwoording", "")]]
    cases += [("coordinator", "/aanlevering", "")]

    # the benchmark measures the dashboard: its accounts log in with a password only (no second factor to enrol),
    # behind a proxy on 127.0.0.1 that tells each Locust user's own address (benchmarks/users.py)
    server = Server(synthetic.BENCH_DIR / scale / "server", {"NHSV_DATABASE_URL": url, "NHSV_MFA": "optional",
                                                             "NHSV_FORWARDED_ALLOW_IPS": "127.0.0.1"},
                    workers=cfg["workers"])
    server.start()
    memory = PeakMemory(server)
    memory.start()
    try:
        sessions = {"coordinator": login(server.base, accounts[0][0]), "gemeente": login(server.base, accounts[-1][0])}
        log(f"[{scale}] callbacks ...")
        results["callbacks"] = callbacks(server, sessions, cases, cfg["calls"])
        log(f"[{scale}] browser ...")
        pages = [f"/gemeente/{own}", f"/vergelijken?gemeente={own}", "/ontwikkeling", "/signalen"]
        warm_every_worker(server, sessions["coordinator"], ["/", *pages])
        results["browser"] = browser.measure(server.base, accounts[0][0], PASSWORD, pages, cfg["browser_runs"])
        log(f"  first render {results['browser']['first_render_median_ms']:.0f} ms, floor "
            f"{results['browser']['floor_ms']:.0f} ms, grid {results['browser']['grid_ms']}")
        log(f"[{scale}] {cfg['duration']} s of users ...")
        results["users"] = users(server, accounts, codes, dataset.quarters, cfg["duration"],
                                 synthetic.BENCH_DIR / scale / "locust")
        log(f"  {results['users']}")
    finally:
        memory.halt.set()
        memory.join()
        server.stop()
    results["worker_mb"] = memory.peak_kb / 1024 if memory.peak_kb else None
    if scale == "regional":
        log(f"[{scale}] the full quarterly pack ...")
        results["export"] = export_pack(quarter, codes, synthetic.BENCH_DIR / scale / "export")
    engine.dispose()
    return results


def export_pack(quarter: str, codes: list[str], folder: Path) -> dict:
    """Every gemeente's pack and the region's, in every default format, as `nhsv export --regio` makes it."""
    import shutil

    from dashboard import export

    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    result = export.build_pack(quarter, "coordinator", codes, True, export.DEFAULT_FORMATS, folder / "pack")
    seconds = time.perf_counter() - start
    shutil.rmtree(folder, ignore_errors=True)
    return dict(seconds=seconds, files=len(result.files), figures=result.figures)
