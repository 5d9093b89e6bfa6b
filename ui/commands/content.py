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
                       help="the assets that answer what a buyer said, or every question of a "
                       "questionnaire (--questions FILE)")
    p.add_argument("text", nargs="?", help="the buyer's question or objection")
    p.add_argument("--top", type=int, default=3, metavar="K", help="assets to return (3)")
    p.add_argument("--type", metavar="T", help=f"only this asset type: {', '.join(ASSET_TYPES)}")
    p.add_argument("--public-only", action="store_true", help="only public assets")
    p.add_argument("--stage", metavar="S", help="only assets for this deal stage (or unset)")
    p.add_argument("--audience", metavar="A", help="only assets for this audience (or unset)")
    p.add_argument("--questions", metavar="FILE",
                   help="answer every question of a questionnaire: .txt (one question a line) "
                   "or a column of a .csv/.tsv/.xlsx; one JSON line per question with "
                   "--format json")
    p.add_argument("--column", metavar="NAME", help="with --questions: the question column "
                   "(default: the one whose header looks like 'question')")
    p.add_argument("--output", metavar="FILE", help="with --questions: write the answers to a "
                   ".csv or .xlsx file (question, answer, asset, title, url, passage, covered, "
                   "score)")
    p.set_defaults(handler=recommend)

    p = sub.add_parser("gaps", parents=[common],
                       help="objection themes no asset answers, with content briefs")
    p.add_argument("--export-md", metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--export-csv", metavar="FILE", help="also write one CSV row per theme")
    p.add_argument("--brief", metavar="THEME_ID", help="print only the content brief of this "
                   "gap (theme ids: gaps --format json, or callmine digest)")
    p.add_argument("--weight", choices=("count", "amount"), default="count",
                   help="what priority weighs themes by: objection count (default) or the "
                   "deal amount of the calls that raised them (calls without an amount count "
                   "as the median amount; see callmine ingest deals)")
    p.set_defaults(handler=gaps)

    p = sub.add_parser("ask", parents=[common],
                       help="a follow-up draft from the public content library, with citations")
    p.add_argument("question")
    p.add_argument("--public-only", action="store_true",
                   help="do not list internal assets beside the draft (it never quotes them)")
    p.set_defaults(handler=ask)


def _wrap(text: str, first: str = "    ", rest: str = "    ") -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=first,
                         subsequent_indent=rest)


def _hint(text: str) -> None:
    print(f"callmine: {text}", file=sys.stderr)


# -- recommend ---------------------------------------------------------------------------------


