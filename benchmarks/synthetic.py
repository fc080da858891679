"""The benchmark's data: the regional demo inbox and a synthetic national one, both cached under data/bench/.

National: 342 synthetic gemeenten (GM0001..GM0342) with a skewed, Dutch-like population (a few large cities,
median near 28,000, smallest near 1,000), spread over 25 veiligheidsregio's and 25 police districts, all of
them in the configured region, and 40 quarters of history written by the project's own demo generator
(`etl.demo.generate`, xlsx through the real template writer). The warehouse's quarter dimension begins at
2020Q1 (`etl.reference.QUARTERS_FROM`), so the 40 quarters are 2020Q1..2029Q4 and the national run takes
NHSV_TODAY=2030-01-15 (the last completed quarter is then 2029Q4).

Regional: the real 32 NHSV gemeenten of data/reference, demo data 2024Q1 up to the last completed quarter:
what `nhsv demo` loads.

Generation is the slow part (about 22 ms per workbook on one core), so an inbox is kept on disk with a
manifest of what made it (parameters and a hash of the generator's code); a re-run with the same manifest
reuses it. data/ is git-ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from nhsv.settings import PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "data" / "bench"
REAL_REFERENCE = PROJECT_ROOT / "data" / "reference"

NATIONAL_GEMEENTEN = 342
NATIONAL_QUARTERS = 40
NATIONAL_FIRST = (2020, 1)  # etl.reference.QUARTERS_FROM: the first quarter the warehouse knows
NATIONAL_TODAY = "2030-01-15"  # 2020Q1 + 40 quarters = 2029Q4, the last completed quarter on this day
REGIONS = 25  # veiligheidsregio's in the Netherlands
DISTRICTS = 25  # police districts in the synthetic country (the real one has 43 in 10 units)
BIG_CITIES = (941_000, 670_000, 566_000, 372_000, 260_000, 240_000, 235_000, 210_000)
GRID_COLUMNS = 19  # tile map: 19 x 18 tiles


@dataclass(frozen=True)
class Dataset:
    """One scale's inputs: the inbox folder, the reference folder and the settings the processes need."""

    scale: str
    inbox: Path
    reference_dir: Path
    today: str  # NHSV_TODAY for every process of this scale ('' = the real date)
    gemeenten: int
    quarters: list[str]
    files: int
    generated_seconds: float | None  # None: reused from the cache

    @property
    def env(self) -> dict[str, str]:
        return {"NHSV_REFERENCE_DIR": str(self.reference_dir), "NHSV_TODAY": self.today}


def _code_hash() -> str:
    """Hash of the code that decides what the generated files contain."""
    digest = hashlib.sha256()
    for name in ("etl/demo.py", "etl/template.py", "etl/domain.py", "benchmarks/synthetic.py"):
        digest.update((PROJECT_ROOT / name).read_bytes())
    for name in ("checklist.csv", "gemeenten.csv"):
        digest.update((REAL_REFERENCE / name).read_bytes())
    return digest.hexdigest()[:16]


# --- the synthetic national reference --------------------------------------------------------------------


def national_population(n: int, seed: int) -> list[int]:
    """A skewed population list like the Netherlands': a few big cities and a long tail of small gemeenten."""
    rng = random.Random(seed)
    values = list(BIG_CITIES[:n])
    while len(values) < n:
        value = int(math.exp(rng.gauss(math.log(28_000), 0.8)))
        if 950 <= value <= 200_000:
            values.append(value)
    rng.shuffle(values)
    return values


