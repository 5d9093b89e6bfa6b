"""Sentence embeddings of passages, computed after content ingest and cached in the workspace DB.

The covered decision compares a question with each sentence of a candidate passage (a passage
can mention a topic in passing; a sentence that answers it scores higher). Embedding those
sentences on every query would cost more than the whole retrieval, so they are stored in
``rag_sentences`` keyed by chunk id together with a digest of the passage text: a re-ingested
passage with new text is re-embedded, never read stale. :meth:`SentenceVectors.sync` embeds
what is missing (``callmine ingest content`` runs it); a passage that was not synced yet is
embedded the first time it is a candidate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rag.terms import sentences

if TYPE_CHECKING:
    from ingest.records import Chunk
    from ingest.store import Workspace


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SentenceVectors:
    """Sentences of passages and their unit vectors, cached per passage text.

    Args:
        ws: The workspace (its embedder and database).
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def sync(self, progress: bool = False, batch: int = 256) -> int:
        """Embed the sentences of every stored passage that has none cached (or whose text
        changed) and drop rows of passages that are gone. Returns the passages embedded."""
        cached = self.ws.lexical_store.sentence_digests()
        chunks = self.ws.chunks()
        live = {c.chunk_id for c in chunks}
        gone = [cid for cid in cached if cid not in live]
        if gone:
            self.ws.lexical_store.drop_sentences(gone)
        todo = [c for c in chunks if cached.get(c.chunk_id) != _digest(c.text)]
        if not todo:
            return 0
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="passage sentences", unit="passage", disable=not progress)
        for i in range(0, len(todo), batch):
            part = todo[i:i + batch]
            self._embed(part)
            bar.update(len(part))
        bar.close()
        return len(todo)

    def get(self, chunks: Sequence[Chunk]) -> dict[str, tuple[list[str], np.ndarray]]:
        """``chunk_id -> (sentences, vectors)`` for the chunks, embedding what is not cached."""
        if not chunks:
            return {}
        digests = {c.chunk_id: _digest(c.text) for c in chunks}
        out = {cid: (sents, vecs) for cid, (digest, sents, vecs)
               in self.ws.lexical_store.sentences(digests).items() if digest == digests[cid]}
        todo = [c for c in {c.chunk_id: c for c in chunks}.values() if c.chunk_id not in out]
        if todo:
            out.update(self._embed(todo))
        return out

    def _embed(self, chunks: Sequence[Chunk]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Split distinct chunks into sentences, embed them and store them (replacing rows)."""
        split = [sentences(c.text) or [" ".join(c.text.split())] for c in chunks]
        vectors = self.ws.embedder.embed([s for group in split for s in group])
        out: dict[str, tuple[list[str], np.ndarray]] = {}
        rows = []
        at = 0
        for chunk, group in zip(chunks, split):
            vecs = vectors[at:at + len(group)]
            at += len(group)
            out[chunk.chunk_id] = (group, vecs)
            rows.append((chunk.chunk_id, _digest(chunk.text), group, vecs))
        self.ws.lexical_store.put_sentences(rows)
        return out

    def best(self, vector: np.ndarray, chunk: Chunk) -> tuple[str, float]:
        """The sentence of a passage that answers a query vector best (see
        :func:`answer_sentence`), and the cosine of the closest sentence."""
        sents, vecs = self.get([chunk])[chunk.chunk_id]
        if not sents:
            return "", 0.0
        sims = vecs @ np.asarray(vector, dtype=np.float32)
        i = int(np.argmax(sims))
        return answer_sentence(sents, i), float(sims[i])


def answer_sentence(sents: list[str], i: int) -> str:
    """Sentence ``i``, or when it is a question (an FAQ heading that mirrors the buyer's
    question) the question with the sentence that answers it, which follows it.

    Example:
        >>> answer_sentence(["How long does it take?", "30 days on average."], 0)
        'How long does it take? 30 days on average.'
    """
    sentence = sents[i]
    if sentence.rstrip().endswith("?") and i + 1 < len(sents):
        return f"{sentence} {sents[i + 1]}"
    return sentence


def index_content(ws: Workspace, progress: bool = False) -> int:
    """Bring the content indexes that retrieval builds on top of the workspace (the FTS5
    index and the passage sentence vectors) in line with the stored passages; run after
    content ingest so the first questions are as fast as the rest. Returns the passages
    whose sentences were embedded."""
    from rag.lexical import LexicalIndex

    index = LexicalIndex(ws)
    index.sync()
    index.compact()
    return SentenceVectors(ws).sync(progress=progress)
