"""Who may see what (DOMAIN.md section 5, version 2): the one module to audit. The view models ask it; pages
never decide.

- Coordinators and admins see every gemeente by name and every figure exact.
- A `gemeente` user sees the own gemeente exact. Other gemeenten appear only inside aggregates over a fixed
  group: the region, a district, or the own size class. A group is shown only when it has at least
  `MIN_OTHERS` submitting gemeenten besides the one in focus, even if every gemeente that did not submit this
  quarter belonged to it: so whether a group is shown depends on public facts and on "N of 32" alone, never
  on who is missing. A size class too small for that is merged with its neighbour; a district that is too
  small says "te weinig gemeenten".
- Counts over a group's members (how many have a block in order, per status) reveal how many of them
  submitted. They are shown for the region, whose count follows from "N of 32", and for smaller groups only in
  a quarter in which every gemeente submitted.
- Aggregates that are not counts are interpolated quantiles (`dashboard.data.peers`), never one member's value,
  and are rounded before they leave the data layer: per-inhabitant figures to 2 significant digits (at full
  precision value × population pins a CBS population), the rest to the precision they are shown with.
- Rates per inhabitant of a group need the population of its submitting members, which would say who is
  missing: shown only in a quarter in which every other gemeente submitted.
- Counts of signals: the small-count rule, with complementary suppression decided jointly over every table that
  shares a total (`dashboard.data.signals`); for a gemeente user the rule applies to the part of a group total
  that is not the own gemeente's.
- The public audience (`openbaar`) gets no more than a gemeente user; shown counts are rounded to fives.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from dashboard import formatting
from dashboard.data import warehouse
from dashboard.disclosure import significant
from dashboard.i18n import N_, _
from dashboard.metrics import MEASURES
from dashboard.viewer import MUNICIPALITY, Viewer
from etl.domain import SIZE_CLASSES
from etl.measures import REPORTED_STEP
from nhsv import settings

MIN_OTHERS = 5  # submitting gemeenten besides the one in focus, in any group shown to a gemeente user
SIGNIFICANT_DIGITS = 2  # per-inhabitant figures about others
PUBLIC_ROUNDING = 5  # audience `openbaar`: shown counts are rounded to multiples of this

REGION, DISTRICT, SIZE, SELECTION = "regio", "district", "grootte", "selectie"
REGION_NAME = N_("Regio NHSV")  # also the region's key among the groups of signals: shown via `group_label`


def group_label(name: str) -> str:
    """A group of the signal tables and trends by its name in the current language (districts keep theirs)."""
    return _(REGION_NAME) if name == REGION_NAME else name


class Forbidden(Exception):
    """The viewer may not see this; the message is in the request's language and safe to show."""


class TooFew(Forbidden):
    """The group has too few gemeenten to be shown to this viewer."""


@dataclass(frozen=True)
class Group:
    """A fixed group of gemeenten (public membership). `name` reads in a sentence of the request's language
    ('district Kennemerland')."""

    kind: str
    key: str
    name: str
    members: tuple[str, ...]

    def others(self, focus: str | None) -> tuple[str, ...]:
        return tuple(c for c in self.members if c != focus)


def exact(viewer: Viewer) -> bool:
    """Every gemeente by name and every figure exact."""
    return viewer.sees_all


def threshold() -> int:
    return settings.get_int("NHSV_SMALL_COUNT_THRESHOLD")


def rounding(viewer: Viewer) -> int | None:
    return PUBLIC_ROUNDING if viewer.is_public else None


def focus_of(viewer: Viewer, code: str | None = None) -> str | None:
    """The gemeente a view is about: a gemeente user's own, whatever was asked."""
    return viewer.municipality_code if viewer.role == MUNICIPALITY else code


def require_exact(viewer: Viewer, code: str) -> None:
    if not viewer.may_see_exact(code):
        raise Forbidden(_("U heeft geen toegang tot de gegevens van deze gemeente."))


def require_coordinator(viewer: Viewer) -> None:
    if not viewer.sees_all:
        raise Forbidden(_("Deze pagina is alleen beschikbaar voor coördinatoren en beheerders."))


def missing_others(focus: str | None, submitted: frozenset[str]) -> int:
    """How many gemeenten besides `focus` did not submit: a gemeente user works it out from 'N of 32' and the
    own submission, so it may shape what is shown."""
    return sum(1 for code in warehouse.region() if code not in submitted and code != focus)


def everyone_submitted(focus: str | None, submitted: frozenset[str]) -> bool:
    return missing_others(focus, submitted) == 0


def _size_group(classes: tuple[str, ...]) -> Group:
    places = warehouse.region()
    members = tuple(c for c, p in places.items() if p.size_class in classes)
    if len(classes) == 1:
        return Group(SIZE, classes[0], _("gemeenten met %(size)s inwoners", size=size_text(classes[0])), members)
    low, high = sorted(classes, key=SIZE_CLASSES.index)[0], sorted(classes, key=SIZE_CLASSES.index)[-1]
    name = (_("gemeenten met %(size)s inwoners of meer", size=size_text(low.split("–")[0]))
            if high == SIZE_CLASSES[-1]
            else _("gemeenten met %(size)s inwoners", size=size_text(f"{low.split('–')[0]}–{high.split('–')[-1]}")))
    return Group(SIZE, "+".join(classes), name, members)


def size_text(size_class: str) -> str:
    """A size class ('20.000–50.000', '< 20.000', as the reference data writes them) with the language's
    thousands separator."""
    return re.sub(r"\d{1,3}(?:\.\d{3})+", lambda m: formatting.number(int(m.group().replace(".", ""))), size_class)


def _shown(group: Group, focus: str | None, missing: int) -> bool:
    return len(group.others(focus)) - missing >= MIN_OTHERS


