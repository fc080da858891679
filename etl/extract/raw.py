"""What extraction produces: the values of a file as read, each with the place where a person finds it, grouped
per submission (`RawSubmission`) and per file (`Extracted`); and what the readers of both formats share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from etl.domain import GENERAL_FIELDS, PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS
from etl.findings import Finding

CSV_SECTIONS = ("bouwsteen", "toelichting", "middelen", "signalen", "netwerk")  # the CSV's column `onderdeel`
# keys that a finding may repeat as typed: the template's own field and partner names and the CSV's sections
KNOWN_KEYS = (*(f.name for f in GENERAL_FIELDS + RESOURCE_FIELDS + SIGNAL_FIELDS), *PARTNERS, *CSV_SECTIONS)


@dataclass
class Raw:
    """A value as read, with the place where a person finds it (``Bouwstenen!C7`` or ``regel 12``)."""

    value: Any
    place: str
    key_place: str | None = None  # the cell of the key (code, veld, partner), for an unknown key
    key_text: str | None = None  # the key as typed (for personal-data screening of an unknown key)

    @property
    def key_cell(self) -> str:
        """Where the key is: its own cell, or the value's (a CSV line)."""
        return self.key_place or self.place


@dataclass
class RawSubmission:
    """One (gemeente, kwartaal) as read from a file, before validation."""

    general: dict[str, Raw] = field(default_factory=dict)
    blocks: dict[str, Raw] = field(default_factory=dict)
    explanations: dict[str, Raw] = field(default_factory=dict)
    resources: dict[str, Raw] = field(default_factory=dict)
    signals: dict[str, Raw] = field(default_factory=dict)
    network: dict[str, Raw] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0
    kind: str = "xlsx"  # xlsx, ods or csv
    # where to point when something is missing altogether
    places: dict[str, str] = field(default_factory=dict)
    # sheets whose table could not be read (a column missing): their items are not reported missing one by one
    unread: set[str] = field(default_factory=set)
    # cells read but not kept under a key (a key cell without key, a duplicate, an unknown CSV section): their
    # text is still screened for personal data
    loose: list[Raw] = field(default_factory=list)
    # place -> kinds of personal data, when a parse worker screened the submission ahead (etl.validate.personal)
    screened: dict[str, str] | None = None


@dataclass
class Extracted:
    kind: str  # xlsx, ods, csv or unknown
    submissions: list[RawSubmission]
    findings: list[Finding]
    rows: int


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Control characters (a NUL cannot even be stored in PostgreSQL) become U+FFFD, which validation refuses
    in free text."""
    return _CONTROL.sub("\ufffd", text)
