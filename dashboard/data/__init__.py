"""The dashboard's one data layer: every function takes the viewer and returns only what that viewer may see.

Rooms with one door each:
- `warehouse`: reading the marts and dimensions `etl` wrote, unscoped, through one cache per warehouse version;
- `scope`: the rules of DOMAIN.md section 5 (who may see what), in one short module;
- `peers`: aggregates over groups (interpolated bands, counts per status);
- `signals`: counts of signals, protected jointly over every table that shares a total;
- one view model per page: `overview`, `profile`, `compare`, `trends`, `submissions`.
Pages, the exports and the callbacks import from here.
"""

from __future__ import annotations

from dashboard.data import peers, scope, signals, warehouse
from dashboard.data.compare import Comparison, comparison
from dashboard.data.overview import BlockCounts, KeyFigure, block_counts, block_matrix, key_figures, map_values, missing
from dashboard.data.profile import Profile, profile
from dashboard.data.scope import PUBLIC_ROUNDING, Forbidden, Group, TooFew
from dashboard.data.signals import SignalTable, per_gemeente, quarter_counts, signal_tables
from dashboard.data.story import Story, quarter_story
from dashboard.data.submissions import submission_status
from dashboard.data.trends import trends
from dashboard.data.warehouse import (
    Place,
    caption,
    clear_caches,
    districts,
    events,
    load_date,
    quarters,
    region,
    resolve_district,
    resolve_quarter,
    source_line,
    tile_positions,
    warehouse_changed,
    warehouse_version,
)

__all__ = [
    "PUBLIC_ROUNDING", "BlockCounts", "Comparison", "Forbidden", "Group", "KeyFigure", "Place", "Profile",
    "SignalTable", "Story", "TooFew", "block_counts", "block_matrix", "caption", "clear_caches", "comparison",
    "districts", "events", "key_figures", "load_date", "map_values", "missing", "peers", "per_gemeente", "profile",
    "quarter_counts", "quarter_story", "quarters", "region", "resolve_district", "resolve_quarter", "scope",
    "signal_tables", "signals", "source_line", "submission_status", "tile_positions", "trends", "warehouse",
    "warehouse_changed", "warehouse_version",
]
