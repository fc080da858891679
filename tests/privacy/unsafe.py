"""A copy of the data layer's behaviour before groups replaced pseudonyms (DOMAIN.md §5, version 1): the
attacks must find their leaks here, so that a test finding nothing on the product is not blind.

What it reproduces, as the pages sent it to a `gemeente` user:
- Vergelijken: other gemeenten as 'Gemeente A, B, …' (ordered by score, assigned afresh per view) with every
  non-count measure at full precision, in a ranking per measure and a scatter;
- Overzicht: the checklist heatmap, one pseudonymous row of statuses per gemeente, filtered by district;
- Signalen: each group's table of counts protected on its own (`protect_table` per table);
- Ontwikkeling: group totals protected cell by cell, the rate per 10,000 at full precision and the number of
  gemeenten that submitted.
"""

from __future__ import annotations

import string

import pandas as pd

from dashboard import charts
from dashboard.data import scope, signals, warehouse
from dashboard.disclosure import Cell, protect_count, protect_table
from dashboard.metrics import COMPARE_MEASURES, MEASURES, THEMES
from dashboard.viewer import Viewer
from etl import reference

PEER_VISIBLE = tuple(k for k, m in MEASURES.items() if not m.count_based)


def pseudonyms(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return [f"Gemeente {letters[k] if k < 26 else letters[k // 26 - 1] + letters[k % 26]}" for k in range(n)]


def scope_rows(viewer: Viewer, frame: pd.DataFrame, measures=None, peer_visible=()) -> pd.DataFrame:
    wanted = list(measures or MEASURES)
    out = frame.copy()
    out["own"] = out["municipality_code"] == viewer.municipality_code
    own, others = out[out["own"]].copy(), out[~out["own"]].copy()
    others = others.sort_values(["score", "municipality_code"], ascending=[False, True], na_position="last")
    others["label"] = pseudonyms(len(others))
    others["key"] = None
    for column in wanted:
        if column in others.columns and column not in PEER_VISIBLE and column not in peer_visible:
            others[column] = None
    own["key"] = own["municipality_code"]
    own["label"] = own["name"]
    keep = ["key", "label", "own", "submitted", "quarter", *wanted]
    return pd.concat([own[[c for c in keep if c in own.columns]], others[[c for c in keep if c in others.columns]]],
                     ignore_index=True)


def comparison_charts(viewer: Viewer, quarter: str, kind: str) -> list[charts.Chart]:
    """Vergelijken as it was: a ranking of every measure and a scatter, pseudonymous rows at full precision."""
    code = viewer.municipality_code
    places = warehouse.region()
    own = places[code]
    if kind == "district":
        members = [c for c, p in places.items() if p.district == own.district]
    elif kind == "grootte":
        members = [c for c, p in places.items() if p.size_class == own.size_class]
    else:
        members = list(places)
    rows = scope_rows(viewer, warehouse.mart(None, [quarter], members))
    allowed = [k for k in COMPARE_MEASURES if not MEASURES[k].count_based]
    out = [charts.ranking(rows, m) for m in allowed]
    out.append(charts.scatter(rows, "fte_per_100k", "budget_per_1000"))
    return out


def heatmap_chart(viewer: Viewer, quarter: str, district: str | None) -> charts.Chart:
    codes = [b.code for b in reference.blocks()]
    frame = warehouse.mart(None, [quarter])
    if district:
        frame = frame[frame["district"] == district]
    frame = frame.join(warehouse.block_statuses(quarter), on="municipality_code")
    rows = scope_rows(viewer, frame, measures=("score", "blocks_in_order", *codes), peer_visible=tuple(codes))
    rows = rows.sort_values(["score", "label"], ascending=[False, True], na_position="last").reset_index(drop=True)
    return charts.status_heatmap(rows, codes, THEMES)


def signal_charts(viewer: Viewer) -> list[charts.Chart]:
    """Signalen as it was: each group's table protected on its own."""
    frame = warehouse.mart(None)
    frame = frame[frame["submitted"]]
    out = []
    for name in signals.groups():
        part = frame if name == scope.REGION_NAME else frame[frame["district"] == name]
        grouped = part.groupby("quarter")[[*signals.KINDS, "population"]].sum().sort_index()
        for kinds, label in ((signals.BY_TYPE, "naar soort"), (signals.BY_SOURCE, "naar herkomst")):
            body = grouped[list(kinds)].astype(int).values.tolist()
            table = protect_table(body, threshold=scope.threshold())
            per_10k = ["–" if t.hidden else f"{t.value / pop * 10_000:.2f}".replace(".", ",")
                       for t, pop in zip(table.row_totals, grouped["population"], strict=True)]
            t = signals.SignalTable(title=f"{name if name == scope.REGION_NAME else 'District ' + name}: meldingen "
                                          f"{label}", quarters=list(grouped.index),
                                    columns=[signals.LABELS[k] for k in kinds], cells=table.cells,
                                    row_totals=table.row_totals, per_10k=per_10k, share_zvh=["–"] * len(grouped))
            out.append(charts.signal_bars(t, f"meldingen_{label}"))
    return out


def trend_chart(viewer: Viewer, measure: str) -> charts.Chart:
    """Ontwikkeling's signal trends as they were: cell by cell, rates at full precision, with n."""
    frame = warehouse.mart(None)
    frame = frame[frame["submitted"]]
    rows = []
    for name in signals.groups():
        part = frame if name == scope.REGION_NAME else frame[frame["district"] == name]
        for quarter, q in part.groupby("quarter"):
            total, population = int(q["signals_total"].sum()), int(q["population"].sum())
            cell: Cell = protect_count(total, scope.threshold())
            if measure == "signals_total":
                value, text = cell.value, cell.text
            else:
                value = None if cell.hidden else total / population * 10_000
                text = "–" if value is None else repr(value)
            rows.append(dict(group=name, quarter=quarter, value=value, text=text, n=len(q)))
    return charts.trend_lines(pd.DataFrame(rows), measure)
