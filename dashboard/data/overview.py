"""Overzicht's view model: the quarter's key figures, the map's values and the checklist per gemeente (named,
for coordinators) or per status (counts, for everyone else)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard import formatting
from dashboard.data import peers, scope, signals, warehouse
from dashboard.i18n import _
from dashboard.metrics import MEASURES, N_BLOCKS, THEMES
from dashboard.viewer import Viewer
from etl import reference
from etl.domain import Quarter
from etl.measures import ADVANCED_BLOCKS


@dataclass
class KeyFigure:
    key: str  # stable id: the direction of 'good' is defined per key (dashboard.metrics.GOOD_DIRECTION)
    label: str
    value: str
    change: str
    help: str
    delta: float | None = None  # the change as a number, for its colour; None when not shown


def _group(viewer: Viewer, quarter: str, district: str | None) -> scope.Group:
    submitted = warehouse.submitted_codes(quarter)
    focus = scope.focus_of(viewer)
    if district:
        return scope.group(viewer, focus, scope.DISTRICT, submitted, value=district)
    return scope.group(viewer, focus, scope.REGION, submitted)


def _stats(viewer: Viewer, quarter: str, chosen: scope.Group, eng: Engine) -> dict:
    frame = warehouse.mart(eng, [quarter], list(chosen.members))
    sub = frame[frame["submitted"]]
    focus = scope.focus_of(viewer)
    submitted = warehouse.submitted_codes(quarter, eng)
    score = peers.group_band(quarter, chosen.members, "score", eng)
    fte = peers.group_band(quarter, chosen.members, "fte_per_100k", eng)
    counts = scope.counts_shown(viewer, chosen, focus, submitted)
    return {
        "score": scope.publish(viewer, "score", score.p50) if score else None,
        "advanced": int((sub["blocks_in_order"] >= ADVANCED_BLOCKS).sum()) if counts and len(sub) else None,
        "regressions": int(sub["regressions"].fillna(0).sum()) if len(sub) else None,
        "fte": scope.publish(viewer, "fte_per_100k", fte.p50) if fte else None,
        "submitted": len(sub), "members": len(chosen.members),
    }


def key_figures(viewer: Viewer, quarter: str, district: str | None = None,
                engine: Engine | None = None) -> list[KeyFigure]:
    """The quarter's key figures for the region or a district, with the change since the quarter before."""
    eng = warehouse.engine(engine)
    chosen = _group(viewer, quarter, district)
    previous = Quarter.parse(quarter).previous().code
    a = _stats(viewer, quarter, chosen, eng)
    b = _stats(viewer, previous, chosen, eng) if previous in warehouse.quarters(eng) else {}
    group_name = scope.REGION_NAME if chosen.kind == scope.REGION else chosen.key
    now = signals.quarter_counts(viewer, quarter, eng)[group_name].cells[signals.TOTAL]
    before_counts = signals.quarter_counts(viewer, previous, eng) if b else {}
    before = before_counts[group_name].cells[signals.TOTAL] if before_counts else None
    region_n = len(warehouse.submitted_codes(quarter, eng))
    if scope.exact(viewer) and district:
        submitted_text = _("%(n)s van %(total)s", n=a["submitted"], total=a["members"])
    else:
        submitted_text = _("%(n)s van %(total)s", n=region_n, total=len(warehouse.region()))
        if district:
            submitted_text += " " + _("(regio)")
    fte_unit = MEASURES["fte_per_100k"].short
    return [
        _figure("score", _("Mediane voortgangsscore"), formatting.number(a["score"], 1), a["score"], b.get("score"),
                1, MEASURES["score"].description + " " + _("Mediaan over de gemeenten die aanleverden.")),
        _figure("advanced", _("Gemeenten met ≥ %(n)s van %(blocks)s op orde", n=ADVANCED_BLOCKS, blocks=N_BLOCKS),
                formatting.number(a["advanced"]), a["advanced"], b.get("advanced"), 0,
                _("Gemeenten met ten minste %(n)s bouwstenen Gerealiseerd of Geborgd.", n=ADVANCED_BLOCKS) + (
                    "" if a["advanced"] is not None else " " + _("Voor een district alleen getoond als alle "
                                                                 "gemeenten hebben aangeleverd."))),
        _figure("regressions", _("Terugval (bouwstenen)"), formatting.number(a["regressions"]), a["regressions"],
                b.get("regressions"), 0, MEASURES["regressions"].description),
        _figure("fte", _("Mediane capaciteit"), scope.text(viewer, "fte_per_100k", a["fte"]) + f" {fte_unit}",
                a["fte"], b.get("fte"), _decimals(viewer, "fte_per_100k", a["fte"], b.get("fte")),
                MEASURES["fte_per_100k"].description),
        _figure("signals", _("Meldingen"), now.text, now.value, before.value if before else None, 0,
                MEASURES["signals_total"].description),
        KeyFigure("submitted", _("Aangeleverd"), submitted_text, "",
                  _("Gemeenten met een geldige aanlevering over dit kwartaal.")),
    ]


