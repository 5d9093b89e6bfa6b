"""Messages view: talk-track performance (win-rate lift with its 95% interval) and moments,
and the talk-track table as a CSV download."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import InputError
from ingest.settings import Settings
from ingest.store import Workspace
from insights.messages import NOT_ENOUGH_CALLS
from insights.records import MessageStat
from ui.views.charts import Interval, forest_svg
from ui.views.errors import shows_errors
from ui.views.text import clock, percent

STAT_HEADERS = ["talk track", "uses", "calls", "positive reactions", "objection after",
                "win rate with", "win rate without", "lift", "95% interval", "verdict", "note"]
MOMENT_HEADERS = ["call", "turn", "time", "rep said", "buyer reaction", "buyer said"]

if TYPE_CHECKING:
    import gradio as gr


def _points(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.0f} pts"


def stat_rows(stats: Sequence[MessageStat]) -> list[list]:
    """One row per talk track; rates as percentages, lift in percentage points."""
    return [[s.name, s.uses, s.calls, percent(s.positive_reaction_rate),
             percent(s.objection_rate), percent(s.win_rate_with), percent(s.win_rate_without),
             _points(s.lift),
             f"{_points(s.lift_ci[0])} to {_points(s.lift_ci[1])}" if s.lift_ci else "",
             s.verdict or "", s.warning or ""] for s in stats]


def lift_chart(stats: Sequence[MessageStat]) -> str:
    """Lift in win rate with each talk track, with its 95% interval (SVG)."""
    rows = [Interval(s.name, s.lift, *(s.lift_ci or (None, None)),
                     note="not used" if s.uses == 0 else NOT_ENOUGH_CALLS)
            for s in stats]
    return forest_svg(rows, title="Win-rate lift when reps use the track (95% interval)")


def moment_rows(stat: MessageStat | None) -> list[list]:
    """The example moments of one talk track: what the rep said and how the buyer reacted."""
    if stat is None:
        return []
    return [[m.call_id, m.turn, clock(m.start), m.text, m.reaction or "",
             m.reaction_text or ""] for m in stat.examples]


def build(workspace: Workspace, settings: Settings, page: gr.Blocks,
          tab: gr.Tab | None = None) -> None:
    """The Messages tab; refreshed on page load and when the tab is opened."""
    import gradio as gr

    from insights import message_stats

    chart = gr.HTML(elem_id="cm-lift-chart")
    gr.Markdown("Lift compares the win rate of closed deals where a rep used the track "
                "with those where no rep did; where the 95% interval crosses zero the "
                f"verdict is \"{NOT_ENOUGH_CALLS}\": the calls so far cannot tell the "
                "difference.")
    table = gr.Dataframe(headers=STAT_HEADERS, interactive=False, wrap=True,
                         label="Talk-track performance", elem_classes="cm-table",
                         column_widths=["18%", "5%", "5%", "7%", "7%", "7%", "7%", "6%", "10%",
                                        "11%", "17%"])
    track = gr.Dropdown(label="Example moments of", choices=[], elem_id="cm-track",
                        allow_custom_value=True)
    moments = gr.Dataframe(headers=MOMENT_HEADERS, interactive=False, wrap=True,
                           label="Moments", elem_classes="cm-table",
                           column_widths=["15%", "5%", "6%", "34%", "9%", "31%"])

    @shows_errors
    def show_stats():
        stats = message_stats(workspace)
        if not stats:
            return ('<p class="cm-empty">No messaging yet: add a messaging.yaml in '
                    "Calls and library.</p>", [], gr.Dropdown(choices=[], value=None))
        return (lift_chart(stats), stat_rows(stats),
                gr.Dropdown(choices=[(s.name, s.id) for s in stats], value=None))

    @shows_errors
    def show_moments(track_id: str | None):
        if not track_id:
            return []
        found = [s for s in message_stats(workspace) if s.id == track_id]
        if not found:
            raise InputError(f"No talk track {track_id!r} in the messaging; see the table above.")
        return moment_rows(found[0])

    @shows_errors
    def export_stats():
        from rag.tables import message_table, write_table

        stats = message_stats(workspace)
        if not stats:
            raise InputError("No talk tracks yet: add a messaging.yaml in Calls and library.")
        folder = Path(tempfile.mkdtemp(prefix="callmine-messages-"))
        return str(write_table(message_table(stats), folder / "talk-tracks.csv", "csv"))

    with gr.Row():
        refresh = gr.Button("Refresh")
        export = gr.Button("Export the table as CSV", elem_id="cm-export-messages")
    csv_file = gr.File(label="talk-tracks.csv", interactive=False, visible=False)
    export.click(export_stats, None, csv_file, api_name="export_messages").success(
        lambda: gr.File(visible=True), None, csv_file, api_name=False)
    refresh.click(show_stats, None, [chart, table, track], api_name="messages")
    page.load(show_stats, None, [chart, table, track], api_name=False)
    if tab is not None:  # calls or messaging ingested in another tab show at once
        tab.select(show_stats, None, [chart, table, track], api_name=False)
    track.change(show_moments, track, moments, api_name="moments")
