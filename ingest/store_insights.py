"""Named queries over the insights tables of the workspace database.

The insights stage (:mod:`insights`) keeps what it found in the workspace: ``insights_calls``
(what was analysed), ``objections`` (each span with its category, theme and embedding),
``track_uses`` (talk-track uses and the buyer's reactions), ``themes`` and ``theme_vectors``
(the objection themes and their centroids) and ``insights_state`` (small key/value marks).
Every SQL statement over them is here, behind a method of :class:`InsightsStore`, reached as
``workspace.insights_store``; the tables themselves are created by :mod:`ingest.schema`.

Ingest does not know the insights records (data flows ingest -> insights), so reads return
``sqlite3.Row`` objects (columns by name) and writes take any objects with the records'
attributes (:class:`ObjectionRow`, :class:`TrackUseRow`, :class:`ThemeRow`); the insights
package builds its records from the rows (``insights.store``).

Example:
    >>> ws.insights_store.objections(call_id="c1")[0]["text"]  # doctest: +SKIP
    "That's way more than we budgeted."
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from ingest.store import Workspace

_CALL_TABLES = ("objections", "track_uses", "insights_calls")
"""The tables holding one call's analysis (all keyed by ``call_id``)."""
_DELETE_CALL = {t: f"DELETE FROM {t} WHERE call_id=?" for t in _CALL_TABLES}  # noqa: S608
_CHUNK = 500
"""Ids bound in one ``IN (...)`` at most (SQLite's variable limit is far above)."""


class ObjectionRow(Protocol):
    """What an ``objections`` row is written from (``insights.records.Objection``)."""

    id: str
    call_id: str
    turn: int
    speaker: str
    text: str
    category: str
    confidence: float
    start: float | None
    end: float | None
    theme_id: str | None
    char_start: int | None
    char_end: int | None
    source: str


class TrackUseRow(Protocol):
    """What a ``track_uses`` row is written from (``insights.talk_tracks.TrackUse``)."""

    call_id: str
    turn: int
    track_id: str
    confidence: float
    text: str
    start: float | None
    reaction: str | None
    reaction_text: str | None


class ThemeRow(Protocol):
    """What a ``themes`` row is written from (``insights.themes.ThemeDraft``)."""

    id: str
    category: str
    label: str
    keywords: list[str]
    medoid_id: str
    member_ids: list[str]
    example_ids: list[str]


@dataclass(slots=True)
class CallAnalysis:
    """One call's analysis, written in place of the call's earlier one.

    ``mark`` is what it was analysed with (the analysis version), stored with the call's
    content hash so the next run can tell whether it is still current.
    """

    call_id: str
    content_hash: str
    mark: str
    objections: Sequence[tuple[ObjectionRow, np.ndarray]] = ()
    """Each objection with its span embedding."""
    track_uses: Sequence[TrackUseRow] = field(default_factory=tuple)


