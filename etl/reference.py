"""Reads the reference data the project ships (gemeenten, checklist) and loads it into the dimensions."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select

from etl import schema
from etl.domain import Quarter, quarter_range, size_class
from nhsv import settings


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    veiligheidsregio: str
    police_district: str | None
    safety_house: str | None
    in_region: bool
    population: int
    population_source: str
    population_date: dt.date

    @property
    def size_class(self) -> str:
        return size_class(self.population)


@dataclass(frozen=True)
class Block:
    checklist_version: int
    theme_code: str
    theme: str
    code: str
    position: int
    label: str
    description: str


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def municipalities(reference_dir: Path | None = None) -> dict[str, Municipality]:
    """The gemeenten of the reference folder (NHSV_REFERENCE_DIR unless given), read once per folder: the cache
    is keyed by the folder itself, so a process that changes the setting reads the other folder's facts."""
    return _municipalities(reference_dir or settings.reference_dir())


@lru_cache(maxsize=4)
def _municipalities(reference_dir: Path) -> dict[str, Municipality]:
    rows = _read_csv(reference_dir / "gemeenten.csv")
    return {
        r["cbs_code"]: Municipality(
            code=r["cbs_code"],
            name=r["name"],
            veiligheidsregio=r["veiligheidsregio"],
            police_district=r["police_district"] or None,
            safety_house=r["zorg_en_veiligheidshuis"] if r["in_nhsv"] == "yes" else None,
            in_region=r["in_nhsv"] == "yes",
            population=int(r["population"]),
            population_source=r["population_source"],
            population_date=dt.date.fromisoformat(r["population_date"]),
        )
        for r in rows
    }


def region(reference_dir: Path | None = None) -> dict[str, Municipality]:
    return {code: m for code, m in municipalities(reference_dir).items() if m.in_region}


def checklist(reference_dir: Path | None = None) -> dict[int, tuple[Block, ...]]:
    """Blocks per checklist version, in checklist order (read once per reference folder, as `municipalities`)."""
    return _checklist(reference_dir or settings.reference_dir())


@lru_cache(maxsize=4)
def _checklist(reference_dir: Path) -> dict[int, tuple[Block, ...]]:
    rows = _read_csv(reference_dir / "checklist.csv")
    versions: dict[int, list[Block]] = {}
    for r in rows:
        b = Block(int(r["checklist_version"]), r["theme_code"], r["theme"], r["block_code"],
                  int(r["position"]), r["label"], r["description"])
        versions.setdefault(b.checklist_version, []).append(b)
    return {v: tuple(sorted(bs, key=lambda b: b.position)) for v, bs in versions.items()}


def current_checklist_version() -> int:
    return max(checklist())


def blocks(version: int | None = None) -> tuple[Block, ...]:
    return checklist()[version or current_checklist_version()]


QUARTERS_FROM = Quarter(2020, 1)
QUARTERS_TO = Quarter(2040, 4)


def load_dimensions(conn: Connection) -> None:
    """Replace the dimension tables with the reference data (idempotent; facts refer to codes only)."""
    existing = set(conn.scalars(select(schema.municipality.c.code)))
    for m in municipalities().values():
        values = dict(name=m.name, veiligheidsregio=m.veiligheidsregio, police_district=m.police_district,
                      safety_house=m.safety_house, in_region=m.in_region, population=m.population,
                      population_source=m.population_source, population_date=m.population_date,
                      size_class=m.size_class)
        if m.code in existing:
            conn.execute(schema.municipality.update().where(schema.municipality.c.code == m.code), values)
        else:
            conn.execute(insert(schema.municipality), dict(code=m.code, **values))

    have_quarters = set(conn.scalars(select(schema.quarter.c.code)))
    new_quarters = [
        dict(code=q.code, year=q.year, number=q.number, start_date=q.start, end_date=q.end, position=q.position)
        for q in quarter_range(QUARTERS_FROM, QUARTERS_TO) if q.code not in have_quarters
    ]
    if new_quarters:
        conn.execute(insert(schema.quarter), new_quarters)

    conn.execute(delete(schema.block))
    themes: dict[str, tuple[str, int]] = {}
    for bs in checklist().values():
        for b in bs:
            themes.setdefault(b.theme_code, (b.theme, len(themes) + 1))
    conn.execute(delete(schema.theme))
    conn.execute(insert(schema.theme), [dict(code=c, name=n, position=p) for c, (n, p) in themes.items()])
    conn.execute(insert(schema.block), [
        dict(checklist_version=b.checklist_version, code=b.code, theme_code=b.theme_code, position=b.position,
             label=b.label, description=b.description)
        for bs in checklist().values() for b in bs
    ])
