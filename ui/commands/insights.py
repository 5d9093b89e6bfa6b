"""``callmine objections``, ``callmine themes`` and ``callmine messages``.

JSON shapes follow CONTRACT.md; text output is aligned columns for people. An empty workspace
prints an empty list (and a hint on stderr) and exits 0. ``--export-csv FILE`` and
``--export-md FILE`` also write the whole table to a file (:mod:`rag.tables`); stdout does not
change.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ingest.settings import Settings
from insights.records import CATEGORIES
from ui.cli import add_export_options, check_exports, write_exports

BAR = 20


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the insights sub-commands to the ``callmine`` parser."""
    p = sub.add_parser("objections", parents=[common], help="buyer objections found in calls")
    p.add_argument("--call", metavar="ID", help="only this call")
    p.add_argument("--category", metavar="C", help=f"only this category: {', '.join(CATEGORIES)}")
    add_export_options(p, "the objections (quote, call, time, speaker, category, theme, "
                       "outcome)")
    p.set_defaults(handler=objections)
    p = sub.add_parser("themes", parents=[common], help="objection themes across calls")
    add_export_options(p, "the themes and other mentions")
    p.set_defaults(handler=themes)
    p = sub.add_parser("messages", parents=[common],
                       help="talk-track use, buyer reactions and win-rate lift")
    p.add_argument("--weight", choices=("count", "amount"), default="count",
                   help="win rates over calls (default) or over deal amounts: the share of "
                   "the closed pipeline won (calls without an amount count as the median "
                   "amount; see callmine ingest deals)")
    add_export_options(p, "the talk-track table")
    p.set_defaults(handler=messages)


def _hint(text: str) -> None:
    print(f"callmine: {text}", file=sys.stderr)


def _bar(value: int, top: int) -> str:
    n = round(BAR * value / top) if top else 0
    return "#" * n + "." * (BAR - n)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:4.0f}%"


# -- objections --------------------------------------------------------------------------------


def objections(args: argparse.Namespace, settings: Settings) -> int:
    from insights import check_category, load_objections
    from rag.export import objection_json
    from ui.cli import _workspace, emit

    category = check_category(args.category)  # InputError (exit 2) lists the valid ones
    check_exports(args)
    ws = _workspace(settings)
    if args.call is not None:
        ws.call(args.call)  # WorkspaceError (exit 2) for an unknown call
    found = load_objections(ws, call_id=args.call, category=category)
    data = {"objections": [objection_json(o) for o in found]}
    if not found:
        _hint("no objections found" + ("" if ws.stats()["calls"] else
              " (no calls yet: callmine ingest calls PATH)"))
    if args.export_csv or args.export_md:
        from insights import load_themes
        from rag.tables import objection_table

        calls = {c.call_id: c.meta for c in ws.calls()}
        write_exports(args, objection_table(found, calls, load_themes(ws)))
    emit(args, data, _objections_text)
    return 0


def _objections_text(data: dict) -> str:
    rows = data["objections"]
    if not rows:
        return "no objections"
    call_w = min(24, max(len("call"), *(len(o["call_id"]) for o in rows)))
    lines = [f"{'call':<{call_w}} {'turn':>4} {'time':>5}  {'category':<14} {'conf':>4}  text"]
    for o in rows:
        t = "" if o["start"] is None else f"{int(o['start']) // 60:02d}:{int(o['start']) % 60:02d}"
        lines.append(f"{_cut(o['call_id'], call_w):<{call_w}} {o['turn']:>4} {t:>5}  "
                     f"{o['category']:<14} {o['confidence']:>4.2f}  {_cut(o['text'], 90)}")
    lines.append(f"{len(rows)} objection(s)")
    return "\n".join(lines)


# -- themes ------------------------------------------------------------------------------------


def themes(args: argparse.Namespace, settings: Settings) -> int:
    from insights import load_themes
    from rag.export import theme_json
    from ui.cli import _workspace, emit

    check_exports(args)
    ws = _workspace(settings)
    found = load_themes(ws)

    # themes: raised in two or more calls; other mentions: one call's words that fit no theme
    data: dict[str, Any] = {"themes": [theme_json(t) for t in found if not t.mention]}
    if found:
        data["other_mentions"] = [theme_json(t) for t in found if t.mention]
    else:
        _hint("no themes yet" + ("" if ws.stats()["calls"] else
              " (no calls yet: callmine ingest calls PATH)"))
    if args.export_csv or args.export_md:
        from rag.tables import theme_table

        write_exports(args, theme_table(found))
    emit(args, data, _themes_text)
    return 0


