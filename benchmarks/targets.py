"""The performance goals, where users feel them (issue 23), and the checks of one run's figures against them."""

from __future__ import annotations

from dataclasses import dataclass

FIRST_RENDER_MS = {"regional": 1000.0, "national": 1500.0}  # login click -> every chart of the overview drawn
GRID_MS = 300.0  # the national checklist grid drawn
PAGE_FLOOR_FACTOR = 1.5  # each page's first render <= 1.5 x an empty Dash page's, in the same run
CALLBACK_P95_MS = 100.0  # every callback, at national scale
USERS = 50
USERS_P95_MS = 500.0
USERS_ERRORS = 0
WORKER_MB = 300.0
PACK_SECONDS = 120.0  # the full regional pack
LOAD_RATIO = 1.5  # loading <= 1.5 x parse-only


@dataclass
class Check:
    scale: str
    what: str
    value: float | None
    limit: float
    unit: str

    @property
    def met(self) -> bool:
        return self.value is not None and self.value <= self.limit


def checks(scale: str, r: dict) -> list[Check]:
    out: list[Check] = []
    if "loading" in r:
        out.append(Check(scale, "loading / parse-only", r["loading"]["ratio"], LOAD_RATIO, "x"))
    browser = r.get("browser")
    if browser:
        out.append(Check(scale, "first render (login click to overview drawn), median",
                         browser["first_render_median_ms"], FIRST_RENDER_MS[scale], "ms"))
        for path, ms in browser["pages"].items():
            out.append(Check(scale, f"first render of {path} / empty page", ms / browser["floor_ms"],
                             PAGE_FLOOR_FACTOR, "x"))
        if scale == "national":
            out.append(Check(scale, "checklist grid drawn", browser.get("grid_ms"), GRID_MS, "ms"))
    if scale == "national":
        for case in r.get("callbacks", []):
            out.append(Check(scale, f"callback p95: {case['role']} {case['url']}", case["p95_ms"],
                             CALLBACK_P95_MS, "ms"))
    users = r.get("users")
    if users:
        out.append(Check(scale, f"{USERS} users: p95 of every request", users["p95_ms"], USERS_P95_MS, "ms"))
        out.append(Check(scale, f"{USERS} users: failed requests", users["failures"], USERS_ERRORS, ""))
    if r.get("worker_mb") is not None:
        out.append(Check(scale, "server worker peak memory (VmHWM)", r["worker_mb"], WORKER_MB, "MB"))
    if "export" in r:
        out.append(Check(scale, "the full regional pack", r["export"]["seconds"], PACK_SECONDS, "s"))
    return out
