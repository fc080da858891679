"""The targets of issue 9 (on a 2-core machine) and their checks, shared by the runner and the report."""

from __future__ import annotations

from dataclasses import dataclass

CALLBACK_P95_MS = 100.0  # national scale
CALLBACK_FLOOR_FACTOR = 2.0  # p95 <= 2 x query-alone p95 + no-op p95
LOAD_RATIO = 1.5  # load <= 1.5 x parse-only
NATIONAL_LOAD_SECONDS = 600.0
USERS_P95_MS = 500.0
USERS_ERRORS = 0
WORKER_MEMORY_MB = 300.0  # national scale


@dataclass
class Check:
    scale: str
    target: str
    measured: str
    ok: bool | None  # None: not measured in this run


def callback_checks(scale: str, result: dict) -> list[Check]:
    cb = result.get("callbacks")
    if not cb:
        return []
    noop = cb["noop"]["server_p95_ms"]
    out = []
    for case in cb["cases"]:
        bound = CALLBACK_FLOOR_FACTOR * case["query_p95_ms"] + noop
        case["floor_bound_ms"] = bound
        out.append(Check(scale, f"callback {case['name']} ({case['role']}): p95 <= 2 x query-alone + no-op",
                         f"{case['server_p95_ms']:.1f} ms <= 2 x {case['query_p95_ms']:.1f} + {noop:.1f} = "
                         f"{bound:.1f} ms", case["server_p95_ms"] <= bound))
        if scale.startswith("national"):
            out.append(Check(scale, f"callback {case['name']} ({case['role']}): p95 <= {CALLBACK_P95_MS:.0f} ms",
                             f"{case['server_p95_ms']:.1f} ms", case["server_p95_ms"] <= CALLBACK_P95_MS))
    return out


def load_checks(scale: str, result: dict) -> list[Check]:
    ld = result.get("loading")
    if not ld:
        return []
    out = [Check(scale, f"loading <= {LOAD_RATIO} x parse-only",
                 f"{ld['load_seconds']:.1f} s / {ld['parse_seconds']:.1f} s = {ld['ratio']:.2f}x",
                 ld["ratio"] <= LOAD_RATIO)]
    if scale.startswith("national"):
        seconds = ld.get("full_history_seconds", ld["load_seconds"])
        full = ld.get("full_history_measured", True)
        out.append(Check(scale, f"national history loads in < {NATIONAL_LOAD_SECONDS / 60:.0f} min",
                         f"{seconds:.0f} s ({seconds / 60:.1f} min)" + ("" if full else ", extrapolated"),
                         seconds < NATIONAL_LOAD_SECONDS))
    return out


def users_checks(scale: str, result: dict) -> list[Check]:
    cu = result.get("concurrency")
    if not cu:
        return []
    return [
        Check(scale, f"{cu['users']} users: {USERS_ERRORS} errors", f"{cu['errors']} errors of {cu['requests']}",
              cu["errors"] <= USERS_ERRORS),
        Check(scale, f"{cu['users']} users: p95 <= {USERS_P95_MS:.0f} ms (per request)",
              f"{cu['p95_ms']:.0f} ms", cu["p95_ms"] <= USERS_P95_MS),
    ]


def memory_checks(scale: str, result: dict) -> list[Check]:
    mem = result.get("memory")
    if not mem or not scale.startswith("national"):
        return []
    return [Check(scale, f"worker peak memory (VmHWM) <= {WORKER_MEMORY_MB:.0f} MB",
                  f"{mem['max_hwm_mb']:.0f} MB", mem["max_hwm_mb"] <= WORKER_MEMORY_MB)]


def all_checks(scale: str, result: dict) -> list[Check]:
    return (load_checks(scale, result) + callback_checks(scale, result) + users_checks(scale, result)
            + memory_checks(scale, result))
