"""The dashboard's one data layer: every function takes the viewer and returns only what that viewer may see.

Scope rules (DOMAIN.md section 5) are applied here, on the server, never in a page: names and exact figures
for coordinators and admins and for a gemeente's own data; for other gemeenten, as a gemeente user sees them,
pseudonyms assigned afresh per view and ordered by value, no population or district, no signal counts or
rates per gemeente, no free text, peer groups of at least 3 others, and the small-count rule on counts.
Reads only the marts and dimensions that `etl` wrote.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import flask
import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard import formatting
from dashboard.disclosure import Cell, protect_count, protect_table, pseudonyms
from dashboard.metrics import MEASURES, PEER_VISIBLE, THEMES
from dashboard.viewer import MUNICIPALITY, Viewer
from etl import db, reference, schema
from etl.domain import IN_ORDER_FROM, STATUS_LABELS, Quarter, size_class
from nhsv import settings

MIN_PEERS = 3  # a peer group shown to a non-coordinator has at least 3 gemeenten besides the own
PUBLIC_ROUNDING = 5  # audience `openbaar`: shown counts are rounded to multiples of this
# count-based columns of a gemeente's own timeline; a public pack names the gemeente, so it gets none of them
PUBLIC_HIDDEN = ("signals_total", "signals_radicalisation", "signals_polarisation", "signals_from_citizens",
                 "signals_from_professionals", "signals_to_safety_house", "signals_per_10k",
                 "share_to_safety_house", "interventions_active")
SOURCE = "Bron: aanleveringen van de NHSV-gemeenten; inwonertal CBS (86247NED, 2026)"


class Forbidden(Exception):
    """The viewer may not see this; the message is Dutch and safe to show."""


def _engine(engine: Engine | None) -> Engine:
    return engine or db.engine()


def threshold() -> int:
    return settings.get_int("NHSV_SMALL_COUNT_THRESHOLD")


# --- reference ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _region_places() -> dict:
    return {code: Place(code, m.name, m.police_district or "", m.size_class, m.population)
            for code, m in reference.region().items()}


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    district: str
    size_class: str
    population: int


def region() -> dict[str, Place]:
    return _region_places()


def districts() -> list[str]:
    return sorted({p.district for p in region().values()})


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


# --- quarters -------------------------------------------------------------------------------------

def quarters(engine: Engine | None = None) -> list[str]:
    """Quarters with data, newest first (not sensitive: the same for every viewer)."""
    return list(_mart_summary(_engine(engine))[0])


def resolve_quarter(requested: str | None, engine: Engine | None = None) -> str | None:
    """The requested quarter if it has data, else the latest; None when the warehouse is empty."""
    available = quarters(engine)
    if requested and requested in available:
        return requested
    return available[0] if available else None


def load_date(quarter: str, engine: Engine | None = None) -> dt.datetime | None:
    """When the quarter's newest data was loaded."""
    return _mart_summary(_engine(engine))[1].get(quarter)


def caption(quarter: str | None, engine: Engine | None = None, extra: str = "") -> str:
    """Source, quarter and load date: every chart carries this."""
    if quarter is None:
        return SOURCE
    loaded = load_date(quarter, engine)
    text = f"{SOURCE}. {formatting.quarter_label(quarter)}"
    if loaded:
        text += f", geladen op {formatting.date(loaded)}"
    return text + (f". {extra}" if extra else ".")


# --- the mart, scoped -------------------------------------------------------------------------------

class _VersionCache:
    """Results computed from the warehouse, kept per warehouse URL and version (`warehouse_version`): once a
    file is loaded, the entries of the older version are dropped. At most `size` entries, the oldest dropped
    first. Holders keep raw results; callers hand out copies, so no caller changes what the next one reads.
    A server worker's threads share it: the entries change only under the lock. `compute` runs outside it, so
    a slow read does not hold up the others (two threads that miss the same key at once both compute it)."""

    caches: list[_VersionCache] = []

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        _VersionCache.caches.append(self)

    def get(self, eng: Engine, key, compute: Callable[[], Any]):
        url, version = str(eng.url), warehouse_version(eng)
        full = (url, version, key)
        with self._lock:
            if full in self.entries:
                return self.entries[full]
        value = compute()
        with self._lock:
            for stale in [k for k in self.entries if k[0] == url and k[1] != version]:
                del self.entries[stale]
            if full not in self.entries and len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)))
            self.entries[full] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


def clear_caches() -> None:
    """Forget every cached read. The warehouse version only grows in use (files are never deleted), but a
    test that empties the tables lets SQLite hand out the same ids, and so the same version, again."""
    for cache in _VersionCache.caches:
        cache.clear()


