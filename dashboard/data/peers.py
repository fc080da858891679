"""Aggregates over a group of gemeenten: interpolated bands and counts per status.

A band is the 10th, 25th, 50th, 75th and 90th percentile by the Harrell–Davis estimator: a weighted average
of every member's value (weights from a Beta distribution), so no band edge is one member's value, as a plain
median of an odd group or a quartile at a whole rank would be. It is also steadier than the textbook quantile
for the small groups (5 to 30 gemeenten) the monitor compares. The scope rules round what leaves the data layer.

The estimator is scipy's `scipy.stats.mstats.hdquantiles`, written out here with `scipy.special.betainc` for all
five quantiles at once: the same numbers (tests/test_peers.py compares them), without the ~0.5 ms that each call
of the general version costs, which a national Ontwikkeling paid some 6,000 times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betainc
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
    if isinstance(values, pd.Series):
        given = values.to_numpy(dtype=float, na_value=np.nan)
    elif isinstance(values, np.ndarray):
        given = values.astype(float)
    else:
        given = np.array([np.nan if v is None or pd.isna(v) else v for v in values], dtype=float)
    present = given[~np.isnan(given)]
    if present.size == 0:
        return None
    if present.size == 1 or np.all(present == present[0]):
        return Band(*([float(present[0])] * len(QUANTILES)))
    quantiles = harrell_davis(present, QUANTILES)
    return Band(*(float(q) for q in np.maximum.accumulate(quantiles)))


def harrell_davis(values: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """The Harrell–Davis estimates of the quantiles `probabilities` (each strictly between 0 and 1): for n sorted
    values, the i-th weighs I(i/n) - I((i-1)/n), with I the regularised incomplete beta function of
    a = p(n+1), b = (1-p)(n+1)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    p = np.asarray(probabilities, dtype=float)[:, None]
    cumulative = betainc(p * (n + 1), (1 - p) * (n + 1), np.arange(n + 1) / n)
    return np.diff(cumulative, axis=1) @ ordered


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
