"""cProfile summaries that say where the time goes: own time per package, cumulative time of named steps, and
the top functions. Used for every target a run misses."""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
from collections.abc import Callable
from pathlib import Path

from nhsv.settings import PROJECT_ROOT

STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _package(filename: str) -> str:
    """A readable owner of a code file: the project's module, a third-party distribution, stdlib or builtin."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    path = Path(filename)
    try:
        rel = path.resolve().relative_to(PROJECT_ROOT)
        if rel.parts[0] not in (".venv",):
            return ".".join(rel.with_suffix("").parts)  # e.g. dashboard.data, dashboard.pages.overzicht
    except ValueError:
        pass
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0].removesuffix(".py")
    try:
        path.resolve().relative_to(STDLIB)
        return "stdlib:" + path.resolve().relative_to(STDLIB).parts[0].removesuffix(".py")
    except ValueError:
        return path.name


def profile(fn: Callable[[], object]) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        fn()
    finally:
        profiler.disable()
    return pstats.Stats(profiler)


def summarize(stats: pstats.Stats, steps: dict[str, tuple[str, str]] | None = None, top: int = 12,
              packages: int = 10) -> dict:
    """{'total': s, 'packages': [(name, own s, share)], 'steps': [(label, cumulative s, share)],
    'functions': [(where, own s, cumulative s, calls)], 'project': the same for the project's own functions,
    by cumulative time}.

    `steps` maps a label to (file suffix, function name), e.g. {"extract": ("etl/extract.py", "extract")}."""
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in raw.values())
    by_package: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in raw.items():
        key = _package(filename)
        by_package[key] = by_package.get(key, 0.0) + tt
    out_steps = []
    for label, (suffix, name) in (steps or {}).items():
        cumulative = sum(ct for (filename, _line, fname), (_cc, _nc, _tt, ct, _callers) in raw.items()
                         if fname == name and filename.replace("\\", "/").endswith(suffix))
        out_steps.append((label, cumulative, cumulative / total if total else 0.0))
    functions = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    own_code = [(key, value) for key, value in raw.items()
                if _package(key[0]).startswith(("dashboard.", "etl.")) and not key[2].startswith("<")]
    project = sorted(own_code, key=lambda item: item[1][3], reverse=True)[:top]
    return {
        "total": total,
        "packages": [(k, v, v / total if total else 0.0)
                     for k, v in sorted(by_package.items(), key=lambda x: x[1], reverse=True)[:packages]],
        "steps": out_steps,
        "functions": [(f"{_package(fn)}:{name} ({Path(fn).name}:{line})", tt, ct, nc)
                      for (fn, line, name), (_cc, nc, tt, ct, _callers) in functions],
        "project": [(f"{_package(fn)}.{name}", tt, ct, nc)
                    for (fn, _line, name), (_cc, nc, tt, ct, _callers) in project],
    }