def _themes_text(data: dict) -> str:
    rows, mentions = data["themes"], data.get("other_mentions", [])
    if not rows and not mentions:
        return "no themes"
    lines = []
    if rows:
        top = max(t["count"] for t in rows)
        lines.append(f"{'category':<14} {'count':>5} {'':<{BAR}} {'calls':>5} {'won':>4} "
                     f"{'lost':>4} {'open':>4}  label")
    for t in rows:
        lines.append(f"{t['category']:<14} {t['count']:>5} {_bar(t['count'], top)} "
                     f"{t['calls']:>5} {t['won']:>4} {t['lost']:>4} {t['open']:>4}  "
                     f"{_cut(t['label'], 70)}")
        if t["keywords"]:
            lines.append(f"{'':<14} {'':>5} {'':<{BAR}} keywords: {', '.join(t['keywords'])}")
    lines.append(f"{len(rows)} theme(s)")
    if mentions:
        lines += ["", f"OTHER MENTIONS ({len(mentions)}: raised in one call, fit no theme):"]
        for t in mentions:
            call = t["examples"][0]["call_id"] if t["examples"] else ""
            lines.append(f"{t['category']:<14} {_cut(call, 24):<24}  {_cut(t['label'], 80)}")
    return "\n".join(lines)


# -- messages ----------------------------------------------------------------------------------


def messages(args: argparse.Namespace, settings: Settings) -> int:
    from insights import message_stats
    from rag.export import message_json
    from ui.cli import _workspace, emit

    check_exports(args)
    ws = _workspace(settings)
    stats = message_stats(ws)
    weight, note = "count", None
    if args.weight == "amount":
        from insights.selection import deal_weights
        from insights.weighting import weighted_message_stats

        metas = [c.meta for c in ws.calls()]
        weights = deal_weights(metas)
        stats, note = weighted_message_stats(stats, metas, weights), weights.note
        weight = "amount" if weights.weighted else "count"
        _hint(note)
    data: dict[str, Any] = {"messages": [message_json(m) for m in stats]}
    if note is not None:  # additive: what the win rates weigh (README, --weight amount)
        data["weight"], data["weight_note"] = weight, note
    if not stats:
        _hint("no talk tracks: ingest the messaging first (callmine ingest messaging "
              "messaging.yaml)")
    if args.export_csv or args.export_md:
        from rag.tables import message_table

        write_exports(args, message_table(stats))
    emit(args, data, _messages_text)
    return 0


def _messages_text(data: dict) -> str:
    rows = data["messages"]
    if not rows:
        return "no talk tracks"
    top = max(m["uses"] for m in rows)
    lines = [f"{'talk track':<34} {'uses':>4} {'':<{BAR}} {'calls':>5} {'pos':>5} {'obj':>5} "
             f"{'win+':>5} {'win-':>5} {'lift':>6}  {'95% CI':<14} verdict"]
    for m in rows:
        lift = "   -  " if m["lift"] is None else f"{100 * m['lift']:+5.0f}%"
        ci = "" if m["lift_ci"] is None else (f"[{100 * m['lift_ci'][0]:+.0f}%, "
                                             f"{100 * m['lift_ci'][1]:+.0f}%]")
        lines.append(f"{_cut(m['name'], 34):<34} {m['uses']:>4} {_bar(m['uses'], top)} "
                     f"{m['calls']:>5} {_pct(m['positive_reaction_rate'])} "
                     f"{_pct(m['objection_rate'])} {_pct(m['win_rate_with'])} "
                     f"{_pct(m['win_rate_without'])} {lift}  {ci:<14} {m['verdict'] or ''}")
        if m["warning"]:
            lines.append(f"{'':<34} ! {m['warning']}")
    lines.append("pos/obj: share of uses followed by a positive reaction / an objection; "
                 "win+/win-: win rate of closed deals with / without the track")
    return "\n".join(lines)