def write_national_reference(folder: Path, n: int = NATIONAL_GEMEENTEN, seed: int = 2026) -> Path:
    """gemeenten.csv, tiles.csv (a grid) and the real checklist.csv and events.csv in `folder`."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    populations = national_population(n, seed)
    per_district = math.ceil(n / DISTRICTS)
    per_region = math.ceil(n / REGIONS)
    with (folder / "gemeenten.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cbs_code", "name", "veiligheidsregio", "police_unit", "police_district",
                         "zorg_en_veiligheidshuis", "in_nhsv", "population", "population_source",
                         "population_date"])
        for i in range(n):
            district = i // per_district + 1
            region = i // per_region + 1
            writer.writerow([f"GM{i + 1:04d}", f"Synthetisch {i + 1:03d}", f"Veiligheidsregio {region:02d}",
                             f"Eenheid {(district - 1) // 3 + 1:02d}", f"District {district:02d}",
                             f"Zorg- en Veiligheidshuis {region:02d}", "yes", populations[i],
                             "synthetisch (benchmark)", "2026-01-01"])
    with (folder / "tiles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cbs_code", "row", "col", "short"])
        for i in range(n):
            writer.writerow([f"GM{i + 1:04d}", i // GRID_COLUMNS, i % GRID_COLUMNS, f"{i + 1:03d}"])
    for name in ("checklist.csv", "events.csv"):
        shutil.copyfile(REAL_REFERENCE / name, folder / name)
    return folder


# --- inboxes -----------------------------------------------------------------------------------------------


def _generate_part(args: tuple) -> int:
    """In a worker process: demo.generate for a slice of the gemeenten into its own sub-folder."""
    inbox, seed, first, last, codes = args
    from etl import demo, reference
    from etl.domain import Quarter

    demo.FIRST_QUARTER = Quarter(*first)  # the generator's first quarter is a module constant
    region = reference.region()
    plan = demo.generate(Path(inbox), seed=seed, last=Quarter(*last), municipalities={c: region[c] for c in codes})
    return len(plan.files)


def _manifest_ok(folder: Path, manifest: dict) -> bool:
    path = folder / "manifest.json"
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text()) == manifest
    except ValueError:
        return False


def national_dataset(seed: int = 2026, gemeenten: int = NATIONAL_GEMEENTEN, quarters: int = NATIONAL_QUARTERS,
                     regenerate: bool = False, processes: int = 2, name: str = "national",
                     log=print) -> Dataset:
    """The synthetic national inbox (cached). `quarters` counts back from 2029Q4 (the full run: 2020Q1..)."""
    from etl.domain import Quarter, quarter_range

    last = Quarter(2029, 4)
    first = last
    for _ in range(quarters - 1):
        first = first.previous()
    assert first >= Quarter(*NATIONAL_FIRST), "the warehouse knows no quarter before 2020Q1"
    folder = BENCH_DIR / name
    reference_dir = folder / "reference"
    inbox = folder / "inbox"
    manifest = {"seed": seed, "gemeenten": gemeenten, "first": first.code, "last": last.code,
                "code": _code_hash()}
    codes = [f"GM{i + 1:04d}" for i in range(gemeenten)]
    quarter_codes = [q.code for q in quarter_range(first, last)]
    if not regenerate and _manifest_ok(folder, manifest) and inbox.is_dir():
        files = sum(1 for p in inbox.rglob("*") if p.is_file())
        log(f"[{name}] reusing the generated inbox {inbox} ({files} files)")
        return Dataset(name, inbox, reference_dir, NATIONAL_TODAY, gemeenten, quarter_codes, files, None)

    if folder.exists():
        shutil.rmtree(folder)
    write_national_reference(reference_dir, gemeenten, seed)
    log(f"[{name}] generating {gemeenten} gemeenten x {len(quarter_codes)} quarters with etl.demo "
        f"({processes} processes) into {inbox} ...")
    started = time.perf_counter()
    chunk = 12  # gemeenten per job: small jobs keep both processes busy to the end
    jobs = [(str(inbox / f"part-{k:03d}"), seed + k, (first.year, first.number), (last.year, last.number),
             codes[k * chunk:(k + 1) * chunk]) for k in range(math.ceil(gemeenten / chunk))]
    env_before = {k: os.environ.get(k) for k in ("NHSV_REFERENCE_DIR", "NHSV_TODAY")}
    os.environ["NHSV_REFERENCE_DIR"] = str(reference_dir)  # the worker processes read the synthetic reference
    os.environ["NHSV_TODAY"] = NATIONAL_TODAY
    try:
        done = 0
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for k, n in enumerate(pool.map(_generate_part, jobs)):
                done += n
                if (k + 1) % 5 == 0 or k + 1 == len(jobs):
                    log(f"[{name}]   {k + 1}/{len(jobs)} parts, {done} files, "
                        f"{time.perf_counter() - started:.0f} s")
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - started
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    files = sum(1 for p in inbox.rglob("*") if p.is_file())
    log(f"[{name}] generated {files} files in {seconds:.0f} s")
    return Dataset(name, inbox, reference_dir, NATIONAL_TODAY, gemeenten, quarter_codes, files, seconds)


def regional_dataset(seed: int = 2026, regenerate: bool = False, log=print) -> Dataset:
    """The demo inbox of the 32 NHSV gemeenten, 2024Q1 up to the last completed quarter (cached)."""
    from etl import demo, reference
    from etl.domain import last_completed_quarter, quarter_range

    folder = BENCH_DIR / "regional"
    inbox = folder / "inbox"
    last = last_completed_quarter()
    manifest = {"seed": seed, "first": demo.FIRST_QUARTER.code, "last": last.code, "code": _code_hash()}
    quarter_codes = [q.code for q in quarter_range(demo.FIRST_QUARTER, last)]
    region = reference.region(REAL_REFERENCE)
    if not regenerate and _manifest_ok(folder, manifest) and inbox.is_dir():
        files = sum(1 for p in inbox.rglob("*") if p.is_file())
        log(f"[regional] reusing the generated inbox {inbox} ({files} files)")
        return Dataset("regional", inbox, REAL_REFERENCE, os.environ.get("NHSV_TODAY", ""), len(region),
                       quarter_codes, files, None)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    plan = demo.generate(inbox, seed=seed, last=last)
    seconds = time.perf_counter() - started
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    log(f"[regional] generated {len(plan.files)} files in {seconds:.1f} s")
    return Dataset("regional", inbox, REAL_REFERENCE, os.environ.get("NHSV_TODAY", ""), len(region),
                   quarter_codes, len(plan.files), seconds)
