"""Passage sentence vectors: embedded after ingest, incrementally, never read stale."""

from __future__ import annotations

import numpy as np

from rag import index_content
from rag.sentence_vectors import SentenceVectors


class CountingEmbedder:
    """An embedder, counting the texts it is asked to embed."""

    def __init__(self, real) -> None:
        self.real, self.texts = real, 0

    def embed(self, texts, progress: bool = False):
        self.texts += len(texts)
        return self.real.embed(texts)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _cached(ws) -> dict[str, str]:
    return dict(ws.db.execute("SELECT chunk_id, sentences FROM rag_sentences").fetchall())


def test_sync_embeds_every_passage_once_then_only_what_changed(tmp_path, fake_embedder, ingest,
                                                              lumio_copy):
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", fake_embedder)
    ingest(ws, lumio_copy)
    chunks = ws.chunks()
    assert index_content(ws) == len(chunks)
    assert set(_cached(ws)) == {c.chunk_id for c in chunks}
    assert index_content(ws) == 0  # nothing new

    counting = CountingEmbedder(fake_embedder)
    ws.embedder = counting
    sv = SentenceVectors(ws)
    sents, vecs = sv.get(chunks[:3])[chunks[0].chunk_id]
    assert counting.texts == 0  # served from the cache
    assert vecs.shape == (len(sents), fake_embedder.dimension)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)

    # a re-ingested document with new text: its passages are re-embedded, the rest are not
    doc = next(p for p in lumio_copy.iterdir() if p.name == "security.md")
    doc.write_text(doc.read_text() + "\n\n## Backups\n\nBackups are kept for thirty days in "
                   "a second region.\n")
    ingest(ws, lumio_copy)
    of_asset = ws.chunks(asset_id="lumio-security")
    embedded = sv.sync()
    assert 0 < embedded <= len(of_asset)  # passages whose text did not change are kept
    assert counting.texts >= embedded
    assert any("thirty days" in s for s in _cached(ws).values())


def test_sync_drops_rows_of_passages_that_are_gone(tmp_path, fake_embedder, ingest, lumio_copy):
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", fake_embedder)
    ingest(ws, lumio_copy)
    index_content(ws)
    ws.db.execute("INSERT INTO rag_sentences VALUES ('ghost#0', 'x', 'A sentence.', x'00')")
    SentenceVectors(ws).sync()
    assert "ghost#0" not in _cached(ws)
