"""Search across calls and the content library: one box, keyword and semantic results merged.

Calls: the keyword side is SQLite FTS5 over every turn (``turn_fts``, Porter stemming, kept in
line with the turns by triggers: :mod:`ingest.schema`); the semantic side is a Chroma
collection ``turns`` holding one vector per turn of at least :data:`MIN_WORDS` words, both
sides. Reciprocal rank fusion (as :mod:`rag.retriever`) merges the two rankings.

The ``turns`` collection is brought in line with the stored calls by :meth:`TurnVectors.sync`:
after every call ingest (``ui.workflow``), and before every search (a cheap comparison of the
calls' fingerprints, content hash and ingest time, with those the vectors were written at;
a workspace made before search existed is embedded on its first search). A vector whose call
was removed or re-ingested since is never returned: each semantic hit is checked against the
stored turn and the call's current fingerprint.

Why vectors per turn, at ingest: the analysis embeds only buyer sentences, and semantic search
over objections or themes would find only objections. Embedding every turn costs about
25 ms per turn on two busy CPU cores (the demo's 707 turns: 17 s, on top of a 69 s build), paid
once per call at ingest where the model is already loaded, not at the first search.

The content library reuses the hybrid passage retrieval (:class:`rag.retriever.Retriever`).

Example:
    >>> hits = search_calls(ws, "too expensive", SearchFilters(side="buyer"), limit=5)  # doctest: +SKIP
    >>> hits[0].call_id, hits[0].turn, hits[0].start  # doctest: +SKIP
    ('c14-larkspur', 1, 6.77)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import InputError
from ingest.records import CallMeta
from rag.records import CallHit, Filters, PassageHit, SearchFilters
from rag.retriever import RRF_K, Retriever, fused_score, location, passage_text
from rag.terms import key_terms, tokens

if TYPE_CHECKING:
    from ingest.store import StoredTurn, TurnMatch, Workspace

log = logging.getLogger(__name__)

TURNS = "turns"
"""The Chroma collection of turn vectors."""
MIN_WORDS = 3
"""Turns shorter than this ("Okay.", "Sounds good.") get no vector: keyword search finds them."""
MIN_COSINE = 0.3
"""A semantic hit below this cosine similarity is left out (MiniLM: unrelated texts score
about 0 to 0.25; a paraphrase of the query about 0.45 and up)."""
DEPTH = 50
"""Turns each side returns before fusion."""
SNIPPET_WORDS = 24
"""Words of a turn shown for a semantic-only hit."""
SIDES = ("buyer", "rep")
OUTCOMES = ("won", "lost", "open")
BATCH_CALLS = 100
"""Calls embedded and written to the vector store together by :meth:`TurnVectors.sync`."""
_OPEN, _CLOSE = "\x02", "\x03"
"""What the keyword side puts around matched words (never in a transcript; see marks)."""


def check_filters(filters: SearchFilters | None) -> SearchFilters:
    """Valid filters, or :class:`InputError` saying which value is wrong and what fits."""
    filters = filters or SearchFilters()
    if filters.side is not None and filters.side not in SIDES:
        raise InputError(f"Speaker side must be buyer or rep, got {filters.side!r}.")
    wrong = [o for o in filters.outcomes if o.lower() not in OUTCOMES]
    if wrong:
        raise InputError(f"Outcome must be won, lost or open, got {wrong[0]!r}.")
    if filters.since and filters.until and filters.since > filters.until:
        raise InputError(f"The date range is empty: since {filters.since} is after until "
                         f"{filters.until}.")
    return filters


def _check_query(query: str, limit: int) -> str:
    if not query or not query.strip():
        raise InputError('Give words to search for, e.g. callmine search "too expensive".')
    if limit < 1:
        raise InputError(f"The number of results must be 1 or more, got {limit}.")
    return query.strip()


def keyword_text(query: str) -> str:
    """The words of ``query`` the keyword side searches: its key terms, or every word when
    it has only common ones ("and", "how")."""
    return " ".join(key_terms(query) or tokens(query))


def unmark(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """A keyword snippet without its markers, and the spans they marked.

    Example:
        >>> unmark("the \\x02price\\x03 is high")
        ('the price is high', [(4, 9)])
    """
    text, marks, at, start = [], [], 0, None
    for ch in snippet:
        if ch == _OPEN:
            start = at
        elif ch == _CLOSE and start is not None:
            marks.append((start, at))
            start = None
        else:
            text.append(ch)
            at += 1
    return "".join(text), marks


def short(text: str, words: int = SNIPPET_WORDS) -> str:
    """The first ``words`` words of a text, "…" when cut."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


