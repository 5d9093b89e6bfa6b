"""The weekly digest: what changed on the calls of the last days, in a few lines to share.

A :class:`DigestBuilder` compares a period (``days`` long, ending ``until``, both ends
included) with the period of the same length just before it, over the calls that have a
date:

- **objection themes on the rise**: themes raised in more calls of the period than of the
  period before (``calls`` vs ``calls_before``; "new" when the period before had none);
- **top content gaps**: the gap report's highest-priority gaps (over every call), with the
  number of the period's calls that raised them and the command that prints their brief;
- **talk tracks that moved**: tracks used in a different number of calls, or whose win rate
  (over the period's closed calls where a rep used them) moved by :data:`WIN_RATE_MOVE` or
  more.

:func:`digest_text` renders it as short text that reads as Markdown and as Slack ``mrkdwn``;
:mod:`rag.slack` posts it.

Example:
    >>> digest = DigestBuilder(ws, settings).run(until=date(2026, 3, 25), days=7)
    >>> print(digest_text(digest).splitlines()[0])
    callmine digest: 2026-03-19 to 2026-03-25 (7 days)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ingest.errors import InputError
from ingest.text import shorten
from insights.records import MessageStat, Theme
from rag.export import pct
from rag.records import Digest, DigestGap, ThemeMove, TrackMove

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace

TOP = 5
"""Rising themes and moved talk tracks listed, at most."""
TOP_GAPS = 3
"""Content gaps listed, at most."""
WIN_RATE_MOVE = 0.10
"""A talk track's win rate moved when it changed by this much (10 points) or more."""
MAX_DAYS = 366


def brief_command(theme_id: str) -> str:
    """The command that prints the content brief of one gap.

    Example:
        >>> brief_command("t3")
        'callmine gaps --brief t3'
    """
    return f"callmine gaps --brief {theme_id}"


