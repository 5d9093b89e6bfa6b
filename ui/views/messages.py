"""Messages view: talk-track performance (win-rate lift with its 95% interval) and moments,
and the talk-track table as a CSV download; on the calls the filter bar passes, weighted by
deal amount when its box is ticked. Every number is explained beside the table."""

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
from insights.selection import CallFilter
from ui.views.charts import Interval, forest_svg
from ui.views.errors import shows_errors
from ui.views.filters import FilterBar, filter_note, skipped
from ui.views.text import clock, markdown_text, percent

STAT_HEADERS = ["talk track", "uses", "calls", "positive reactions", "objection after",
                "win rate with", "win rate without", "lift", "95% interval", "verdict", "note"]
MOMENT_HEADERS = ["call", "turn", "time", "rep said", "buyer reaction", "buyer said"]
EXPLAINED = (
    "**Uses**: times a rep said the track; **calls**: calls where a rep did. **Positive "
    "reactions** / **objection after**: the share of uses (with a buyer reaction) that the "
    "buyer answered positively / with an objection. **Win rate with** / **without**: won ÷ "
    "(won + lost) among closed calls where a rep used the track / where no rep did (open "
    "calls are left out). **Lift** = win rate with − win rate without, in points; where its "
    "95% interval crosses zero the verdict is \"{not_enough}\": the calls so far cannot tell "
    "the difference.")
WEIGHTED = (
    "**Weighted by deal amount**: a win rate is the share of the closed pipeline that was won "
    "(won calls' deal amounts ÷ closed calls' amounts); the interval uses each side's "
    "effective number of calls, so a few large deals do not count as many calls. Uses, calls "
    "and reaction rates stay counts.")

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


def explanation_markdown(weight_note: str | None = None) -> str:
    """What each number of the table means, in words; with the weighting and its note
    (calls without an amount) when the stats are weighted by deal amount."""
    lines = [EXPLAINED.format(not_enough=NOT_ENOUGH_CALLS)]
    if weight_note is not None:
        lines.append(WEIGHTED + " " + markdown_text(weight_note))
    return "\n\n".join(lines)


def filtered_stats(workspace: Workspace, call_filter: CallFilter, weigh: bool
                   ) -> tuple[list[MessageStat], str | None, str]:
    """The talk-track stats of the calls the filter passes, weighted by deal amount when
    ``weigh``; with the weighting's note (None: unweighted) and the filter's note."""
    from insights import message_stats
    from insights.selection import deal_weights
    from insights.weighting import weighted_message_stats

    calls = {c.call_id: c.meta for c in workspace.calls()}
    ids = call_filter.call_ids(calls.values())
    stats = message_stats(workspace, None if call_filter.empty else ids)
    note = None
    if weigh:
        metas = [calls[c] for c in sorted(ids)]
        weights = deal_weights(metas)
        stats, note = weighted_message_stats(stats, metas, weights), weights.note
    return stats, note, filter_note(call_filter, len(ids), len(calls))


def build(workspace: Workspace, settings: Settings, page: gr.Blocks,
          tab: gr.Tab | None = None, bar: FilterBar | None = None) -> None:
    """The Messages tab; refreshed on page load, when the tab is opened and when the filters
    change."""
    import gradio as gr

    bar = bar or FilterBar(workspace)
    chart = gr.HTML(elem_id="cm-lift-chart")
    notes = gr.Markdown(explanation_markdown(), elem_id="cm-messages-explained",
                        elem_classes="cm-note")
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
    def show_stats(reps=None, segments=None, stages=None, outcomes=None, since="", until="",
                   weigh=False):
        call_filter, marks = bar.read(reps, segments, stages, outcomes, since, until)
        if call_filter is None:  # the bad field says why; keep the table shown
            return (*skipped(4), *marks)
        stats, weight_note, note = filtered_stats(workspace, call_filter, bool(weigh))
        if not stats:
            return ('<p class="cm-empty">No messaging yet: add a messaging.yaml in '
                    "Calls and library.</p>", explanation_markdown(), [],
                    gr.Dropdown(choices=[], value=None), *marks)
        text = explanation_markdown(weight_note) + (f"\n\n{note}" if note else "")
        return (lift_chart(stats), text, stat_rows(stats),
                gr.Dropdown(choices=[(s.name, s.id) for s in stats], value=None), *marks)

    @shows_errors
    def show_moments(track_id: str | None, reps=None, segments=None, stages=None,
                     outcomes=None, since="", until=""):
        if not track_id:
            return []
        call_filter = CallFilter.parse(reps, segments, stages, outcomes, since, until)
        found = [s for s in filtered_stats(workspace, call_filter, False)[0]
                 if s.id == track_id]
        if not found:
            raise InputError(f"No talk track {track_id!r} in the messaging; see the table above.")
        return moment_rows(found[0])

    @shows_errors
    def export_stats(reps=None, segments=None, stages=None, outcomes=None, since="", until="",
                     weigh=False):
        from rag.tables import message_table, write_table

        call_filter = CallFilter.parse(reps, segments, stages, outcomes, since, until)
        stats = filtered_stats(workspace, call_filter, bool(weigh))[0]
        if not stats:
            raise InputError("No talk tracks yet: add a messaging.yaml in Calls and library.")
        folder = Path(tempfile.mkdtemp(prefix="callmine-messages-"))
        return str(write_table(message_table(stats), folder / "talk-tracks.csv", "csv"))

    with gr.Row():
        refresh = gr.Button("Refresh")
        export = gr.Button("Export the table as CSV", elem_id="cm-export-messages")
    csv_file = gr.File(label="talk-tracks.csv", interactive=False, visible=False)
    form = [*bar.inputs, bar.weight]
    shown = [chart, notes, table, track, *bar.fields]
    export.click(export_stats, form, csv_file, api_name="export_messages").success(
        lambda: gr.File(visible=True), None, csv_file, api_name=False)
    refresh.click(show_stats, form, shown, api_name="messages")
    page.load(show_stats, form, shown, api_name=False)
    gr.on([*bar.triggers, bar.weight.change], show_stats, form, shown, api_name=False)
    if tab is not None:  # calls or messaging ingested in another tab show at once
        tab.select(show_stats, form, shown, api_name=False)
    track.change(show_moments, [track, *bar.inputs], moments, api_name="moments")
