"""Ontwikkeling's view model: per quarter, the region's and each district's value of a measure.

Scores, capacity, budget and network coverage: the median (dashboard.data.peers) over the gemeenten that
submitted, rounded by the scope rules. Signals: the group's protected total, its rate per 10,000 and the share
brought into the ZVH, from the same protected cells as every other table of signals (dashboard.data.signals).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from dashboard import i18n
from dashboard.data import peers, scope, signals, warehouse
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer

SIGNAL_MEASURES = ("signals_total", "signals_per_10k", "share_to_safety_house")
COLUMNS = ["group", "quarter", "value", "text", "n"]


def trends(viewer: Viewer, measure: str, groups: Sequence[str] | None = None,
           engine: Engine | None = None) -> pd.DataFrame:
    """Rows group, quarter, value, text, n (the number of gemeenten that submitted: coordinators only) and label
    (the group's name as shown), of every group or only of `groups`. The texts are the protected cells'
    (dashboard.data.signals), written in the request's language: the language is part of the cache key."""
    eng = warehouse.engine(engine)
    if measure not in MEASURES:
        measure = "score"
    frame = warehouse.cached(eng, ("trends", viewer.cache_key, measure, scope.threshold(), i18n.language()),
                             lambda: _trends(viewer, measure, eng))
    frame = (frame[frame["group"].isin(groups)] if groups is not None else frame).copy()
    frame["label"] = frame["group"].map(scope.group_label)
    return frame


def _trends(viewer: Viewer, measure: str, eng: Engine) -> pd.DataFrame:
    rows = []
    if measure in SIGNAL_MEASURES:
        for quarter in sorted(warehouse.quarters(eng)):
            rows += _signal_rows(viewer, measure, quarter, eng)
    else:
        medians = _group_medians(measure, eng)
        for quarter in sorted(warehouse.quarters(eng)):
            rows += _median_rows(viewer, measure, quarter, medians, eng)
    return pd.DataFrame(rows, columns=COLUMNS)


def _group_medians(measure: str, eng: Engine) -> dict[tuple[str, str], tuple[float | None, int]]:
    """Per (quarter, group): the unrounded median of the gemeenten that submitted and how many they are. The
    region and a district have the same members for every viewer, so this is read and computed once per
    warehouse version for all of them; what a viewer may see of it, `_median_rows` decides."""
    def compute() -> dict[tuple[str, str], tuple[float | None, int]]:
        mart = warehouse.mart(eng)
        sent = mart[mart["submitted"] & mart["municipality_code"].isin(list(warehouse.region()))]
        # the rows of each group by position, then one band per group over a plain array: nationally some 1,000
        # groups per measure, for which a pandas groupby cost more than the estimator
        values = sent[measure].to_numpy(dtype=float, na_value=np.nan)
        rows: dict[tuple[str, str], list[int]] = {}
        for k, (quarter, district) in enumerate(zip(sent["quarter"].tolist(), sent["district"].tolist(),
                                                    strict=True)):
            rows.setdefault((str(quarter), str(district)), []).append(k)
            rows.setdefault((str(quarter), scope.REGION_NAME), []).append(k)
        out: dict[tuple[str, str], tuple[float | None, int]] = {}
        for group, members in rows.items():
            spread = peers.band(values[members])
            out[group] = (spread.p50 if spread else None, len(members))
        return out

    return warehouse.cached(eng, ("group_medians", measure), compute)


def _median_rows(viewer: Viewer, measure: str, quarter: str,
                 medians: dict[tuple[str, str], tuple[float | None, int]], eng: Engine) -> list[dict[str, object]]:
    """The rows of one quarter, as the viewer may see them: a group the scope rules refuse says so."""
    shown = signals.shown_groups(viewer, quarter, eng)
    out: list[dict[str, object]] = []
    for name in signals.groups():
        if name not in shown:
            out.append(dict(group=name, quarter=quarter, value=None, text=i18n.gettext(signals.TOO_FEW), n=None))
            continue
        median, count = medians.get((quarter, name), (None, 0))
        value = scope.publish(viewer, measure, median)
        n = count if scope.exact(viewer) else None
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
