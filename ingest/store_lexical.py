"""Named queries over the retrieval indexes kept in the workspace database.

- ``rag_fts`` (FTS5, Porter stemming over unicode61, with its ``rag_fts_docsize``/``rag_fts_idx``
  shadow tables), ``rag_fts_assets`` (what each asset was indexed at, and its rows) and
  ``rag_fts_vocab`` (document frequency per term): the lexical index of the passages. The
  workspace writes an asset's rows with its passages (:func:`ingest.store.fts_index_asset`);
  :class:`LexicalStore` reads the index and brings it in line when it lags.
- ``rag_sentences``: the sentences of each passage and their vectors, keyed by chunk id with
  a digest of the passage text.

Every SQL statement over them is here, behind a method of :class:`LexicalStore` (reached as
``workspace.lexical_store``), and :class:`PorterStems` (SQLite's own Porter tokenizer, asked
through a small in-memory FTS5 table). The retrieval logic is :mod:`rag.lexical` and
:mod:`rag.sentence_vectors`; the tables are created by :mod:`ingest.schema`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ingest.store import COMPLETE, FTS_FINGERPRINT, fts_drop_asset, fts_index_asset

if TYPE_CHECKING:
    from ingest.store import Workspace

_CURRENT = f"SELECT asset_id, {FTS_FINGERPRINT} AS fp FROM assets WHERE {COMPLETE}"
_ASSETS_KEY = ("SELECT COUNT(*), TOTAL(ingested_at), MAX(ingested_at) FROM assets "
               f"WHERE {COMPLETE}")
_SEP = "\x1f"
"""Between the sentences of a passage in ``rag_sentences.sentences``."""
_CHUNK = 500
"""Ids bound in one ``IN (...)`` at most."""


def _marks(n: int) -> str:
    return ",".join("?" * n)


class LexicalStore:
    """The lexical index and the sentence-vector cache of one workspace.

    Args:
        ws: The workspace: its connection for reads, its write transaction for writes.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # -- change detection ----------------------------------------------------------------

    def db_version(self) -> tuple[int, int, int]:
        """Changes to the database since: this connection, other connections' commits
        (``PRAGMA data_version``) and this connection's own writes (``total_changes``)."""
        db = self.ws.db
        return id(db), db.execute("PRAGMA data_version").fetchone()[0], db.total_changes

    def assets_key(self) -> tuple:
        """Changes whenever a complete asset is stored, replaced or removed (each save stamps
        ``ingested_at``), whatever else is written to the database."""
        return tuple(self.ws.db.execute(_ASSETS_KEY).fetchone())

    # -- the FTS5 index ------------------------------------------------------------------

    def fingerprints(self) -> dict[str, str]:
        """``asset_id -> fingerprint`` of every complete asset as it is now."""
        return dict(self.ws.db.execute(_CURRENT).fetchall())

    def indexed_fingerprints(self) -> dict[str, str]:
        """``asset_id -> fingerprint`` of every asset as the index holds it."""
        return dict(self.ws.db.execute(
            "SELECT asset_id, fingerprint FROM rag_fts_assets").fetchall())

    def reindex_changed(self) -> tuple[dict[str, str], list[str], list[str]]:
        """In one write transaction (no ingest in between), drop the rows of assets indexed
        at another fingerprint than they have now (or gone) and index the assets whose
        fingerprint the index does not hold; returns ``(fingerprints, dropped, indexed)``."""
        with self.ws.transaction() as db:
            current = dict(db.execute(_CURRENT).fetchall())
            indexed = {r[0]: (r[1], json.loads(r[2])) for r in db.execute(
                "SELECT asset_id, fingerprint, rows FROM rag_fts_assets")}
            stale = [a for a, (fp, _) in indexed.items() if current.get(a) != fp]
            fresh = [a for a, fp in current.items() if indexed.get(a, (None,))[0] != fp]
            for asset_id in stale:
                fts_drop_asset(db, asset_id)
            for asset_id in fresh:
                fts_index_asset(db, asset_id)
        return current, stale, fresh

    def clear(self) -> None:
        """Empty the index (it is rebuilt from the chunks by :meth:`reindex_changed`)."""
        with self.ws.transaction() as db:
            db.execute("DELETE FROM rag_fts")
            db.execute("DELETE FROM rag_fts_assets")

    def size(self) -> int:
        """Number of indexed passages."""
        return int(self.ws.db.execute("SELECT COUNT(*) FROM rag_fts_docsize").fetchone()[0])

    def segments(self) -> int:
        """The index's b-tree segments (each write transaction adds one until merged)."""
        return int(self.ws.db.execute(
            "SELECT COUNT(DISTINCT segid) FROM rag_fts_idx").fetchone()[0])

    def optimize(self) -> None:
        """Merge the index's segments into one b-tree."""
        with self.ws.transaction() as db:
            db.execute("INSERT INTO rag_fts (rag_fts) VALUES ('optimize')")

    def indexed_passages(self) -> dict[str, tuple[str, str]]:
        """``chunk_id -> (asset_id, text)`` of every indexed passage."""
        return {r[0]: (r[1], r[2]) for r in self.ws.db.execute(
            "SELECT chunk_id, asset_id, text FROM rag_fts")}

    def stored_passages(self) -> dict[str, tuple[str, str]]:
        """``chunk_id -> (asset_id, text)`` of every passage of a complete asset."""
        return {r[0]: (r[1], r[2]) for r in self.ws.db.execute(
            "SELECT c.chunk_id, c.asset_id, c.text FROM chunks c JOIN assets a USING (asset_id)"
            f" WHERE a.{COMPLETE}")}

    def doc_freq(self, stems: Sequence[str]) -> dict[str, int]:
        """Passages holding each (stemmed) term; terms of no passage are left out."""
        wanted = sorted(set(stems))
        out: dict[str, int] = {}
        for lo in range(0, len(wanted), _CHUNK):
            part = wanted[lo:lo + _CHUNK]
            out.update((r[0], int(r[1])) for r in self.ws.db.execute(
                f"SELECT term, doc FROM rag_fts_vocab WHERE term IN ({_marks(len(part))})", part))
        return out

    def search(self, match: str, limit: int,
               asset_ids: Sequence[str] | None = None) -> list[tuple[str, str, float]]:
        """``(chunk_id, asset_id, bm25)`` of the passages matching an FTS5 query (text,
        heading and title weighted 1, 0.6, 0.3), best first; only of ``asset_ids`` if given."""
        sql = ("SELECT chunk_id, asset_id, bm25(rag_fts, 1.0, 0.6, 0.3) AS score FROM rag_fts "
               "WHERE rag_fts MATCH ?")
        args: list[str | int] = [match]
        if asset_ids is not None:
            sql += f" AND asset_id IN ({_marks(len(asset_ids))})"
            args.extend(asset_ids)
        sql += " ORDER BY score LIMIT ?"
        args.append(limit)
        return [(r[0], r[1], float(r[2])) for r in self.ws.db.execute(sql, args)]

    # -- sentence vectors ----------------------------------------------------------------

    def sentence_digests(self) -> dict[str, str]:
        """``chunk_id -> digest`` of every passage whose sentences are cached."""
        return dict(self.ws.db.execute("SELECT chunk_id, digest FROM rag_sentences").fetchall())

    def sentences(self, chunk_ids: Iterable[str]
                  ) -> dict[str, tuple[str, list[str], np.ndarray]]:
        """``chunk_id -> (digest, sentences, vectors)`` of the cached passages among
        ``chunk_ids`` (vectors one row per sentence; ``(0, 0)`` without sentences)."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, tuple[str, list[str], np.ndarray]] = {}
        for lo in range(0, len(ids), _CHUNK):
            part = ids[lo:lo + _CHUNK]
            for r in self.ws.db.execute(
                    "SELECT chunk_id, digest, sentences, vectors FROM rag_sentences WHERE "
                    f"chunk_id IN ({_marks(len(part))})", part):
                sents = r["sentences"].split(_SEP) if r["sentences"] else []
                vecs = np.frombuffer(r["vectors"], dtype=np.float32)
                out[r["chunk_id"]] = (r["digest"], sents, vecs.reshape(len(sents), -1) if sents
                                      else np.zeros((0, 0), dtype=np.float32))
        return out

    def put_sentences(self, rows: Iterable[tuple[str, str, Sequence[str], np.ndarray]]) -> None:
        """Cache ``(chunk_id, digest, sentences, vectors)`` rows, replacing earlier ones."""
        with self.ws.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO rag_sentences (chunk_id, digest, sentences, vectors)"
                " VALUES (?, ?, ?, ?)",
                [(cid, digest, _SEP.join(sents),
                  np.ascontiguousarray(vecs, dtype=np.float32).tobytes())
                 for cid, digest, sents, vecs in rows])

    def drop_sentences(self, chunk_ids: Iterable[str]) -> None:
        """Forget the cached sentences of these passages."""
        with self.ws.transaction() as db:
            db.executemany("DELETE FROM rag_sentences WHERE chunk_id=?", [(c,) for c in chunk_ids])


class PorterStems:
    """Terms as the index's Porter tokenizer stores them, asked of SQLite through a small
    in-memory FTS5 table (the workspace database is not touched); cached, thread-safe.

    Example:
        >>> PorterStems()(["hosting", "hosted"])
        {'hosting': 'host', 'hosted': 'host'}
    """

    MAX_CACHED = 50_000

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def __call__(self, terms: Sequence[str]) -> dict[str, str]:
        cache = self._cache
        todo = [t for t in dict.fromkeys(terms) if t not in cache]
        if todo:
            with self._lock:
                if self._db is None:
                    mem = sqlite3.connect(":memory:", check_same_thread=False)
                    mem.execute("CREATE VIRTUAL TABLE s USING fts5(x, tokenize='porter unicode61')")
                    mem.execute("CREATE VIRTUAL TABLE v USING fts5vocab(s, 'instance')")
                    self._db = mem
                mem = self._db
                mem.execute("DELETE FROM s")
                mem.executemany("INSERT INTO s (rowid, x) VALUES (?, ?)", list(enumerate(todo, 1)))
                found = dict(mem.execute("SELECT doc, term FROM v").fetchall())
            if len(cache) > self.MAX_CACHED:
                cache.clear()
            for i, term in enumerate(todo, 1):
                cache[term] = found.get(i, term)
        return {t: cache[t] for t in terms}


__all__ = ["LexicalStore", "PorterStems"]
