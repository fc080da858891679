"""Server time of every page layout on the demo warehouse, per role: p50 and p90 over N calls.

    NHSV_TODAY=2026-11-15 python -m benchmarks.pages [--calls 20] [--database-url URL] [--json]

Times `layout(**kwargs)` as Dash's pages router calls it (data layer, chart builders, components), as wall
time and as CPU time of this process (SQLite runs in-process, so CPU time includes the queries and is less
disturbed by other load on the machine), plus the wall time with serialising the result to JSON as Dash
does for the response. The last columns split the CPU time over the data layer (`dashboard.data`) and the
chart builders (`dashboard.charts`); the rest is components and the page itself. Uses the warehouse of
NHSV_DATABASE_URL (default data/warehouse.db: run `nhsv demo --no-serve` first). Target: well under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from benchmarks.scale import Meter

CASES = [  # page path, kwargs
    ("/", {}),
    ("/", {"maat": "signals_per_10k", "district": "Kennemerland"}),
    ("/gemeente", {"code": "GM0405"}),
    ("/vergelijken", {"gemeente": "GM0405", "groep": "grootte"}),
    ("/ontwikkeling", {}),
    ("/signalen", {}),
    ("/aanlevering", {}),
]
ROLES = [("coordinator", None), ("gemeente", "GM0405"), ("admin", None)]


def _dump(component) -> str:
    from dashboard import fastjson

    return fastjson.dumps(component)  # as Dash sends it


def measure(calls: int = 20) -> list[dict]:
    import dash

    from dashboard import charts, context, data
    from dashboard.app import create_app
    from dashboard.viewer import Viewer

    create_app()  # registers the pages; their layouts are taken from Dash's registry, as the router calls them
    layouts = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    data_meter, chart_meter = Meter(data, clock=time.process_time), Meter(charts, clock=time.process_time)
    results = []
    try:
        for role, code in ROLES:
            viewer = Viewer(role, code)
            context.viewer = lambda v=viewer: v
            for path, kwargs in CASES:
                layout = layouts[path]
                _dump(layout(**kwargs))  # warm up (imports, reference caches)
                wall, cpu, serialised, in_data, in_charts = [], [], [], [], []
                for _ in range(calls):
                    data_meter.spent = chart_meter.spent = 0.0
                    start, start_cpu = time.perf_counter(), time.process_time()
                    out = layout(**kwargs)
                    middle, middle_cpu = time.perf_counter(), time.process_time()
                    _dump(out)
                    end = time.perf_counter()
                    wall.append((middle - start) * 1000)
                    cpu.append((middle_cpu - start_cpu) * 1000)
                    serialised.append((end - start) * 1000)
                    in_data.append(data_meter.spent * 1000)
                    in_charts.append(chart_meter.spent * 1000)
                query = "&".join(f"{k}={v}" for k, v in kwargs.items())
                results.append(dict(
                    role=role, page=path + (f"?{query}" if query else ""),
                    p50_ms=statistics.median(wall),
                    p90_ms=statistics.quantiles(wall, n=10)[-1] if calls >= 2 else wall[0],
                    p50_cpu_ms=statistics.median(cpu),
                    p50_with_json_ms=statistics.median(serialised),
                    p50_data_cpu_ms=statistics.median(in_data),
                    p50_charts_cpu_ms=statistics.median(in_charts)))
    finally:
        data_meter.restore()
        chart_meter.restore()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    if args.database_url:
        os.environ["NHSV_DATABASE_URL"] = args.database_url
    results = measure(args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'role':<12} {'page':<48} {'wall p50':>8} {'p90':>7} {'cpu p50':>8} {'+json':>7} {'data':>6} "
          f"{'charts':>7}")
    for r in results:
        print(f"{r['role']:<12} {r['page']:<48} {r['p50_ms']:>8.1f} {r['p90_ms']:>7.1f} {r['p50_cpu_ms']:>8.1f} "
              f"{r['p50_with_json_ms']:>7.1f} {r['p50_data_cpu_ms']:>6.1f} {r['p50_charts_cpu_ms']:>7.1f}")
    worst = max(results, key=lambda r: r["p50_cpu_ms"])
    print(f"slowest (cpu p50): {worst['page']} as {worst['role']}: {worst['p50_cpu_ms']:.1f} ms "
          "(target: well under 100 ms)")


if __name__ == "__main__":
    main()
