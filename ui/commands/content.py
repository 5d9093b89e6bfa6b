"""``callmine recommend``, ``callmine gaps`` and ``callmine ask``.

JSON shapes follow CONTRACT.md (built by :mod:`rag.export`); text output is for people. An
empty workspace exits 2 with "ingest content first: callmine ingest content ...", an unknown
``--type`` exits 2 listing the valid types.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from ingest.records import ASSET_TYPES
from ingest.settings import Settings

WIDTH = 96
SHOWN = 20
BRIEFS_SHOWN = 3


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the content sub-commands to the ``callmine`` parser."""
    p = sub.add_parser("recommend", parents=[common],
                       help="the assets that answer what a buyer said")
    p.add_argument("text", help="the buyer's question or objection")
    p.add_argument("--top", type=int, default=3, metavar="K", help="assets to return (3)")
    p.add_argument("--type", metavar="T", help=f"only this asset type: {', '.join(ASSET_TYPES)}")
    p.add_argument("--public-only", action="store_true", help="only public assets")
    p.add_argument("--stage", metavar="S", help="only assets for this deal stage (or unset)")
    p.add_argument("--audience", metavar="A", help="only assets for this audience (or unset)")
    p.set_defaults(handler=recommend)

    p = sub.add_parser("gaps", parents=[common],
                       help="objection themes no asset answers, with content briefs")
    p.add_argument("--export-md", metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--export-csv", metavar="FILE", help="also write one CSV row per theme")
    p.set_defaults(handler=gaps)

    p = sub.add_parser("ask", parents=[common], help="a cited answer from the content library")
    p.add_argument("question")
    p.set_defaults(handler=ask)


def _wrap(text: str, first: str = "    ", rest: str = "    ") -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=first,
                         subsequent_indent=rest)


def _hint(text: str) -> None:
    print(f"callmine: {text}", file=sys.stderr)


# -- recommend ---------------------------------------------------------------------------------


def recommend(args: argparse.Namespace, settings: Settings) -> int:
    from rag import Filters, Recommender
    from rag.export import recommendation_json
    from rag.retriever import check_filters
    from ui.cli import _workspace, emit

    filters = check_filters(Filters(args.type, args.public_only, args.stage, args.audience))
    result = Recommender(_workspace(settings), settings).run(args.text, top=args.top,
                                                             filters=filters)
    emit(args, recommendation_json(result), _recommend_text)
    return 0


def _recommend_text(data: dict) -> str:
    head = ("COVERED: an asset answers this." if data["covered"] else
            "NOT COVERED: no asset really answers this; the nearest passages are below.")
    lines = [head]
    if not data["recommendations"]:
        lines.append("No asset matches (check the filters).")
    for i, r in enumerate(data["recommendations"], 1):
        lines += ["", f"{i}. {r['title']}  [{r['type']}]  score {r['score']:.2f}",
                  f"   {r['source']}" + (f"  ({r['location']})" if r["location"] else ""),
                  _wrap(r["why"], "   why: ", "        "),
                  _wrap(f"\"{r['highlight']}\"", "   key sentence: ", "        ")
                  if r.get("highlight") else "",
                  _wrap(r["passage"][:600] + ("…" if len(r["passage"]) > 600 else ""))]
    return "\n".join(lines)


# -- gaps --------------------------------------------------------------------------------------


def gaps(args: argparse.Namespace, settings: Settings) -> int:
    from rag import GapReporter
    from rag.export import gap_report_json, write_csv, write_markdown
    from ui.cli import _workspace, emit

    targets = [Path(p) for p in (args.export_md, args.export_csv) if p]
    for target in targets:
        if not target.parent.is_dir():
            from ingest.errors import InputError

            raise InputError(f"Cannot write {target}: folder {target.parent} does not exist.")
    ws = _workspace(settings)
    report = GapReporter(ws, settings).run()
    if not report.gaps and not report.covered:
        _hint("no objection themes yet: ingest calls first (callmine ingest calls PATH)")
    if report.llm_error:
        _hint(f"LLM briefs failed, template briefs used instead: {report.llm_error}")
    if args.export_md:
        write_markdown(report, Path(args.export_md))
        _hint(f"wrote {args.export_md}")
    if args.export_csv:
        write_csv(report, Path(args.export_csv))
        _hint(f"wrote {args.export_csv}")
    emit(args, gap_report_json(report), _gaps_text)
    return 0


def _theme_line(i: int, g: dict) -> str:
    best = f"best: {g['best']['title']} ({g['best']['score']:.0%})" if g["best"] else "best: none"
    return (f"{i:>2}. {g['label'][:40]:<40} {g['category']:<14} count {g['count']:>3}  "
            f"lost {g['lost']:>3}  coverage {g['coverage']:>4.0%}  priority {g['priority']:.2f}"
            f"  {best}")


def _themes_text(items: list[dict]) -> list[str]:
    lines = [_theme_line(i, g) for i, g in enumerate(items[:SHOWN], 1)] or ["  none"]
    if len(items) > SHOWN:
        lines.append(f"    ... and {len(items) - SHOWN} more (all of them with --format json or "
                     "--export-md/--export-csv)")
    return lines


def _gaps_text(data: dict) -> str:
    lines = [f"GAPS (coverage below {data['coverage_bar']:.0%}), highest priority first:"]
    lines += _themes_text(data["gaps"])
    lines += ["", "COVERED THEMES:"]
    lines += _themes_text(data["covered"])
    lines += ["", "UNUSED ASSETS (never a top-3 answer):"]
    lines += [f"  {a['asset_id']}: {a['title']}" for a in data["unused_assets"]] or ["  none"]
    if data["before_after"]:
        lines += ["", "BEFORE/AFTER PUBLISHING (objections of its theme per 100 calls):"]
        for b in data["before_after"]:
            fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
            lines.append(f"  {b['asset_id']} ({b['published']}) -> {b['label']}: "
                         f"{fmt(b['before_per_100'])} before ({b['calls_before']} calls), "
                         f"{fmt(b['after_per_100'])} after ({b['calls_after']} calls)")
    for g in data["gaps"][:BRIEFS_SHOWN]:
        lines += ["", "=" * 80, g["brief"]]
    if len(data["gaps"]) > BRIEFS_SHOWN:
        lines += ["", f"(briefs of the top {BRIEFS_SHOWN} gaps shown; all in --export-md FILE)"]
    return "\n".join(lines)


# -- ask ---------------------------------------------------------------------------------------


def ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag import Answerer
    from rag.export import answer_json
    from ui.cli import _workspace, emit

    answer = Answerer(_workspace(settings), settings).run(args.question)
    if answer.llm_error:
        _hint(f"LLM failed, extractive answer given instead: {answer.llm_error}")
    emit(args, answer_json(answer), lambda d: d["answer"])
    return 0
