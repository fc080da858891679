"""The quarter in a few short sentences, from the data, as a coordinator could read them aloud: progress, the
blocks that lag most across the region, regressions and by whom, the biggest improvers, who is missing.

For anyone but a coordinator only what DOMAIN.md section 5 allows: the region's figures and counts (whose
number of submitters follows from "N of 32"), the own gemeente by name, and never another gemeente's name or
own figure; who is missing stays "N of 32". The overview opens with it, and so do the regional report and deck.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard import formatting
from dashboard.data import peers, scope, warehouse
from dashboard.i18n import _, ngettext
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
        names = [*names[:limit], ngettext("%(num)s andere", "%(num)s andere", len(names) - limit)]
    return names[0] if len(names) == 1 else _("%(first)s en %(last)s", first=", ".join(names[:-1]), last=names[-1])


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
        return Story([_("Over het %(quarter)s is nog geen enkele geldige aanlevering geladen.", quarter=label)], [])
    published = scope.publish(viewer, "blocks_in_order", now.p50)
    median = formatting.number(published, 0)
    previous_median = scope.publish(viewer, "blocks_in_order", before.p50) if before is not None else None
    sentences.append(_progress(label, median, published, previous_median))

    # the blocks that lag most across the region (counts over the region are allowed for everyone)
    statuses = warehouse.block_statuses(quarter, eng)
    codes = [b.code for b in reference.blocks()]
    counts = peers.status_counts(statuses[statuses.index.isin(submitted)], codes)
    in_order = peers.in_order(counts).sort_values(kind="stable")
    labels = {b.code: b.label for b in reference.blocks()}
    lagging = [_("%(block)s (%(label)s: %(n)s van %(total)s)", block=c,
                 label=labels[c][:40].rstrip() + "…" if len(labels[c]) > 40 else labels[c], n=int(v),
                 total=len(submitted)) for c, v in in_order.head(2).items()]
    sentences.append(_("Het minst vaak op orde zijn %(blocks)s.", blocks=_names(lagging)))

    sentences.extend(_regressions(sub, exact, has_previous))
    sentences.extend(_improvers(sub, exact))

    # who is missing
    missing = sorted((p for c, p in places.items() if c not in submitted), key=lambda p: p.name)
    if not missing:
        sentences.append(_("Alle %(n)s gemeenten hebben aangeleverd.", n=len(places)))
    elif exact:
        sentences.append(_("%(n)s van de %(total)s gemeenten hebben aangeleverd; er ontbreekt nog een geldige "
                           "aanlevering van %(names)s.", n=len(submitted), total=len(places),
                           names=_names([p.name for p in missing], 6)))
    else:
        sentences.append(_("%(n)s van de %(total)s gemeenten hebben aangeleverd.", n=len(submitted),
                           total=len(places)))

    # the own gemeente, for a gemeente user
    own = scope.focus_of(viewer)
    if own and viewer.may_see_exact(own):
        sentences.append(_own(frame[frame["municipality_code"] == own], places[own].name))
    return Story(sentences, missing if exact else [])


def _progress(label: str, median: str, published: float | None, previous_median: float | None) -> str:
    """The median of blocks in order, and how it moved since the quarter before when both are published."""
    if published is None or previous_median is None:
        return _("In het %(quarter)s hadden de gemeenten die aanleverden een mediaan van %(median)s van de "
                 "%(blocks)s bouwstenen op orde.", quarter=label, median=median, blocks=N_BLOCKS)
    change = published - previous_median
    if round(change) == 0:
        return _("In het %(quarter)s hadden de gemeenten die aanleverden een mediaan van %(median)s van de "
                 "%(blocks)s bouwstenen op orde, evenveel als het kwartaal ervoor.", quarter=label,
                 median=median, blocks=N_BLOCKS)
    if change > 0:
        return _("In het %(quarter)s hadden de gemeenten die aanleverden een mediaan van %(median)s van de "
                 "%(blocks)s bouwstenen op orde, %(change)s meer dan het kwartaal ervoor.", quarter=label,
                 median=median, blocks=N_BLOCKS, change=formatting.number(abs(change), 0))
    return _("In het %(quarter)s hadden de gemeenten die aanleverden een mediaan van %(median)s van de "
             "%(blocks)s bouwstenen op orde, %(change)s minder dan het kwartaal ervoor.", quarter=label,
             median=median, blocks=N_BLOCKS, change=formatting.number(abs(change), 0))


def _regressions(sub: pd.DataFrame, exact: bool, has_previous: bool) -> list[str]:
    """Regressions, and by whom (names for those who may see them exactly)."""
    regressed = sub[sub["regressions"].fillna(0) > 0]
    total = int(sub["regressions"].fillna(0).sum())
    if total == 0 and has_previous:
        return [_("Geen enkele gemeente viel terug op een bouwsteen.")]
    if not total:
        return []
    who = (_names(sorted(regressed["name"])) if exact else
           ngettext("%(num)s gemeente", "%(num)s gemeenten", len(regressed)))
    return [ngettext("%(num)s bouwsteen viel terug bij %(who)s.",
                     "%(num)s bouwstenen vielen terug bij %(who)s.", total, who=who)]


def _improvers(sub: pd.DataFrame, exact: bool) -> list[str]:
    """The biggest improvers: names are for coordinators; others get how many went forward."""
    changes = sub["blocks_in_order_change"].dropna()
    if not len(changes):
        return []
    up = sub.loc[changes.index[changes > 0]]
    if exact and len(up):
        top = up.sort_values(["blocks_in_order_change", "name"], ascending=[False, True]).head(3)
        return [_("De grootste vooruitgang: %(names)s.", names=_names(
            [f"{r.name} (+{int(r.blocks_in_order_change)})" for r in top.itertuples()]))]
    if len(up):
        return [ngettext("%(num)s gemeente heeft meer bouwstenen op orde dan het kwartaal ervoor.",
                         "%(num)s gemeenten hebben meer bouwstenen op orde dan het kwartaal ervoor.", len(up))]
    return []


def _own(row: pd.DataFrame, name: str) -> str:
    """The own gemeente's blocks in order, or that its submission is missing."""
    if len(row) and bool(row.iloc[0]["submitted"]):
        blocks = int(row.iloc[0]["blocks_in_order"])
        return _("%(name)s had %(n)s van de %(blocks)s bouwstenen op orde.", name=name, n=blocks, blocks=N_BLOCKS)
    return _("Van %(name)s is over dit kwartaal (nog) geen geldige aanlevering geladen.", name=name)

