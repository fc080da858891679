"""docs/benchmarks.md from one run's figures: the machine, the targets met or missed, and the figures."""

from __future__ import annotations

from benchmarks.targets import Check


def _value(check: Check) -> str:
    if check.value is None:
        return "–"
    return f"{check.value:.2f}" if check.unit == "x" else f"{check.value:,.0f}"  # an English report: 1,236 ms


def _spread(values: list[float], unit: str) -> str:
    """' (runs: 1.43, 1.55, 1.61×)': every run's figure, so that a reader sees how far one run is from the next."""
    if len(values) < 2:
        return ""
    fmt = "{:.2f}" if unit == "×" else "{:,.0f}"
    return " (runs: " + ", ".join(fmt.format(v) for v in values) + unit + ")"


def write(path, machine: dict, results: dict[str, dict], checks: list[Check]) -> None:
    lines = ["# Benchmarks", "",
             "Made by `python -m benchmarks` (see `benchmarks/__main__.py`); the targets are in "
             "`benchmarks/targets.py`. Numbers from one run on the machine below; rerun to compare.", "",
             "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine.items()]
    lines += ["", "## Targets", "", "| scale | what | value | target | met |", "|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| {c.scale} | {c.what} | {_value(c)} {c.unit} | ≤ {c.limit:g} {c.unit} | "
                     f"{'yes' if c.met else '**no**'} |")
    for scale, r in results.items():
        data = r.get("dataset", {})
        lines += ["", f"## {scale.capitalize()} ({data.get('gemeenten')} gemeenten × {data.get('quarters')} "
                      f"quarters, {data.get('files')} files)", ""]
        if "loading" in r:
            ld = r["loading"]
            runs = _spread(ld.get("run_ratios", []), "×")
            lines.append(f"Loading: {ld['load_seconds']:.1f} s against {ld['parse_seconds']:.1f} s for parsing the "
                         f"same files alone, medians: {ld['ratio']:.2f}×{runs}.")
        if r.get("callbacks"):
            lines += ["", "Callbacks (the pages router, client wall time on 127.0.0.1; the first answer after the "
                          "load, then p50 and p95 of the calls after it):", "",
                      "| role | page | first | p50 | p95 |", "|---|---|---|---|---|"]
            lines += [f"| {c['role']} | `{c['url']}` | {c['first_ms']:.0f} ms | {c['p50_ms']:.1f} ms | "
                      f"{c['p95_ms']:.1f} ms |" for c in r["callbacks"]]
        if r.get("browser"):
            b = r["browser"]
            lines += ["", f"Browser (headless Chromium, medians of {len(b['first_render_ms'])} new contexts; the "
                          f"checklist grid redrawn in {b['grid_ms'] if b['grid_ms'] is None else round(b['grid_ms'])} "
                          "ms):", ""]
            runs_of = b.get("page_runs_ms", {}).get
            lines += [f"- first render (login click to the overview drawn): {b['first_render_median_ms']:,.0f} ms"
                      + _spread(b["first_render_ms"], " ms"),
                      f"- an empty Dash page: {b['floor_ms']:,.0f} ms" + _spread(runs_of("/bestaat-niet", []), " ms")]
            lines += [f"- {p}: {ms:,.0f} ms, {ms / b['floor_ms']:.2f}× the empty page" + _spread(runs_of(p, []), " ms")
                      for p, ms in b["pages"].items()]
        if r.get("users"):
            u = r["users"]
            lines += ["", f"Users (Locust): {u['requests']} requests, {u['failures']} failed, "
                          f"{u['per_s']:.1f}/s, p50 {u['p50_ms']:.0f} ms, p95 {u['p95_ms']:.0f} ms."]
            if u.get("kinds"):
                lines += ["", "| request | count | p95 |", "|---|---|---|"]
                lines += [f"| {name} | {k['requests']} | {k['p95_ms']:.0f} ms |" for name, k in u["kinds"].items()]
        if r.get("worker_mb"):
            lines.append(f"Server worker peak memory: {r['worker_mb']:.0f} MB.")
        if r.get("export"):
            e = r["export"]
            lines.append(f"The full regional pack: {e['seconds']:.0f} s for {e['figures']} figures and "
                         f"{e['files']} files.")
        if r.get("errors"):
            lines += ["", "Steps that failed:", *[f"- {e}" for e in r["errors"]]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
