"""Hybrid retrieval over the content library: dense (Chroma) + lexical (FTS5), fused with RRF.

A query is embedded once; the dense side asks Chroma (cosine space, our own query embedding)
for the nearest passages, the lexical side asks the FTS5 index (:mod:`rag.lexical`) for the
passages that share its rarest key terms. Each side ranks passages; reciprocal rank fusion
(``sum 1 / (k + rank)`` over the sides, ``k`` = :data:`RRF_K`) merges them, and passages are
grouped by asset: an asset ranks by its best passage, which is the one shown to the user.

Filters (type, public only, stage, audience) become one list of eligible asset ids, applied as
a Chroma ``where`` on the dense side and as the same ``asset_id IN (...)`` on the lexical side,
so both sides always search the same assets.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import InputError, WorkspaceError
from ingest.records import ASSET_TYPES, AssetMeta, Chunk
from ingest.store import PASSAGES
from rag.lexical import LexicalIndex
from rag.records import AssetHit, Filters, PassageHit

if TYPE_CHECKING:
    from ingest.store import Workspace

log = logging.getLogger(__name__)

RRF_K = 60
"""Reciprocal-rank-fusion constant (Cormack et al., 2009)."""
DEPTH = 50
"""Passages each side returns before fusion."""
EMPTY_MESSAGE = ("No content in the workspace {root}: ingest content first: "
                 "callmine ingest content PATH... [--manifest content.csv]")


def check_filters(filters: Filters | None) -> Filters:
    """Validated filters (type lower-cased); :class:`InputError` listing the valid types."""
    filters = filters or Filters()
    if filters.type is not None:
        value = filters.type.strip().lower().replace("-", "_")
        if value not in ASSET_TYPES:
            raise InputError(f"Unknown asset type {filters.type!r}; use one of: "
                             f"{', '.join(ASSET_TYPES)}.")
        filters = Filters(value, filters.public_only, filters.stage, filters.audience)
    return filters


def _values(field: str | None) -> set[str]:
    """A manifest field that may list several values (``demo;proposal``), as a lower-case set."""
    if not field:
        return set()
    for sep in ";|/":
        field = field.replace(sep, ",")
    return {v.strip().lower() for v in field.split(",") if v.strip()}


def matches(asset: AssetMeta, filters: Filters) -> bool:
    """Whether an asset passes the filters (an unset stage/audience suits every one)."""
    if filters.type and asset.type != filters.type:
        return False
    if filters.public_only and not asset.public:
        return False
    for wanted, have in ((filters.stage, asset.stage), (filters.audience, asset.audience)):
        values = _values(have)
        if wanted and values and wanted.strip().lower() not in values:
            return False
    return True


def fused_score(*ranks: int | None, k: int = RRF_K) -> float:
    """Reciprocal-rank-fusion score of one item given its rank (from 1) on each side."""
    return sum(1.0 / (k + r) for r in ranks if r is not None)


class Retriever:
    """Finds the passages and assets that best match a text.

    Args:
        ws: The workspace (SQLite passages and Chroma vectors).
        depth: Passages each side returns before fusion.
        rrf_k: The reciprocal-rank-fusion constant.

    Example:
        >>> hits = Retriever(ws).run("Where is our data hosted?", top=3)  # doctest: +SKIP
        >>> hits[0].asset.asset_id, hits[0].best.chunk.location  # doctest: +SKIP
        ('web-security', '')
    """

    def __init__(self, ws: Workspace, depth: int = DEPTH, rrf_k: int = RRF_K) -> None:
        self.ws = ws
        self.depth = depth
        self.rrf_k = rrf_k
        self.lexical = LexicalIndex(ws)

    @property
    def collection(self):
        """The passages' Chroma collection (the workspace reopens it when another process
        changed the content)."""
        return self.ws.collection(PASSAGES)

    # -- inputs --------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit query vectors for texts."""
        return self.ws.embedder.embed(list(texts))

    def eligible(self, filters: Filters) -> list[str] | None:
        """Asset ids that pass the filters (``None`` when no filter is set)."""
        if not filters.active:
            return None
        return [a.asset_id for a in self.ws.assets() if matches(a, filters)]

    def check_content(self) -> None:
        """:class:`WorkspaceError` (exit 2) when the workspace holds no content yet."""
        if not self.ws.asset_catalog.has_content():
            raise WorkspaceError(EMPTY_MESSAGE.format(root=self.ws.root))

    # -- search --------------------------------------------------------------------------

    def run(self, text: str, top: int | None = 3, filters: Filters | None = None,
            vector: np.ndarray | None = None) -> list[AssetHit]:
        """The assets that best match ``text``, best first, each with its passages.

        Args:
            text: A buyer's question or objection.
            top: Assets returned (``None``: every asset found).
            filters: Which assets may be returned.
            vector: The query's embedding, if already computed.

        Raises:
            InputError: for an empty text or an unknown asset type.
            WorkspaceError: when no content was ingested.
        """
        passages = self.passages(text, filters, vector)
        grouped: dict[str, list[PassageHit]] = defaultdict(list)
        for hit in passages:
            grouped[hit.asset.asset_id].append(hit)
        sources = self._sources(list(grouped))
        assets = [AssetHit(hits[0].asset, hits, sources.get(a, "")) for a, hits in grouped.items()]
        assets.sort(key=lambda h: (-h.fused, -h.cosine, h.asset.asset_id))
        return assets if top is None else assets[:top]

    def passages(self, text: str, filters: Filters | None = None,
                 vector: np.ndarray | None = None) -> list[PassageHit]:
        """Passages from both sides, fused, best first (each with its cosine similarity)."""
        if not text or not text.strip():
            raise InputError("Give the text to search for, e.g. \"Where is our data hosted?\".")
        filters = check_filters(filters)
        self.check_content()
        allowed = self.eligible(filters)
        if allowed is not None and not allowed:
            return []
        if vector is None:
            vector = self.embed([text])[0]
        dense = self._dense(vector, allowed)
        lexical = self.lexical.search(text, self.depth, allowed)
        ranks: dict[str, dict[str, Any]] = {}
        for i, (chunk_id, cos) in enumerate(dense, 1):
            ranks[chunk_id] = {"dense": i, "cosine": cos}
        for i, hit in enumerate(lexical, 1):
            ranks.setdefault(chunk_id := hit.chunk_id, {}).update(lexical=i, bm25=hit.bm25)
        missing = [c for c, r in ranks.items() if "cosine" not in r]
        for chunk_id, cos in self.cosines(vector, missing).items():
            ranks[chunk_id]["cosine"] = cos
        chunks = {c.chunk_id: c for c in self.ws.chunks(ids=list(ranks))} if ranks else {}
        metas = self._metas({c.asset_id for c in chunks.values()})
        hits = []
        for chunk_id, r in ranks.items():
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.asset_id not in metas:  # vector of a half-written asset
                continue
            hits.append(PassageHit(
                chunk=chunk, asset=metas[chunk.asset_id], cosine=float(r.get("cosine", 0.0)),
                fused=fused_score(r.get("dense"), r.get("lexical"), k=self.rrf_k),
                dense=r.get("dense"), lexical=r.get("lexical"), bm25=r.get("bm25")))
        hits.sort(key=lambda h: (-h.fused, -h.cosine, h.chunk.chunk_id))
        return hits

    def _dense(self, vector: np.ndarray, allowed: list[str] | None) -> list[tuple[str, float]]:
        collection = self.collection
        where = {"asset_id": {"$in": allowed}} if allowed is not None else None
        if allowed is not None and len(allowed) == 1:
            where = {"asset_id": allowed[0]}
        result = collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                  n_results=self.depth, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]

    def cosines(self, vector: np.ndarray, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of the query to passages by id (from their stored vectors)."""
        ids, vectors = self.vectors(chunk_ids)
        if not ids:
            return {}
        return dict(zip(ids, (vectors @ np.asarray(vector, dtype=np.float32)).tolist()))

    def vectors(self, chunk_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Stored passage vectors by chunk ids (ids without a vector are left out)."""
        if not chunk_ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        got = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        if not got["ids"]:
            return [], np.zeros((0, 0), dtype=np.float32)
        return list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32)

    # -- metadata ------------------------------------------------------------------------

    def _metas(self, asset_ids: set[str]) -> dict[str, AssetMeta]:
        if not asset_ids:
            return {}
        return self.ws.asset_catalog.metas(asset_ids)

    def _sources(self, asset_ids: list[str]) -> dict[str, str]:
        """Where each asset lives: its URL, else the file it was ingested from."""
        if not asset_ids:
            return {}
        return self.ws.asset_catalog.locations(asset_ids)


