"""Gaps view (content teams): objection themes the content does not answer, by priority, with a
brief for each (rendered, with a copy button); covered themes; unused assets; before/after
trends of published assets; and the report as CSV and Markdown downloads. The report counts
the calls the filter bar passes and, when its box is ticked, weighs priority by deal amount;
every number is explained under the tables (:func:`explanation_markdown`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.records import AssetMeta
from ingest.settings import Settings
from ingest.store import Workspace
from rag.gaps import COVERAGE_BAR
from rag.records import BeforeAfter, GapReport, ThemeGap
from ui.views.errors import require, shows_errors
from ui.views.filters import FilterBar, filter_note, skipped
from ui.views.text import as_words, asset_link, markdown_text, percent

GAP_HEADERS = ["priority", "theme", "category", "objections", "lost", "coverage", "raised at",
               "nearest asset", "nearest passage", "pipeline"]
COVERED_HEADERS = ["theme", "category", "objections", "coverage", "answered by", "passage",
                   "pipeline"]
UNUSED_HEADERS = ["title", "type", "published"]
PRIORITY_TEXT = (
    "**Priority** = the theme's objections as a share of the most-raised theme's × (1 + the "
    "share of them raised in lost deals) × (1 − coverage): frequent, deal-losing, unanswered "
    "themes come first.")
WEIGHTED_PRIORITY_TEXT = (
    "**Priority, weighted by deal amount** = the theme's pipeline (the deal amounts of the "
    "calls that raised it) as a share of the largest theme's × (1 + the share of that amount "
    "in lost deals) × (1 − coverage).")
COVERAGE_TEXT = (
    "**Coverage** = how well the best asset answers the theme: the average, over the theme's "
    "objections, of the model's probability that the asset answers each one. A theme is a "
    "gap when its coverage is below the **coverage bar** ({bar}): its best asset more likely "
    "fails than answers a typical objection of the theme.")
WEIGHT_NOTE = ("Tick *{label}* in the filters to weigh priority by deal amount instead of "
               "objection count.")
BEFORE_AFTER_HEADERS = ["asset", "published", "theme", "per 100 calls before",
                        "per 100 calls after", "change", "calls before", "calls after"]

if TYPE_CHECKING:
    import gradio as gr


def amount_text(amount: float | None) -> str:
    """A pipeline amount for a table cell: ``48,000``; empty when unweighted."""
    return "" if amount is None else f"{amount:,.0f}"


def _best(g: ThemeGap, assets: dict[str, AssetMeta]) -> str:
    """The best asset's title, linked (see :func:`ui.views.text.asset_link`)."""
    if g.best is None:
        return ""
    meta = assets.get(g.best.asset_id)
    return asset_link(g.best.title, meta.url if meta else None, meta.public if meta else True)


def gap_rows(gaps: Sequence[ThemeGap], assets: dict[str, AssetMeta] | None = None
             ) -> list[list]:
    """Themes below the coverage bar, highest priority first; the nearest asset's title is
    Markdown, linked to its URL (``assets``: the workspace's assets by id)."""
    assets = assets or {}
    return [[round(g.priority, 2), g.label, g.category, g.count, g.lost, percent(g.coverage),
             g.stage or "", _best(g, assets), g.best.passage if g.best else "",
             amount_text(g.amount)]
            for g in gaps]


def covered_rows(covered: Sequence[ThemeGap], assets: dict[str, AssetMeta] | None = None
                 ) -> list[list]:
    """Themes the content answers, with the asset (linked) and passage that answer best."""
    assets = assets or {}
    return [[g.label, g.category, g.count, percent(g.coverage), _best(g, assets),
             g.best.passage if g.best else "", amount_text(g.amount)]
            for g in covered]


def unused_rows(report: GapReport) -> list[list]:
    """Assets that answer none of the themes buyers raise: title (linked), type in words."""
    return [[asset_link(a.title or a.asset_id, a.url, a.public), as_words(a.type),
             str(a.published or "")]
            for a in report.unused_assets]


