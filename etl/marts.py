"""Refreshes the derived tables the dashboard reads, for given (gemeente, quarter) pairs, inside the caller's
transaction. A mart row depends only on the gemeente's active submission of that quarter and the quarter
before, so a load refreshes the quarters it touched and the quarter after each of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, tuple_

from etl import db, measures, reference, schema
from etl.domain import PARTNERS, Quarter, quarter_range

Pair = tuple[str, str]  # (municipality_code, quarter code)


def pairs_to_refresh(touched: Iterable[tuple[str, Quarter]]) -> set[Pair]:
    out: set[Pair] = set()
    for code, q in touched:
        out.add((code, q.code))
        out.add((code, q.next().code))
    return out


def _active(conn: Connection, pairs: set[Pair]) -> dict[Pair, dict]:
    """The active submission of each pair that has one (looked up by quarter and gemeente, then filtered)."""
    if not pairs:
        return {}
    s = schema.submission
    out = {}
    for chunk, quarters in db.by_gemeente(pairs):
        rows = conn.execute(
            select(s.c.id, s.c.municipality_code, s.c.quarter, s.c.loaded_at)
            .where(s.c.status == "active", s.c.quarter.in_(quarters), s.c.municipality_code.in_(chunk))
        ).all()
        out.update({(r.municipality_code, r.quarter): r._asdict() for r in rows
                    if (r.municipality_code, r.quarter) in pairs})
    return out


def _delete_rows(conn: Connection, pairs: set[Pair]) -> None:
    """The mart rows of `pairs`. The gemeenten and quarters are named beside the exact pairs, so that PostgreSQL
    finds the rows by its indexes instead of testing every row against each pair."""
    for keys in db.chunks(sorted(pairs)):
        codes, quarters = sorted({c for c, _ in keys}), sorted({q for _, q in keys})
        for table in (schema.municipality_quarter, schema.block_quarter):
            conn.execute(delete(table).where(table.c.municipality_code.in_(codes), table.c.quarter.in_(quarters),
                                             tuple_(table.c.municipality_code, table.c.quarter).in_(keys)))


def _rows_by_submission(conn: Connection, table, ids: list[int]) -> list:
    rows: list = []
    for chunk in db.chunks(ids):
        rows.extend(conn.execute(select(table).where(db.is_in(conn, table.c.submission_id, chunk))))
    return rows


@dataclass(frozen=True)
class Facts:
    """The facts of one submission as the marts read them; a loader that has just written them passes them on,
    which spares reading them back."""

    statuses: dict[str, int]
    explanations: dict[str, str | None]
    network: dict[str, bool]
    resources: dict[str, Any]  # the columns of fact_resources
    signals: dict[str, Any]  # the columns of fact_signals


def refresh(conn: Connection, pairs: set[Pair], known: Mapping[int, Facts] | None = None) -> None:
    """Recompute the mart rows of `pairs` (only for NHSV gemeenten, only up to the latest loaded quarter).
    `known`: facts by submission id, as written in this transaction, that need not be read back."""
    if not pairs:
        return
    region = reference.region()
    pairs, wanted = _pairs_to_write(conn, pairs, region)
    mq = schema.municipality_quarter
    previous_pairs = {(c, Quarter.parse(q).previous().code) for c, q in wanted}
    active = _active(conn, wanted | previous_pairs)
    ids = sorted(a["id"] for a in active.values())

    statuses: dict[int, dict[str, int]] = {}
    explanations: dict[int, dict[str, str | None]] = {}
    networks: dict[int, dict[str, bool]] = {}
    resources: dict[int, dict] = {}
    signals: dict[int, dict] = {}
    known = known or {}
    for sid in ids:
        facts = known.get(sid)
        if facts is not None:
            statuses[sid], explanations[sid], networks[sid] = facts.statuses, facts.explanations, facts.network
            resources[sid], signals[sid] = facts.resources, facts.signals
    ids = [sid for sid in ids if sid not in known]
    if ids:
        for r in _rows_by_submission(conn, schema.block_status, ids):
            statuses.setdefault(r.submission_id, {})[r.block_code] = r.status
            explanations.setdefault(r.submission_id, {})[r.block_code] = r.explanation
        for r in _rows_by_submission(conn, schema.network, ids):
            networks.setdefault(r.submission_id, {})[r.partner] = r.connected
        resources.update({r.submission_id: r._asdict() for r in _rows_by_submission(conn, schema.resources, ids)})
        signals.update({r.submission_id: r._asdict() for r in _rows_by_submission(conn, schema.signals, ids)})

    themes: dict[str, list[str]] = {}
    for b in reference.blocks():
        themes.setdefault(b.theme_code, []).append(b.code)

    bq = schema.block_quarter
    _delete_rows(conn, pairs)

    mart_rows, block_rows = [], []
    for code, q in sorted(wanted):
        m = region[code]
        now = active.get((code, q))
        before = active.get((code, Quarter.parse(q).previous().code))
        row = dict.fromkeys(mq.c.keys())
        row.update(municipality_code=code, quarter=q, submission_id=None, submitted=False,
                   population=m.population, size_class=m.size_class, police_district=m.police_district)
        if now is not None:
            sid = now["id"]
            st = statuses.get(sid, {})
            st_before = statuses.get(before["id"]) if before else None
            res, sig, net = resources[sid], signals[sid], networks.get(sid, {})
            total = sig["radicalisation"] + sig["polarisation"]
            score = measures.progress_score(st.values())
            in_order = measures.blocks_in_order(st.values())
            by_theme = measures.theme_scores(st, themes)
            budget = res["budget_approach_eur"] + res["budget_interventions_eur"]
            row.update(
                submission_id=sid, submitted=True, score=score,
                **{f"score_{t.lower()}": by_theme.get(t) for t in schema.THEME_CODES},
                blocks_in_order=in_order,
                capacity_fte=res["capacity_fte"],
                fte_per_100k=measures.per_inhabitants(res["capacity_fte"], m.population, measures.FTE_PER),
                budget_approach_eur=res["budget_approach_eur"],
                budget_interventions_eur=res["budget_interventions_eur"],
                budget_per_1000=measures.per_inhabitants(budget, m.population, measures.BUDGET_PER),
                staff_trained=res["staff_trained"], interventions_active=res["interventions_active"],
                signals_total=total, signals_radicalisation=sig["radicalisation"],
                signals_polarisation=sig["polarisation"], signals_from_citizens=sig["from_citizens"],
                signals_from_professionals=sig["from_professionals"],
                signals_to_safety_house=sig["to_safety_house"],
                signals_per_10k=measures.per_inhabitants(total, m.population, measures.SIGNALS_PER),
                share_to_safety_house=measures.share(sig["to_safety_house"], total),
                network_partners=sum(1 for p in PARTNERS if net.get(p)),
                network_coverage=measures.network_coverage(net),
                score_change=measures.change(score, measures.progress_score(st_before.values()) if st_before
                                             else None),
                blocks_in_order_change=(in_order - measures.blocks_in_order(st_before.values())
                                        if st_before else None),
                regressions=measures.regressions(st, st_before),
                loaded_at=now["loaded_at"],
            )
            for block_code, status in st.items():
                block_rows.append(dict(municipality_code=code, quarter=q, block_code=block_code, status=status,
                                       previous_status=st_before.get(block_code) if st_before else None,
                                       explanation=explanations.get(sid, {}).get(block_code)))
        mart_rows.append(row)
    db.insert_rows(conn, mq, mart_rows)
    db.insert_rows(conn, bq, block_rows)


def _pairs_to_write(conn: Connection, pairs: set[Pair],
                    region: Mapping[str, reference.Municipality]) -> tuple[set[Pair], set[Pair]]:
    """(pairs whose rows are deleted, pairs whose rows are written): the region's pairs asked for, and in the
    loaded quarters those asked for plus every gemeente of a quarter that does not have a row for each yet."""
    s = schema.submission
    first, latest = conn.execute(select(func.min(s.c.quarter), func.max(s.c.quarter))
                                 .where(s.c.status == "active")).one()
    pairs = {(c, q) for c, q in pairs if c in region}
    wanted = {p for p in pairs if latest is not None and first <= p[1] <= latest}
    # A quarter seen for the first time gets a row for every gemeente, so that "niet aangeleverd" is a row.
    # A quarter that has as many rows as the region has gemeenten is complete (the region changes only with the
    # reference data, after which refresh_all rebuilds the marts).
    mq = schema.municipality_quarter
    quarters = sorted({q for _, q in wanted})
    counts: dict[str, int] = dict(conn.execute(select(mq.c.quarter, func.count()).where(mq.c.quarter.in_(quarters))
                               .group_by(mq.c.quarter)).all()) if quarters else {}
    incomplete = [q for q in quarters if counts.get(q, 0) < len(region)]
    if incomplete:
        have = {(r.municipality_code, r.quarter) for r in conn.execute(
            select(mq.c.municipality_code, mq.c.quarter).where(mq.c.quarter.in_(incomplete)))}
        wanted |= {(c, q) for q in incomplete for c in region if (c, q) not in have}
    return pairs | wanted, wanted


def refresh_all(conn: Connection) -> None:
    """Rebuild the marts from scratch (after a reference change, e.g. new population figures)."""
    s = schema.submission
    quarters = sorted({Quarter.parse(q) for q in conn.scalars(select(s.c.quarter).where(s.c.status == "active"))})
    conn.execute(delete(schema.municipality_quarter))
    conn.execute(delete(schema.block_quarter))
    if not quarters:
        return
    pairs = {(code, q.code) for code in reference.region() for q in quarter_range(quarters[0], quarters[-1])}
    refresh(conn, pairs)

