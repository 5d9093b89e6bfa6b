"""Sentence embeddings for the analysis: batched across calls, each distinct text once.

Embedding is the slow part of the analysis (a few hundred sentences per second on two CPU
cores). Calls repeat a lot of short sentences ("Okay.", "Makes sense.", "Can you share the
deck?"), so :class:`SentenceEncoder` embeds each distinct sentence once and keeps the vector
in a bounded cache for the rest of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class Embeds(Protocol):
    """What the encoder needs from an embedder (``ingest.embed.Embedder`` fits)."""

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


class SentenceEncoder:
    """Embeds texts through an embedder, each distinct text once.

    Args:
        embedder: Returns unit-norm vectors for a list of texts (``ws.embedder``).
        max_cached: Cache size in texts; the cache is emptied when it grows past this
            (384-d float32 vectors: 100,000 texts take about 150 MB).

    Example:
        >>> enc = SentenceEncoder(ws.embedder)
        >>> enc.encode(["Okay.", "Too expensive.", "Okay."]).shape
        (3, 384)
        >>> enc.embedded   # texts actually sent to the model
        2
    """

    def __init__(self, embedder: Embeds, max_cached: int = 100_000) -> None:
        self.embedder = embedder
        self.max_cached = max_cached
        self._cache: dict[str, np.ndarray] = {}
        self.requested = 0
        self.embedded = 0

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-norm embeddings of ``texts`` as a ``(len(texts), dim)`` float32 array."""
        if not texts:
            return self.embedder.embed([])
        self.requested += len(texts)
        self.prime(texts, progress=progress)
        return np.stack([self._cache[t] for t in texts]).astype(np.float32, copy=False)

    def prime(self, texts: Sequence[str], progress: bool = False) -> None:
        """Embed and cache the texts not seen yet, in one batch."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if not missing:
            return
        if len(self._cache) + len(missing) > self.max_cached:
            self._cache.clear()
            missing = list(dict.fromkeys(texts))
        vectors = self.embedder.embed(missing, progress=progress)
        self.embedded += len(missing)
        self._cache.update(zip(missing, vectors, strict=True))


class QuantizedEmbedder:
    """The same sentence-transformers model with its Linear layers quantized to int8.

    About 1.9x faster on CPU (see STACK.md). Use it for bulk analysis only after checking
    that the classifier's held-out figures do not move (``bench/eval_objections.py
    --quantized``).

    Args:
        model_path: The model folder; None for the bundled MiniLM (as ``ingest.embed``).
        batch_size: Sentences per forward pass.
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None

    def warm_up(self, bulk: bool = True) -> None:
        """Load the quantized model (``bulk`` is accepted as ``Embedder.warm_up`` takes it;
        this embedder only ever serves bulk work)."""
        if self._model is not None:
            return
        import torch
        from sentence_transformers import SentenceTransformer

        from ingest.models import embedding_model_dir

        model = SentenceTransformer(str(embedding_model_dir(self.model_path)), device="cpu",
                                    local_files_only=True)
        self._model = torch.ao.quantization.quantize_dynamic(
            model, {torch.nn.Linear}, dtype=torch.qint8)
        log.info("int8-quantized embedding model ready")

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            dim = self._model.get_sentence_embedding_dimension()
            return np.zeros((0, dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=progress)
        return vectors.astype(np.float32, copy=False)


def quantized_embedder(embedder: Embeds) -> QuantizedEmbedder:
    """An int8 twin of an ``ingest.embed.Embedder`` (same model folder and batch size)."""
    return QuantizedEmbedder(getattr(embedder, "model_path", None),
                             getattr(embedder, "batch_size", 64))