def location(chunk: Chunk, sentence: str = "") -> str:
    """Where a passage (and the sentence in it) stands: heading path, the sub-heading the
    sentence sits under when the passage merges several sections, page or slide.

    Example:
        >>> location(Chunk("a#0", "a", 0, "Encryption\\nAES-256.\\n\\nHosting\\nUS data centres.",
        ...                ["Security"]), "US data centres.")
        'Security > Hosting'
    """
    parts = list(chunk.heading_path)
    sub = _sub_heading(chunk.text, sentence) if sentence else ""
    if sub:
        parts += [p.strip() for p in sub.split(" > ") if p.strip()]
    where = [" > ".join(parts)] if parts else []
    if chunk.page is not None:
        where.append(f"page {chunk.page}")
    if chunk.slide is not None:
        where.append(f"slide {chunk.slide}")
    return ", ".join(where)


def _sub_heading(text: str, sentence: str) -> str:
    """The heading line closest above ``sentence`` in a passage (short, no full stop)."""
    probe = " ".join(sentence.split()[:6])
    lines = [" ".join(line.split()) for line in text.splitlines()]
    at = next((i for i, line in enumerate(lines) if probe and probe in line), None)
    if at is None:
        return ""
    for line in reversed(lines[:at + 1]):
        words = line.split()
        if line and len(words) <= 12 and line[-1:] not in ".!:;,…\"”" and \
                not line.startswith(("-", "•", "*")) and (line != lines[at] or "?" in line):
            return line
    return ""


def passage_text(chunk: Chunk) -> str:
    """A passage's text as shown to people (whitespace tidied)."""
    return "\n".join(" ".join(line.split()) for line in chunk.text.splitlines() if line.strip())
