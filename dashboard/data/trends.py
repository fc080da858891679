"""Ontwikkeling's view model: per quarter, the region's and each district's value of a measure.

Scores, capacity, budget and network coverage: the median (dashboard.data.peers) over the gemeenten that
submitted, rounded by the scope rules. Signals: the group's protected total, its rate per 10,000 and the share
brought into the ZVH, from the same protected cells as every other table of signals (dashboard.data.signals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from dashboard import i18n
from dashboard.data import peers, scope, signals, warehouse
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer

SIGNAL_MEASURES = ("signals_total", "signals_per_10k", "share_to_safety_house")
COLUMNS = ["group", "quarter", "value", "text", "n"]


def trends(viewer: Viewer, measure: str, engine: Engine | None = None) -> pd.DataFrame:
    """Rows group, quarter, value, text, n (the number of gemeenten that submitted: coordinators only) and label
    (the group's name as shown). The texts are the protected cells' (dashboard.data.signals), written in the
    request's language: the language is part of the cache key."""
    eng = warehouse.engine(engine)
    if measure not in MEASURES:
        measure = "score"
    frame = warehouse.cached(eng, ("trends", viewer.cache_key, measure, scope.threshold(), i18n.language()),
                             lambda: _trends(viewer, measure, eng)).copy()
    frame["label"] = frame["group"].map(scope.group_label)
    return frame


def _trends(viewer: Viewer, measure: str, eng: Engine) -> pd.DataFrame:
    rows = []
    if measure in SIGNAL_MEASURES:
        for quarter in sorted(warehouse.quarters(eng)):
            rows += _signal_rows(viewer, measure, quarter, eng)
    else:
        # one read of the mart for every quarter, and each group's band from it: the whole trend is one entry of
        # the cache (a band and a slice of the mart per quarter and group were thousands of entries nationally,
        # more than the cache holds, so every request computed them all again)
        mart = warehouse.mart(eng)
        by_quarter = dict(iter(mart[mart["submitted"]].groupby("quarter")))
        empty = mart.iloc[0:0]
        for quarter in sorted(warehouse.quarters(eng)):
            rows += _median_rows(viewer, measure, quarter, by_quarter.get(quarter, empty), eng)
    return pd.DataFrame(rows, columns=COLUMNS)


def _median_rows(viewer: Viewer, measure: str, quarter: str, frame: pd.DataFrame,
                 eng: Engine) -> list[dict[str, object]]:
    """The rows of one quarter; `frame` holds the mart's rows of the gemeenten that submitted in it."""
    submitted = warehouse.submitted_codes(quarter, eng)
    codes, values = frame["municipality_code"].to_numpy(), frame[measure].to_numpy(dtype=float, na_value=np.nan)
    focus = scope.focus_of(viewer)
    out: list[dict[str, object]] = []
    for name in signals.groups():
        kind = scope.REGION if name == scope.REGION_NAME else scope.DISTRICT
        try:
            chosen = scope.group(viewer, focus, kind, submitted, value=name)
        except scope.TooFew:
            out.append(dict(group=name, quarter=quarter, value=None, text=i18n.gettext(signals.TOO_FEW), n=None))
            continue
        wanted = set(chosen.members)
        members = np.fromiter((code in wanted for code in codes), dtype=bool, count=len(codes))
        spread = peers.band(values[members])
        value = scope.publish(viewer, measure, spread.p50) if spread else None
        n = int(members.sum()) if scope.exact(viewer) else None
        out.append(dict(group=name, quarter=quarter, value=value, text=scope.text(viewer, measure, value), n=n))
    return out


def _signal_rows(viewer: Viewer, measure: str, quarter: str, eng: Engine) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name, counts in signals.quarter_counts(viewer, quarter, eng).items():
        total = counts.cells[signals.TOTAL]
        value: float | None
        if measure == "signals_total":
            value, text = total.value, total.text
        elif measure == "signals_per_10k":
            value = counts.per_10k
            text = scope.text(viewer, measure, value) if value is not None else (total.text if total.hidden else "–")
        else:
            value = counts.share_zvh
            text = MEASURES[measure].format(value) if value is not None else "–"
        out.append(dict(group=name, quarter=quarter, value=value, text=text, n=None))
    return out