def warehouse_version(engine: Engine | None = None) -> int:
    """Grows with every file offered to the loader: a cheap key for 'has anything been loaded since'.
    Read once per web request (a page asks for it once per cached read), so one page sees one version."""
    eng = _engine(engine)
    memo = flask.g.setdefault("warehouse_versions", {}) if flask.has_request_context() else None
    url = str(eng.url)
    if memo is not None and url in memo:
        return memo[url]
    with eng.connect() as conn:
        version = conn.execute(select(func.coalesce(func.max(schema.source_file.c.id), 0))).scalar() or 0
    if memo is not None:
        memo[url] = version
    return version


def warehouse_changed() -> None:
    """This request has loaded something: read the warehouse version afresh."""
    if flask.has_request_context():
        flask.g.pop("warehouse_versions", None)


_SUMMARY_CACHE = _VersionCache(4)


def _mart_summary(eng: Engine) -> tuple[list[str], dict]:
    """The quarters of the mart (newest first) and each quarter's latest load time, per warehouse version."""
    def read() -> tuple[list[str], dict]:
        mq = schema.municipality_quarter
        with eng.connect() as conn:
            rows = conn.execute(select(mq.c.quarter, func.max(mq.c.loaded_at)).group_by(mq.c.quarter)
                                .order_by(mq.c.quarter.desc())).all()
        return [q for q, _ in rows], {q: loaded for q, loaded in rows}

    return _SUMMARY_CACHE.get(eng, None, read)


_MART_CACHE = _VersionCache(4)  # the whole mart, per warehouse URL


def _frame(conn, statement, bulk: bool = False) -> pd.DataFrame:
    """A query's rows as a DataFrame, built from tuples (a list of dicts costs about three times as much). A
    `bulk` read on PostgreSQL comes from the CSV that COPY writes (`_copied_frame`): for the national mart
    that takes 100 ms instead of 270, but for a few hundred rows its fixed cost (1-2 ms) is more than it saves."""
    if bulk and conn.dialect.name == "postgresql":
        return _copied_frame(conn, statement)
    result = conn.execute(statement)
    return pd.DataFrame([tuple(row) for row in result.all()], columns=list(result.keys()))


# COPY's mark for NULL: a control character, which the loader never stores (etl.extract turns them into U+FFFD),
# so that no text, quoted or not, can read as NULL, and an empty string stays an empty string
_NULL = "\x01"


def _copied_frame(conn, statement) -> pd.DataFrame:
    """The rows as CSV from PostgreSQL's COPY, parsed by pandas' C reader: the same frame as from tuples, in
    about a third of the time. Fetching the national mart (13,680 rows × 35 columns) as Python objects took
    most of a page's first render after a load. Typed by the statement's columns: text stays text however it
    looks, booleans come as t/f, timestamps in the connection's time zone, as the driver would give them."""
    compiled = statement.compile(dialect=conn.dialect)
    buffer = io.BytesIO()
    with conn.connection.dbapi_connection.cursor() as cursor:  # COPY takes its parameters bound by psycopg
        with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv, HEADER, NULL E'\\x01')",
                         compiled.params) as copy:
            for chunk in copy:
                buffer.write(chunk)
    columns = list(statement.selected_columns)
    names = [c.name for c in columns]
    kinds = {c.name: c.type.python_type for c in columns}
    buffer.seek(0)
    frame = pd.read_csv(buffer, keep_default_na=False, na_values=[_NULL], true_values=["t"], false_values=["f"],
                        dtype={n: kind for n, kind in kinds.items() if kind in (str, float)}, header=0,
                        names=names)
    if frame.empty:  # as from no tuples: untyped columns
        return pd.DataFrame([], columns=names)
    zone = conn.connection.dbapi_connection.info.timezone
    for name, kind in kinds.items():
        if kind is dt.datetime:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=True).dt.tz_convert(zone)
        elif frame[name].isna().all():  # as from tuples of None only
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    return frame


def _whole_mart(eng: Engine) -> pd.DataFrame:
    """Every row of the gemeente-quarter mart with name and district, read once per warehouse version (one
    frame per worker: 13,680 rows at national scale). Callers never get this frame itself, only copies."""
    return _MART_CACHE.get(eng, None, lambda: _read_mart(eng))


def _read_mart(eng: Engine) -> pd.DataFrame:
    mq = schema.municipality_quarter
    with eng.connect() as conn:
        frame = _frame(conn, select(mq).order_by(mq.c.municipality_code, mq.c.quarter), bulk=True)
    if frame.empty:
        frame = pd.DataFrame(columns=list(mq.c.keys()))
    places = region()
    codes = frame["municipality_code"].tolist()
    frame["name"] = pd.Series([places[c].name if c in places else c for c in codes], index=frame.index, dtype=str)
    frame["district"] = pd.Series([places[c].district if c in places else "" for c in codes], index=frame.index,
                                  dtype=str)
    return frame