class DigestBuilder:
    """Builds the digest of a workspace.

    Args:
        ws: The workspace (calls, insights and content).
        settings: callmine settings (the gap report's retrieval; the digest never asks the
            LLM: it links to briefs instead of writing them).
        top: Rising themes and moved talk tracks listed, at most.
        top_gaps: Content gaps listed, at most.
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None, top: int = TOP,
                 top_gaps: int = TOP_GAPS) -> None:
        self.ws = ws
        self.settings = settings
        self.top = top
        self.top_gaps = top_gaps

    def run(self, until: date | None = None, days: int = 7) -> Digest:
        """The digest of the ``days`` ending ``until`` (default: today), both included.

        Raises:
            InputError: when ``days`` is not between 1 and :data:`MAX_DAYS`.
        """
        from insights import load_objections, load_themes, message_stats

        if not 1 <= days <= MAX_DAYS:
            raise InputError(f"--days must be between 1 and {MAX_DAYS}, got {days}.")
        until = until or date.today()
        since = until - timedelta(days=days - 1)
        before_since = since - timedelta(days=days)
        dates = {c.call_id: c.meta.date for c in self.ws.calls() if c.meta.date is not None}
        now = {cid for cid, d in dates.items() if since <= d <= until}
        before = {cid for cid, d in dates.items() if before_since <= d < since}
        digest = Digest(since, until, days, len(now), len(before),
                        latest=max(dates.values(), default=None))
        if not now:
            digest.notes.append(self._no_calls_note(digest))

        themes = load_themes(self.ws)
        theme_calls: dict[str, set[str]] = defaultdict(set)
        for o in load_objections(self.ws):
            if o.theme_id:
                theme_calls[o.theme_id].add(o.call_id)
        digest.themes = self._rising(themes, theme_calls, now, before)
        digest.gaps = self._gaps(theme_calls, now, digest.notes)
        digest.tracks = self._tracks(message_stats(self.ws, now),
                                     message_stats(self.ws, before))
        return digest

    @staticmethod
    def _no_calls_note(digest: Digest) -> str:
        if digest.latest is None:
            return "No dated calls yet: give calls a date in the manifest's date column."
        hint = (f" (the latest call is of {digest.latest}: try --until {digest.latest})"
                if digest.latest < digest.since else "")
        return f"No calls dated in this period{hint}."

    def _rising(self, themes: list[Theme], theme_calls: dict[str, set[str]], now: set[str],
                before: set[str]) -> list[ThemeMove]:
        moves = []
        for t in themes:
            if t.mention:
                continue
            n, b = len(theme_calls[t.id] & now), len(theme_calls[t.id] & before)
            if n > b:
                moves.append(ThemeMove(t.id, t.label, t.category, n, b))
        moves.sort(key=lambda m: (-(m.calls - m.calls_before), -m.calls, m.label))
        return moves[: self.top]

    def _gaps(self, theme_calls: dict[str, set[str]], now: set[str],
              notes: list[str]) -> list[DigestGap]:
        from rag.gaps import GapReporter

        if not self.ws.stats()["assets"]:
            notes.append("No content ingested yet, so no content gaps: callmine ingest content "
                         "PATH.")
            return []
        settings = self.settings.model_copy(update={"llm": None}) if self.settings else None
        report = GapReporter(self.ws, settings, llm=None).run()
        return [DigestGap(g.theme_id, g.label, g.category, g.priority, g.coverage, g.count,
                          g.lost, len(theme_calls[g.theme_id] & now), brief_command(g.theme_id))
                for g in report.gaps[: self.top_gaps]]

    def _tracks(self, now: list[MessageStat], before: list[MessageStat]) -> list[TrackMove]:
        previous = {m.id: m for m in before}
        moves = []
        for m in now:
            b = previous.get(m.id)
            if b is None:
                continue
            move = TrackMove(m.id, m.name, m.calls, b.calls, m.win_rate_with, b.win_rate_with,
                             m.closed_with, b.closed_with)
            if move.calls != move.calls_before or _win_change(move) >= WIN_RATE_MOVE:
                moves.append(move)
        moves.sort(key=lambda m: (-abs(m.calls - m.calls_before), -_win_change(m), m.name))
        return moves[: self.top]


def _win_change(move: TrackMove) -> float:
    if move.win_rate is None or move.win_rate_before is None:
        return 0.0
    return round(abs(move.win_rate - move.win_rate_before), 4)


def _win_rate(rate: float | None, closed: int) -> str:
    if rate is None:
        return "no closed deal"
    return f"{pct(rate)} of {closed} closed"


def digest_text(digest: Digest) -> str:
    """The digest as a few short sections of plain text: reads as Markdown and as Slack's
    ``mrkdwn`` (no tables, no HTML; ids in backticks).

    Example:
        >>> print(digest_text(Digest(date(2026, 3, 19), date(2026, 3, 25), 7, 4, 2)))
        callmine digest: 2026-03-19 to 2026-03-25 (7 days)
        4 call(s) in this period, 2 in the 7 days before.
        ...
    """
    d = digest
    lines = [f"callmine digest: {d.since} to {d.until} ({d.days} days)",
             f"{d.calls} call(s) in this period, {d.calls_before} in the {d.days} days before."]
    lines += [f"Note: {n}" for n in d.notes]
    lines += ["", "Objection themes on the rise (calls that raised them, this period vs before):"]
    lines += [f"- {shorten(m.label, 80)} ({m.category}): {m.calls} vs {m.calls_before}"
              + (", new" if m.calls_before == 0 else "") for m in d.themes] or ["- none"]
    lines += ["", "Top content gaps (highest priority first):"]
    lines += [f"- {shorten(g.label, 80)} ({g.category}): priority {g.priority:.2f}, coverage "
              f"{pct(g.coverage)}, {g.count} objection(s), {g.lost} lost; {g.calls} call(s) "
              f"this period. Brief: `{g.command}`" for g in d.gaps] or ["- none"]
    lines += ["", "Talk tracks that moved (calls that used them, this period vs before):"]
    lines += [f"- {shorten(m.name, 80)}: {m.calls} vs {m.calls_before}"
              + ("" if m.win_rate is None and m.win_rate_before is None else
                 f"; win rate {_win_rate(m.win_rate, m.closed)} vs "
                 f"{_win_rate(m.win_rate_before, m.closed_before)}")
              for m in d.tracks] or ["- none"]
    return "\n".join(lines) + "\n"


def digest_json(digest: Digest) -> dict:
    """``callmine digest --format json``: the digest's fields, dates as ``YYYY-MM-DD``."""
    d = digest
    return {
        "since": d.since.isoformat(), "until": d.until.isoformat(), "days": d.days,
        "calls": d.calls, "calls_before": d.calls_before,
        "latest": d.latest.isoformat() if d.latest else None,
        "themes": [{"theme_id": m.theme_id, "label": m.label, "category": m.category,
                    "calls": m.calls, "calls_before": m.calls_before} for m in d.themes],
        "gaps": [{"theme_id": g.theme_id, "label": g.label, "category": g.category,
                  "priority": g.priority, "coverage": g.coverage, "count": g.count,
                  "lost": g.lost, "calls": g.calls, "command": g.command} for g in d.gaps],
        "tracks": [{"id": m.track_id, "name": m.name, "calls": m.calls,
                    "calls_before": m.calls_before, "win_rate": m.win_rate,
                    "win_rate_before": m.win_rate_before, "closed": m.closed,
                    "closed_before": m.closed_before} for m in d.tracks],
        "notes": d.notes,
        "text": digest_text(d),
    }
