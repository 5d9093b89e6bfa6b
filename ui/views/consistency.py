"""Consistency view: does the company tell one story? Overall score, per-source scores, and
findings (conflicts, name variants, drift from messaging, unanswered questions, GEO issues),
each with its quote and where it was found; filterable by kind and severity.

The score box always shows the score of the whole check (every source, every finding), with
its formula in words: narrowing what is shown (public content only, kinds, severities) changes
the rows, never the score. Sources are named by title, not by id (exports keep the ids).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.settings import Settings
from ingest.store import Workspace
from rag.consistency.records import KINDS, PENALTY, SEVERITIES, ConsistencyReport, Finding
from rag.consistency.scoring import PUBLIC_WEIGHT, READINESS_CAP
from ui.views.errors import require, shows_errors
from ui.views.text import as_words, html_text

FINDING_HEADERS = ["severity", "kind", "subject", "expected", "found", "source", "location",
                   "quote", "why"]
SOURCE_HEADERS = ["source", "kind", "public", "findings", "score"]
KIND_LABELS = {"conflict": "Conflict with the fact book", "entity_variant": "Name variant",
               "drift": "Positioning drift", "missing_answer": "Buyer question not answered",
               "geo": "Hard for AI answer engines"}
"""What each finding kind is called on screen (the JSON and exports keep the kind ids)."""


def label(kind: str | None) -> str:
    """A finding kind or asset type as people read it: ``entity_variant`` -> "Name variant",
    ``battle_card`` -> "battle card".

    Example:
        >>> label("entity_variant"), label("battle_card")
        ('Name variant', 'battle card')
    """
    return KIND_LABELS.get(kind or "", as_words(kind))

if TYPE_CHECKING:
    import gradio as gr


def score_explanation() -> str:
    """How the score is computed, in plain words (from the scoring constants)."""
    penalties = ", ".join(f"{s} {PENALTY[s]:g}" for s in SEVERITIES if s in PENALTY)
    return (f"Each source scores 100 minus its findings' penalties ({penalties} points; at "
            f"least 0). The overall score is the mean of the source scores, public assets "
            f"counting {PUBLIC_WEIGHT:g}×, minus the points of unanswered buyer questions "
            f"(at most {READINESS_CAP:g}). It is computed on every finding of the whole "
            "check: the filters below change which rows are shown, not the score.")


def _titles(report: ConsistencyReport) -> dict[str, str]:
    """Source (asset id or ``call:<id>``) -> how it is named on screen."""
    out = {}
    for s in report.sources:
        if s.source.startswith("call:"):
            out[s.source] = f"call {s.source[5:]}"
        else:
            out[s.source] = s.title or s.source
    return out


def finding_rows(findings: Sequence[Finding], kinds: Sequence[str] | None = None,
                 severities: Sequence[str] | None = None,
                 titles: dict[str, str] | None = None) -> list[list]:
    """Findings as rows, most severe first; only the kinds and severities asked for; the
    source named by its title (``titles``, from the report's sources) when known."""
    titles = titles or {}
    order = {s: i for i, s in enumerate(SEVERITIES)}
    shown = [f for f in findings
             if (not kinds or f.kind in kinds) and (not severities or f.severity in severities)]
    shown.sort(key=lambda f: order.get(f.severity, len(order)))
    return [[f.severity, label(f.kind), f.subject, f.expected or "", f.found or "",
             titles.get(f.source, f.source), f.location or "", f.quote or "", f.detail or ""]
            for f in shown]


def source_rows(report: ConsistencyReport) -> list[list]:
    """Each source (an asset by its title, a call by its name) with its score, lowest first;
    the ids are in the exports."""
    titles = _titles(report)
    return [[titles.get(s.source, s.source), label(s.kind), "yes" if s.public else "no",
             s.findings, round(s.score)]
            for s in sorted(report.sources, key=lambda s: (s.score, s.source))]


def score_html(report: ConsistencyReport) -> str:
    """The overall score with a one-line summary (escaped HTML)."""
    counts = {s: sum(f.severity == s for f in report.findings) for s in SEVERITIES}
    detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    return (f'<div class="cm-score-box"><span class="cm-score">{round(report.score)}</span>'
            f'<span class="cm-score-of"> / 100</span><div>{html_text(detail)} across '
            f"{len(report.sources)} sources</div>"
            + "".join(f'<div class="cm-note">{html_text(n)}</div>' for n in report.notes)
            + f'<div class="cm-note cm-explained">{html_text(score_explanation())}</div>'
            + "</div>")


def build(workspace: Workspace, settings: Settings, tab: gr.Tab) -> None:
    """The Consistency tab; the check runs when the tab is first opened, and on demand."""
    import gradio as gr

    from rag.consistency import ConsistencyChecker, report_markdown

    checker = ConsistencyChecker(workspace, settings)
    report_state = gr.State(None)
    with gr.Row():
        public_only = gr.Checkbox(label="Public content only (what buyers and AI assistants see)")
        run = gr.Button("Check consistency", variant="primary")
    score = gr.HTML(elem_id="cm-consistency-score")
    with gr.Row():
        kinds = gr.CheckboxGroup([(label(k), k) for k in KINDS], value=list(KINDS),
                                 label="Kind")
        severities = gr.CheckboxGroup(list(SEVERITIES), value=list(SEVERITIES), label="Severity")
    findings = gr.Dataframe(headers=FINDING_HEADERS, interactive=False, wrap=True,
                            max_height=560, label="Findings", elem_classes="cm-table",
                            column_widths=["7%", "9%", "10%", "12%", "10%", "9%", "10%", "17%",
                                           "16%"])
    sources = gr.Dataframe(headers=SOURCE_HEADERS, interactive=False, max_height=360,
                           label="Scores by source (lowest first)", elem_classes="cm-table",
                           column_widths=["60%", "10%", "10%", "10%", "10%"])
    export = gr.Button("Export the report as Markdown")
    report_file = gr.File(label="consistency.md", interactive=False, visible=False)

    @shows_errors
    def check(public: bool, kind_filter: list[str], severity_filter: list[str]
              ) -> tuple[ConsistencyReport, str, list[list], list[list]]:
        whole = checker.run(public_only=False)  # the score: every source, every finding
        report = checker.run(public_only=True) if public else whole
        return (report, score_html(whole),
                finding_rows(report.findings, kind_filter, severity_filter, _titles(whole)),
                source_rows(report))

    @shows_errors
    def refilter(report: ConsistencyReport | None, kind_filter: list[str], severity_filter: list[str]):
        return (finding_rows(report.findings, kind_filter, severity_filter, _titles(report))
                if report else [])

    @shows_errors
    def export_report(report: ConsistencyReport | None) -> str:
        require(report is not None, "Run the check first (Check consistency).")
        path = Path(tempfile.mkdtemp(prefix="callmine-consistency-")) / "consistency.md"
        path.write_text(report_markdown(report), encoding="utf-8")
        return str(path)

    outputs = [report_state, score, findings, sources]
    run.click(check, [public_only, kinds, severities], outputs, api_name="consistency")
    tab.select(lambda report, *form: check(*form) if report is None
               else [gr.skip()] * len(outputs),
               [report_state, public_only, kinds, severities], outputs, api_name=False)
    gr.on([kinds.change, severities.change], refilter, [report_state, kinds, severities],
          findings, api_name="findings")
    export.click(export_report, report_state, report_file, api_name="export_consistency").success(
        lambda: gr.File(visible=True), None, report_file, api_name=False)
