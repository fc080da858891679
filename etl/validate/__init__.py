"""Validates a raw submission against every rule of SUBMISSION.md section 3, reporting all findings in one pass.

One checker per group of rules, in the order of the README's rule table, each group in its own module;
`validate` runs them all, so that a file's every problem is reported at once:

- `personal.check_personal_data` — persoonsgegevens: every text cell, first, so that the other checkers leave a
  cell refused for personal data alone (one finding per cell, and never its text);
- `identity.check_identity` — gemeente (code, region, scope of the uploader, name), kwartaal, sjabloonversie;
- `contents.check_blocks` — the status of each of the checklist's blocks;
- `contents.check_explanations` — the toelichting per block (length, unreadable characters);
- `contents.check_resources` — Middelen: types and ranges;
- `contents.check_signals` — Signalen: types and ranges, and that the counts add up;
- `contents.check_network` — Netwerk: ja/nee per partner type;
- `warning_rules.check_warnings` — what loads with a warning (terugval, MM1/MM2 without money or capacity,
  implausible values); only for a submission without fatal findings.

What every checker is given, the Context and the collector of findings, is in `context`; typed values and the
checks of a veld/waarde table are in `values`. A finding never repeats a cell's text; a wrong value is described
through `findings.describe` (see there).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from etl.domain import Quarter
from etl.extract.raw import RawSubmission
from etl.findings import Finding
from etl.validate.contents import check_blocks, check_explanations, check_network, check_resources, check_signals
from etl.validate.context import Context, Findings
from etl.validate.identity import check_identity
from etl.validate.personal import check_personal_data
from etl.validate.warning_rules import check_warnings


@dataclass
class Submission:
    """A submission that passed validation: typed values, ready to load."""

    municipality_code: str
    quarter: Quarter
    checklist_version: int
    template_version: int | None
    filled_in_on: dt.date | None
    statuses: dict[str, int]
    explanations: dict[str, str | None]
    resources: dict[str, Any]
    signals: dict[str, int]
    network: dict[str, bool]
    rows: int
    warnings: list[Finding] = field(default_factory=list)


def validate(raw: RawSubmission, ctx: Context) -> tuple[Submission | None, list[Finding]]:
    """All findings of one raw submission, and the typed submission when none is fatal."""
    out = Findings(raw.findings)
    check_personal_data(raw, ctx, out)
    who = check_identity(raw, ctx, out)
    statuses = check_blocks(raw, ctx, out)
    explanations = check_explanations(raw, ctx, out)
    resources = check_resources(raw, out)
    signals = check_signals(raw, out)
    network = check_network(raw, out)
    check_warnings(raw, ctx, who, statuses, resources, signals, out)

    # stored with each finding: a known gemeente's code, or what was typed when it has the shape of one (never
    # other text: it would be stored, and "Gemeente Hoorn" does not fit the column either)
    code = who.municipality.code if who.municipality else (
        who.code if who.code and re.fullmatch(r"GM\d{4}", who.code) else None)
    stamped = [Finding(f.severity, f.rule, f.place, f.message, code, who.quarter.code if who.quarter else None)
               for f in out.items]
    if any(f.is_fatal for f in stamped):
        return None, stamped
    assert who.municipality is not None and who.quarter is not None
    submission = Submission(
        municipality_code=who.municipality.code, quarter=who.quarter, checklist_version=ctx.checklist_version,
        template_version=who.template_version, filled_in_on=who.filled_in_on, statuses=statuses,
        explanations=explanations, resources=resources, signals=signals, network=network, rows=raw.rows,
        warnings=stamped,
    )
    return submission, stamped