def _per_100(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _change(item: BeforeAfter) -> str:
    if item.before_per_100 is None or item.after_per_100 is None:
        return "not enough calls"
    delta = item.after_per_100 - item.before_per_100
    arrow = "▼" if delta < 0 else "▲" if delta > 0 else "="
    return f"{arrow} {delta:+.1f}"


def before_after_rows(items: Sequence[BeforeAfter]) -> list[list]:
    """How often each published asset's theme came up per 100 calls, before and after."""
    return [[i.title or i.asset_id, str(i.published), i.label, _per_100(i.before_per_100),
             _per_100(i.after_per_100), _change(i), i.calls_before, i.calls_after]
            for i in items]


def explanation_markdown(report: GapReport | None = None) -> str:
    """How priority, coverage and the coverage bar are computed, in words (and how the
    weighting treated calls without an amount, when it was asked for)."""
    bar = percent(report.coverage_bar if report else COVERAGE_BAR)
    weighted = report is not None and report.weight == "amount"
    lines = [WEIGHTED_PRIORITY_TEXT if weighted else PRIORITY_TEXT,
             COVERAGE_TEXT.format(bar=bar)]
    if report is not None and report.weight_note:
        lines.append(markdown_text(report.weight_note))
    elif not weighted:
        from ui.views.filters import WEIGHT_LABEL

        lines.append(WEIGHT_NOTE.format(label=WEIGHT_LABEL))
    if weighted:
        lines.append("**Pipeline**: the deal amounts of the calls that raised the theme.")
    return "\n\n".join(lines)


def summary_markdown(report: GapReport, other_mentions: int = 0) -> str:
    """One line on the report: counts and the coverage bar (and how many other mentions,
    objections of one call that fit no theme, were left out: they are never gaps)."""
    text = (f"**{len(report.gaps)}** gaps · **{len(report.covered)}** covered themes · "
            f"**{len(report.unused_assets)}** unused assets (coverage bar "
            f"{percent(report.coverage_bar)}: a theme whose best asset answers less is a "
            "gap).")
    if other_mentions:
        text += (f" {other_mentions} other mention(s), raised in one call each, are not gaps "
                 "(see Objections).")
    if report.llm_error:
        text += " The LLM failed, so briefs were written without it."
    return text


def brief_text(report: GapReport | None, theme_id: str | None) -> str:
    """The brief of one gap, as Markdown (rendered, sanitised, with a copy button)."""
    if report is None or not theme_id:
        return ""
    for g in report.gaps:
        if g.theme_id == theme_id:
            return g.brief
    return ""


def build(workspace: Workspace, settings: Settings, tab: gr.Tab,
          bar: FilterBar | None = None) -> None:
    """The Gaps tab; the report is built when the tab is first opened, on demand, and again
    when the filters change after it was built (or it is opened with other filters)."""
    import gradio as gr

    from rag import GapReporter
    from rag.export import write_csv, write_markdown

    bar = bar or FilterBar(workspace)
    reporter = GapReporter(workspace, settings)
    report_state = gr.State(None)
    key_state = gr.State(None)
    run = gr.Button("Build the gap report", variant="primary")
    summary = gr.Markdown(elem_id="cm-gaps")
    gaps = gr.Dataframe(headers=GAP_HEADERS, interactive=False, wrap=True, max_height=520,
                        label="Gaps: themes the content does not answer, highest priority first",
                        datatype=["number", "str", "str", "number", "number", "str", "str",
                                  "markdown", "str", "str"],
                        column_widths=["7%", "19%", "9%", "8%", "5%", "7%", "8%", "13%", "17%",
                                       "7%"],
                        max_chars=160, elem_id="cm-gaps-table", elem_classes="cm-table")
    explanation = gr.Markdown(explanation_markdown(), elem_id="cm-gaps-explained",
                              elem_classes="cm-note")
    with gr.Row():
        pick = gr.Dropdown(label="Brief for", choices=[], scale=1, elem_id="cm-gap-pick",
                           allow_custom_value=True)
        with gr.Column(scale=2):
            gr.Markdown("**Content brief** (copy it with the button at its top right)")
            brief = gr.Markdown(buttons=["copy"], container=True, max_height=560,
                                latex_delimiters=[], elem_id="cm-gap-brief",
                                elem_classes="cm-brief")
    covered = gr.Dataframe(headers=COVERED_HEADERS, interactive=False, wrap=True,
                           label="Covered themes", max_height=360, max_chars=160,
                           datatype=["str", "str", "number", "str", "markdown", "str", "str"],
                           column_widths=["24%", "10%", "9%", "9%", "17%", "24%", "7%"],
                           elem_classes="cm-table")
    before_after = gr.Dataframe(headers=BEFORE_AFTER_HEADERS, interactive=False, wrap=True,
                                label="Published assets: how often their theme came up, "
                                      "before and after (objections of the theme per 100 "
                                      "calls; a drop is a hint, not proof)", max_height=360,
                                column_widths=["22%", "9%", "27%", "9%", "9%", "10%", "7%", "7%"],
                                elem_classes="cm-table")
    unused = gr.Dataframe(headers=UNUSED_HEADERS, interactive=False, wrap=True,
                          label="Unused assets (never among the top 3 answers to an objection)",
                          datatype=["markdown", "str", "str"],
                          column_widths=["60%", "20%", "20%"], elem_classes="cm-table")
    export = gr.Button("Export CSV and Markdown")
    with gr.Row():
        csv_file = gr.File(label="gaps.csv", interactive=False, visible=False)
        md_file = gr.File(label="gaps.md", interactive=False, visible=False)

    def build_report(call_filter, weigh: bool) -> tuple[GapReport, int, str]:
        calls, ids = bar.selection(call_filter)
        limit = None if call_filter.empty else ids
        report = reporter.run(limit, bar.weights(bool(weigh), ids))
        mentions = len(reporter.other_mentions(limit))
        return report, mentions, filter_note(call_filter, len(ids), len(calls))

    @shows_errors
    def show_report(reps=None, segments=None, stages=None, outcomes=None, since="", until="",
                    weigh=False):
        call_filter, marks = bar.read(reps, segments, stages, outcomes, since, until)
        if call_filter is None:  # the bad field says why; keep the report shown
            return (*skipped(len(outputs) - 2), *marks)
        report, mentions, note = build_report(call_filter, weigh)
        assets = {a.asset_id: a for a in workspace.assets()}
        choices = [(f"{g.label} ({g.category})", g.theme_id) for g in report.gaps]
        first = choices[0][1] if choices else None
        text = summary_markdown(report, mentions) + (f" {note}" if note else "")
        return (report, (call_filter, bool(weigh)), text, gap_rows(report.gaps, assets),
                covered_rows(report.covered, assets), unused_rows(report),
                before_after_rows(report.before_after),
                gr.Dropdown(choices=choices, value=first), brief_text(report, first),
                explanation_markdown(report), *marks)

    def on_filters(report, key, *form):
        """A filter changed: rebuild a report already shown (the tab's first opening builds
        the first one)."""
        if report is None:
            return [gr.skip()] * len(outputs)
        return show_report(*form)

    def on_open(report, key, *form):
        """The tab opened: build the report unless the one shown has these filters."""
        call_filter, _ = bar.read(*form[:6])
        if report is not None and key == (call_filter, bool(form[6])):
            return [gr.skip()] * len(outputs)
        return show_report(*form)

    @shows_errors
    def export_report(report: GapReport | None):
        report = report or reporter.run()
        require(report.gaps or report.covered, "No themes yet: ingest calls first.")
        folder = Path(tempfile.mkdtemp(prefix="callmine-gaps-"))
        return (str(write_csv(report, folder / "gaps.csv")),
                str(write_markdown(report, folder / "gaps.md")))

    form = [*bar.inputs, bar.weight]
    outputs = [report_state, key_state, summary, gaps, covered, unused, before_after, pick,
               brief, explanation, *bar.fields]
    run.click(show_report, form, outputs, api_name="gaps")
    tab.select(on_open, [report_state, key_state, *form], outputs, api_name=False)
    gr.on([*bar.triggers, bar.weight.change], on_filters, [report_state, key_state, *form],
          outputs, api_name=False)
    pick.change(brief_text, [report_state, pick], brief, api_name="gap_brief")
    export.click(export_report, report_state, [csv_file, md_file], api_name="export_gaps").success(
        lambda: (gr.File(visible=True), gr.File(visible=True)), None, [csv_file, md_file],
        api_name=False)
