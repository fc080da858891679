"""Reading the warehouse: the marts and dimensions that `etl` wrote, unscoped, through one cache.

Nothing here knows who is looking; `dashboard.data.scope` and the view models decide that. Every read is kept
per warehouse URL and version (`warehouse_version`, which grows with every file offered to the loader), so a
load makes the next request read afresh. Frames handed out are copies: no caller can change what the next reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import cachetools
import flask
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard import formatting
from dashboard.i18n import N_, _
from etl import db, reference, schema
from nhsv import settings

T = TypeVar("T")
SOURCE = N_("Bron: aanleveringen van de NHSV-gemeenten; inwonertal CBS (86247NED, %(year)s)")


def engine(given: Engine | None = None) -> Engine:
    return given or db.engine()


# --- the one cache -------------------------------------------------------------------------------------------

# entries, not bytes: nearly all are small (a band, a slice of a quarter, one viewer's protected cells of a quarter);
# the whole mart is one. Nationally one viewer's Ontwikkeling holds ~50 (its trends and the quarters' signals), so
# 4,096 keeps some 80 viewers' pages at once, where 512 made a few users evict each other's work
_CACHE: cachetools.LRUCache = cachetools.LRUCache(maxsize=4096)
_LOCK = threading.Lock()
# one computation per key at a time: a thread that misses a key another thread is computing waits for its value
# (cachetools' `condition`), so that 50 users arriving after a load do not each read the whole mart at once
_READY = threading.Condition(_LOCK)
_VERSIONS: dict[str, int] = {}


@cachetools.cached(_CACHE, key=lambda full, compute: full, lock=_LOCK, condition=_READY)
def _computed(full: tuple, compute: Callable[[], Any]) -> Any:
    return compute()


def cached(eng: Engine, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per warehouse URL, version and `key`. A key that depends on the viewer must hold the
    viewer's `cache_key`, so that no answer crosses scopes; a value that holds text of the interface (numbers
    written out, names of groups) must hold the language (`dashboard.i18n.language()`), or better, the value holds
    no text and the caller writes it after the cache. When a URL's version moves on, its older entries
    are dropped. `compute` runs outside the lock, and once at a time per key: other threads that miss the same key
    wait for its value (a `compute` that raises lets the next waiting thread try)."""
    url, version = str(eng.url), warehouse_version(eng)
    with _LOCK:
        if _VERSIONS.get(url) != version:
            for stale in [k for k in _CACHE if k[0] == url]:
                del _CACHE[stale]
            _VERSIONS[url] = version
    full = (url, version, key)
    value = _computed(full, compute)
    with _LOCK:
        if _VERSIONS.get(url) != version:  # a load came while it was computed: keep no entry nothing will read
            _CACHE.pop(full, None)
    return value


def clear_caches() -> None:
    """Forget every cached read. The version only grows in use (files are never deleted), but a test that
    empties the tables lets SQLite hand out the same ids, and so the same version, again."""
    with _LOCK:
        _CACHE.clear()
        _VERSIONS.clear()


def warehouse_version(eng: Engine) -> int:
    """The highest file id: a cheap key for 'has anything been loaded since'. Read once per web request, so
    one page sees one version."""
    memo = flask.g.setdefault("warehouse_versions", {}) if flask.has_request_context() else None
    url = str(eng.url)
    if memo is not None and url in memo:
        return memo[url]
    with eng.connect() as conn:
        version = int(conn.execute(select(func.coalesce(func.max(schema.source_file.c.id), 0))).scalar() or 0)
    if memo is not None:
        memo[url] = version
    return version


def warehouse_changed() -> None:
    """This request has loaded something: read the warehouse version afresh."""
    if flask.has_request_context():
        flask.g.pop("warehouse_versions", None)


# --- reference facts -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    code: str
    name: str
    district: str
    size_class: str
    population: int


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    return {code: Place(code, m.name, m.police_district or "", m.size_class, m.population)
            for code, m in reference.region().items()}


def region() -> dict[str, Place]:
    """The gemeenten of the region with their public facts (CBS code, name, district, size class, population)."""
    return _places()


