"""What loads with a warning: a block that went down since the quarter before (terugval), MM1 or MM2 in order
without money or capacity, implausible values per inhabitant. Only for a submission without fatal findings.
"""

from __future__ import annotations

from typing import Any

from etl import findings as F
from etl.domain import IN_ORDER_FROM, STATUS_LABELS
from etl.extract.raw import RawSubmission
from etl.measures import per_inhabitants
from etl.validate.context import Context, Findings
from etl.validate.identity import Identity

# Thresholds of the warnings (SUBMISSION.md section 3), defined here only.
IMPLAUSIBLE_PER = 10_000  # the warnings compare per 10,000 inhabitants
IMPLAUSIBLE_FTE = 10  # more FTE than this per 10,000 inhabitants: probably hours, not FTE
IMPLAUSIBLE_SIGNALS = 25  # more signals than this per 10,000 inhabitants in one quarter


def check_warnings(raw: RawSubmission, ctx: Context, who: Identity, statuses: dict[str, int],
                   resources: dict[str, Any], signals: dict[str, Any], out: Findings) -> None:
    """terugval, mm1_zonder_budget, mm2_zonder_capaciteit, onwaarschijnlijk: for a consistent submission."""
    municipality, quarter = who.municipality, who.quarter
    if out.any_fatal or municipality is None or quarter is None:
        return
    previous = ctx.previous_statuses(municipality.code, quarter)
    if previous:
        for b in ctx.blocks:
            before, now = previous.get(b.code), statuses[b.code]
            if before is not None and now < before:
                out.warning(F.REGRESSION, raw.blocks[b.code].place,
                            f"{b.code} ({b.label}) is teruggegaan van {STATUS_LABELS[before]} naar "
                            f"{STATUS_LABELS[now]} sinds het {quarter.previous().label}; klopt dit? Licht het zo nodig "
                            "toe")
    if statuses["MM1"] >= IN_ORDER_FROM and resources["budget_interventies_eur"] == 0:
        out.warning(F.MM1_NO_BUDGET, raw.resources["budget_interventies_eur"].place,
                    f"MM1 staat op {STATUS_LABELS[statuses['MM1']]} maar het geld voor interventietrajecten "
                    "is 0; controleer de status of het bedrag")
    if statuses["MM2"] >= IN_ORDER_FROM and resources["capaciteit_fte"] == 0:
        out.warning(F.MM2_NO_CAPACITY, raw.resources["capaciteit_fte"].place,
                    f"MM2 staat op {STATUS_LABELS[statuses['MM2']]} maar de capaciteit is 0 fte; controleer "
                    "de status of de capaciteit")
    fte = per_inhabitants(resources["capaciteit_fte"], municipality.population, IMPLAUSIBLE_PER)
    if fte is not None and fte > IMPLAUSIBLE_FTE:
        out.warning(F.IMPLAUSIBLE, raw.resources["capaciteit_fte"].place,
                    f"{resources['capaciteit_fte']:g} fte is meer dan {IMPLAUSIBLE_FTE} fte per "
                    f"{_thousands(IMPLAUSIBLE_PER)} inwoners; controleer of de capaciteit in fte (niet in uren) is "
                    "ingevuld")
    signals_total = signals["meldingen_radicalisering"] + signals["meldingen_polarisatie"]
    rate = per_inhabitants(signals_total, municipality.population, IMPLAUSIBLE_PER)
    if rate is not None and rate > IMPLAUSIBLE_SIGNALS:
        out.warning(F.IMPLAUSIBLE, raw.signals["meldingen_radicalisering"].place,
                    f"{signals_total} meldingen is meer dan {IMPLAUSIBLE_SIGNALS} per {_thousands(IMPLAUSIBLE_PER)} "
                    "inwoners in één kwartaal; controleer of alleen meldingen van dit kwartaal zijn geteld")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")
