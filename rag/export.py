"""The rag records as contract JSON, and the gap report as Markdown and CSV files.

The JSON shapes are those of the command-line contract (``callmine recommend|gaps|ask
--format json``); the CLI and the UI both use these functions, so they cannot drift apart.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rag.questionnaire import safe_cell
from rag.records import Answer, GapReport, Recommendation, ThemeGap

CSV_COLUMNS = ("status", "theme_id", "label", "category", "count", "lost", "coverage",
               "covered_share", "priority", "stage", "best_asset_id", "best_title",
               "best_score", "best_location", "best_passage")


def recommendation_json(rec: Recommendation) -> dict[str, Any]:
    """``{"query", "covered", "recommendations": [...]}`` (best first)."""
    return {
        "query": rec.query,
        "covered": rec.covered,
        "recommendations": [
            {"asset_id": r.asset_id, "title": r.title, "type": r.type, "source": r.source,
             "passage": r.passage, "score": r.score, "why": r.why, "location": r.location,
             "chunk_id": r.chunk_id, "url": r.url, "highlight": r.highlight}
            for r in rec.recommendations],
    }


def _gap_json(g: ThemeGap) -> dict[str, Any]:
    return {
        "theme_id": g.theme_id, "label": g.label, "category": g.category, "count": g.count,
        "lost": g.lost, "coverage": g.coverage, "priority": g.priority,
        "best": ({"asset_id": g.best.asset_id, "title": g.best.title,
                  "passage": g.best.passage, "score": g.best.score,
                  "location": g.best.location} if g.best else None),
        "brief": g.brief, "won": g.won, "open": g.open, "covered_share": g.covered_share,
        "stage": g.stage,
        "quotes": [{"call_id": q.call_id, "turn": q.turn, "text": q.text,
                    "date": q.date.isoformat() if q.date else None, "outcome": q.outcome}
                   for q in g.quotes],
    }


def gap_report_json(report: GapReport) -> dict[str, Any]:
    """``{"gaps", "covered", "unused_assets", "before_after", ...}`` per the contract."""
    data: dict[str, Any] = {
        "gaps": [_gap_json(g) for g in report.gaps],
        "covered": [_gap_json(g) for g in report.covered],
        "unused_assets": [{"asset_id": a.asset_id, "title": a.title or a.asset_id}
                          for a in report.unused_assets],
        "before_after": [
            {"asset_id": b.asset_id, "title": b.title, "published": b.published.isoformat(),
             "theme_id": b.theme_id, "label": b.label, "before_per_100": b.before_per_100,
             "after_per_100": b.after_per_100, "calls_before": b.calls_before,
             "calls_after": b.calls_after, "coverage": b.coverage}
            for b in report.before_after],
        "coverage_bar": report.coverage_bar,
    }
    if report.llm_error:
        data["llm_error"] = report.llm_error
    return data


def answer_json(answer: Answer) -> dict[str, Any]:
    """``{"answer", "citations": [{"asset_id", "passage"}], ...}``."""
    data: dict[str, Any] = {
        "question": answer.question,
        "answer": answer.answer,
        "citations": [{"asset_id": c.asset_id, "passage": c.passage, "title": c.title,
                       "marker": c.marker, "chunk_id": c.chunk_id, "location": c.location}
                      for c in answer.citations],
        "covered": answer.covered,
        "mode": answer.mode,
    }
    if answer.llm_error:
        data["llm_error"] = answer.llm_error
    return data


def pct(value: float | None) -> str:
    """A fraction in 0..1 as a whole percentage (``-`` when unknown), for text reports."""
    return "-" if value is None else f"{100 * value:.0f}%"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def gap_report_markdown(report: GapReport) -> str:
    """The whole report as one Markdown document: summary tables, then a brief per gap."""
    lines = ["# Content gap report", "",
             f"Coverage bar: {pct(report.coverage_bar)} (a theme below it is a gap). "
             "Priority = count_norm x (1 + lost_share) x (1 - coverage).", ""]
    for title, items in (("Gaps", report.gaps), ("Covered themes", report.covered)):
        lines += [f"## {title}", ""]
        if not items:
            lines += ["None.", ""]
            continue
        lines += ["| # | theme | category | count | lost | coverage | priority | best asset |",
                  "|---:|---|---|---:|---:|---:|---:|---|"]
        for i, g in enumerate(items, 1):
            best = f"{_cell(g.best.title)} (`{g.best.asset_id}`)" if g.best else "none"
            lines.append(f"| {i} | {_cell(g.label)} | {g.category} | {g.count} | {g.lost} | "
                         f"{pct(g.coverage)} | {g.priority:.2f} | {best} |")
        lines.append("")
    lines += ["## Unused assets", "",
              "Never among the top 3 recommendations for any objection:", ""]
    lines += [f"- {_cell(a.title or a.asset_id)} (`{a.asset_id}`)" for a in report.unused_assets]
    lines += ["- none" if not report.unused_assets else "", ""]
    if report.before_after:
        lines += ["## Before and after publishing", "",
                  "Objections of the theme an asset answers best, per 100 calls.", "",
                  "| asset | published | theme | before | after | calls before | calls after |",
                  "|---|---|---|---:|---:|---:|---:|"]
        for b in report.before_after:
            fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
            lines.append(f"| {_cell(b.title)} | {b.published} | {_cell(b.label)} | "
                         f"{fmt(b.before_per_100)} | {fmt(b.after_per_100)} | "
                         f"{b.calls_before} | {b.calls_after} |")
        lines.append("")
    if report.gaps:
        lines += ["# Content briefs", ""]
        for g in report.gaps:
            lines += [g.brief, "", "---", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(report: GapReport, path: Path) -> Path:
    """Write :func:`gap_report_markdown` to ``path``."""
    path = Path(path)
    path.write_text(gap_report_markdown(report), encoding="utf-8")
    return path


def write_csv(report: GapReport, path: Path) -> Path:
    """One row per theme (gaps first, by priority; then covered themes): :data:`CSV_COLUMNS`.
    Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
    prefixed with an apostrophe (:func:`rag.questionnaire.safe_cell`)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for status, items in (("gap", report.gaps), ("covered", report.covered)):
            for g in items:
                b = g.best
                writer.writerow([safe_cell(v) for v in (
                    status, g.theme_id, g.label, g.category, g.count, g.lost,
                    f"{g.coverage:.4f}", f"{g.covered_share:.4f}", f"{g.priority:.4f}",
                    g.stage or "", b.asset_id if b else "", b.title if b else "",
                    f"{b.score:.4f}" if b else "", b.location if b else "",
                    b.passage if b else "")])
    return path