def group(viewer: Viewer, focus: str | None, kind: str, submitted: frozenset[str], value: str | None = None,
          selection: list[str] | None = None) -> Group:
    """The group of this kind for a view about `focus` (None: a view of the region). Kinds: regio, district
    (any district; without a valid value, the focus's), grootte (the focus's size class), selectie (coordinators
    only). Raises TooFew when a non-exact viewer may not see the group this quarter."""
    places = warehouse.region()
    own = places.get(focus or "")
    if kind == DISTRICT:
        district = value if value in warehouse.districts() else (own.district if own else None)
        if district is None:
            raise Forbidden(_("Kies een district."))
        chosen = Group(DISTRICT, district, _("district %(name)s", name=district),
                       tuple(c for c, p in places.items() if p.district == district))
    elif kind == SIZE:
        size = value if (value in SIZE_CLASSES and exact(viewer)) else (own.size_class if own else None)
        if size is None:
            raise Forbidden(_("Kies een grootteklasse."))
        chosen = _size_group((size,))
    elif kind == SELECTION:
        if not exact(viewer):
            raise Forbidden(_("Een eigen selectie van gemeenten is alleen beschikbaar voor coördinatoren."))
        chosen = Group(SELECTION, "", _("eigen selectie"), tuple(c for c in selection or [] if c in places))
    else:
        chosen = Group(REGION, "", _("de regio (NHSV)"), tuple(places))
    if exact(viewer):
        return chosen
    missing = missing_others(focus, submitted)
    if _shown(chosen, focus, missing):
        return chosen
    if chosen.kind == SIZE:
        at = SIZE_CLASSES.index(chosen.key)
        neighbours = [SIZE_CLASSES[k] for k in (at - 1, at + 1) if 0 <= k < len(SIZE_CLASSES)]
        counts = {c: sum(1 for p in places.values() if p.size_class == c) for c in neighbours}
        for neighbour in sorted(neighbours, key=lambda c: (counts[c], SIZE_CLASSES.index(c))):
            merged = _size_group(tuple(sorted((chosen.key, neighbour), key=SIZE_CLASSES.index)))
            if _shown(merged, focus, missing):
                return merged
    raise TooFew(_("Te weinig gemeenten: %(group)s wordt alleen getoond als er ten minste %(n)s andere gemeenten in "
                   "zitten die hebben aangeleverd.", group=chosen.name, n=MIN_OTHERS))


def counts_shown(viewer: Viewer, chosen: Group, focus: str | None, submitted: frozenset[str]) -> bool:
    """Whether counts over the group's members (per status, learning partners, 'well advanced') may be shown."""
    return exact(viewer) or chosen.kind == REGION or everyone_submitted(focus, submitted)


def rates_shown(viewer: Viewer, focus: str | None, submitted: frozenset[str]) -> bool:
    """Whether a group's rate per inhabitants may be shown (its denominator is the submitting population)."""
    return exact(viewer) or everyone_submitted(focus, submitted)


MIN_FITTING_POPULATIONS = 3  # so that for every viewer at least 2 other gemeenten fit a published rate


def fitting_populations(measure: str, value: float, step: float) -> int:
    """How many gemeenten of the region have a CBS population for which `value` (± step / 2) per inhabitants
    is a whole number of the amount a submission reports (0.1 fte, €100, one signal)."""
    per, unit = MEASURES[measure].per_inhabitants, REPORTED_STEP[measure]
    if per is None:
        raise ValueError(f"{measure} is no measure per inhabitants")
    populations = np.fromiter((p.population for p in warehouse.region().values()), dtype=float)
    low = (value - step / 2) * populations / per / unit
    high = (value + step / 2) * populations / per / unit
    first = np.maximum(1, np.ceil(low - 1e-9))
    return int((first <= high + 1e-9).sum())


def publish(viewer: Viewer, measure: str, value: float | None) -> float | None:
    """An aggregate about others as this viewer may receive it: exact for coordinators; otherwise rounded to
    the precision the measure is shown with, and a per-inhabitant figure to 2 significant digits, or to 1 where
    2 would still fit fewer than MIN_FITTING_POPULATIONS CBS populations (a capacity of 0.82 fte per 100,000 is
    0.4 fte for one population only), or not at all where 1 would too."""
    if value is None or exact(viewer):
        return value
    m = MEASURES[measure]
    if not m.per_inhabitants:
        return round(value, m.decimals + (2 if m.percent else 0))
    if value == 0:
        return 0.0
    for digits in (SIGNIFICANT_DIGITS, 1):
        rounded = significant(value, digits) or 0.0
        step = 10.0 ** (math.floor(math.log10(abs(rounded))) - digits + 1) if rounded else 1.0
        if fitting_populations(measure, rounded, step) >= MIN_FITTING_POPULATIONS:
            return rounded
    return None


def primary_hidden(viewer: Viewer, value: int, own_part: int = 0) -> bool:
    """The small-count rule for one group count: a count of 1 to threshold-1 is never shown outside the
    coordinators' view; for a gemeente user that holds for the part of the total that is not the own."""
    if exact(viewer):
        return False
    return 0 < value - own_part < threshold()


def text(viewer: Viewer, measure: str, value: float | None) -> str:
    """A published value as text, with no more digits than it was published with (1,2 not 1,20; 0,8 where
    one digit was published)."""
    m = MEASURES[measure]
    if value is None or exact(viewer) or not m.per_inhabitants or value == 0:
        return m.format(value)
    exponent = math.floor(math.log10(abs(value)))
    digits = 1 if significant(value, 1) == value else SIGNIFICANT_DIGITS
    return formatting.number(value, max(0, digits - 1 - exponent))
