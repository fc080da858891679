"""The gemeente profile's view model: the own checklist, theme scores and resources against the bands of a
group, the blocks' history and a summary in words. Exact about the gemeente itself; about others, only what
`dashboard.data.scope` allows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from dashboard import formatting
from dashboard.data import peers, scope, warehouse
from dashboard.i18n import N_, _
from dashboard.metrics import N_BLOCKS, THEMES, theme_name
from dashboard.viewer import Viewer
from etl import reference
from etl.domain import IN_ORDER_FROM

# count-based columns of a gemeente's own timeline; a public pack names the gemeente, so it gets none of them
PUBLIC_HIDDEN = ("signals_total", "signals_radicalisation", "signals_polarisation", "signals_from_citizens",
                 "signals_from_professionals", "signals_to_safety_house", "signals_per_10k",
                 "share_to_safety_house", "interventions_active")
TIMELINE_COLUMNS = ("quarter", "submitted", "score", "blocks_in_order", "capacity_fte", "fte_per_100k",
                    "budget_approach_eur", "budget_interventions_eur", "budget_per_1000", "staff_trained",
                    "interventions_active", "signals_total", "signals_radicalisation", "signals_polarisation",
                    "signals_from_citizens", "signals_from_professionals", "signals_to_safety_house",
                    "signals_per_10k", "share_to_safety_house", "network_coverage")
BAND_MEASURES = ("fte_per_100k", "budget_per_1000")  # the own line over time against the group's band
TOO_FEW_GROUP = N_("een groep (te weinig gemeenten om te vergelijken)")


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
    theme_scores: pd.DataFrame  # measure, theme, own, p10, p25, median, p75, p90 (the group's band)
    peer_group: str  # the group's name, as it reads in a sentence
    history: pd.DataFrame  # quarter × block status
    timeline: pd.DataFrame  # quarter, own measures (exact)
    bands_over_time: dict[str, pd.DataFrame]  # measure → quarter, p25, median, p75 (the group's, where shown)
    summary: str
    learning_partners: dict[str, list[str] | int] = field(default_factory=dict)  # block → names or a count
    partners_group: str = ""  # the group the learning partners were counted in
    previous_quarters: list[str] = field(default_factory=list)  # earlier quarters with a valid submission


def _band_rows(viewer: Viewer, quarter: str, others: tuple[str, ...], own: dict, submitted: bool,
               eng: Engine) -> pd.DataFrame:
    rows = []
    for measure, label in [("score", _("Totaal")), *[(f"score_{k.lower()}", theme_name(k)) for k in THEMES]]:
        spread = peers.group_band(quarter, others, measure, eng)
        published = spread.map(lambda v, m=measure: scope.publish(viewer, m, v)) if spread else None
        rows.append(dict(measure=measure, theme=label, own=own.get(measure) if submitted else None,
                         p10=published.p10 if published else None, p25=published.p25 if published else None,
                         median=published.p50 if published else None, p75=published.p75 if published else None,
                         p90=published.p90 if published else None))
    return pd.DataFrame(rows)


def bands_over_time(viewer: Viewer, code: str, kind: str, eng: Engine) -> dict[str, pd.DataFrame]:
    """Per quarter, the group's band of each measure in BAND_MEASURES (other gemeenten only), where shown, with
    the texts of its edges at the precision they were published with (`p25_text`, …). The bands are cached
    without text; the texts are written for the request's language."""
    bands = warehouse.cached(eng, ("bands_over_time", viewer.cache_key, code, kind),
                             lambda: _bands_over_time(viewer, code, kind, eng))
    out = {}
    for measure, frame in bands.items():
        shown = frame.copy()
        for column in ("p25", "median", "p75"):
            shown[f"{column}_text"] = [scope.text(viewer, measure, v) for v in shown[column]]
        out[measure] = shown
    return out


def _bands_over_time(viewer: Viewer, code: str, kind: str, eng: Engine) -> dict[str, pd.DataFrame]:
    out: dict[str, list[dict]] = {m: [] for m in BAND_MEASURES}
    for quarter in sorted(warehouse.quarters(eng)):
        submitted = warehouse.submitted_codes(quarter, eng)
        try:
            chosen = scope.group(viewer, code, kind, submitted)
        except scope.TooFew:
            continue
        for measure in BAND_MEASURES:
            spread = peers.group_band(quarter, chosen.others(code), measure, eng)
            if spread is None:
                continue
            published = spread.map(lambda v, m=measure: scope.publish(viewer, m, v))
            out[measure].append(dict(quarter=quarter, p25=published.p25, median=published.p50, p75=published.p75))
    columns = ["quarter", "p25", "median", "p75"]
    return {m: pd.DataFrame(rows, columns=columns) for m, rows in out.items()}


