"""Every record as contract JSON (one function per record type), and the gap report as
Markdown and CSV files.

The JSON shapes are those of the command-line contract (``callmine calls|objections|themes|
messages|recommend|gaps|ask --format json``). The CLI, the UI and the CSV/Markdown tables
(:mod:`rag.tables`) all build on these functions, so a field means the same thing everywhere
and they cannot drift apart. (Consistency findings serialize themselves:
:meth:`rag.consistency.records.ConsistencyReport.to_dict`.)
"""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ingest.records import Call
from insights.records import MessageStat, Objection, Theme
from rag.questionnaire import safe_cell
from rag.records import Answer, GapReport, Recommendation, ThemeGap

CSV_COLUMNS = ("status", "theme_id", "label", "category", "count", "lost", "coverage",
               "covered_share", "priority", "stage", "best_asset_id", "best_title",
               "best_score", "best_location", "best_passage")


def speakers_json(note: dict | None) -> dict | None:
    """How a recording's speakers were told apart, without the voice prints."""
    if not note:
        return None
    return {k: v for k, v in note.items() if k not in ("voices", "speech")}


def call_json(c: Call) -> dict[str, Any]:
    """A call of ``callmine calls``: its metadata, kind, duration, source and speakers."""
    return {"call_id": c.call_id, "date": c.meta.date, "rep": c.meta.rep,
            "account": c.meta.account, "stage": c.meta.stage, "outcome": c.meta.outcome,
            "segment": c.meta.segment, "kind": c.kind, "duration": c.duration,
            "source": c.source, "deal": c.meta.deal, "amount": c.meta.amount,
            "speakers": speakers_json(c.speakers)}


def objection_json(o: Objection) -> dict[str, Any]:
    """An objection of ``callmine objections`` (the contract's fields, then ``source``)."""
    return {"id": o.id, "call_id": o.call_id, "turn": o.turn, "speaker": o.speaker,
            "start": o.start, "end": o.end, "text": o.text, "category": o.category,
            "theme_id": o.theme_id, "confidence": o.confidence, "source": o.source}


def theme_json(t: Theme) -> dict[str, Any]:
    """A theme (or other mention) of ``callmine themes``."""
    return {"id": t.id, "label": t.label, "category": t.category, "count": t.count,
            "calls": t.calls, "won": t.won, "lost": t.lost, "open": t.open,
            "keywords": t.keywords, "trend": t.trend,
            "examples": [asdict(e) for e in t.examples]}


def message_json(m: MessageStat) -> dict[str, Any]:
    """A talk track's figures of ``callmine messages`` (rates are fractions in 0..1)."""
    return {"id": m.id, "name": m.name, "uses": m.uses, "calls": m.calls,
            "positive_reaction_rate": m.positive_reaction_rate,
            "objection_rate": m.objection_rate, "win_rate_with": m.win_rate_with,
            "win_rate_without": m.win_rate_without, "lift": m.lift,
            "lift_ci": list(m.lift_ci) if m.lift_ci else None,
            "verdict": m.verdict, "warning": m.warning,
            "examples": [{"call_id": e.call_id, "turn": e.turn, "start": e.start,
                          "text": e.text, "reaction": e.reaction} for e in m.examples],
            "occurrences": [{"call_id": o.call_id, "turn": o.turn} for o in m.occurrences]}


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


def gap_json(g: ThemeGap) -> dict[str, Any]:
    """A theme's gap (or covered theme) of ``callmine gaps``."""
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
        "gaps": [gap_json(g) for g in report.gaps],
        "covered": [gap_json(g) for g in report.covered],
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
    # what the rep should know beside the draft (additive, README): internal assets (never to
    # be sent), the sentences left out and why, the nearest asset offered when nothing answers
    data.update({
        "public_only": answer.public_only,
        "internal": [{**_cited(c), "note": "internal, do not send"} for c in answer.internal],
        "omitted": [{"asset_id": o.asset_id, "sentence": o.sentence, "reason": o.reason}
                    for o in answer.omitted],
        "nearest": _cited(answer.nearest) if answer.nearest else None})
    return data


def _cited(c: Any) -> dict[str, Any]:
    """An asset named beside a draft (internal, or the nearest one)."""
    return {"asset_id": c.asset_id, "title": c.title, "passage": c.passage,
            "location": c.location, "url": c.url, "score": c.score, "public": c.public}


def other_mention_json(t: Theme) -> dict[str, Any]:
    """An other mention (one call's words that fit no theme) as ``gaps`` lists it."""
    return {"theme_id": t.id, "label": t.label, "category": t.category, "count": t.count,
            "call_id": t.examples[0].call_id if t.examples else None}


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
            for g in map(gap_json, items):
                b = g["best"] or {}
                writer.writerow([safe_cell(v) for v in (
                    status, g["theme_id"], g["label"], g["category"], g["count"], g["lost"],
                    f"{g['coverage']:.4f}", f"{g['covered_share']:.4f}",
                    f"{g['priority']:.4f}", g["stage"] or "", b.get("asset_id", ""),
                    b.get("title", ""), f"{b['score']:.4f}" if b else "",
                    b.get("location", ""), b.get("passage", ""))])
    return path
