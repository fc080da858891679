"""What every checker of validation is given: the Context a submission is validated in (beyond the file itself),
and the collector of the submission's findings so far.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from etl import findings as F
from etl.domain import Quarter
from etl.findings import Finding
from etl.reference import QUARTERS_FROM, QUARTERS_TO, Block, Municipality


@dataclass
class Context:
    """What validation needs to know beyond the file itself."""

    municipalities: Mapping[str, Municipality]
    blocks: tuple[Block, ...]
    checklist_version: int
    today: dt.date
    previous_statuses: Callable[[str, Quarter], dict[str, int] | None]
    allowed_municipality: str | None = None  # set for an upload by a gemeente user
    # the warehouse's quarter dimension (etl.reference): a submission outside it cannot be stored
    first_quarter: Quarter = QUARTERS_FROM
    last_quarter: Quarter = QUARTERS_TO


class Findings:
    """The findings of one submission so far, and the cells already refused for personal data (which the
    other checkers leave alone: one finding per cell)."""

    def __init__(self, earlier: Iterable[Finding] = ()) -> None:
        self.items: list[Finding] = list(earlier)
        self.refused: set[str] = set()

    def fatal(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.fatal(rule, place, message))

    def warning(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.warning(rule, place, message))

    def add(self, finding: Finding) -> None:
        self.items.append(finding)

    @property
    def any_fatal(self) -> bool:
        return any(f.is_fatal for f in self.items)