def profile(viewer: Viewer, code: str, quarter: str, peer_kind: str = scope.SIZE,
            engine: Engine | None = None) -> Profile:
    """The gemeente's profile. For `openbaar` (a public pack about this one, named, gemeente): scores and
    statuses only; no counts of signals or trajectories (no name beside a count), no free text."""
    eng = warehouse.engine(engine)
    places = warehouse.region()
    if code not in places:
        raise scope.Forbidden(_("Onbekende gemeente."))
    if not viewer.is_public:
        scope.require_exact(viewer, code)
    place = places[code]
    own_all = warehouse.mart(eng, codes=[code]).sort_values("quarter")
    row_frame = own_all[own_all["quarter"] == quarter]
    row = row_frame.iloc[0].to_dict() if len(row_frame) else {}
    submitted = bool(row.get("submitted"))

    history = warehouse.block_history(code, eng)
    checklist = pd.DataFrame([dict(code=b.code, theme=theme_name(b.theme_code, b.theme), label=b.label,
                                   description=b.description) for b in reference.blocks()])
    now = history[history["quarter"] == quarter] if not history.empty else pd.DataFrame()
    if not now.empty:
        checklist = checklist.merge(now[["block_code", "status", "previous_status", "explanation"]],
                                    left_on="code", right_on="block_code", how="left").drop(columns="block_code")
    else:
        checklist["status"] = None
        checklist["previous_status"] = None
        checklist["explanation"] = None

    in_quarter = warehouse.submitted_codes(quarter, eng)
    try:
        chosen: scope.Group | None = scope.group(viewer, code, peer_kind, in_quarter)
    except scope.TooFew:
        chosen = None  # the gemeente's own figures, without a group to compare them with
    theme_scores = _band_rows(viewer, quarter, chosen.others(code) if chosen else (), row, submitted, eng)
    timeline = own_all[list(TIMELINE_COLUMNS)].reset_index(drop=True)

    partners, partners_group = learning_partners(viewer, code, quarter, chosen, checklist, eng)
    region_band = peers.group_band(quarter, tuple(places), "blocks_in_order", eng)
    region_median = scope.publish(viewer, "blocks_in_order", region_band.p50) if region_band else None
    if viewer.is_public:
        timeline[list(PUBLIC_HIDDEN)] = None
        row = {k: (None if k in PUBLIC_HIDDEN else v) for k, v in row.items()}
        checklist["explanation"] = None
        if "explanation" in history.columns:
            history["explanation"] = None
        partners = {}
    previous = sorted((q for q in own_all.loc[own_all["submitted"], "quarter"] if q < quarter), reverse=True)
    return Profile(code=code, name=place.name, quarter=quarter, district=place.district,
                   size_class=place.size_class, population=place.population, submitted=submitted, row=row,
                   checklist=checklist, theme_scores=theme_scores,
                   peer_group=chosen.name if chosen else _(TOO_FEW_GROUP), history=history,
                   timeline=timeline, bands_over_time=bands_over_time(viewer, code, peer_kind, eng),
                   summary=summary(place.name, quarter, row, region_median, checklist, submitted),
                   learning_partners=partners, partners_group=partners_group, previous_quarters=previous)


def learning_partners(viewer: Viewer, code: str, quarter: str, chosen: scope.Group | None,
                      checklist: pd.DataFrame, eng: Engine) -> tuple[dict[str, list[str] | int], str]:
    """For each block this gemeente has not in order: the gemeenten of the group that have (names for
    coordinators, a count for everyone else). A count over a smaller group than the region is shown only when
    the scope rules allow counts of it; otherwise the region's count is given (none when the region is too
    small too)."""
    submitted = warehouse.submitted_codes(quarter, eng)
    if chosen is None or not scope.counts_shown(viewer, chosen, code, submitted):
        try:
            chosen = scope.group(viewer, code, scope.REGION, submitted)
        except scope.TooFew:
            return {}, ""
    statuses = warehouse.block_statuses(quarter, eng)
    peer_status = statuses[statuses.index.isin([c for c in chosen.others(code) if c in submitted])]
    places = warehouse.region()
    out: dict[str, list[str] | int] = {}
    for block_code, status in zip(checklist["code"], checklist["status"], strict=True):
        if status is None or pd.isna(status) or status >= IN_ORDER_FROM:
            continue
        having = [] if block_code not in peer_status.columns else sorted(
            places[c].name for c in peer_status.index[peer_status[block_code] >= IN_ORDER_FROM])
        out[block_code] = having if scope.exact(viewer) else len(having)
    return out, chosen.name


def summary(name: str, quarter: str, row: dict, region_median, checklist: pd.DataFrame, submitted: bool) -> str:
    """The profile in a few short sentences."""
    label = formatting.quarter_label(quarter)
    if not submitted:
        return _("%(name)s heeft over het %(quarter)s (nog) geen geldige aanlevering gedaan.", name=name,
                 quarter=label)
    in_order = int(row["blocks_in_order"])
    parts = [_("In het %(quarter)s had %(name)s %(n)s van de %(blocks)s bouwstenen op orde.", quarter=label,
               name=name, n=in_order, blocks=N_BLOCKS)]
    if region_median is not None and not pd.isna(region_median):
        parts.append(_("In de regio is de mediaan %(median)s.", median=formatting.number(region_median, 0)))
    change = row.get("blocks_in_order_change")
    if change is not None and not pd.isna(change):
        if change > 0:
            parts.append(_("Ten opzichte van het kwartaal ervoor zijn dat er %(n)s meer.", n=int(change)))
        elif change < 0:
            parts.append(_("Ten opzichte van het kwartaal ervoor zijn dat er %(n)s minder.", n=int(-change)))
        else:
            parts.append(_("Dat aantal is gelijk aan het kwartaal ervoor."))
    now = pd.to_numeric(checklist["status"], errors="coerce")
    before = pd.to_numeric(checklist["previous_status"], errors="coerce")
    down = checklist[before.notna() & (now < before)]
    if len(down):
        parts.append(_("Teruggevallen: %(blocks)s.", blocks=", ".join(down["code"])))
    themes = [(theme_name(k), row.get(f"score_{k.lower()}")) for k in THEMES]
    present = [(t, float(v)) for t, v in themes if v is not None and not pd.isna(v)]
    if present:
        weakest = min(present, key=lambda x: x[1])
        parts.append(_("Het meeste werk ligt bij het thema %(theme)s (score %(score)s van 100).", theme=weakest[0],
                       score=formatting.number(weakest[1], 0)))
    return " ".join(parts)

