"""Gaps view (content teams): objection themes the content does not answer, by priority, with a
brief for each; covered themes; unused assets; before/after trends of published assets; and
the report as CSV and Markdown downloads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.settings import Settings
from ingest.store import Workspace
from rag.records import BeforeAfter, GapReport, ThemeGap
from ui.views.errors import require, shows_errors
from ui.views.text import percent

GAP_HEADERS = ["priority", "theme", "category", "objections", "lost", "coverage", "raised at",
               "nearest asset", "nearest passage"]
COVERED_HEADERS = ["theme", "category", "objections", "coverage", "answered by", "passage"]
UNUSED_HEADERS = ["asset", "title", "type", "published"]
BEFORE_AFTER_HEADERS = ["asset", "published", "theme", "per 100 calls before",
                        "per 100 calls after", "change", "calls before", "calls after"]

if TYPE_CHECKING:
    import gradio as gr


def gap_rows(gaps: Sequence[ThemeGap]) -> list[list]:
    """Themes below the coverage bar, highest priority first."""
    return [[round(g.priority, 2), g.label, g.category, g.count, g.lost, percent(g.coverage),
             g.stage or "", g.best.title if g.best else "", g.best.passage if g.best else ""]
            for g in gaps]


def covered_rows(covered: Sequence[ThemeGap]) -> list[list]:
    """Themes the content answers, with the asset and passage that answer best."""
    return [[g.label, g.category, g.count, percent(g.coverage),
             g.best.title if g.best else "", g.best.passage if g.best else ""]
            for g in covered]


def unused_rows(report: GapReport) -> list[list]:
    """Assets that answer none of the themes buyers raise."""
    return [[a.asset_id, a.title or "", a.type, str(a.published or "")]
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


def summary_markdown(report: GapReport, other_mentions: int = 0) -> str:
    """One line on the report: counts and the coverage bar (and how many other mentions,
    objections of one call that fit no theme, were left out: they are never gaps)."""
    text = (f"**{len(report.gaps)}** gaps · **{len(report.covered)}** covered themes · "
            f"**{len(report.unused_assets)}** unused assets (coverage bar "
            f"{percent(report.coverage_bar)}).")
    if other_mentions:
        text += (f" {other_mentions} other mention(s), raised in one call each, are not gaps "
                 "(see Objections).")
    if report.llm_error:
        text += " The LLM failed, so briefs were written without it."
    return text


def brief_text(report: GapReport | None, theme_id: str | None) -> str:
    """The brief of one gap, as Markdown source (shown in a text box, never rendered)."""
    if report is None or not theme_id:
        return ""
    for g in report.gaps:
        if g.theme_id == theme_id:
            return g.brief
    return ""


def build(workspace: Workspace, settings: Settings, tab: gr.Tab) -> None:
    """The Gaps tab; the report is built when the tab is first opened, and on demand."""
    import gradio as gr

    from rag import GapReporter
    from rag.export import write_csv, write_markdown

    reporter = GapReporter(workspace, settings)
    report_state = gr.State(None)
    run = gr.Button("Build the gap report", variant="primary")
    summary = gr.Markdown(elem_id="cm-gaps")
    gaps = gr.Dataframe(headers=GAP_HEADERS, interactive=False, wrap=True, max_height=520,
                        label="Gaps: themes the content does not answer, highest priority first",
                        column_widths=["7%", "22%", "9%", "8%", "5%", "7%", "8%", "13%", "21%"],
                        max_chars=160, elem_classes="cm-table")
    with gr.Row():
        pick = gr.Dropdown(label="Brief for", choices=[], scale=1, elem_id="cm-gap-pick",
                           allow_custom_value=True)
        brief = gr.Textbox(label="Content brief", lines=10, buttons=["copy"], scale=2,
                           elem_id="cm-gap-brief")
    covered = gr.Dataframe(headers=COVERED_HEADERS, interactive=False, wrap=True,
                           label="Covered themes", max_height=360, max_chars=160,
                           column_widths=["26%", "10%", "9%", "9%", "18%", "28%"],
                           elem_classes="cm-table")
    before_after = gr.Dataframe(headers=BEFORE_AFTER_HEADERS, interactive=False, wrap=True,
                                label="Published assets: how often their theme came up, "
                                      "before and after", max_height=360,
                                column_widths=["22%", "9%", "27%", "9%", "9%", "10%", "7%", "7%"],
                                elem_classes="cm-table")
    unused = gr.Dataframe(headers=UNUSED_HEADERS, interactive=False, wrap=True,
                          label="Unused assets (never among the top answers to an objection)",
                          column_widths=["25%", "45%", "15%", "15%"], elem_classes="cm-table")
    export = gr.Button("Export CSV and Markdown")
    with gr.Row():
        csv_file = gr.File(label="gaps.csv", interactive=False, visible=False)
        md_file = gr.File(label="gaps.md", interactive=False, visible=False)

    @shows_errors
    def show_report():
        report = reporter.run()
        choices = [(f"{g.label} ({g.category})", g.theme_id) for g in report.gaps]
        first = choices[0][1] if choices else None
        mentions = len(reporter.other_mentions())
        return (report, summary_markdown(report, mentions), gap_rows(report.gaps),
                covered_rows(report.covered), unused_rows(report),
                before_after_rows(report.before_after),
                gr.Dropdown(choices=choices, value=first), brief_text(report, first))

    @shows_errors
    def export_report(report: GapReport | None):
        report = report or reporter.run()
        require(report.gaps or report.covered, "No themes yet: ingest calls first.")
        folder = Path(tempfile.mkdtemp(prefix="callmine-gaps-"))
        return (str(write_csv(report, folder / "gaps.csv")),
                str(write_markdown(report, folder / "gaps.md")))

    outputs = [report_state, summary, gaps, covered, unused, before_after, pick, brief]
    run.click(show_report, None, outputs, api_name="gaps")
    tab.select(lambda report: show_report() if report is None else [gr.skip()] * len(outputs),
               report_state, outputs, api_name=False)
    pick.change(brief_text, [report_state, pick], brief, api_name="gap_brief")
    export.click(export_report, report_state, [csv_file, md_file], api_name="export_gaps").success(
        lambda: (gr.File(visible=True), gr.File(visible=True)), None, [csv_file, md_file],
        api_name=False)
