"""How the monitor's cost grows from the region (32 gemeenten) to the whole country (342 gemeenten x 40
quarters), and how far each step is from its floor, measured in one run:

  loading      files/s and rows/s of the real pipeline, against parsing the same files alone
  callbacks    server p50/p95 of every page's callbacks, against a no-op callback on the same server and
               against the data layer's query alone
  first render time from login to the overview's charts drawn in headless Chromium
  50 users     throughput, p95 and errors against 2 gunicorn workers on 127.0.0.1 for 60 s
  export       seconds per figure of the quarterly pack, against bare kaleido
  memory       peak RSS (VmHWM) of a server worker

It writes docs/benchmarks.md (machine, figures, ratios, targets, profiles) and exits 1 when a target is
missed (2 when a step failed). The national inbox is generated once with the demo generator and cached under
data/bench/; each scale is loaded into a fresh PostgreSQL database. A full run takes 8-20 minutes on 2 cores,
plus 3-10 minutes to generate the national inbox the first time.

    python -m benchmarks                      # both scales, full run, writes docs/benchmarks.md
    python -m benchmarks --scale regional     # one scale
    python -m benchmarks --quick              # smoke run: national = 342 gemeenten x 4 quarters, short tests
    python -m benchmarks --report-only        # rewrite the report from the last run's saved numbers
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import report, synthetic
from nhsv.settings import PROJECT_ROOT

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nhsv_bench_{scale}"
STEPS = ("loading", "in-process floors", "callbacks", "callbacks cached", "browser", "concurrency", "export",
         "load profile", "callback profiles", "gc experiment")


def machine_info() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return f"{command[0]}: unknown"

    return dict(date=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), cores=os.cpu_count(), cpu=cpu,
                memory_gb=memory, loadavg_before=", ".join(f"{x:.2f}" for x in os.getloadavg()),
                python=f"Python {platform.python_version()}", kernel=platform.release(),
                chromium=version([os.environ.get("NHSV_BROWSER_PATH") or "/usr/bin/chromium", "--version"]),
                postgres="PostgreSQL " + version(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                                                  "show server_version"]).split()[0])


def url_for(template: str, scale: str, several: bool) -> str:
    name = scale.replace("-", "_")
    if "{scale}" in template:
        return template.format(scale=name)
    if not several:
        return template
    if template.startswith("sqlite"):
        stem, dot, ext = template.rpartition(".")
        return f"{stem}_{name}.{ext}" if dot else f"{template}_{name}"
    base, _, query = template.partition("?")
    return f"{base}_{name}" + (f"?{query}" if query else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("regional", "national", "both"), default="both")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: national 342 gemeenten x 4 quarters, 5 calls per callback, 10 users for "
                             "10 s, 1 browser run, 2 gemeenten in the export; report to data/bench/")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="warehouse URL per scale; '{scale}' is replaced by the scale (each is dropped and "
                             "created afresh). Default: %(default)s")
    parser.add_argument("--output", type=Path, default=None,
                        help="report file (default docs/benchmarks.md; --quick: data/bench/benchmarks-quick.md)")
    parser.add_argument("--calls", type=int, default=None, help="calls per callback (default 30; quick 5)")
    parser.add_argument("--users", type=int, default=None, help="simulated users (default 50; quick 10)")
    parser.add_argument("--duration", type=float, default=None, help="seconds of the load test (default 60; quick 10)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"),
                        help="think time between a user's page views, seconds (default 1 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--browser-runs", type=int, default=None, help="first renders to time (default 3; quick 1)")
    parser.add_argument("--export-gemeenten", type=int, default=None,
                        help="gemeenten in the national export subset (default 8; quick 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="generate the inboxes again, ignoring the cache")
    parser.add_argument("--skip", nargs="*", default=[], choices=STEPS, help="steps to leave out")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report from the numbers the last run saved under data/bench/")
    args = parser.parse_args(argv)

    quick = args.quick
    cfg = dict(quick=quick, seed=args.seed, calls=args.calls or (5 if quick else 30),
               users=args.users or (10 if quick else 50), duration=args.duration or (10.0 if quick else 60.0),
               think=list(args.think), workers=args.workers, browser_runs=args.browser_runs or (1 if quick else 3),
               export_gemeenten=args.export_gemeenten or (2 if quick else 8),
               national_quarters=4 if quick else synthetic.NATIONAL_QUARTERS, regenerate=args.regenerate,
               skip=args.skip)
    scales = ["regional", "national"] if args.scale == "both" else [args.scale]
    names = [s if s == "regional" or not quick else "national-quick" for s in scales]
    output = args.output or (synthetic.BENCH_DIR / "benchmarks-quick.md" if quick
                             else PROJECT_ROOT / "docs" / "benchmarks.md")
    saved = synthetic.BENCH_DIR / ("last-run-quick.json" if quick else "last-run.json")
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()

    if args.report_only:
        stored = json.loads(saved.read_text())
        checks = report.write(output, stored["machine"], stored["config"], stored["results"], stored["command"])
        return _finish(checks, stored["results"], output)

    machine = machine_info()
    print(f"machine: {machine['cores']} cores, {machine['memory_gb']:.1f} GiB, load average "
          f"{machine['loadavg_before']}", flush=True)
    results: dict[str, dict] = {}
    for name in names:
        env = {**os.environ, "NHSV_DATABASE_URL": url_for(args.database_url, name, len(names) > 1),
               "NHSV_DATA_DIR": str(synthetic.BENCH_DIR / name / "data"), "PYTHONUNBUFFERED": "1"}
        if name == "regional":
            env["NHSV_REFERENCE_DIR"] = str(synthetic.REAL_REFERENCE)
        else:
            env["NHSV_REFERENCE_DIR"] = str(synthetic.BENCH_DIR / name / "reference")
            env["NHSV_TODAY"] = synthetic.NATIONAL_TODAY
        out = synthetic.BENCH_DIR / f"results-{name}.json"
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        print(f"== {name}: {env['NHSV_DATABASE_URL']}", flush=True)
        process = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--scale", name, "--config",
                                  json.dumps(cfg), "--out", str(out)], cwd=PROJECT_ROOT, env=env)
        if out.exists():
            results[name] = json.loads(out.read_text())
        else:
            results[name] = {"scale": name, "errors": [f"the run of this scale failed (exit {process.returncode})"]}
        results[name].setdefault("steps", {})["total"] = time.perf_counter() - started
        print(f"== {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    machine["loadavg_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(dict(machine=machine, config=cfg, results=results, command=command), indent=2,
                                default=str))
    checks = report.write(output, machine, cfg, results, command)
    return _finish(checks, results, output)


def _finish(checks, results: dict, output: Path) -> int:
    for c in checks:
        print(f"{'ok    ' if c.ok else 'MISSED' if c.ok is False else '  -   '} {c.scale:<15} {c.target}: {c.measured}")
    print(f"report: {output}")
    failed_steps = any(r.get("errors") for r in results.values())
    if failed_steps:
        return 2
    return 1 if any(c.ok is False for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
