"""The workspace database schema: every table of ``callmine.db``, built by numbered migrations.

``PRAGMA user_version`` holds the number of the last migration a database has had. Opening a
workspace (:class:`ingest.store.Workspace`) runs the migrations it has not had yet, in order,
each in the same transaction as the version bump, so a workspace made by an older release opens
and upgrades in place and a crash mid-way leaves the older version whole. A database newer
than this release is refused with a message rather than half-read.

Each migration is idempotent (``IF NOT EXISTS``, a column added only when missing): databases
made before the schema was numbered have ``user_version`` 0 and some or all of the tables
already; they run every migration and end at :data:`VERSION`. To change the schema, append a
migration; never edit one that has shipped.

Tables and their owners (who writes them; ``docs/ARCHITECTURE.md`` has the picture):

- ingest: ``calls``, ``turns``, ``assets``, ``chunks``, ``messaging``, ``rep_voices``,
  ``ingest_log``;
- insights: ``insights_calls``, ``objections``, ``track_uses``, ``themes``,
  ``insights_state``, ``theme_vectors``;
- rag: ``rag_fts`` / ``rag_fts_assets`` / ``rag_fts_vocab`` (the lexical index),
  ``rag_sentences`` (sentence vectors of passages), ``turn_vectors`` (the calls whose turns
  the ``turns`` vector collection holds);
- search: ``turn_fts``, the FTS5 index of the turns, written by triggers on ``turns``.

Every query over them is in the storage layer: :mod:`ingest.store` (the ingest tables),
:mod:`ingest.store_insights` (the insights tables), :mod:`ingest.store_lexical` (the rag
tables) and :mod:`ingest.store_assets` (the later stages' asset lookups).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ingest.errors import WorkspaceError

_BASE = (
    # ingest
    """CREATE TABLE IF NOT EXISTS calls (
        call_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL,
        kind TEXT NOT NULL, file TEXT, date TEXT, rep TEXT, account TEXT, stage TEXT,
        outcome TEXT, segment TEXT, duration REAL, language TEXT, ingested_at REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS calls_hash ON calls(content_hash)",
    """CREATE TABLE IF NOT EXISTS turns (
        call_id TEXT NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
        idx INTEGER NOT NULL, speaker TEXT NOT NULL, side TEXT NOT NULL,
        start REAL, "end" REAL, text TEXT NOT NULL, words TEXT,
        PRIMARY KEY (call_id, idx))""",
    """CREATE TABLE IF NOT EXISTS assets (
        asset_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL,
        status TEXT NOT NULL, file TEXT, title TEXT, type TEXT, url TEXT, audience TEXT,
        stage TEXT, public INTEGER NOT NULL DEFAULT 0, published TEXT,
        ingested_at REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS assets_hash ON assets(content_hash)",
    """CREATE TABLE IF NOT EXISTS chunks (
        chunk_id TEXT PRIMARY KEY,
        asset_id TEXT NOT NULL REFERENCES assets(asset_id) ON DELETE CASCADE,
        idx INTEGER NOT NULL, text TEXT NOT NULL, heading_path TEXT NOT NULL,
        page INTEGER, slide INTEGER)""",
    "CREATE INDEX IF NOT EXISTS chunks_asset ON chunks(asset_id)",
    """CREATE TABLE IF NOT EXISTS messaging (
        id INTEGER PRIMARY KEY CHECK (id = 1), content_hash TEXT NOT NULL, source TEXT NOT NULL,
        data TEXT NOT NULL, ingested_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ingest_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL,
        path TEXT NOT NULL, content_hash TEXT, record_id TEXT, status TEXT NOT NULL,
        message TEXT)""",
    # insights
    """CREATE TABLE IF NOT EXISTS insights_calls (
        call_id TEXT PRIMARY KEY REFERENCES calls(call_id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL, version TEXT NOT NULL, analysed_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS objections (
        id TEXT PRIMARY KEY, call_id TEXT NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
        turn INTEGER NOT NULL, speaker TEXT NOT NULL, start REAL, "end" REAL,
        char_start INTEGER, char_end INTEGER, text TEXT NOT NULL, category TEXT NOT NULL,
        confidence REAL NOT NULL, source TEXT NOT NULL, theme_id TEXT, embedding BLOB)""",
    "CREATE INDEX IF NOT EXISTS objections_call ON objections(call_id, turn)",
    "CREATE INDEX IF NOT EXISTS objections_theme ON objections(theme_id)",
    """CREATE TABLE IF NOT EXISTS track_uses (
        call_id TEXT NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
        turn INTEGER NOT NULL, track_id TEXT NOT NULL, similarity REAL NOT NULL,
        text TEXT NOT NULL, start REAL, reaction TEXT, reaction_text TEXT,
        PRIMARY KEY (call_id, turn, track_id))""",
    """CREATE TABLE IF NOT EXISTS themes (
        id TEXT PRIMARY KEY, category TEXT NOT NULL, label TEXT NOT NULL,
        keywords TEXT NOT NULL, medoid_id TEXT NOT NULL, example_ids TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS insights_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # rag
    """CREATE VIRTUAL TABLE IF NOT EXISTS rag_fts USING fts5(
        text, heading, title, chunk_id UNINDEXED, asset_id UNINDEXED,
        tokenize='porter unicode61')""",
    """CREATE TABLE IF NOT EXISTS rag_fts_assets (
        asset_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, rows TEXT NOT NULL)""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS rag_fts_vocab USING fts5vocab(rag_fts, 'row')",
    """CREATE TABLE IF NOT EXISTS rag_sentences (
        chunk_id TEXT PRIMARY KEY, digest TEXT NOT NULL, sentences TEXT NOT NULL,
        vectors BLOB NOT NULL)""",
)


_TURN_SEARCH = (
    # a turn's FTS row has the turn's rowid: the triggers below write it in the statement (and
    # so the transaction) that writes the turn, a call's cascaded delete included
    """CREATE VIRTUAL TABLE IF NOT EXISTS turn_fts USING fts5(
        text, call_id UNINDEXED, idx UNINDEXED, start UNINDEXED,
        tokenize='porter unicode61')""",
    """CREATE TRIGGER IF NOT EXISTS turn_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turn_fts (rowid, text, call_id, idx, start)
        VALUES (new.rowid, new.text, new.call_id, new.idx, new.start); END""",
    """CREATE TRIGGER IF NOT EXISTS turn_fts_delete AFTER DELETE ON turns BEGIN
        DELETE FROM turn_fts WHERE rowid = old.rowid; END""",
    """CREATE TRIGGER IF NOT EXISTS turn_fts_update AFTER UPDATE OF text, start, idx, call_id
        ON turns BEGIN
        DELETE FROM turn_fts WHERE rowid = old.rowid;
        INSERT INTO turn_fts (rowid, text, call_id, idx, start)
        VALUES (new.rowid, new.text, new.call_id, new.idx, new.start); END""",
    "DELETE FROM turn_fts",
    """INSERT INTO turn_fts (rowid, text, call_id, idx, start)
        SELECT rowid, text, call_id, idx, start FROM turns""",
    # rag: which calls' turns the ``turns`` Chroma collection holds, at which fingerprint
    """CREATE TABLE IF NOT EXISTS turn_vectors (
        call_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)""",
)


def _add_columns(table: str, columns: tuple[tuple[str, str], ...]) -> Callable[[sqlite3.Connection], None]:
    def step(db: sqlite3.Connection) -> None:
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    return step


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered change of the schema: SQL statements and/or a step run on the connection."""

    version: int
    what: str
    statements: tuple[str, ...] = ()
    step: Callable[[sqlite3.Connection], None] | None = None

    def apply(self, db: sqlite3.Connection) -> None:
        for statement in self.statements:
            db.execute(statement)
        if self.step is not None:
            self.step(db)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "calls, transcripts, content, messaging, ingest log; insights; lexical index "
                 "and sentence vectors", _BASE),
    Migration(2, "mono-call diarization: the speakers decision and voice prints of a call; "
                 "enrolled rep voices",
              ("""CREATE TABLE IF NOT EXISTS rep_voices (
                    name TEXT PRIMARY KEY COLLATE NOCASE, vector TEXT NOT NULL,
                    seconds REAL NOT NULL, source TEXT, enrolled_at REAL NOT NULL)""",),
              _add_columns("calls", (("speakers", "TEXT"), ("voices", "TEXT")))),
    Migration(3, "deal data from the CRM: a call's deal amount and name",
              step=_add_columns("calls", (("amount", "REAL"), ("deal", "TEXT")))),
    Migration(4, "objection themes' vectors, stored by the analysis",
              ("""CREATE TABLE IF NOT EXISTS theme_vectors (
                    theme_id TEXT PRIMARY KEY, label TEXT NOT NULL, vector BLOB NOT NULL)""",)),
    Migration(5, "search over call turns: an FTS5 index of the turns kept in line by triggers "
                 "and filled from the stored turns; the calls whose turns are in the vector store",
              _TURN_SEARCH),
)
VERSION = MIGRATIONS[-1].version
"""The schema version this release writes."""


def version(db: sqlite3.Connection) -> int:
    """The database's schema version (``PRAGMA user_version``; 0 before numbering)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> list[int]:
    """Run the migrations ``db`` has not had; returns their numbers. ``db`` must be in
    autocommit mode (``isolation_level=None``); each migration is its own transaction.

    Raises:
        WorkspaceError: when the database was written by a newer release.

    Example:
        >>> db = sqlite3.connect(":memory:", isolation_level=None)
        >>> migrate(db) == [m.version for m in MIGRATIONS], migrate(db), version(db) == VERSION
        (True, [], True)
    """
    current = version(db)
    if current > VERSION:
        raise WorkspaceError(
            f"This workspace was written by a newer callmine (schema {current}; this release "
            f"reads up to {VERSION}). Upgrade callmine (pip install -U callmine) to open it.")
    done = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            if version(db) >= migration.version:  # another process got there first
                db.execute("ROLLBACK")
                continue
            migration.apply(db)
            db.execute(f"PRAGMA user_version = {migration.version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done.append(migration.version)
    return done


__all__ = ["MIGRATIONS", "VERSION", "Migration", "migrate", "version"]
