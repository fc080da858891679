"""The quarter in a few short sentences, from the data, as a coordinator could read them aloud: progress, the
blocks that lag most across the region, regressions and by whom, the biggest improvers, who is missing.

For anyone but a coordinator only what DOMAIN.md section 5 allows: the region's figures and counts (whose
number of submitters follows from "N of 32"), the own gemeente by name, and never another gemeente's name or
own figure; who is missing stays "N of 32". The overview opens with it, and so do the regional report and deck.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard import formatting
from dashboard.data import peers, scope, warehouse
from dashboard.metrics import N_BLOCKS
from dashboard.viewer import Viewer
from etl import reference
from etl.domain import Quarter


@dataclass
class Story:
    sentences: list[str]
    missing: list[warehouse.Place]  # coordinators only: who has no valid submission


def _names(names: list[str], limit: int = 4) -> str:
    """'A', 'A en B', 'A, B en C', 'A, B, C, D en 2 andere'."""
    if len(names) > limit:
        names = [*names[:limit], f"{len(names) - limit} andere"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{formatting.number(n)} {one if n == 1 else many}"


def quarter_story(viewer: Viewer, quarter: str, engine: Engine | None = None) -> Story:
    eng = warehouse.engine(engine)
    places = warehouse.region()
    label = formatting.quarter_label(quarter)
    submitted = warehouse.submitted_codes(quarter, eng)
    frame = warehouse.mart(eng, [quarter])
    sub = frame[frame["submitted"]]
    previous = Quarter.parse(quarter).previous().code
    has_previous = previous in warehouse.quarters(eng)
    exact = scope.exact(viewer)
    sentences = []

    # progress
    now = peers.group_band(quarter, tuple(places), "blocks_in_order", eng)
    before = peers.group_band(previous, tuple(places), "blocks_in_order", eng) if has_previous else None
    if now is None:
        return Story([f"Over het {label} is nog geen enkele geldige aanlevering geladen."], [])
    median = scope.publish(viewer, "blocks_in_order", now.p50)
    text = (f"In het {label} hadden de gemeenten die aanleverden een mediaan van {formatting.number(median, 0)} "
            f"van de {N_BLOCKS} bouwstenen op orde")
    previous_median = scope.publish(viewer, "blocks_in_order", before.p50) if before is not None else None
    if median is not None and previous_median is not None:
        change = median - previous_median
        text += (", evenveel als het kwartaal ervoor" if round(change) == 0 else
                 f", {formatting.number(abs(change), 0)} {'meer' if change > 0 else 'minder'} dan het kwartaal "
                 "ervoor")
    sentences.append(text + ".")

    # the blocks that lag most across the region (counts over the region are allowed for everyone)
    statuses = warehouse.block_statuses(quarter, eng)
    codes = [b.code for b in reference.blocks()]
    counts = peers.status_counts(statuses[statuses.index.isin(submitted)], codes)
    in_order = peers.in_order(counts).sort_values(kind="stable")
    labels = {b.code: b.label for b in reference.blocks()}
    lagging = [f"{c} ({labels[c][:40].rstrip()}…: {int(v)} van {len(submitted)})" if len(labels[c]) > 40 else
               f"{c} ({labels[c]}: {int(v)} van {len(submitted)})" for c, v in in_order.head(2).items()]
    sentences.append(f"Het minst vaak op orde zijn {_names(lagging)}.")

    # regressions, and by whom
    regressed = sub[sub["regressions"].fillna(0) > 0]
    total = int(sub["regressions"].fillna(0).sum())
    if total == 0 and has_previous:
        sentences.append("Geen enkele gemeente viel terug op een bouwsteen.")
    elif total:
        who = (" bij " + _names(sorted(regressed["name"])) if exact else
               f" bij {_plural(len(regressed), 'gemeente', 'gemeenten')}")
        sentences.append(f"{_plural(total, 'bouwsteen viel', 'bouwstenen vielen')} terug{who}.")

    # the biggest improvers: names are for coordinators; others get how many went forward
    changes = sub["blocks_in_order_change"].dropna()
    if len(changes):
        up = sub.loc[changes.index[changes > 0]]
        if exact and len(up):
            top = up.sort_values(["blocks_in_order_change", "name"], ascending=[False, True]).head(3)
            sentences.append("De grootste vooruitgang: " + _names(
                [f"{r.name} (+{int(r.blocks_in_order_change)})" for r in top.itertuples()]) + ".")
        elif len(up):
            sentences.append(f"{_plural(len(up), 'gemeente heeft', 'gemeenten hebben')} meer bouwstenen op orde dan "
                             "het kwartaal ervoor.")

    # who is missing
    missing = sorted((p for c, p in places.items() if c not in submitted), key=lambda p: p.name)
    if not missing:
        sentences.append(f"Alle {len(places)} gemeenten hebben aangeleverd.")
    elif exact:
        sentences.append(f"{len(submitted)} van de {len(places)} gemeenten hebben aangeleverd; er ontbreekt nog een "
                         f"geldige aanlevering van {_names([p.name for p in missing], 6)}.")
    else:
        sentences.append(f"{len(submitted)} van de {len(places)} gemeenten hebben aangeleverd.")

    # the own gemeente, for a gemeente user
    own = scope.focus_of(viewer)
    if own and viewer.may_see_exact(own):
        row = frame[frame["municipality_code"] == own]
        name = places[own].name
        if len(row) and bool(row.iloc[0]["submitted"]):
            blocks = int(row.iloc[0]["blocks_in_order"])
            sentences.append(f"{name} had {blocks} van de {N_BLOCKS} bouwstenen op orde.")
        else:
            sentences.append(f"Van {name} is over dit kwartaal (nog) geen geldige aanlevering geladen.")
    return Story(sentences, missing if exact else [])

