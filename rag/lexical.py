"""The lexical side of retrieval: an SQLite FTS5 index of the passages, kept in the workspace DB.

Tables (created with the workspace, :mod:`ingest.schema`; every query over them is a method of
:class:`ingest.store_lexical.LexicalStore`, ``ws.lexical_store``):

- ``rag_fts``: FTS5 (Porter stemming over unicode61) of each passage's text, heading path and
  asset title, with ``chunk_id`` and ``asset_id`` unindexed.
- ``rag_fts_assets``: for each indexed asset, the fingerprint it was indexed at (content hash
  and ingest time) and the rowids of its passages (an FTS row has its chunk's rowid).
- ``rag_fts_vocab``: an ``fts5vocab`` view of the index (document frequency per term).

The workspace writes an asset's rows in the same transaction as its passages
(:func:`ingest.store.fts_index_asset`), and drops them when the asset turns pending (re-ingest,
removal). Before every search, a cheap check (:meth:`LexicalIndex.sync`) still brings the index
in line with the ``chunks`` table of completely stored assets by fingerprint: that re-indexes a
workspace written before rows were written with the passages, in one transaction that also
re-reads the chunks, so a search never sees passages that the ``chunks`` table does not hold. :meth:`LexicalIndex.verify` compares the two chunk by chunk (id and text).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.store_lexical import PorterStems
from rag.terms import fts_query, key_terms

if TYPE_CHECKING:
    from ingest.store import Workspace

log = logging.getLogger(__name__)

MAX_TERMS = 8
"""Query terms sent to FTS5 at most: the rarest ones (common terms add cost, not signal)."""
MAX_DF_SHARE = 0.25
"""Terms in more than this share of passages are left out of the lexical query..."""
OPTIMIZE_ROWS = 2000
"""An index this large is merged into one segment after an ingest (:meth:`LexicalIndex.compact`)."""
MAX_DF_POSTINGS = 5000
"""...or in more than this many: BM25 ranks every passage a term holds, so a very common
term costs time (about 40 ms at 100k passages) and adds little (its IDF is low)."""


@dataclass(slots=True)
class LexicalHit:
    chunk_id: str
    asset_id: str
    bm25: float


class LexicalIndex:
    """FTS5 search over a workspace's passages, synced lazily with its ``chunks`` table.

    Args:
        ws: The workspace (its SQLite database holds the index).

    Example:
        >>> index = LexicalIndex(ws)
        >>> [h.chunk_id for h in index.search("Where is our data hosted?", limit=2)]
        ['sales-deck-2023#4', 'whitepaper-security#1']
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.store = ws.lexical_store
        self._porter = PorterStems()
        self._size: tuple[int, int] | None = None
        self._state = 0
        self._checked: tuple[int, int, int] | None = None
        self._assets_key: tuple | None = None

    # -- sync ----------------------------------------------------------------------------

    def db_version(self) -> tuple[int, int, int]:
        """Changes to the database since: other connections' commits (``data_version``) and
        this connection's own writes (``total_changes``)."""
        return self.store.db_version()

    def sync(self) -> int:
        """Bring the index in line with the complete assets' chunks; returns assets refreshed.

        Costs one pragma when nothing was written to the database since the last check, and
        one aggregate over the assets table when only other tables were written.
        """
        version = self.db_version()
        if self._checked == version:
            return 0
        assets = self.store.assets_key()
        if self._assets_key == assets:  # other tables changed (caches, calls, insights)
            self._checked = version
            return 0
        current = self.store.fingerprints()
        if current == self.store.indexed_fingerprints():
            self._state = hash(frozenset(current.items()))
            self._checked, self._assets_key = version, assets
            return 0
        current, stale, fresh = self.store.reindex_changed()  # under the write lock
        self._state = hash(frozenset(current.items()))
        self._checked = self.db_version()
        self._assets_key = self.store.assets_key()
        log.info("lexical index: %d asset(s) dropped, %d indexed", len(stale), len(fresh))
        return len(set(stale) | set(fresh))

    def compact(self) -> bool:
        """Merge the index's segments into one b-tree when it holds at least
        :data:`OPTIMIZE_ROWS` passages in more than one segment (each ingest transaction writes
        its own; one b-tree answers about 5x faster after a bulk load, and costs about 1 s at
        100k passages). Run once per ingest command (:func:`rag.index_content`)."""
        if self.store.size() < OPTIMIZE_ROWS or self.store.segments() <= 1:
            return False
        self.store.optimize()
        return True

    def rebuild(self) -> None:
        """Drop and re-create the whole index from the chunks table."""
        self.store.clear()
        self._checked = self._assets_key = None
        self.sync()
        self.compact()

    def verify(self) -> list[str]:
        """Differences between the index and the complete assets' chunks (empty: in sync).

        Compares chunk ids, owning assets and texts; returns one line per difference.
        """
        want = self.store.stored_passages()
        have = self.store.indexed_passages()
        problems = [f"missing from the index: {c}" for c in sorted(want.keys() - have.keys())]
        problems += [f"not in chunks: {c}" for c in sorted(have.keys() - want.keys())]
        problems += [f"text differs: {c}" for c in sorted(want.keys() & have.keys())
                     if want[c] != have[c]]
        return problems

    # -- statistics ----------------------------------------------------------------------

    def size(self) -> int:
        """Number of indexed passages."""
        return self.store.size()

    def doc_freq(self, terms: list[str]) -> dict[str, int]:
        """Passages holding each term (after Porter stemming, as the index does)."""
        if not terms:
            return {}
        stemmed = self._porter(terms)
        rows = self.store.doc_freq(list(stemmed.values()))
        return {t: rows.get(s, 0) for t, s in stemmed.items()}

    def idf(self, terms: list[str]) -> dict[str, float]:
        """BM25-style inverse document frequency of each term over the indexed passages."""
        n = max(self.size_cached(), 1)
        return {t: math.log(1 + (n - df + 0.5) / (df + 0.5))
                for t, df in self.doc_freq(terms).items()}

    def size_cached(self) -> int:
        """:meth:`size`, recounted only when the last :meth:`sync` saw a change."""
        if self._size is None or self._size[0] != self._state:
            self._size = (self._state, self.size())
        return self._size[1]

    # -- search --------------------------------------------------------------------------

    def query_terms(self, text: str) -> list[str]:
        """The key terms of ``text`` that go into the FTS5 query: known, not too common, rarest
        first, at most :data:`MAX_TERMS`."""
        terms = key_terms(text)
        if not terms:
            return []
        df = self.doc_freq(terms)
        n = max(self.size_cached(), 1)
        cap = max(1.0, min(MAX_DF_SHARE * n, MAX_DF_POSTINGS))
        usable = [t for t in terms if 0 < df[t] <= cap]
        return sorted(usable, key=lambda t: df[t])[:MAX_TERMS]

    def search(self, text: str, limit: int = 50, asset_ids: list[str] | None = None,
               sync: bool = True) -> list[LexicalHit]:
        """Passages matching the key terms of ``text``, best bm25 first.

        Args:
            text: The query (a buyer's question or objection).
            limit: Most hits returned.
            asset_ids: Only passages of these assets (``None``: all).
            sync: Refresh the index first (see :meth:`sync`).
        """
        if sync:
            self.sync()
        terms = self.query_terms(text)
        if not terms or (asset_ids is not None and not asset_ids):
            return []
        return [LexicalHit(*hit) for hit in self.store.search(fts_query(terms), limit, asset_ids)]
