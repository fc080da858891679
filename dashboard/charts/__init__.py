"""Chart builders: pure functions from scoped data to a Chart (figure, title, description, table).

The screens and the quarterly export call the same builders, so an exported chart cannot drift from the one
on screen. No database access and no scope decisions here: the data layer has made those.
"""

from dashboard.charts.base import (
    DISTINCT_LINES,
    OWN_COLOUR,
    RECENT_QUARTERS,
    STATUS_COLOURS,
    STATUS_SYMBOLS,
    Chart,
    empty,
    status_label,
    status_legend_text,
    status_text,
)
from dashboard.charts.checklist import block_history, checklist_table, status_counts, status_heatmap
from dashboard.charts.compare import bands, ranking, scatter, theme_scores
from dashboard.charts.maps import choropleth, tile_map
from dashboard.charts.profile import profile_charts
from dashboard.charts.time import signal_bars, timeline, trend_lines

__all__ = ["DISTINCT_LINES", "OWN_COLOUR", "RECENT_QUARTERS", "STATUS_COLOURS", "STATUS_SYMBOLS", "Chart", "bands",
           "block_history", "checklist_table", "choropleth", "empty", "profile_charts", "ranking", "scatter",
           "signal_bars", "status_counts", "status_heatmap", "status_label", "status_legend_text", "status_text",
           "theme_scores", "tile_map", "timeline", "trend_lines"]
