"""The gemeente profile's charts, built once for the page and the export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.charts.base import Chart
from dashboard.charts.checklist import block_history
from dashboard.charts.compare import theme_scores
from dashboard.charts.time import timeline
from dashboard.i18n import _
from dashboard.metrics import MEASURES

if TYPE_CHECKING:
    from dashboard.data.profile import Profile


def profile_charts(p: Profile, public: bool = False) -> list[Chart]:
    """Theme scores against the group, each block's history, capacity and budget against the group's band over
    time, and (not in a public pack, which names the gemeente) its signals."""
    out = [
        theme_scores(p.theme_scores, p.name, p.peer_group),
        block_history(p.history, list(p.checklist["code"]), list(p.timeline["quarter"])),
        timeline(p.timeline, [("fte_per_100k", p.name)], "capaciteit", _("Capaciteit"),
                 MEASURES["fte_per_100k"].unit, 2, band=p.bands_over_time.get("fte_per_100k"), group=p.peer_group),
        timeline(p.timeline, [("budget_per_1000", p.name)], "budget", _("Budget (aanpak en interventies)"),
                 MEASURES["budget_per_1000"].unit, band=p.bands_over_time.get("budget_per_1000"), group=p.peer_group),
    ]
    if not public:
        out.append(timeline(p.timeline, [("signals_radicalisation", _("Radicalisering")),
                                          ("signals_polarisation", _("Polarisatie")),
                                          ("signals_to_safety_house", _("Ingebracht in ZVH"))],
                            "meldingen", _("Meldingen"), _("aantal")))
    return out