class InsightsStore:
    """The insights tables of one workspace (see the module docstring).

    Args:
        ws: The workspace: its connection for reads, its write transaction for writes.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # -- state ---------------------------------------------------------------------------

    def state(self, key: str) -> str | None:
        """A value of ``insights_state`` (e.g. ``themes_digest``), or None."""
        row = self.ws.db.execute("SELECT value FROM insights_state WHERE key=?",
                                 (key,)).fetchone()
        return row[0] if row else None

    # -- calls ---------------------------------------------------------------------------

    def call_outcomes(self) -> dict[str, tuple[str | None, str | None]]:
        """``call_id -> (outcome, date)`` of every stored call (date as ``YYYY-MM-DD``), read
        when counts are computed so they follow the calls' current metadata."""
        return {r[0]: (r[1], r[2])
                for r in self.ws.db.execute("SELECT call_id, outcome, date FROM calls")}

    def analysed_calls(self) -> dict[str, tuple[str, str]]:
        """``call_id -> (content_hash, mark)`` of every call analysed so far."""
        return {r[0]: (r[1], r[2]) for r in self.ws.db.execute(
            "SELECT call_id, content_hash, version FROM insights_calls")}

    def calls_with_rows(self) -> set[str]:
        """Every call id that any insights table holds rows of."""
        return {r[0] for r in self.ws.db.execute(
            "SELECT call_id FROM insights_calls UNION SELECT call_id FROM objections"
            " UNION SELECT call_id FROM track_uses")}

    def drop_calls(self, call_ids: Iterable[str]) -> None:
        """Remove what earlier analyses stored for these calls, in one transaction."""
        with self.ws.transaction() as db:
            for call_id in call_ids:
                _delete_call(db, call_id)

    def replace_calls(self, analyses: Sequence[CallAnalysis], analysed_at: float) -> None:
        """Store each call's analysis in place of its earlier one, all in one transaction."""
        with self.ws.transaction() as db:
            for a in analyses:
                _delete_call(db, a.call_id)
                db.executemany(
                    'INSERT OR REPLACE INTO objections (id, call_id, turn, speaker, start, "end",'
                    " char_start, char_end, text, category, confidence, source, theme_id,"
                    " embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(o.id, o.call_id, o.turn, o.speaker, o.start, o.end, o.char_start,
                      o.char_end, o.text, o.category, float(o.confidence), o.source, o.theme_id,
                      np.asarray(v, dtype=np.float32).tobytes()) for o, v in a.objections])
                db.executemany(
                    "INSERT OR REPLACE INTO track_uses (call_id, turn, track_id, similarity, text,"
                    " start, reaction, reaction_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(u.call_id, u.turn, u.track_id, u.confidence, u.text, u.start, u.reaction,
                      u.reaction_text) for u in a.track_uses])
                db.execute("INSERT INTO insights_calls (call_id, content_hash, version,"
                           " analysed_at) VALUES (?, ?, ?, ?)",
                           (a.call_id, a.content_hash, a.mark, analysed_at))

    def counts(self, min_calls: int) -> tuple[int, int, int, int]:
        """``(objections, theme groups, track uses, groups raised in >= min_calls calls)``:
        a group is a stored theme; those in fewer calls are other mentions."""
        row = self.ws.db.execute(
            "SELECT (SELECT COUNT(*) FROM objections), (SELECT COUNT(*) FROM themes),"
            " (SELECT COUNT(*) FROM track_uses),"
            " (SELECT COUNT(*) FROM (SELECT theme_id FROM objections WHERE theme_id IS NOT NULL"
            "  GROUP BY theme_id HAVING COUNT(DISTINCT call_id) >= ?))",
            (min_calls,)).fetchone()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    # -- objections ----------------------------------------------------------------------

    def objections(self, call_id: str | None = None,
                   category: str | None = None) -> list[sqlite3.Row]:
        """Objection rows in call, turn and span order; only one call's and/or one
        category's when given (values are bound, never formatted in)."""
        sql = "SELECT * FROM objections WHERE 1=1"
        args: list[str] = []
        if call_id is not None:
            sql += " AND call_id=?"
            args.append(call_id)
        if category is not None:
            sql += " AND category=?"
            args.append(category)
        return self.ws.db.execute(sql + " ORDER BY call_id, turn, char_start", args).fetchall()

    def objections_with_vectors(self) -> tuple[list[sqlite3.Row], np.ndarray]:
        """Every objection row by id, and their span embeddings stacked in that order
        (``(0, 0)`` when there are none)."""
        rows = self.ws.db.execute("SELECT * FROM objections ORDER BY id").fetchall()
        vectors = [np.frombuffer(r["embedding"], dtype=np.float32) for r in rows]
        return rows, (np.stack(vectors) if vectors else np.zeros((0, 0)))

    def objection_vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored span embedding of each objection id that has one."""
        wanted = sorted(set(ids))
        out: dict[str, np.ndarray] = {}
        for lo in range(0, len(wanted), _CHUNK):
            part = wanted[lo:lo + _CHUNK]
            out.update((r[0], np.frombuffer(r[1], dtype=np.float32)) for r in self.ws.db.execute(
                "SELECT id, embedding FROM objections WHERE embedding IS NOT NULL AND id IN "
                f"({','.join('?' * len(part))})", part))
        return out

    def themed_objections(self) -> list[sqlite3.Row]:
        """``id, call_id, turn, text, theme_id`` of every objection in a theme, by id."""
        return self.ws.db.execute("SELECT id, call_id, turn, text, theme_id FROM objections "
                                  "WHERE theme_id IS NOT NULL ORDER BY id").fetchall()

    # -- talk tracks ---------------------------------------------------------------------

    def track_uses(self) -> list[sqlite3.Row]:
        """Every talk-track use (``similarity`` holds the matcher's confidence), in call and
        turn order."""
        return self.ws.db.execute("SELECT * FROM track_uses ORDER BY call_id, turn").fetchall()

    # -- themes --------------------------------------------------------------------------

    def themes(self) -> list[sqlite3.Row]:
        """Every stored theme row (``keywords`` and ``example_ids`` are JSON lists)."""
        return self.ws.db.execute("SELECT * FROM themes").fetchall()

    def replace_themes(self, themes: Sequence[ThemeRow],
                       vectors: Sequence[tuple[str, str, np.ndarray]], digest: str) -> None:
        """Store a new theme computation in one transaction: the themes (each objection's
        ``theme_id`` set from their ``member_ids``, the others' cleared), exactly ``vectors``
        as the theme centroids (``theme_id, label, vector``) and ``digest`` as the
        ``themes_digest`` state."""
        with self.ws.transaction() as db:
            _write_theme_vectors(db, vectors, replace=True)
            db.execute("DELETE FROM themes")
            db.execute("UPDATE objections SET theme_id=NULL")
            db.executemany(
                "INSERT INTO themes (id, category, label, keywords, medoid_id, example_ids)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(t.id, t.category, t.label, json.dumps(t.keywords), t.medoid_id,
                  json.dumps(t.example_ids)) for t in themes])
            db.executemany("UPDATE objections SET theme_id=? WHERE id=?",
                           [(t.id, oid) for t in themes for oid in t.member_ids])
            db.execute("INSERT INTO insights_state (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                       ("themes_digest", digest))

    def theme_vector_rows(self) -> list[sqlite3.Row]:
        """``id, label, example_ids, vector`` of every theme by id; ``vector`` is None when
        none is stored for the theme's current label."""
        return self.ws.db.execute(
            "SELECT t.id, t.label, t.example_ids, v.vector FROM themes t "
            "LEFT JOIN theme_vectors v ON v.theme_id = t.id AND v.label = t.label "
            "ORDER BY t.id").fetchall()

    def add_theme_vectors(self, rows: Sequence[tuple[str, str, np.ndarray]]) -> None:
        """Store (or replace) these theme centroids (``theme_id, label, vector``)."""
        with self.ws.transaction() as db:
            _write_theme_vectors(db, rows, replace=False)


def _delete_call(db: sqlite3.Connection, call_id: str) -> None:
    for table in _CALL_TABLES:
        db.execute(_DELETE_CALL[table], (call_id,))


def _write_theme_vectors(db: sqlite3.Connection, rows: Sequence[tuple[str, str, np.ndarray]],
                         replace: bool) -> None:
    """Theme centroids inside the caller's transaction; with ``replace`` the table holds
    exactly ``rows`` afterwards."""
    if replace:
        db.execute("DELETE FROM theme_vectors")
    db.executemany("INSERT OR REPLACE INTO theme_vectors (theme_id, label, vector) "
                   "VALUES (?, ?, ?)",
                   [(i, label, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                    for i, label, v in rows])


__all__ = ["CallAnalysis", "InsightsStore", "ObjectionRow", "ThemeRow", "TrackUseRow"]