def _decimals(viewer: Viewer, measure: str, *values) -> int:
    """The decimals a change between published values is shown with: no more than either value was published with."""
    texts = [scope.text(viewer, measure, v) for v in values if v is not None and not pd.isna(v)]
    point = formatting.separators()[0]  # the decimal symbol of the language the texts are written in
    return min((len(t.split(point)[1]) if point in t else 0 for t in texts), default=MEASURES[measure].decimals)


def _figure(key: str, label: str, value: str, now, before, decimals: int, help_text: str) -> KeyFigure:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return KeyFigure(key, label, value, "", help_text)
    delta = round(now - before, decimals)
    change = _("%(change)s t.o.v. vorig kwartaal", change=formatting.signed(delta, decimals))
    return KeyFigure(key, label, value, change, help_text, delta)


def missing(viewer: Viewer, quarter: str, engine: Engine | None = None) -> list[warehouse.Place]:
    """The gemeenten without a valid submission for the quarter (coordinators only)."""
    scope.require_coordinator(viewer)
    submitted = warehouse.submitted_codes(quarter, engine)
    return sorted((p for c, p in warehouse.region().items() if c not in submitted), key=lambda p: p.name)


def map_values(viewer: Viewer, quarter: str, measure: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per gemeente: code, name, submitted, value, for the map. Anyone but a coordinator gets only the own
    gemeente: a map shows each gemeente in its place."""
    if measure not in MEASURES:
        measure = "score"
    frame = warehouse.mart(engine, [quarter])
    if not scope.exact(viewer):
        frame = frame[frame["municipality_code"] == scope.focus_of(viewer)]
    out = frame[["municipality_code", "name", "submitted", measure]].rename(
        columns={"municipality_code": "code", measure: "value"})
    return out.reset_index(drop=True)


def block_matrix(viewer: Viewer, quarter: str, district: str | None = None, sort: str = "score",
                 engine: Engine | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Coordinators: every gemeente × block (status 0–3, None when not submitted), named, sorted by score or
    name; and the block codes."""
    scope.require_coordinator(viewer)
    codes = [b.code for b in reference.blocks()]
    frame = warehouse.mart(engine, [quarter])
    if district:
        frame = frame[frame["district"] == district]
    statuses = warehouse.block_statuses(quarter, engine)
    frame = frame.join(statuses, on="municipality_code")
    frame = frame.rename(columns={"municipality_code": "key", "name": "label"})
    frame["own"] = False
    for code in codes:
        if code not in frame.columns:
            frame[code] = None
    if sort == "naam":
        frame = frame.sort_values("label")
    else:
        frame = frame.sort_values(["score", "label"], ascending=[False, True], na_position="last")
    themes = [f"score_{t.lower()}" for t in THEMES]
    columns = ["key", "label", "own", "submitted", "score", *themes, "blocks_in_order", *codes]
    return frame[columns].reset_index(drop=True), codes


@dataclass
class BlockCounts:
    """How many gemeenten of a group have each status, per block, with the focus gemeente's own status."""

    group: scope.Group
    counts: pd.DataFrame | None  # block × status 0..3; None when counts of this group may not be shown
    own: dict[str, int | None]  # block → the own status (gemeente users), else empty
    own_name: str | None
    reason: str = ""  # why the counts are not shown


def block_counts(viewer: Viewer, quarter: str, district: str | None = None,
                 engine: Engine | None = None) -> BlockCounts:
    """Per block and status, how many gemeenten of the region (or a district) have it."""
    eng = warehouse.engine(engine)
    chosen = _group(viewer, quarter, district)
    focus = scope.focus_of(viewer)
    submitted = warehouse.submitted_codes(quarter, eng)
    codes = [b.code for b in reference.blocks()]
    statuses = warehouse.block_statuses(quarter, eng)
    own: dict[str, int | None] = {}
    own_name = None
    if focus and viewer.may_see_exact(focus):
        own_name = warehouse.region()[focus].name
        row = statuses.loc[focus] if focus in statuses.index else None
        own = {c: (None if row is None or pd.isna(row.get(c)) else int(row[c])) for c in codes}
    if not scope.counts_shown(viewer, chosen, focus, submitted):
        return BlockCounts(chosen, None, own, own_name,
                           _("De verdeling in %(group)s wordt getoond zodra alle gemeenten over dit kwartaal hebben "
                             "aangeleverd; de verdeling in de regio staat altijd hieronder.", group=chosen.name))
    members = statuses[statuses.index.isin([c for c in chosen.members if c in submitted])]
    return BlockCounts(chosen, peers.status_counts(members, codes), own, own_name)
