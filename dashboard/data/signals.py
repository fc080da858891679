"""Counts of signals per group and quarter, protected jointly for the viewer (DOMAIN.md section 5).

Every count of signals a viewer can obtain about groups of gemeenten is a cell of one system per quarter: for
the region and each district, radicalisation, polarisation, from citizens, from professionals, the total, and
brought into the ZVH. They are linked: a total is radicalisation + polarisation and also citizens +
professionals; the region is the sum of its districts, kind by kind. Signalen's tables, Ontwikkeling's trend
of signals, the overview's key figure and the exports all show cells of this one system, so the small-count rule
and its complementary suppression are decided once for all of them (`disclosure.suppress`): no hidden cell can
be worked out by subtraction across them. Quarters are not linked (no page shows a sum over quarters).

For a gemeente user the own gemeente's counts are known exactly: the small-count rule applies to the rest of a
group total (a district total of 7 with 4 of the own gives away the 3 of the others).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard import formatting, i18n
from dashboard.data import scope, warehouse
from dashboard.disclosure import Cell, shown_cell, suppress
from dashboard.i18n import N_, _
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer
from etl.measures import SIGNALS_PER

KINDS = ("signals_radicalisation", "signals_polarisation", "signals_from_citizens", "signals_from_professionals",
         "signals_total", "signals_to_safety_house")
BY_TYPE = ("signals_radicalisation", "signals_polarisation")
BY_SOURCE = ("signals_from_citizens", "signals_from_professionals")
TOTAL, SAFETY_HOUSE = "signals_total", "signals_to_safety_house"
# the kinds' names (Dutch, the catalogues' source; the tables show them through gettext)
LABELS = {"signals_radicalisation": N_("Radicalisering"), "signals_polarisation": N_("Polarisatie"),
          "signals_from_citizens": N_("Van burgers"), "signals_from_professionals": N_("Van professionals"),
          "signals_total": N_("Totaal"), "signals_to_safety_house": N_("Ingebracht in ZVH")}
TOO_FEW = N_("te weinig gemeenten")
# complements are taken from a district's parts first, then its total, then the region's parts; the region's
# total, the figure readers look for first, last
def _tier(group: str, kind: str) -> int:
    region = group == scope.REGION_NAME
    return 2 * region + (kind == TOTAL) + (region and kind == TOTAL)


@dataclass(frozen=True)
class GroupCounts:
    """One group's counts in one quarter as the viewer may see them, with the rate and the ZVH share."""

    group: str  # 'Regio NHSV' or a district
    cells: dict[str, Cell]
    per_10k: float | None  # only where the total is shown and the viewer may see the group's population
    share_zvh: float | None  # only where the total and the ZVH count are shown
    shown: bool = True  # False: too few gemeenten for this viewer


def groups() -> list[str]:
    return [scope.REGION_NAME, *warehouse.districts()]


def shown_groups(viewer: Viewer, quarter: str, engine: Engine | None = None) -> frozenset[str]:
    """The groups (the region, the districts) of which the viewer may see figures in the quarter: those the
    scope rules do not refuse as too few (`scope.group`). Once per viewer and quarter, for every measure."""
    eng = warehouse.engine(engine)

    def compute() -> frozenset[str]:
        focus = scope.focus_of(viewer)
        submitted = warehouse.submitted_codes(quarter, eng)
        shown = set()
        for name in groups():
            kind = scope.REGION if name == scope.REGION_NAME else scope.DISTRICT
            try:
                scope.group(viewer, focus, kind, submitted, value=name)
            except scope.TooFew:
                continue
            shown.add(name)
        return frozenset(shown)

    return warehouse.cached(eng, ("shown_groups", viewer.cache_key, quarter), compute)


def quarter_counts(viewer: Viewer, quarter: str, engine: Engine | None = None) -> dict[str, GroupCounts]:
    """Per group (region first, then the districts), the quarter's protected counts. The cells' texts are
    written in the request's language ('1.234' or '1,234'): the language is part of the cache key."""
    eng = warehouse.engine(engine)
    key = ("signal_counts", viewer.cache_key, quarter, scope.threshold(), i18n.language())
    return warehouse.cached(eng, key, lambda: _quarter_counts(viewer, quarter, eng))


