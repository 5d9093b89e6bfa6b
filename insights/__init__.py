"""Insights: objections, themes and talk-track performance, found in ingested calls.

Run the analysis with ``insights.analysis.Analyzer(ws, settings).run()``; read its results with
the functions below.
"""

from insights.messages import message_stats
from insights.records import CATEGORIES, MessageStat, Moment, Objection, Theme, ThemeExample
from insights.store import check_category, load_objections, load_themes

__all__ = [
    "CATEGORIES",
    "MessageStat",
    "Moment",
    "Objection",
    "Theme",
    "ThemeExample",
    "check_category",
    "load_objections",
    "load_themes",
    "message_stats",
]