class TurnVectors:
    """The ``turns`` Chroma collection: one vector per turn, kept in line with the calls.

    Args:
        ws: The workspace (its embedder embeds the turns and queries).
        min_words: Turns shorter than this get no vector.
    """

    def __init__(self, ws: Workspace, min_words: int = MIN_WORDS) -> None:
        self.ws = ws
        self.min_words = min_words

    @property
    def collection(self):
        return self.ws.collection(TURNS)

    def sync(self, progress: bool = False) -> int:
        """Embed the turns of new and re-ingested calls, drop those of removed ones; returns
        the calls embedded. Costs two small queries when every call is current."""
        current = self.ws.call_fingerprints()
        have = self.ws.turn_vector_calls()
        stale = sorted(c for c, f in have.items() if current.get(c) != f)
        todo = sorted(c for c, f in current.items() if have.get(c) != f)
        if stale:
            self.collection.delete(where={"call_id": {"$in": stale}})
            self.ws.mark_turn_vectors({}, stale)
        if not todo:
            return 0
        t0 = time.perf_counter()
        turns = 0
        for lo in range(0, len(todo), BATCH_CALLS):
            batch = todo[lo:lo + BATCH_CALLS]
            rows = [(cid, t) for cid in batch for t in self.ws.turns(cid)
                    if len(t.text.split()) >= self.min_words]
            if rows:
                vectors = self.ws.embedder.embed([t.text for _, t in rows], progress=progress)
                self.collection.upsert(
                    ids=[f"{cid}#{t.index}" for cid, t in rows], embeddings=vectors,
                    metadatas=[{"call_id": cid, "turn": t.index, "fingerprint": current[cid]}
                               for cid, t in rows])
            self.ws.mark_turn_vectors({cid: current[cid] for cid in batch})
            turns += len(rows)
        log.info("turn vectors: %d call(s), %d turn(s) embedded in %.1f s; %d call(s) dropped",
                 len(todo), turns, time.perf_counter() - t0, len(stale))
        return len(todo)

    def search(self, vector: np.ndarray, depth: int = DEPTH,
               call_ids: Sequence[str] | None = None) -> list[tuple[str, int, float, str]]:
        """The nearest turns: ``(call_id, turn, cosine, fingerprint)``, nearest first."""
        if call_ids is not None and not call_ids:
            return []
        collection = self.collection
        count = collection.count()
        if count == 0:
            return []
        where = None
        if call_ids is not None:
            where = {"call_id": call_ids[0]} if len(call_ids) == 1 else \
                {"call_id": {"$in": list(call_ids)}}
        result = collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                  n_results=min(depth, count), where=where,
                                  include=["distances", "metadatas"])
        return [(m["call_id"], int(m["turn"]), 1.0 - float(d), m.get("fingerprint", ""))
                for m, d in zip(result["metadatas"][0], result["distances"][0])]


class CallSearch:
    """Keyword and semantic search over the turns of calls, merged by reciprocal rank fusion.

    Args:
        ws: The workspace.
        depth: Turns each side returns before fusion.
        min_cosine: Semantic hits below this cosine similarity are left out.
        rrf_k: The reciprocal-rank-fusion constant.
    """

    def __init__(self, ws: Workspace, depth: int = DEPTH, min_cosine: float = MIN_COSINE,
                 rrf_k: int = RRF_K) -> None:
        self.ws = ws
        self.depth = depth
        self.min_cosine = min_cosine
        self.rrf_k = rrf_k
        self.vectors = TurnVectors(ws)

    def run(self, query: str, filters: SearchFilters | None = None,
            limit: int = 20) -> list[CallHit]:
        """The turns that best match ``query``, best first.

        Raises:
            InputError: for an empty query, a limit below 1 or a wrong filter value.
        """
        query = _check_query(query, limit)
        filters = check_filters(filters)
        metas = {c.meta.call_id: c.meta for c in self.ws.calls()}
        allowed = None
        if filters.calls_active:
            allowed = sorted(cid for cid, m in metas.items() if filters.matches(m))
        keyword = self.keyword(query, allowed, filters.side)
        semantic = self.semantic(query, allowed, filters.side)
        return self.fuse(keyword, semantic, metas)[:limit]

    def keyword(self, query: str, allowed: list[str] | None,
                side: str | None) -> list[TurnMatch]:
        """Turns holding every key word of the query, then those holding some of them."""
        words = keyword_text(query)
        found = self.ws.search_turns(words, self.depth, allowed, side, every=True,
                                     marks=(_OPEN, _CLOSE))
        if len(found) < self.depth and len(words.split()) > 1:
            seen = {(m.call_id, m.turn_index) for m in found}
            found += [m for m in self.ws.search_turns(words, self.depth, allowed, side,
                                                      every=False, marks=(_OPEN, _CLOSE))
                      if (m.call_id, m.turn_index) not in seen][:self.depth - len(found)]
        return found

    def semantic(self, query: str, allowed: list[str] | None,
                 side: str | None) -> list[tuple[StoredTurn, float]]:
        """The turns nearest the query's meaning (at least :attr:`min_cosine`), nearest first;
        only vectors of the calls' current turns."""
        self.vectors.sync()
        vector = self.ws.embedder.embed([query])[0]
        # the side is checked on the stored turn (a speaker renamed since keeps its vector)
        near = self.vectors.search(vector, self.depth * (2 if side else 1), allowed)
        near = [n for n in near if n[2] >= self.min_cosine]
        current = self.ws.call_fingerprints()
        stored = self.ws.stored_turns([(c, t) for c, t, _, _ in near])
        out = []
        for call_id, turn, cosine, fingerprint in near:
            row = stored.get((call_id, turn))
            if row is None or current.get(call_id) != fingerprint:
                continue
            if side is None or row.side == side:
                out.append((row, cosine))
        return out[:self.depth]

    def fuse(self, keyword: Sequence[TurnMatch], semantic: Sequence[tuple[StoredTurn, float]],
             metas: dict[str, CallMeta]) -> list[CallHit]:
        """One ranking from both sides (reciprocal rank fusion), best first."""
        hits: dict[tuple[str, int], dict[str, Any]] = {}
        for rank, m in enumerate(keyword, 1):
            snippet, marks = unmark(m.snippet)
            hits[(m.call_id, m.turn_index)] = dict(
                turn=m.turn_index, start=m.start, side=m.side, speaker=m.speaker,
                snippet=snippet, marks=marks, keyword=rank, bm25=m.rank)
        for rank, (row, cosine) in enumerate(semantic, 1):
            hit = hits.setdefault((row.call_id, row.turn_index), dict(
                turn=row.turn_index, start=row.start, side=row.side, speaker=row.speaker,
                snippet=short(row.text), marks=[]))
            hit.update(semantic=rank, cosine=cosine)
        texts = {k: r.text for k, r in self.ws.stored_turns(hits).items()}
        out = []
        for key, h in hits.items():
            if key[0] not in metas or key not in texts:  # removed while searching
                continue
            out.append(CallHit(call=metas[key[0]], text=texts[key],
                               fused=fused_score(h.get("keyword"), h.get("semantic"),
                                                 k=self.rrf_k), **h))
        out.sort(key=lambda h: (-h.fused, -(h.cosine or 0.0), h.call_id, h.turn))
        return out


