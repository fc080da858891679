"""The attacks of DOMAIN.md section 5 (version 2), as a hostile `gemeente` user would try them with nothing but
what the server sent (tests/privacy/crawl.py), the CBS population table and the public facts of the region.

Each attack returns what it claims to have learnt. The tests judge a claim against the warehouse (the truth),
as an attacker would hope to be right: a claim that is wrong is no leak, a claim that is right is one.

One module per family of attack, each named after what it finds:

- `naming.names`: another gemeente's name anywhere in what was sent.
- `pinning.population_pins`: a number that, at the precision it was sent with, is value × population = a whole
  number of 0.1 fte, of €100 or of signals for the CBS population of one other gemeente only.
- `linking.records` and `linking.linkage`: rows or points that stand for one other gemeente (a pseudonym, a label
  that is no group), and the names that follow from matching such rows across views of different groups.
- `hidden_counts.differencing`: hidden counts of signals worked out exactly from every count shown, with the
  identities that link the tables (exact rational arithmetic); `hidden_counts.bounded_inference` adds the bounds.
- `submitters.non_submitters`: which other gemeente did or did not submit, from group sizes and group populations.

`reading` holds what they share (the texts and numbers of a response, the public facts); `attack` below runs
every attack on one user's crawl.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.data import scope, warehouse
from tests.privacy.attacks.hidden_counts import Cell, bounded_inference, count_cells, differencing
from tests.privacy.attacks.linking import Record, records
from tests.privacy.attacks.naming import names
from tests.privacy.attacks.pinning import Pin, correct_pins, own_values, population_pins
from tests.privacy.attacks.submitters import non_submitters
from tests.privacy.crawl import Response


@dataclass
class Findings:
    """What every attack learnt from everything one gemeente user was sent."""

    own: str
    responses: int
    names: set[str]
    pins: set[Pin]  # the right ones only
    records: list[Record]
    recovered: dict[Cell, int]
    bounded: dict[Cell, int]
    submissions: dict[str, tuple[list[str], list[str]]]  # quarter → (surely missing, surely submitted)


def attack(responses: list[Response], own: str, truth) -> Findings:
    cells = count_cells(responses)
    submissions = {}
    counts = truth[truth["submitted"]].groupby("quarter").size()
    for quarter, n in counts.items():
        if n < len(warehouse.region()):
            submitted = warehouse.submitted_codes(quarter)
            missing, present = non_submitters(responses, own, quarter, own in submitted, len(submitted))
            if missing or present:
                submissions[quarter] = (sorted(missing), sorted(present))
    return Findings(own=own, responses=len(responses), names=names(responses, own),
                    pins=correct_pins(population_pins(responses, own, own_values(truth, own)), truth),
                    records=records(responses, own), recovered=differencing(cells),
                    bounded=bounded_inference(cells, scope.threshold()), submissions=submissions)
