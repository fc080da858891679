"""Performance where users feel it: the browser, the server under many users, the export, the loader.

  loading      the real pipeline against parsing the same files alone
  callbacks    each page's router callback: the first answer after a load, then p50/p95 (PostgreSQL, gunicorn)
  browser      login click to the overview drawn; each page's first render against an empty Dash page
  users        50 Locust users for a minute against 2 gunicorn workers; their workers' peak memory
  export       the full regional quarterly pack

at the regional scale (the 32 NHSV gemeenten, the demo) and the national one (342 gemeenten × 40 quarters,
generated once under data/bench/). Writes docs/benchmarks.md and exits 1 when a target of benchmarks/targets.py
is missed (2 when a step failed). A full run takes 15-30 minutes on 2 cores the first time.

    python -m benchmarks                    # both scales
    python -m benchmarks --scale regional   # one scale
    python -m benchmarks --quick            # smoke run: national = 342 gemeenten × 4 quarters, short steps
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import traceback
from pathlib import Path

from benchmarks import report, synthetic, targets
from benchmarks.run import log, run
from nhsv.settings import PROJECT_ROOT

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nhsv_bench_{scale}"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": f"{os.cpu_count()} × {cpu}",
            "python": platform.python_version(), "system": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("regional", "national", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few minutes")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="PostgreSQL URL per scale ({scale} is filled in); the database is dropped and made again")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    cfg = dict(seed=args.seed, workers=2, calls=5 if args.quick else 20, browser_runs=2 if args.quick else 5,
               duration=15 if args.quick else 60, national_quarters=4 if args.quick else synthetic.NATIONAL_QUARTERS)
    scales = ["regional", "national"] if args.scale == "both" else [args.scale]
    results: dict[str, dict] = {}
    failed = False
    for scale in scales:
        env_before = dict(os.environ)
        os.environ["NHSV_DATABASE_URL"] = args.database_url.format(scale=scale)
        if scale == "national":  # the synthetic country's reference data and the day after its last quarter
            os.environ["NHSV_REFERENCE_DIR"] = str(synthetic.BENCH_DIR / "national" / "reference")
            os.environ["NHSV_TODAY"] = synthetic.NATIONAL_TODAY
        try:
            results[scale] = run(scale, cfg)
        except Exception as problem:  # noqa: BLE001 - one scale failing is reported, the other still runs
            log(traceback.format_exc())
            results[scale] = {"errors": [f"{type(problem).__name__}: {problem}"]}
            failed = True
        finally:
            os.environ.clear()
            os.environ.update(env_before)
    checks = [c for scale, r in results.items() for c in targets.checks(scale, r)]
    report.write(args.out, machine(), results, checks)
    for c in checks:
        log(f"{'ok  ' if c.met else 'MISS'} {c.scale:9} {c.what}: {c.value} {c.unit} (≤ {c.limit:g})")
    log(f"report: {args.out}")
    sys.exit(2 if failed else 0 if all(c.met for c in checks) else 1)


if __name__ == "__main__":
    main()
