"""Aggregates over a group of gemeenten: interpolated bands and counts per status.

A band is the 10th, 25th, 50th, 75th and 90th percentile by the Harrell–Davis estimator: a weighted average
of every member's value (weights from a Beta distribution), so no band edge is one member's value, as a plain
median of an odd group or a quartile at a whole rank would be. It is also steadier than the textbook quantile
for the small groups (5 to 30 gemeenten) the monitor compares. The scope rules round what leaves the data layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats.mstats import hdquantiles
from sqlalchemy import Engine

from dashboard.data import warehouse
from dashboard.i18n import N_, _
from etl.domain import IN_ORDER_FROM, MAX_STATUS

QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
QUANTILE_LABELS = ("10%", "25%", N_("mediaan"), "75%", "90%")
QUANTILE_NAMES = (N_("het 10e percentiel"), N_("het 25e percentiel"), N_("de mediaan"), N_("het 75e percentiel"),
                  N_("het 90e percentiel"))


@dataclass(frozen=True)
class Band:
    """The spread of one measure in a group: p10 ≤ p25 ≤ p50 ≤ p75 ≤ p90."""

    p10: float
    p25: float
    p50: float
    p75: float
    p90: float

    def values(self) -> tuple[float, float, float, float, float]:
        return (self.p10, self.p25, self.p50, self.p75, self.p90)

    def map(self, publish) -> Band:
        return Band(*(publish(v) for v in self.values()))


def band(values: Iterable[float | None]) -> Band | None:
    """The group's band, from the values present (None and NaN left out); None for an empty group."""
    present = np.array([v for v in values if v is not None and not pd.isna(v)], dtype=float)
    if present.size == 0:
        return None
    if present.size == 1 or np.all(present == present[0]):
        return Band(*([float(present[0])] * len(QUANTILES)))
    quantiles = np.asarray(hdquantiles(present, prob=list(QUANTILES)), dtype=float)
    return Band(*(float(q) for q in np.maximum.accumulate(quantiles)))


def group_band(quarter: str, members: Iterable[str], measure: str, engine: Engine | None = None) -> Band | None:
    """The band of a measure over the members that submitted in the quarter, unrounded (the scope rules round
    it for the viewer); computed once per warehouse version."""
    eng = warehouse.engine(engine)
    key = ("band", quarter, frozenset(members), measure)

    def compute() -> Band | None:
        frame = warehouse.mart(eng, [quarter], sorted(set(members)))
        return band(frame.loc[frame["submitted"], measure])

    return warehouse.cached(eng, key, compute)


def position(value: float | None, spread: Band | None) -> str:
    """Where a value lies in a band, in words ('tussen het 25e percentiel en de mediaan')."""
    if value is None or pd.isna(value) or spread is None:
        return "–"
    edges = spread.values()
    names = [_(name) for name in QUANTILE_NAMES]
    if value < edges[0]:
        return _("onder %(edge)s", edge=names[0])
    if value > edges[-1]:
        return _("boven %(edge)s", edge=names[-1])
    for k in range(len(edges) - 1):
        if edges[k] <= value <= edges[k + 1]:
            if edges[k] == edges[k + 1]:
                return _("gelijk aan %(edge)s", edge=names[k])
            return _("tussen %(low)s en %(high)s", low=names[k], high=names[k + 1])
    return "–"


def status_counts(statuses: pd.DataFrame, blocks: Sequence[str]) -> pd.DataFrame:
    """Per block, how many gemeenten have each status: rows block, columns 0..MAX_STATUS (statuses as
    gemeente × block; gemeenten without a submission are left out)."""
    values = statuses.reindex(columns=list(blocks)).to_numpy(dtype=float)
    counts = {s: (values == s).sum(axis=0).astype(int) for s in range(MAX_STATUS + 1)}
    return pd.DataFrame(counts, index=list(blocks))


def in_order(counts: pd.DataFrame) -> pd.Series:
    """Per block, how many gemeenten have it in order (Gerealiseerd or Geborgd)."""
    return counts[[s for s in counts.columns if s >= IN_ORDER_FROM]].sum(axis=1)
