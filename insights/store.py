"""The insights of the workspace as records: objections and themes, read through the storage
layer (:class:`ingest.store_insights.InsightsStore`, ``ws.insights_store``), which holds the
tables and every query over them.

The tables are keyed to ``calls`` with ``ON DELETE CASCADE``, so replacing or removing a call
removes what was found in it, and the next analysis redoes it:

- ``insights_calls``: what was analysed (call id, content hash, analysis version).
- ``objections``: each objection span with its category, confidence, theme and embedding.
- ``track_uses``: each rep turn that used a talk track (once per track), its best sentence with
  the matcher's confidence (column ``similarity``), and the buyer's reaction.
- ``themes`` (+ ``insights_state``): the objection themes of the last theme computation.

Counts by outcome, calls and trends are computed when read, from the calls' current metadata,
so they follow manifest changes without a re-analysis.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import InputError
from insights.records import CATEGORIES, THEME_MIN_CALLS, Objection, Theme, ThemeExample

if TYPE_CHECKING:
    from ingest.store import Workspace


def check_category(category: str | None) -> str | None:
    """A valid category (case-insensitive) or None; :class:`InputError` listing them if not."""
    if category is None:
        return None
    value = category.strip().lower()
    if value not in CATEGORIES:
        raise InputError(f"Unknown objection category {category!r}; use one of: "
                         f"{', '.join(CATEGORIES)}.")
    return value


def _objection(row: Any) -> Objection:
    return Objection(
        id=row["id"], call_id=row["call_id"], turn=row["turn"], speaker=row["speaker"],
        text=row["text"], category=row["category"], confidence=row["confidence"],
        start=row["start"], end=row["end"], theme_id=row["theme_id"],
        char_start=row["char_start"], char_end=row["char_end"], source=row["source"],
    )


def load_objections(ws: Workspace, call_id: str | None = None,
                    category: str | None = None) -> list[Objection]:
    """Objections found in the workspace's calls, in call, turn and span order.

    Args:
        ws: The workspace.
        call_id: Only this call's objections.
        category: Only this category (one of :data:`insights.records.CATEGORIES`).

    Raises:
        InputError: for an unknown category (the message lists the valid ones).

    Example:
        >>> [o.text for o in load_objections(ws, call_id="c1", category="price")]  # doctest: +SKIP
        ["That's way more than we budgeted."]
    """
    category = check_category(category)
    return [_objection(r) for r in ws.insights_store.objections(call_id, category)]


def objection_vectors(ws: Workspace) -> tuple[list[Objection], np.ndarray]:
    """Every objection with its stored span embedding (for theme clustering)."""
    rows, vectors = ws.insights_store.objections_with_vectors()
    return [_objection(r) for r in rows], vectors


def _call_info(ws: Workspace) -> dict[str, tuple[str | None, str | None]]:
    """call_id -> (outcome, "YYYY-MM" of the call date)."""
    return {cid: (outcome, day[:7] if day else None)
            for cid, (outcome, day) in ws.insights_store.call_outcomes().items()}


def load_themes(ws: Workspace) -> list[Theme]:
    """The objection themes, most frequent first, then the other mentions (``mention``
    True: objections of one call that fit no theme), with counts by deal outcome and a
    monthly trend computed from the calls' current metadata.

    ``won``/``lost``/``open`` count objections in calls with that outcome (calls without an
    outcome are in ``count`` only); ``calls`` is the number of distinct calls.

    Example:
        >>> [(t.label, t.calls) for t in load_themes(ws) if not t.mention][:1]  # doctest: +SKIP
        [('EU data · hosting', 9)]
    """
    info = _call_info(ws)
    members: dict[str, list[Any]] = defaultdict(list)
    for r in ws.insights_store.themed_objections():
        members[r["theme_id"]].append(r)
    themes = []
    for row in ws.insights_store.themes():
        rows = members.get(row["id"], [])
        if not rows:
            continue
        outcomes = Counter(info.get(r["call_id"], (None, None))[0] for r in rows)
        trend = Counter(m for r in rows if (m := info.get(r["call_id"], (None, None))[1]))
        by_id = {r["id"]: r for r in rows}
        examples = [ThemeExample(by_id[i]["call_id"], by_id[i]["turn"], by_id[i]["text"])
                    for i in json.loads(row["example_ids"]) if i in by_id]
        calls = len({r["call_id"] for r in rows})
        themes.append(Theme(
            id=row["id"], label=row["label"], category=row["category"], count=len(rows),
            calls=calls, won=outcomes["won"],
            lost=outcomes["lost"], open=outcomes["open"], keywords=json.loads(row["keywords"]),
            examples=examples, trend=dict(sorted(trend.items())),
            mention=calls < THEME_MIN_CALLS,
        ))
    themes.sort(key=lambda t: (t.mention, -t.count, CATEGORIES.index(t.category)
                               if t.category in CATEGORIES else 99, t.label))
    return themes