def search_calls(workspace: Workspace, query: str, filters: SearchFilters | None = None,
                 limit: int = 20) -> list[CallHit]:
    """The turns of calls that best match ``query`` (keyword and semantic, fused), best first.

    Args:
        workspace: The workspace.
        query: What to look for: words, a phrase, or a paraphrase of what was said.
        filters: Which calls and which side's turns (rep, segment, stage, outcome, dates).
        limit: Most hits returned.

    Raises:
        InputError: for an empty query, a limit below 1 or a wrong filter value.
    """
    return CallSearch(workspace).run(query, filters, limit)


def search_library(workspace: Workspace, query: str, limit: int = 20,
                   public_only: bool = False) -> list[PassageHit]:
    """The passages of the content library that best match ``query`` (hybrid retrieval,
    :class:`rag.retriever.Retriever`), best first.

    Raises:
        InputError: for an empty query or a limit below 1.
        WorkspaceError: when no content was ingested.
    """
    query = _check_query(query, limit)
    return Retriever(workspace).passages(query, Filters(public_only=public_only))[:limit]


def index_calls(workspace: Workspace, progress: bool = False) -> int:
    """Bring the turn vectors in line with the stored calls (run after call ingest, so the
    first search is as fast as the rest); returns the calls embedded."""
    return TurnVectors(workspace).sync(progress=progress)


# -- JSON (``callmine search --format json``) ------------------------------------------------

def call_hit_json(hit: CallHit) -> dict[str, Any]:
    m = hit.call
    return {"call_id": m.call_id, "turn": hit.turn, "start": hit.start, "side": hit.side,
            "speaker": hit.speaker, "text": hit.text, "snippet": hit.snippet,
            "marks": [list(s) for s in hit.marks], "score": round(hit.fused, 6),
            "keyword_rank": hit.keyword, "semantic_rank": hit.semantic,
            "cosine": None if hit.cosine is None else round(hit.cosine, 4),
            "date": m.date.isoformat() if m.date else None, "rep": m.rep,
            "account": m.account, "stage": m.stage, "outcome": m.outcome, "segment": m.segment}


def passage_hit_json(hit: PassageHit) -> dict[str, Any]:
    a = hit.asset
    return {"asset_id": a.asset_id, "title": a.title, "type": a.type, "public": a.public,
            "url": a.url, "chunk_id": hit.chunk.chunk_id, "location": location(hit.chunk),
            "passage": passage_text(hit.chunk), "score": round(hit.fused, 6),
            "keyword_rank": hit.lexical, "semantic_rank": hit.dense,
            "cosine": round(hit.cosine, 4)}


def search_json(query: str, hits: Sequence[CallHit] | Sequence[PassageHit],
                library: bool) -> dict[str, Any]:
    """The JSON document of a search: ``{"query", "library", "hits": [...]}``."""
    as_json = passage_hit_json if library else call_hit_json
    return {"query": query, "library": library, "hits": [as_json(h) for h in hits]}


__all__ = ["CallSearch", "TurnVectors", "index_calls", "search_calls", "search_json",
           "search_library"]