def districts() -> list[str]:
    return sorted({p.district for p in region().values()})


@lru_cache(maxsize=1)
def population_year() -> str:
    """The year of the CBS population figures, from the reference data (e.g. '2026')."""
    dates = {str(m.population_date.year) for m in reference.region().values()}
    return max(dates) if dates else ""


def source_line() -> str:
    return _(SOURCE, year=population_year())


@lru_cache(maxsize=1)
def tile_positions() -> dict[str, tuple[int, int, str]]:
    with (settings.reference_dir() / "tiles.csv").open(encoding="utf-8") as handle:
        return {r["cbs_code"]: (int(r["row"]), int(r["col"]), r["short"]) for r in csv.DictReader(handle)}


def events() -> pd.DataFrame:
    """Events for trend annotations, from the coordinators' reference file (read again when it changes)."""
    path = settings.reference_dir() / "events.csv"
    try:
        stat = path.stat()
    except FileNotFoundError:
        return pd.DataFrame(columns=["date", "title", "description"])
    return _events(str(path), stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=4)
def _events(path: str, _mtime_ns: int, _size: int) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str).fillna("")
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce").dt.date
    return frame.dropna(subset=["date"])


# --- quarters ------------------------------------------------------------------------------------------------

def _summary(eng: Engine) -> tuple[list[str], dict[str, Any]]:
    """The mart's quarters (newest first) and each quarter's latest load time."""
    def read() -> tuple[list[str], dict[str, Any]]:
        mq = schema.municipality_quarter
        with eng.connect() as conn:
            rows = conn.execute(select(mq.c.quarter, func.max(mq.c.loaded_at)).group_by(mq.c.quarter)
                                .order_by(mq.c.quarter.desc())).all()
        return [q for q, _ in rows], {q: loaded for q, loaded in rows}

    return cached(eng, "summary", read)


def quarters(given: Engine | None = None) -> list[str]:
    """Quarters with data, newest first (the same for every viewer)."""
    return list(_summary(engine(given))[0])


def resolve_quarter(requested: str | None, given: Engine | None = None) -> str | None:
    """The requested quarter if it has data, else the latest; None when the warehouse is empty."""
    available = quarters(given)
    if requested and requested in available:
        return requested
    return available[0] if available else None


def resolve_district(requested: str | None, home: str | None = None) -> str:
    """The requested district if there is one of that name, else the district of gemeente `home` (a gemeente
    user's own), else the first."""
    names = districts()
    if requested in names:
        return str(requested)
    own = region().get(home or "")
    return own.district if own else names[0]


def load_date(quarter: str, given: Engine | None = None) -> dt.datetime | None:
    """When the quarter's newest data was loaded."""
    return _summary(engine(given))[1].get(quarter)


def caption(quarter: str | None, given: Engine | None = None, extra: str = "") -> str:
    """Source, quarter and load date: every chart carries this."""
    if quarter is None:
        return source_line()
    loaded = load_date(quarter, given)
    text = f"{source_line()}. {formatting.quarter_label(quarter)}"
    if loaded:
        text += ", " + _("geladen op %(date)s", date=formatting.date(loaded))
    return text + (f". {extra}" if extra else ".")


# --- the marts -----------------------------------------------------------------------------------------------

READ_ROWS = 2000  # rows per part of a read


def _frame(conn, statement) -> pd.DataFrame:
    """The rows of `statement` as a frame, read in parts of READ_ROWS rows: every row of the national mart as
    Python objects at once raised a worker's peak memory by 44 MB, in parts by 26 MB. The parts' columns are
    inferred again together, so the frame is the one a single read would give."""
    result = conn.execution_options(yield_per=READ_ROWS).execute(statement)
    columns = list(result.keys())
    parts = [pd.DataFrame(part, columns=columns) for part in result.partitions()]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True).infer_objects() if len(parts) > 1 else parts[0]