@dataclass(frozen=True)
class _System:
    """A quarter's counts as one linear system, the same for every viewer: the variables (group, kind), their
    sums over the gemeenten that submitted, each group's population, and the equations that link them."""

    names: list[str]
    variables: list[tuple[str, str]]
    index: dict[tuple[str, str], int]
    values: list[int]
    equations: list[list[tuple[int, int]]]
    population: dict[str, int]


def _system(quarter: str, eng: Engine) -> _System:
    def compute() -> _System:
        frame = warehouse.mart(eng, [quarter])
        frame = frame[frame["submitted"]]
        names = groups()
        columns = [*KINDS, "population"]
        by_district = frame.groupby("district")[columns].sum()
        region_sums = frame[columns].sum()
        sums: dict[str, dict[str, int]] = {}
        for name in names:
            row = region_sums if name == scope.REGION_NAME else (
                by_district.loc[name] if name in by_district.index else None)
            sums[name] = {c: int(row[c]) if row is not None else 0 for c in columns}
        variables = [(name, k) for name in names for k in KINDS]
        index = {v: n for n, v in enumerate(variables)}
        equations: list[list[tuple[int, int]]] = []
        for name in names:
            for parts in (BY_TYPE, BY_SOURCE):
                equations.append([(index[name, p], 1) for p in parts] + [(index[name, TOTAL], -1)])
        for k in KINDS:
            equations.append([(index[d, k], 1) for d in names[1:]] + [(index[names[0], k], -1)])
        return _System(names, variables, index, [sums[name][k] for name, k in variables], equations,
                       {name: sums[name]["population"] for name in names})

    return warehouse.cached(eng, ("signal_system", quarter), compute)


def _suppressed(quarter: str, system: _System, primary: frozenset[int], eng: Engine) -> set[int]:
    """The cells to hide given the primary ones: a function of the quarter's system and `primary` only, so
    viewers whose primary cells are the same share the answer."""
    def order(v: int) -> tuple:
        name, k = system.variables[v]
        return (_tier(name, k), system.values[v], v)

    threshold = scope.threshold()
    return warehouse.cached(eng, ("suppressed", quarter, primary, threshold),
                            lambda: suppress(system.values, system.equations, set(primary), rank=order,
                                             threshold=threshold))


def _quarter_counts(viewer: Viewer, quarter: str, eng: Engine) -> dict[str, GroupCounts]:
    system = _system(quarter, eng)
    names, index = system.names, system.index
    focus = scope.focus_of(viewer)
    submitted = warehouse.submitted_codes(quarter, eng)
    # the own gemeente's counts (gemeente users): part of the region's and of its district's
    own = warehouse.mart(eng, [quarter], [focus]) if focus else None
    rows = own[own["submitted"]].to_dict("records") if own is not None else []
    mine = {k: int(rows[0][k]) if rows and not pd.isna(rows[0][k]) else 0 for k in KINDS}
    none = dict.fromkeys(KINDS, 0)
    own_part = {name: mine if rows and name in (scope.REGION_NAME, rows[0]["district"]) else none for name in names}

    shown = shown_groups(viewer, quarter, eng)
    sums = {(name, k): system.values[index[name, k]] for name in names for k in KINDS}
    primary = frozenset(index[name, k] for name in names for k in KINDS
                        if name not in shown or scope.primary_hidden(viewer, sums[name, k], own_part[name][k]))
    hidden = _suppressed(quarter, system, primary, eng) if primary else set()
    rounding = scope.rounding(viewer)
    rates = scope.rates_shown(viewer, focus, submitted)
    out: dict[str, GroupCounts] = {}
    for name in names:
        if name not in shown:
            out[name] = GroupCounts(name, {k: Cell(None, _(TOO_FEW)) for k in KINDS}, None, None, shown=False)
            continue
        cells = {k: shown_cell(sums[name, k], index[name, k] in primary, index[name, k] in hidden,
                               scope.threshold(), rounding) for k in KINDS}
        total, zvh = cells[TOTAL], cells[SAFETY_HOUSE]
        per_10k = None
        if rates and total.value is not None and system.population[name]:
            per_10k = scope.publish(viewer, "signals_per_10k",
                                    total.value / system.population[name] * SIGNALS_PER)
        share = (zvh.value / total.value if total.value and zvh.value is not None else None)
        out[name] = GroupCounts(name, cells, per_10k, share)
    return out


