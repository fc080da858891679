"""Vergelijken's view model: one gemeente's measures against the bands of a group, in real units; for
coordinators also every member by name (for the scatter and the ranking)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard.data import peers, scope, warehouse
from dashboard.i18n import _
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer

BAND_COLUMNS = ("p10", "p25", "median", "p75", "p90")


@dataclass
class Comparison:
    code: str
    name: str
    quarter: str
    group: scope.Group
    submitted: bool  # whether the gemeente itself has a valid submission this quarter
    bands: pd.DataFrame  # measure, own, p10, p25, median, p75, p90, position (the others of the group)
    rows: pd.DataFrame | None  # coordinators: key, label, own and the measures of every member; else None


def comparison(viewer: Viewer, code: str, quarter: str, kind: str = scope.REGION, value: str | None = None,
               selection: list[str] | None = None, measures: list[str] | None = None,
               engine: Engine | None = None) -> Comparison:
    """The gemeente against a group for the quarter. A gemeente user always compares the own gemeente."""
    eng = warehouse.engine(engine)
    code = scope.focus_of(viewer, code) or ""
    places = warehouse.region()
    if code not in places:
        raise scope.Forbidden(_("Onbekende gemeente."))
    scope.require_exact(viewer, code)
    submitted = warehouse.submitted_codes(quarter, eng)
    chosen = scope.group(viewer, code, kind, submitted, value=value, selection=selection)
    own_frame = warehouse.mart(eng, [quarter], [code])
    own = own_frame.iloc[0].to_dict() if len(own_frame) else {}
    is_submitted = bool(own.get("submitted"))
    rows = []
    for measure in measures or []:
        spread = peers.group_band(quarter, chosen.others(code), measure, eng)
        published = spread.map(lambda v, m=measure: scope.publish(viewer, m, v)) if spread else None
        own_value = own.get(measure) if is_submitted else None
        edges = dict(zip(BAND_COLUMNS, published.values() if published else [None] * 5, strict=True))
        rows.append(dict(measure=measure, own=own_value, **edges, position=peers.position(own_value, published),
                         own_text=MEASURES[measure].format(own_value),
                         **{f"{c}_text": scope.text(viewer, measure, v) for c, v in edges.items()}))
    named = None
    if scope.exact(viewer):
        frame = warehouse.mart(eng, [quarter], [code, *chosen.others(code)])
        named = frame.rename(columns={"municipality_code": "key", "name": "label"})
        named["own"] = named["key"] == code
    return Comparison(code=code, name=places[code].name, quarter=quarter, group=chosen, submitted=is_submitted,
                      bands=pd.DataFrame(rows, columns=["measure", "own", *BAND_COLUMNS, "position", "own_text",
                                                        *(f"{c}_text" for c in BAND_COLUMNS)]),
                      rows=named)