def _whole_mart(eng: Engine) -> pd.DataFrame:
    """Every row of the gemeente-quarter mart with name and district (one row per gemeente per quarter)."""
    def read() -> pd.DataFrame:
        mq = schema.municipality_quarter
        with eng.connect() as conn:
            frame = _frame(conn, select(mq).order_by(mq.c.municipality_code, mq.c.quarter))
        places = region()
        frame["name"] = [places[c].name if c in places else c for c in frame["municipality_code"]]
        frame["district"] = [places[c].district if c in places else "" for c in frame["municipality_code"]]
        frame["submitted"] = frame["submitted"].astype(bool)
        return frame

    return cached(eng, "mart", read)


def _quarter_mart(eng: Engine, quarter: str) -> pd.DataFrame:
    """One quarter's rows of the mart (most views read one quarter, many times)."""
    def compute() -> pd.DataFrame:
        frame = _whole_mart(eng)
        return frame[frame["quarter"] == quarter].reset_index(drop=True)

    return cached(eng, ("mart", quarter), compute)


def mart(given: Engine | None = None, quarters_: list[str] | None = None,
         codes: list[str] | None = None) -> pd.DataFrame:
    """Rows of the mart, unscoped, as a copy; optionally only some quarters or gemeenten."""
    eng = engine(given)
    if quarters_ is not None and len(quarters_) == 1:
        frame = _quarter_mart(eng, quarters_[0])
    else:
        frame = _whole_mart(eng)
        if quarters_ is not None:
            frame = frame[frame["quarter"].isin(quarters_)]
    if codes is not None:
        frame = frame[frame["municipality_code"].isin(codes)]
    return frame.reset_index(drop=True)


def submitted_codes(quarter: str, given: Engine | None = None) -> frozenset[str]:
    """The gemeenten with an active submission for the quarter. Who did not submit is for coordinators only:
    the scope rules use this set, the pages of other viewers never show it."""
    eng = engine(given)

    def compute() -> frozenset[str]:
        frame = _whole_mart(eng)
        return frozenset(frame.loc[frame["submitted"] & (frame["quarter"] == quarter), "municipality_code"])

    return cached(eng, ("submitted", quarter), compute)


def block_statuses(quarter: str, given: Engine | None = None) -> pd.DataFrame:
    """Gemeente (index) × block code (columns): the statuses of the quarter's active submissions, unscoped."""
    eng = engine(given)

    def read() -> pd.DataFrame:
        bq = schema.block_quarter
        with eng.connect() as conn:
            rows = _frame(conn, select(bq.c.municipality_code, bq.c.block_code, bq.c.status)
                          .where(bq.c.quarter == quarter))
        codes = [b.code for b in reference.blocks()]
        if rows.empty:
            return pd.DataFrame(columns=codes, dtype=float)
        return rows.pivot(index="municipality_code", columns="block_code", values="status").reindex(columns=codes)

    return cached(eng, ("blocks", quarter), read).copy()


def block_history(code: str, given: Engine | None = None) -> pd.DataFrame:
    """Every block row (quarter, block, status, previous status, explanation) of one gemeente, unscoped."""
    eng = engine(given)

    def read() -> pd.DataFrame:
        bq = schema.block_quarter
        with eng.connect() as conn:
            return _frame(conn, select(bq).where(bq.c.municipality_code == code))

    return cached(eng, ("history", code), read).copy()


def submission_rows(quarter: str, given: Engine | None = None) -> tuple[Sequence[Any], Sequence[Any]]:
    """The quarter's submissions (with file names) and findings, in load order."""
    s, sf, fd = schema.submission, schema.source_file, schema.finding
    with engine(given).connect() as conn:
        subs = conn.execute(
            select(s.c.municipality_code, s.c.version, s.c.status, s.c.loaded_at, s.c.actor, sf.c.file_name,
                   s.c.file_id).join(sf, sf.c.id == s.c.file_id).where(s.c.quarter == quarter)
            .order_by(s.c.id)).all()
        found = conn.execute(
            select(fd.c.municipality_code, fd.c.file_id, fd.c.severity, fd.c.rule, fd.c.place, fd.c.message)
            .where(fd.c.quarter == quarter).order_by(fd.c.id)).all()
    return subs, found