def recommend(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.errors import InputError
    from rag import Filters, Recommender
    from rag.export import recommendation_json
    from rag.retriever import check_filters
    from ui.cli import _workspace, emit

    filters = check_filters(Filters(args.type, args.public_only, args.stage, args.audience))
    if args.questions is not None:
        if args.text is not None:
            raise InputError("Give either the buyer's words or --questions FILE, not both.")
        return _questionnaire(args, settings, filters)
    for flag in ("column", "output"):
        if getattr(args, flag) is not None:
            raise InputError(f"--{flag} goes with --questions FILE.")
    if args.text is None:
        raise InputError("Give the buyer's words, e.g. callmine recommend \"Where is our data "
                         "hosted?\", or a questionnaire with --questions FILE.")
    result = Recommender(_workspace(settings), settings).run(args.text, top=args.top,
                                                             filters=filters)
    emit(args, recommendation_json(result), _recommend_text)
    return 0


def _questionnaire(args: argparse.Namespace, settings: Settings, filters) -> int:
    """``recommend --questions FILE``: JSON lines or text on stdout, or ``--output`` a file."""
    import json

    from ingest.questionnaire import read_questions
    from rag import Recommender
    from rag.export import recommendation_json
    from rag.questionnaire import QuestionnaireAnswerer, check_output, write_answers
    from ui.cli import _workspace

    output = check_output(Path(args.output)) if args.output else None
    questionnaire = read_questions(Path(args.questions), args.column)
    where = f", column '{questionnaire.column}'" if questionnaire.column else ""
    where += f", sheet '{questionnaire.sheet}'" if questionnaire.sheet else ""
    _hint(f"{len(questionnaire.questions)} question(s) from {questionnaire.path.name}{where}")
    unit = "line" if questionnaire.path.suffix.lower() == ".txt" else "row"
    answerer = QuestionnaireAnswerer(Recommender(_workspace(settings), settings), args.top,
                                     filters)
    items = []
    for n, item in enumerate(answerer.run(questionnaire.questions, progress=not args.quiet), 1):
        items.append(item)
        if output is not None:
            continue
        if args.format == "json":
            data = (recommendation_json(item.recommendation) if item.recommendation else
                    {"query": item.question.text, "error": item.error})
            sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        else:
            body = _recommend_text(recommendation_json(item.recommendation)) \
                if item.recommendation else f"ERROR: {item.error}"
            sys.stdout.write(f"{'=' * 80}\nQ{n} ({unit} {item.question.row}): "
                             f"{item.question.text}\n{body}\n")
        sys.stdout.flush()
    failed = [i for i in items if i.error]
    for item in failed:
        _hint(f"{unit} {item.question.row}: {item.error}")
    if output is not None:
        write_answers(output, items)
        covered = sum(1 for i in items if i.recommendation and i.recommendation.covered)
        _hint(f"wrote {len(items)} answer(s) to {output} ({covered} covered)")
        if args.format == "json":
            sys.stdout.write(json.dumps({"output": str(output), "questions": len(items),
                                         "covered": covered, "failed": len(failed)}) + "\n")
    return 3 if failed else 0


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
    from rag.export import gap_report_json, other_mention_json, write_csv, write_markdown
    from ui.cli import _workspace, check_exports, emit

    check_exports(args)
    ws = _workspace(settings)
    reporter = GapReporter(ws, settings)
    weights = None
    if args.weight == "amount":
        from insights.selection import deal_weights

        weights = deal_weights(c.meta for c in ws.calls())
        _hint(weights.note)
    report = reporter.run(weights=weights)
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
    data = gap_report_json(report)
    if weights is not None:  # additive: what priority weighs (README, --weight amount)
        data["weight"], data["weight_note"] = report.weight, report.weight_note
        for item, gap in zip([*data["gaps"], *data["covered"]],
                             [*report.gaps, *report.covered], strict=True):
            item["amount"] = gap.amount
    if args.brief is not None:
        return _brief(args, data)
    # one call's words that fit no theme: listed apart, never a gap
    data["other_mentions"] = [other_mention_json(t) for t in reporter.other_mentions()]
    emit(args, data, _gaps_text)
    return 0


def _brief(args: argparse.Namespace, data: dict) -> int:
    """``gaps --brief THEME_ID``: the content brief of one gap (JSON: that gap's object)."""
    from ingest.errors import InputError
    from ui.cli import emit

    found = [g for g in data["gaps"] if g["theme_id"] == args.brief]
    if not found:
        covered = [g for g in data["covered"] if g["theme_id"] == args.brief]
        if covered:
            best = covered[0]["best"]
            raise InputError(f"Theme {args.brief!r} ({covered[0]['label']}) is covered, not a "
                             f"gap: {best['title'] if best else 'an asset'} answers it, so it has "
                             "no brief.")
        ids = ", ".join(g["theme_id"] for g in data["gaps"][:10]) or "none"
        raise InputError(f"No gap with theme id {args.brief!r}; the gaps are: {ids} "
                         "(callmine gaps --format json lists them all).")
    emit(args, found[0], lambda g: g["brief"])
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
    if data.get("other_mentions"):
        lines += ["", f"OTHER MENTIONS: {len(data['other_mentions'])} objection(s) raised in one "
                  "call that fit no theme, not gaps (callmine themes lists them)"]
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

    from rag.records import Filters

    answer = Answerer(_workspace(settings), settings).run(
        args.question, Filters(public_only=args.public_only))
    if answer.llm_error:
        _hint(f"LLM failed, extractive answer given instead: {answer.llm_error}")
    data = answer_json(answer)
    emit(args, data, _ask_text)
    return 0


def _ask_text(data: dict) -> str:
    lines = [data["answer"]]
    notes = [f"  - {c['title']} ({c['asset_id']}): internal, do not send"
             for c in data["internal"]]
    notes += [f"  - left out \"{_cut(o['sentence'])}\" ({o['asset_id']}): {o['reason']}"
              for o in data["omitted"]]
    if notes:
        lines += ["", "FOR YOU, NOT THE BUYER:", *notes]
    return "\n".join(lines)


def _cut(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