def _mart(engine: Engine | None, quarters_: list[str] | None = None, codes: list[str] | None = None
          ) -> pd.DataFrame:
    """Rows of the mart, unscoped: a copy, so that no caller can change what the next one reads. The cache
    holds the raw table, before any scope is applied, so it cannot carry one viewer's view to another; every
    caller scopes the copy it gets."""
    frame = _whole_mart(_engine(engine))
    if quarters_ is None and codes is None:
        return frame.copy()
    mask = np.ones(len(frame), dtype=bool)
    if quarters_ is not None:
        mask &= frame["quarter"].isin(quarters_).to_numpy()
    if codes is not None:
        mask &= frame["municipality_code"].isin(codes).to_numpy()
    return frame[mask].reset_index(drop=True)


def scope_rows(viewer: Viewer, frame: pd.DataFrame, order_by: str = "score",
               measures: tuple[str, ...] | None = None, peer_visible: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per gemeente as this viewer may see it: columns `key` (the code, or None for a pseudonymised
    gemeente), `label` (name or 'Gemeente A'), `own`, `submitted` and the measures.

    For a gemeente viewer every other gemeente loses code, name, district, population and every count-based
    measure; pseudonyms are assigned in order of `order_by`, afresh for each call.
    """
    wanted = list(measures or [k for k in MEASURES])
    out = frame.copy()
    out["own"] = out["municipality_code"] == viewer.municipality_code if viewer.role == MUNICIPALITY else False
    if viewer.sees_all:
        out["key"] = out["municipality_code"]
        out["label"] = out["name"]
        keep = ["key", "label", "own", "submitted", "district", "size_class", "population", "quarter", *wanted]
        return out[[c for c in keep if c in out.columns]].reset_index(drop=True)

    own = out[out["own"]].copy()
    others = out[~out["own"]].copy()
    if order_by in others.columns:
        others = others.sort_values([order_by, "municipality_code"], ascending=[False, True], na_position="last")
    # the shuffle above depends on values only; the code is a tie-breaker and is dropped right after
    others["label"] = pseudonyms(len(others))
    others["key"] = None
    for column in wanted:
        if column in others.columns and column not in PEER_VISIBLE and column not in peer_visible:
            others[column] = None
    own["key"] = own["municipality_code"]
    own["label"] = own["name"]
    keep = ["key", "label", "own", "submitted", "quarter", *wanted]
    if not own.empty:
        own = own[[c for c in keep if c in own.columns]]
    others = others[[c for c in keep if c in others.columns]]
    combined = pd.concat([own, others], ignore_index=True) if not own.empty else others.reset_index(drop=True)
    return combined


def peer_codes(viewer: Viewer, code: str, kind: str, value: str | None = None,
               selection: list[str] | None = None) -> tuple[list[str], str]:
    """The other gemeenten of a peer group and its Dutch name. Kinds: regio, district, grootte, selectie
    (coordinators only). Raises Forbidden when a non-coordinator's group has fewer than 3 others."""
    places = region()
    if code not in places:
        raise Forbidden("Onbekende gemeente.")
    own = places[code]
    if kind == "district":
        district = value if (value in districts() and viewer.sees_all) else own.district
        codes, name = [c for c, p in places.items() if p.district == district], f"district {district}"
    elif kind == "grootte":
        cls = value if (value and viewer.sees_all) else own.size_class
        codes, name = [c for c, p in places.items() if p.size_class == cls], f"gemeenten met {cls} inwoners"
    elif kind == "selectie":
        if not viewer.sees_all:
            raise Forbidden("Een eigen selectie van gemeenten is alleen beschikbaar voor coördinatoren.")
        codes, name = [c for c in (selection or []) if c in places], "eigen selectie"
    else:
        codes, name = list(places), "de regio (NHSV)"
    others = [c for c in codes if c != code]
    if not viewer.sees_all and len(others) < MIN_PEERS:
        raise Forbidden(f"De vergelijkingsgroep ({name}) heeft minder dan {MIN_PEERS} andere gemeenten en wordt "
                        "daarom niet getoond.")
    return others, name


def _require_exact(viewer: Viewer, code: str) -> None:
    if not viewer.may_see_exact(code):
        raise Forbidden("U heeft geen toegang tot de gegevens van deze gemeente.")


def _require_coordinator(viewer: Viewer) -> None:
    if not viewer.sees_all:
        raise Forbidden("Deze pagina is alleen beschikbaar voor coördinatoren en beheerders.")


# --- Overzicht ------------------------------------------------------------------------------------

@dataclass
class KeyFigure:
    label: str
    value: str
    change: str
    help: str


def key_figures(viewer: Viewer, quarter: str, district: str | None = None,
                engine: Engine | None = None) -> list[KeyFigure]:
    """The quarter's key figures for the region (or a district) and the change since the quarter before.
    Aggregates over at least 7 gemeenten; the signal total follows the small-count rule for non-coordinators."""
    previous = Quarter.parse(quarter).previous().code
    frame = _mart(engine, [quarter, previous])
    if district:
        frame = frame[frame["district"] == district]
    now, before = frame[frame["quarter"] == quarter], frame[frame["quarter"] == previous]

    def stats(f: pd.DataFrame) -> dict:
        s = f[f["submitted"] == True]  # noqa: E712 - pandas boolean column
        return {
            "score": s["score"].mean() if len(s) else None,
            "in_order": int((s["blocks_in_order"] >= 16).sum()) if len(s) else None,
            "regressions": int(s["regressions"].fillna(0).sum()) if len(s) else None,
            "fte": s["fte_per_100k"].median() if len(s) else None,
            "signals": int(s["signals_total"].sum()) if len(s) else None,
            "submitted": len(s), "total": len(f),
        }

    a, b = stats(now), stats(before) if len(before) else {}
    exact = viewer.sees_all
    signals_now = a["signals"]
    signals_text = formatting.number(signals_now) if exact else protect_count(
        signals_now, threshold(), PUBLIC_ROUNDING if viewer.is_public else None).text
    signals_change = formatting.signed(signals_now - b["signals"]) + " t.o.v. vorig kwartaal" if (
        exact and b.get("signals") is not None and signals_now is not None) else ""
    return [
        KeyFigure("Gemiddelde voortgangsscore", formatting.number(a["score"], 1),
                  _change(a["score"], b.get("score"), 1), MEASURES["score"].description),
        KeyFigure("Gemeenten met ≥ 16 van 18 op orde", formatting.number(a["in_order"]),
                  _change(a["in_order"], b.get("in_order")), "Gemeenten met ten minste 16 bouwstenen Gerealiseerd "
                  "of Geborgd."),
        KeyFigure("Terugval (bouwstenen)", formatting.number(a["regressions"]),
                  _change(a["regressions"], b.get("regressions")), MEASURES["regressions"].description),
        KeyFigure("Mediane capaciteit", formatting.number(a["fte"], 2) + " fte/100.000",
                  _change(a["fte"], b.get("fte"), 2), MEASURES["fte_per_100k"].description),
        KeyFigure("Meldingen", signals_text, signals_change, MEASURES["signals_total"].description),
        KeyFigure("Aangeleverd", f"{a['submitted']} van {a['total']}", "",
                  "Gemeenten met een geldige aanlevering over dit kwartaal."),
    ]


def _change(now, before, decimals: int = 0) -> str:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return ""
    return formatting.signed(now - before, decimals) + " t.o.v. vorig kwartaal"


def gemeenten(viewer: Viewer, quarter: str, district: str | None = None, order_by: str = "score",
              engine: Engine | None = None) -> pd.DataFrame:
    """One row per gemeente (scoped) for the quarter: the base of map, ranking and heatmap."""
    frame = _mart(engine, [quarter])
    if district:
        frame = frame[frame["district"] == district]
    return scope_rows(viewer, frame, order_by=order_by)


def map_values(viewer: Viewer, quarter: str, measure: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per gemeente: code, name, value, for the map. A gemeente user gets only the own gemeente: a map
    would give every pseudonym away by its place."""
    if measure not in MEASURES:
        measure = "score"
    frame = _mart(engine, [quarter])
    if not viewer.sees_all:
        frame = frame[frame["municipality_code"] == viewer.municipality_code]
    out = frame[["municipality_code", "name", "submitted", measure]].rename(
        columns={"municipality_code": "code", measure: "value"})
    return out.reset_index(drop=True)


def block_matrix(viewer: Viewer, quarter: str, district: str | None = None, sort: str = "score",
                 engine: Engine | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Gemeenten × 18 blocks (status 0–3, None when not submitted), scoped and sorted; and the block codes.
    `sort` is 'score' (highest first) or 'naam' (coordinators only; pseudonyms have no meaningful name order)."""
    codes = [b.code for b in reference.blocks()]
    frame = _mart(engine, [quarter])
    if district:
        frame = frame[frame["district"] == district]
    # attach statuses by the gemeente, then drop its identity again through scope_rows' ordering
    frame = frame.join(_block_statuses(_engine(engine), quarter, codes), on="municipality_code")
    # block statuses may be shown per other gemeente (without name); explanations never are
    scoped = scope_rows(viewer, frame, measures=("score", "blocks_in_order", *codes), peer_visible=tuple(codes))
    for code in codes:
        if code not in scoped.columns:
            scoped[code] = None
    if sort == "naam" and viewer.sees_all:
        scoped = scoped.sort_values("label")
    else:
        scoped = scoped.sort_values(["score", "label"], ascending=[False, True], na_position="last")
    return scoped.reset_index(drop=True), codes


_BLOCK_CACHE = _VersionCache(16)  # per quarter


def _block_statuses(eng: Engine, quarter: str, codes: list[str]) -> pd.DataFrame:
    """Gemeente × block status of the quarter's active submissions, unscoped (like the mart: every caller
    scopes what it takes from it); read once per quarter and warehouse version."""
    def read() -> pd.DataFrame:
        bq = schema.block_quarter
        with eng.connect() as conn:
            statuses = _frame(conn, select(bq.c.municipality_code, bq.c.block_code, bq.c.status)
                              .where(bq.c.quarter == quarter))
        return (statuses.pivot(index="municipality_code", columns="block_code", values="status")
                if not statuses.empty else pd.DataFrame(columns=codes))

    return _BLOCK_CACHE.get(eng, quarter, read).copy()


_HISTORY_CACHE = _VersionCache(64)  # per gemeente


def _block_history(eng: Engine, code: str) -> pd.DataFrame:
    """Every block_quarter row of one gemeente, unscoped; read once per gemeente and warehouse version."""
    def read() -> pd.DataFrame:
        bq = schema.block_quarter
        with eng.connect() as conn:
            return _frame(conn, select(bq).where(bq.c.municipality_code == code))

    return _HISTORY_CACHE.get(eng, code, read).copy()


# --- Gemeente profile ---------------------------------------------------------------------------

@dataclass
class Profile:
    code: str
    name: str
    quarter: str
    district: str
    size_class: str
    population: int
    submitted: bool
    row: dict
    checklist: pd.DataFrame  # code, theme, label, description, status, previous_status, explanation
    theme_scores: pd.DataFrame  # theme, own, median, q1, q3, min, max (peer group)
    peer_group: str
    history: pd.DataFrame  # quarter × block status
    timeline: pd.DataFrame  # quarter, measures (own, exact)
    summary: str
    peers_with_block: dict[str, list[str] | int] = field(default_factory=dict)


def profile(viewer: Viewer, code: str, quarter: str, peer_kind: str = "grootte",
            engine: Engine | None = None) -> Profile:
    """The gemeente's profile. For `openbaar` (a public pack about this one, named, gemeente): scores and
    statuses only; no counts of signals or trajectories (no name beside a count), no free text."""
    if not viewer.is_public:
        _require_exact(viewer, code)
    places = region()
    if code not in places:
        raise Forbidden("Onbekende gemeente.")
    place = places[code]
    own_all = _mart(engine, codes=[code]).sort_values("quarter")
    row_frame = own_all[own_all["quarter"] == quarter]
    row = row_frame.iloc[0].to_dict() if len(row_frame) else {}
    submitted = bool(row.get("submitted"))

    history = _block_history(_engine(engine), code)
    blocks = reference.blocks()
    checklist = pd.DataFrame([dict(code=b.code, theme=b.theme, label=b.label, description=b.description)
                              for b in blocks])
    now = history[history["quarter"] == quarter] if not history.empty else pd.DataFrame()
    if not now.empty:
        checklist = checklist.merge(now[["block_code", "status", "previous_status", "explanation"]],
                                    left_on="code", right_on="block_code", how="left").drop(columns="block_code")
    else:
        checklist["status"] = None
        checklist["previous_status"] = None
        checklist["explanation"] = None

    others, group_name = peer_codes(viewer, code, peer_kind)
    frame = _mart(engine, quarters_=[quarter])
    submitted_in_quarter = (frame["submitted"] == True).to_numpy()  # noqa: E712
    q_frame = frame[submitted_in_quarter & frame["municipality_code"].isin(others).to_numpy()]
    theme_rows = []
    for t, label in [("score", "Totaal"), *[(f"score_{k.lower()}", v) for k, v in THEMES.items()]]:
        values = q_frame[t].dropna().tolist()
        # np.percentile is what pd.Series.quantile computes (linear), without building a Series per value
        q1, q3 = (float(v) for v in np.percentile(values, [25, 75])) if values else (None, None)
        theme_rows.append(dict(
            measure=t, theme=label, own=row.get(t) if submitted else None,
            median=statistics.median(values) if values else None, q1=q1, q3=q3,
            min=min(values) if values else None, max=max(values) if values else None, n=len(values)))
    theme_scores = pd.DataFrame(theme_rows)

    timeline = own_all[["quarter", "submitted", "score", "blocks_in_order", "capacity_fte", "fte_per_100k",
                        "budget_approach_eur", "budget_interventions_eur", "budget_per_1000", "staff_trained",
                        "interventions_active", "signals_total", "signals_radicalisation",
                        "signals_polarisation", "signals_from_citizens", "signals_from_professionals",
                        "signals_to_safety_house", "signals_per_10k", "share_to_safety_house",
                        "network_coverage"]].reset_index(drop=True)

    # comparable gemeenten (the peer group) that have each block in order that this gemeente has not
    peers_with_block: dict[str, list[str] | int] = {}
    if submitted and not history.empty:
        statuses = _block_statuses(_engine(engine), quarter, [b.code for b in blocks])
        peer_status = statuses[statuses.index.isin(others)]
        for block_code, status in zip(checklist["code"], checklist["status"], strict=True):
            if status is not None and not pd.isna(status) and status < IN_ORDER_FROM:
                having = [] if block_code not in peer_status.columns else sorted(
                    places[c].name for c in peer_status.index[peer_status[block_code] >= IN_ORDER_FROM])
                peers_with_block[block_code] = having if viewer.sees_all else len(having)

    region_median = frame.loc[submitted_in_quarter, "blocks_in_order"].median()
    if viewer.is_public:
        timeline[list(PUBLIC_HIDDEN)] = None
        row = {k: (None if k in PUBLIC_HIDDEN else v) for k, v in row.items()}
        checklist["explanation"] = None
        if "explanation" in history.columns:
            history["explanation"] = None
        peers_with_block = {}
    summary = _summary(place.name, quarter, row, region_median, checklist, submitted)
    return Profile(code=code, name=place.name, quarter=quarter, district=place.district,
                   size_class=place.size_class, population=place.population, submitted=submitted, row=row,
                   checklist=checklist, theme_scores=theme_scores, peer_group=group_name,
                   history=history, timeline=timeline, summary=summary, peers_with_block=peers_with_block)


def _summary(name: str, quarter: str, row: dict, region_median, checklist: pd.DataFrame, submitted: bool) -> str:
    label = formatting.quarter_label(quarter)
    if not submitted:
        return f"{name} heeft over het {label} (nog) geen geldige aanlevering gedaan."
    in_order = int(row["blocks_in_order"])
    parts = [f"{name} heeft in het {label} {in_order} van de 18 bouwstenen op orde"]
    if region_median is not None and not pd.isna(region_median):
        parts[0] += f"; de regio-mediaan is {formatting.number(region_median, 0 if region_median % 1 == 0 else 1)}"
    parts[0] += "."
    change = row.get("blocks_in_order_change")
    if change is not None and not pd.isna(change):
        if change > 0:
            parts.append(f"Dat is {int(change)} meer dan het kwartaal ervoor.")
        elif change < 0:
            parts.append(f"Dat is {int(-change)} minder dan het kwartaal ervoor.")
        else:
            parts.append("Dat is evenveel als het kwartaal ervoor.")
    regressions = row.get("regressions")
    if regressions and not pd.isna(regressions) and regressions > 0:
        down = checklist[(checklist["previous_status"].notna()) & (checklist["status"] < checklist["previous_status"])]
        parts.append("Teruggevallen: " + ", ".join(down["code"]) + ".")
    themes = [(THEMES[k], row.get(f"score_{k.lower()}")) for k in THEMES]
    themes = [(t, v) for t, v in themes if v is not None and not pd.isna(v)]
    if themes:
        weakest = min(themes, key=lambda x: x[1])
        parts.append(f"Het meeste werk ligt bij {weakest[0]} (score {formatting.number(weakest[1], 0)}).")
    return " ".join(parts)


# --- Vergelijken ------------------------------------------------------------------------------------

def comparison(viewer: Viewer, code: str, quarter: str, kind: str = "regio", value: str | None = None,
               selection: list[str] | None = None, engine: Engine | None = None
               ) -> tuple[pd.DataFrame, str]:
    """The gemeente and its peer group for the quarter, scoped: rows `key`, `label`, `own` and the measures a
    viewer may see per gemeente. A gemeente viewer always compares the own gemeente."""
    if viewer.role == MUNICIPALITY:
        code = viewer.municipality_code or ""
    others, name = peer_codes(viewer, code, kind, value, selection)
    frame = _mart(engine, [quarter], [code, *others])
    if viewer.sees_all:
        scoped = scope_rows(viewer, frame)
        scoped["own"] = scoped["key"] == code
    else:
        scoped = scope_rows(viewer, frame)
    return scoped, name


# --- Ontwikkeling -----------------------------------------------------------------------------------

_TRENDS_CACHE = _VersionCache(64)


def trends(viewer: Viewer, measure: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per quarter, scoped and cached: the key holds the viewer's scope and the warehouse version."""
    eng = _engine(engine)
    return _TRENDS_CACHE.get(eng, (viewer.cache_key, measure), lambda: _trends(viewer, measure, eng)).copy()


def _trends(viewer: Viewer, measure: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per quarter, the region's and each district's value of a measure: the mean for scores and ratios
    (over submitted gemeenten), the sum for signals (small-count rule for non-coordinators)."""
    if measure not in MEASURES:
        measure = "score"
    signals = measure in ("signals_total", "signals_per_10k")
    groups = _trend_groups(_engine(engine))
    rows = []
    if signals:
        for group, quarter, total, population, n in zip(groups["group"], groups["quarter"], groups["total"],
                                                        groups["population"], groups["n"], strict=True):
            total = int(total)
            cell = Cell(total, formatting.number(total)) if viewer.sees_all else protect_count(
                total, threshold(), PUBLIC_ROUNDING if viewer.is_public else None)  # public: rounded
            if measure == "signals_total":
                value, text = cell.value, cell.text
            else:  # a rate only beside a shown count (public: from the rounded count)
                value = None if cell.hidden else cell.value / population * 10_000
                text = MEASURES[measure].format(value) if value is not None else cell.text
            rows.append(dict(group=group, quarter=quarter, value=value, text=text, n=int(n)))
    else:
        for group, quarter, mean, n in zip(groups["group"], groups["quarter"], groups[measure], groups["n"],
                                           strict=True):
            value = None if pd.isna(mean) else float(mean)
            rows.append(dict(group=group, quarter=quarter, value=value, text=MEASURES[measure].format(value),
                             n=int(n)))
    return pd.DataFrame(rows, columns=["group", "quarter", "value", "text", "n"])


_TREND_GROUPS_CACHE = _VersionCache(4)


def _trend_groups(eng: Engine) -> pd.DataFrame:
    """Per group (the region, then each district) and quarter, over the submitted gemeenten: the mean of every
    measure, the number of gemeenten (n), and the sums of signals (total) and population. Unscoped, like the
    mart it is made from (`_trends` applies the viewer's rules), and made once per warehouse version in one
    pass instead of once per measure and scope."""
    def compute() -> pd.DataFrame:
        whole = _whole_mart(eng)
        measures = [k for k in MEASURES if k in whole.columns]
        submitted = whole.loc[(whole["submitted"] == True).to_numpy(),  # noqa: E712
                              list(dict.fromkeys(["quarter", "district", "signals_total", "population", *measures]))]
        frame = pd.concat([submitted.assign(group="Regio NHSV"), submitted.assign(group=submitted["district"])],
                          ignore_index=True)
        keys = [frame["group"], frame["quarter"]]
        out = frame[measures].astype(float).groupby(keys).mean()  # a column of None only is a column of NaN
        out = out.join(frame.groupby(keys).agg(total=("signals_total", "sum"), population=("population", "sum"),
                                               n=("signals_total", "size"))).reset_index()
        order = {g: k for k, g in enumerate(["Regio NHSV", *districts()])}
        return out.sort_values(["group", "quarter"], key=lambda c: c.map(order) if c.name == "group" else c,
                               kind="stable").reset_index(drop=True)

    return _TREND_GROUPS_CACHE.get(eng, None, compute)


# --- Signalen --------------------------------------------------------------------------------------

SIGNAL_PARTS = [("signals_radicalisation", "Radicalisering"), ("signals_polarisation", "Polarisatie")]
SOURCE_PARTS = [("signals_from_citizens", "Van burgers"), ("signals_from_professionals", "Van professionals")]


@dataclass
class SignalTable:
    """Counts per quarter (rows) by category (columns) with totals, already protected for the viewer."""

    title: str
    quarters: list[str]
    columns: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    grand_total: Cell
    per_10k: list[str]  # per quarter, only where the total is shown
    share_zvh: list[str]


_SIGNALS_CACHE = _VersionCache(64)


def signal_tables(viewer: Viewer, scope: str = "regio", engine: Engine | None = None,
                  audience_rounding: int | None = None) -> list[SignalTable]:
    """`_signal_tables`, cached like `trends`: the key holds the viewer's scope and the warehouse version
    (the suppression of a district's 40 quarters costs up to ~100 ms at national scale)."""
    eng = _engine(engine)
    key = (viewer.cache_key, scope, audience_rounding, threshold())
    return copy.deepcopy(_SIGNALS_CACHE.get(eng, key, lambda: _signal_tables(viewer, scope, eng, audience_rounding)))


def _signal_tables(viewer: Viewer, scope: str = "regio", engine: Engine | None = None,
                   audience_rounding: int | None = None) -> list[SignalTable]:
    """Signals per quarter by type and by source, with per 10,000 and the share brought into the ZVH.

    scope 'regio' or a district name: totals of that group (protected for non-coordinators); 'eigen': the
    viewer's own gemeente (exact). Coordinators see exact figures everywhere."""
    frame = _mart(engine)
    frame = frame[frame["submitted"] == True]  # noqa: E712
    if viewer.is_public:
        audience_rounding = audience_rounding or PUBLIC_ROUNDING
    exact = viewer.sees_all and audience_rounding is None
    if scope == "eigen":
        if viewer.role != MUNICIPALITY:
            raise Forbidden("Alleen een gemeentegebruiker heeft een eigen gemeente.")
        frame = frame[frame["municipality_code"] == viewer.municipality_code]
        exact = True
        title = region()[viewer.municipality_code].name  # type: ignore[index]
    elif scope in districts():
        frame = frame[frame["district"] == scope]
        title = f"District {scope}"
    else:
        title = "Regio NHSV"
    grouped = frame.groupby("quarter").agg({c: "sum" for c, _ in SIGNAL_PARTS + SOURCE_PARTS} |
                                           {"signals_to_safety_house": "sum", "population": "sum"}).sort_index()
    column = {c: grouped[c].tolist() for c in grouped.columns}  # plain lists: .loc per cell costs ~20 µs
    out = []
    for parts, label in ((SIGNAL_PARTS, "naar soort"), (SOURCE_PARTS, "naar herkomst")):
        body = grouped[[c for c, _ in parts]].astype(int).values.tolist()
        if exact:
            table = protect_table(body, threshold=1) if body else None
        else:
            table = protect_table(body, threshold=threshold(), rounding=audience_rounding) if body else None
        quarters_ = list(grouped.index)
        per_10k, share = [], []
        for k in range(len(quarters_)):
            total_cell = table.row_totals[k] if table else Cell(None, "–")
            if total_cell.hidden:
                per_10k.append("–")
                share.append("–")
            else:
                total = int(column[parts[0][0]][k] + column[parts[1][0]][k])
                zvh = int(column["signals_to_safety_house"][k])
                zvh_cell = Cell(zvh, "") if exact else protect_count(zvh, threshold(), audience_rounding)
                if audience_rounding:  # public: rate and share follow the rounded counts only
                    total, zvh = total_cell.value or 0, zvh_cell.value or 0
                per_10k.append(formatting.number(total / column["population"][k] * 10_000, 2))
                share.append(formatting.percent(zvh / total) if total and not zvh_cell.hidden else "–")
        out.append(SignalTable(title=f"{title}: meldingen {label}", quarters=quarters_, columns=[n for _, n in parts],
                               cells=table.cells if table else [], row_totals=table.row_totals if table else [],
                               col_totals=table.col_totals if table else [],
                               grand_total=table.grand_total if table else Cell(None, "–"),
                               per_10k=per_10k, share_zvh=share))
    return out


def signals_by_gemeente(viewer: Viewer, quarter: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per gemeente signal counts: coordinators and admins only (never per other gemeente for others)."""
    _require_coordinator(viewer)
    frame = _mart(engine, [quarter])
    return frame[["municipality_code", "name", "district", "submitted", "signals_total", "signals_per_10k",
                  "signals_to_safety_house", "share_to_safety_house", "interventions_active"]
                 ].sort_values("name").reset_index(drop=True)


# --- Aanlevering -----------------------------------------------------------------------------------

def submission_status(viewer: Viewer, quarter: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per gemeente for the quarter: active version, rejected attempts with their reasons, missing, warnings."""
    _require_coordinator(viewer)
    s, sf, fd = schema.submission, schema.source_file, schema.finding
    subs_of: dict[str, list] = {}
    findings_of: dict[str, list] = {}
    with _engine(engine).connect() as conn:
        for row in conn.execute(
                select(s.c.municipality_code, s.c.version, s.c.status, s.c.loaded_at, s.c.actor, sf.c.file_name,
                       s.c.file_id).join(sf, sf.c.id == s.c.file_id).where(s.c.quarter == quarter)
                .order_by(s.c.id)):
            subs_of.setdefault(row.municipality_code, []).append(row)
        for row in conn.execute(
                select(fd.c.municipality_code, fd.c.file_id, fd.c.severity, fd.c.place, fd.c.message)
                .where(fd.c.quarter == quarter).order_by(fd.c.id)):
            findings_of.setdefault(row.municipality_code, []).append(row)
    rows = []
    for code, place in sorted(region().items(), key=lambda x: x[1].name):
        mine = subs_of.get(code, [])
        active = [r for r in mine if r.status == "active"]
        rejected = [r for r in mine if r.status == "rejected"]
        f_mine = findings_of.get(code, [])
        warnings, reasons = [], []
        if active:
            a = active[0]
            status = f"aangeleverd (versie {a.version})"
            warnings = [f"{f.place}: {f.message}" for f in f_mine if f.file_id == a.file_id and f.severity == "warning"]
            loaded, file_name = formatting.date(a.loaded_at), a.file_name
        elif rejected:
            status, loaded, file_name = "afgewezen", "", rejected[-1].file_name
        else:
            status, loaded, file_name = "ontbreekt", "", ""
        rejected_ids = {r.file_id for r in rejected}
        reasons = [f"{f.place}: {f.message}" for f in f_mine if f.file_id in rejected_ids and f.severity == "fatal"]
        rows.append(dict(code=code, gemeente=place.name, district=place.district, status=status,
                         versions=len(mine), loaded=loaded, file=file_name,
                         rejected_reasons=reasons, warnings=warnings))
    return pd.DataFrame(rows)


def status_label(status) -> str:
    if status is None or pd.isna(status):
        return "Niet aangeleverd"
    return STATUS_LABELS[int(status)]


__all__ = ["Forbidden", "Viewer", "size_class"]
