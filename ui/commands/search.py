"""``callmine search "QUERY"``: the turns of calls (or with ``--library`` the passages of the
content library) that match a query, keyword and semantic results merged.

JSON: ``{"query", "library", "hits": [...]}`` (README, CLI reference); a bad filter value exits 2
with a message saying what was wrong.
"""

from __future__ import annotations

import argparse
from typing import Any

from ingest.settings import Settings

WIDTH = 100


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``search`` to the ``callmine`` parser."""
    p = sub.add_parser("search", parents=[common],
                       help="search what was said on calls (or the content library with "
                       "--library): keyword and meaning, merged")
    p.add_argument("query", help="words, a phrase, or what was said in other words")
    p.add_argument("--library", action="store_true",
                   help="search the content library's passages instead of the calls")
    p.add_argument("--rep", action="append", metavar="R", help="only calls of this rep "
                   "(repeat for several)")
    p.add_argument("--segment", action="append", metavar="S", help="only calls of this segment")
    p.add_argument("--stage", action="append", metavar="S", help="only calls at this deal stage")
    p.add_argument("--outcome", action="append", choices=("won", "lost", "open"),
                   help="only calls with this outcome")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only calls on or after this date")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only calls on or before this date")
    p.add_argument("--side", choices=("buyer", "rep"), help="only what this side said")
    p.add_argument("--public-only", action="store_true",
                   help="with --library: only public assets")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="results to return (10)")
    p.set_defaults(handler=search)


def _filters(args: argparse.Namespace):
    from ingest.errors import InputError
    from rag.records import SearchFilters
    from insights.selection import parse_date

    if args.library:
        used = [f"--{n}" for n in ("rep", "segment", "stage", "outcome", "since", "until",
                                   "side") if getattr(args, n)]
        if used:
            raise InputError(f"{', '.join(used)} filter calls, not the content library (it "
                             "takes --public-only): drop them or drop --library.")
        return None
    if args.public_only:
        raise InputError("--public-only goes with --library (it filters assets, not calls).")
    return SearchFilters(tuple(args.rep or ()), tuple(args.segment or ()),
                         tuple(args.stage or ()), tuple(args.outcome or ()),
                         parse_date(args.since, "--since"), parse_date(args.until, "--until"),
                         args.side)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


def _marked(snippet: str, marks: list[list[int]]) -> str:
    """The snippet with matched words in [brackets]."""
    out, at = [], 0
    for lo, hi in marks:
        out += [snippet[at:lo], "[", snippet[lo:hi], "]"]
        at = hi
    return "".join(out + [snippet[at:]])


def _text(data: dict[str, Any]) -> str:
    from ui.cli import one_line

    hits = data["hits"]
    if not hits:
        return f"No {'passages' if data['library'] else 'turns'} match {data['query']!r}."
    lines = []
    for i, h in enumerate(hits, 1):
        if data["library"]:
            where = f" ({h['location']})" if h["location"] else ""
            lines.append(f"{i:>2}. {one_line(h['title'] or h['asset_id'])}{where}"
                         f"  [{h['asset_id']}]")
            body = h["passage"]
        else:
            meta = ", ".join(v for v in (h["date"], h["rep"], h["outcome"]) if v)
            lines.append(f"{i:>2}. {one_line(h['call_id'])} at {_clock(h['start'])}, turn "
                         f"{h['turn']}, {h['side']} {one_line(h['speaker'])}"
                         + (f" ({one_line(meta)})" if meta else ""))
            body = _marked(h["snippet"], h["marks"])
        body = " ".join(body.split())
        lines.append("    " + (body[:WIDTH * 2 - 1] + "…" if len(body) > WIDTH * 2 else body))
    return "\n".join(lines)


def search(args: argparse.Namespace, settings: Settings) -> int:
    from rag.search import search_calls, search_json, search_library
    from ui.cli import _workspace, emit

    filters = _filters(args)
    ws = _workspace(settings)
    if args.library:
        hits = search_library(ws, args.query, args.limit, args.public_only)
    else:
        hits = search_calls(ws, args.query, filters, args.limit)
    emit(args, search_json(args.query, hits, args.library), _text)
    return 0
