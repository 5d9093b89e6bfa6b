"""The filter bar: rep, segment, stage, outcome and a date range, shown once above the tabs and
read by Objections, Gaps and Messages (so a filter is kept across tabs); and whether gaps and
talk tracks are weighted by deal amount.

Which calls match is :class:`insights.selection.CallFilter`'s business; this module builds the
form and reads it. A bad value (a date such as ``2024-13-40``) is shown on its field, with a
warning toast, and the views keep their last good output: every view's event returns
:func:`field_updates` beside its own outputs, and ``gr.skip()`` for those when the filter
cannot be read (see :meth:`FilterBar.read`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ingest.records import Call
from ingest.store import Workspace
from insights.selection import CallFilter, DealWeights, FilterError, deal_weights

DATE_HINT = "YYYY-MM-DD, e.g. 2026-01-31; press Enter to apply"
INVALID = "cm-invalid"
"""CSS class of a field whose value cannot be used (style.css draws it red)."""
WEIGHT_LABEL = "Weight gaps and talk tracks by deal amount"
WEIGHT_INFO = ("Gap priority uses the pipeline amount of the calls that raised a theme instead "
               "of its objection count; talk-track win rates become the share of closed "
               "pipeline won. Calls without an amount count as the median amount.")


def filter_choices(calls: Sequence[Call]) -> dict[str, list[str]]:
    """The values each filter can take in these calls."""
    def values(get) -> list[str]:
        return sorted({v for c in calls if (v := get(c.meta))})

    return {"rep": values(lambda m: m.rep), "segment": values(lambda m: m.segment),
            "stage": values(lambda m: m.stage), "outcome": ["won", "lost", "open"]}


def field_updates(error: FilterError | None) -> tuple[Any, Any]:
    """Updates of the From and To fields: the one ``error`` names shows its message (and the
    :data:`INVALID` class), the other its usual hint; both plain when ``error`` is None."""
    import gradio as gr

    def update(name: str):
        if error is not None and error.field == name:
            return gr.Textbox(info=html.escape(str(error), quote=False), elem_classes=[INVALID])
        return gr.Textbox(info=DATE_HINT, elem_classes=[])

    return update("since"), update("until")


def read_filter(reps: Sequence[str] | None, segments: Sequence[str] | None,
                stages: Sequence[str] | None, outcomes: Sequence[str] | None,
                since: str | None, until: str | None
                ) -> tuple[CallFilter | None, FilterError | None]:
    """The filter from the form, or None with the error that names the bad field.

    Example:
        >>> read_filter([], [], [], ["lost"], "2024-13-40", "")[1].field
        'since'
    """
    try:
        return CallFilter.parse(reps, segments, stages, outcomes, since, until), None
    except FilterError as exc:
        return None, exc


def filter_note(call_filter: CallFilter, shown: int, total: int) -> str:
    """One Markdown line on which calls a view counts, empty when it counts them all."""
    if call_filter.empty:
        return ""
    from ui.views.text import markdown_text

    return (f"Filtered to **{shown}** of {total} calls ({markdown_text(call_filter.describe())})"
            ".")


class FilterBar:
    """The form above the tabs. Build it inside ``gr.Blocks``; views read :attr:`inputs`
    (the six filter values, in :data:`insights.selection.FIELDS` order), re-run on
    :attr:`triggers`, and add :attr:`fields` to their outputs (see :meth:`read`)."""

    def __init__(self, workspace: Workspace) -> None:
        import gradio as gr

        self.workspace = workspace
        choices = filter_choices(workspace.calls())
        with gr.Accordion("Filters: which calls Objections, Gaps, Messages and Search count",
                          open=True, elem_id="cm-filters"):
            with gr.Row():
                self.rep = gr.Dropdown(choices["rep"], multiselect=True, label="Rep",
                                       allow_custom_value=True, elem_id="cm-filter-rep")
                self.segment = gr.Dropdown(choices["segment"], multiselect=True,
                                           label="Segment", allow_custom_value=True,
                                           elem_id="cm-filter-segment")
                self.stage = gr.Dropdown(choices["stage"], multiselect=True, label="Stage",
                                         allow_custom_value=True, elem_id="cm-filter-stage")
                self.outcome = gr.Dropdown(choices["outcome"], multiselect=True,
                                           label="Outcome", elem_id="cm-filter-outcome")
            with gr.Row():
                self.since = gr.Textbox(label="From", placeholder="2026-01-01", info=DATE_HINT,
                                        elem_id="cm-filter-since")
                self.until = gr.Textbox(label="To", placeholder="2026-12-31", info=DATE_HINT,
                                        elem_id="cm-filter-until")
                self.weight = gr.Checkbox(label=WEIGHT_LABEL, info=WEIGHT_INFO,
                                          elem_id="cm-filter-weight")
                self.apply = gr.Button("Apply filters", variant="primary", scale=0,
                                       elem_id="cm-filter-apply")
        self.inputs = [self.rep, self.segment, self.stage, self.outcome, self.since,
                       self.until]
        self.fields = [self.since, self.until]
        self.dropdowns = [self.rep, self.segment, self.stage]
        self.triggers = [self.apply.click, self.rep.change, self.segment.change,
                         self.stage.change, self.outcome.change, self.since.submit,
                         self.until.submit]
        """Events after which a view re-reads the filter (the weight box is apart: only
        Gaps and Messages use it)."""
        gr.on(self.triggers, self.check, self.inputs, self.fields, api_name=False)

    @staticmethod
    def check(*values: Any) -> tuple[Any, Any]:
        """The field updates for the form values, with a warning toast when a field is bad
        (once per change: the views only mark the field)."""
        import gradio as gr

        _, error = read_filter(*values)
        if error is not None:
            gr.Warning(html.escape(str(error), quote=False))
        return field_updates(error)

    def choices(self) -> tuple[Any, Any, Any]:
        """Dropdown updates with the values of the calls stored now (for page load and tab
        select: calls ingested in another tab show)."""
        import gradio as gr

        c = filter_choices(self.workspace.calls())
        return (gr.Dropdown(choices=c["rep"]), gr.Dropdown(choices=c["segment"]),
                gr.Dropdown(choices=c["stage"]))

    @staticmethod
    def read(*values: Any) -> tuple[CallFilter | None, tuple[Any, Any]]:
        """The filter from the six form values and the field updates to return with the
        view's outputs; the filter is None when a field is bad (its message is on the field,
        see :meth:`check` for the toast): return ``gr.skip()`` for the view's outputs then."""
        call_filter, error = read_filter(*values)
        return call_filter, field_updates(error)

    def selection(self, call_filter: CallFilter) -> tuple[dict[str, Call], set[str]]:
        """Every stored call by id, and the ids of those the filter passes."""
        calls = {c.call_id: c for c in self.workspace.calls()}
        return calls, call_filter.call_ids(c.meta for c in calls.values())

    def weights(self, weigh: bool, call_ids: set[str]) -> DealWeights | None:
        """Deal-amount weights of these calls when ``weigh`` is ticked, else None."""
        if not weigh:
            return None
        return deal_weights(c.meta for c in self.workspace.calls() if c.call_id in call_ids)


def skipped(n: int) -> list[Any]:
    """``n`` ``gr.skip()`` values: the outputs a view keeps when the filter is bad."""
    import gradio as gr

    return [gr.skip() for _ in range(n)]
