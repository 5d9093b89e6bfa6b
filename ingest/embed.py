"""Sentence embeddings from a local sentence-transformers model (the bundled MiniLM by default)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.errors import ModelError
from ingest.models import embedding_model_dir

log = logging.getLogger(__name__)


class Embedder(Embeddings):
    """Embeds texts with a sentence-transformers model loaded lazily from a local folder.

    Vectors are L2-normalised, so a dot product is the cosine similarity. It is also a
    langchain ``Embeddings``, so it plugs into ``langchain_chroma.Chroma``.

    Example:
        >>> emb = Embedder()                      # bundled all-MiniLM-L6-v2
        >>> emb.embed(["price is too high"]).shape
        (1, 384)
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now instead of on first use."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            path = embedding_model_dir(self.model_path)
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except Exception as exc:  # a broken folder surfaces as many exception types
                raise ModelError(
                    f"Could not load the embedding model from {path}: {exc}. Set "
                    "CALLMINE_EMBEDDING_MODEL to a sentence-transformers model folder."
                ) from exc
            log.info("embedding model loaded from %s", path)

    @property
    def dimension(self) -> int:
        self.warm_up()
        model = self._model  # sentence-transformers 5 renamed the method; older ones lack it
        getter = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed texts into a ``(len(texts), dim)`` float32 array of unit vectors."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)

    # langchain Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()
