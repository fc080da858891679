"""Aanlevering's view model (coordinators and admins): per gemeente, the quarter's active, rejected and missing
submissions with their findings."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard import formatting
from dashboard.data import scope, warehouse
from dashboard.i18n import N_, _
from dashboard.viewer import Viewer

# the order of the overview: problems first
STATUS_ORDER = {"ontbreekt": 0, "afgewezen": 1, "waarschuwingen": 2, "aangeleverd": 3}
KIND_NAMES = {"ontbreekt": N_("ontbreekt"), "afgewezen": N_("afgewezen")}  # the statuses without a version


def submission_status(viewer: Viewer, quarter: str, engine: Engine | None = None) -> pd.DataFrame:
    """Per gemeente: status (aangeleverd/afgewezen/ontbreekt), version count, load date, file, the reasons of
    rejected attempts and the warnings of the active version; gemeenten with problems first."""
    scope.require_coordinator(viewer)
    subs, found = warehouse.submission_rows(quarter, engine)
    subs_of: dict[str, list] = {}
    findings_of: dict[str, list] = {}
    for row in subs:
        subs_of.setdefault(row.municipality_code, []).append(row)
    for row in found:
        findings_of.setdefault(row.municipality_code, []).append(row)
    rows = []
    for code, place in warehouse.region().items():
        mine = subs_of.get(code, [])
        active = [r for r in mine if r.status == "active"]
        rejected = [r for r in mine if r.status == "rejected"]
        f_mine = findings_of.get(code, [])
        warnings: list[str] = []
        if active:
            a = active[0]
            warnings = [f"{f.place}: {f.message}" for f in f_mine if f.file_id == a.file_id and f.severity == "warning"]
            kind = "waarschuwingen" if warnings else "aangeleverd"
            status = _("aangeleverd (versie %(version)s)", version=a.version)
            loaded, file_name = formatting.date(a.loaded_at), a.file_name
        elif rejected:
            kind, status, loaded, file_name = "afgewezen", _(KIND_NAMES["afgewezen"]), "", rejected[-1].file_name
        else:
            kind, status, loaded, file_name = "ontbreekt", _(KIND_NAMES["ontbreekt"]), "", ""
        rejected_ids = {r.file_id for r in rejected}
        reasons = [f"{f.place}: {f.message}" for f in f_mine if f.file_id in rejected_ids and f.severity == "fatal"]
        rows.append(dict(code=code, gemeente=place.name, district=place.district, kind=kind, status=status,
                         versions=len(mine), loaded=loaded, file=file_name, rejected_reasons=reasons,
                         warnings=warnings))
    frame = pd.DataFrame(rows)
    frame["_order"] = frame["kind"].map(STATUS_ORDER)
    return frame.sort_values(["_order", "gemeente"]).drop(columns="_order").reset_index(drop=True)