def own_counts(viewer: Viewer, engine: Engine | None = None) -> dict[str, dict[str, int | float | None]]:
    """The own gemeente's exact counts per quarter (gemeente users only)."""
    if viewer.municipality_code is None:
        raise scope.Forbidden(_("Alleen een gemeentegebruiker heeft een eigen gemeente."))
    frame = warehouse.mart(engine, codes=[viewer.municipality_code])
    frame = frame[frame["submitted"]].sort_values("quarter")
    return {row["quarter"]: {**{k: int(row[k]) for k in KINDS}, "per_10k": row["signals_per_10k"],
                             "share_zvh": row["share_to_safety_house"]}
            for row in frame.to_dict("records")}


def per_gemeente(viewer: Viewer, quarter: str, engine: Engine | None = None):
    """Per gemeente signal counts of the quarter: coordinators and admins only."""
    scope.require_coordinator(viewer)
    frame = warehouse.mart(engine, [quarter])
    return frame[["municipality_code", "name", "district", "submitted", "signals_total", "signals_per_10k",
                  "signals_to_safety_house", "share_to_safety_house", "interventions_active"]
                 ].sort_values("name").reset_index(drop=True)


@dataclass
class SignalTable:
    """Counts per quarter (rows) by type or by source (columns) with the total, as the viewer may see them."""

    title: str
    quarters: list[str]
    columns: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    per_10k: list[str]  # per quarter, only where the total is shown
    share_zvh: list[str]


def signal_tables(viewer: Viewer, group: str, engine: Engine | None = None) -> list[SignalTable]:
    """By type and by source, per quarter: `group` is 'Regio NHSV', a district, or 'eigen' (the gemeente user's
    own gemeente, exact)."""
    eng = warehouse.engine(engine)
    quarters = sorted(warehouse.quarters(eng))
    if group == "eigen":
        own = own_counts(viewer, eng)
        name = warehouse.region()[viewer.municipality_code].name  # type: ignore[index]
        rows = {q: ({k: Cell(int(v), formatting.number(int(v))) for k, v in own[q].items()
                     if k in KINDS and v is not None},
                    own[q]["per_10k"], own[q]["share_zvh"]) for q in quarters if q in own}
        title, exact_text = name, True
    else:
        if group not in groups():
            group = scope.REGION_NAME
        rows = {}
        for q in quarters:
            counts = quarter_counts(viewer, q, eng)[group]
            rows[q] = (counts.cells, counts.per_10k, counts.share_zvh)
        title = _(group) if group == scope.REGION_NAME else _("District %(name)s", name=group)
        exact_text = scope.exact(viewer)
    shown = [q for q in quarters if q in rows]
    out = []
    for parts, text in ((BY_TYPE, N_("%(group)s: meldingen naar soort")),
                        (BY_SOURCE, N_("%(group)s: meldingen naar herkomst"))):
        out.append(SignalTable(
            title=_(text, group=title), quarters=shown, columns=[_(LABELS[p]) for p in parts],
            cells=[[rows[q][0][p] for p in parts] for q in shown], row_totals=[rows[q][0][TOTAL] for q in shown],
            per_10k=[rate_text(viewer if not exact_text else None, rows[q][1]) for q in shown],
            share_zvh=[MEASURES["share_to_safety_house"].format(rows[q][2]) for q in shown]))
    return out


def rate_text(viewer: Viewer | None, value: float | None) -> str:
    """A rate per 10,000 as shown: at the precision the scope rules published it with."""
    if viewer is None:
        return MEASURES["signals_per_10k"].format(value)
    return scope.text(viewer, "signals_per_10k", value)
