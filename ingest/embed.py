"""Sentence embeddings from a local sentence-transformers model (the bundled MiniLM by default).

Two encoders serve one :class:`Embedder`, and give the same vectors (within 1e-6):

- small calls (a question, a few sentences; up to :data:`QUERY_TOKENS` tokens):
  :class:`ingest.numpy_bert.NumpyBert`, a NumPy forward pass on one thread that starts in
  about 0.3 s, when the model folder is a BERT with mean pooling and normalisation (read from
  its sentence-transformers module config);
- bulk work (ingest, analysis) and any other model: sentence-transformers, which batches far
  better but takes 5-9 s to import (torch).

Small calls stay on NumPy even once sentence-transformers is loaded: on two cores shared with
other work, embedding one query took 306 ms (p50, load average 11) through torch's two threads
and 22 ms (p50, load average 7) on NumPy's one (``bench/retrieval.py`` at 100k passages).

Importing this module imports neither.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ModelError
from ingest.models import embedding_model_dir

log = logging.getLogger(__name__)

QUERY_TOKENS = 512
"""Tokens in one call (all texts together, special tokens included) up to which the NumPy
encoder embeds, when the model allows it: a question or a few dozen short sentences. 0 sends
everything to sentence-transformers."""
COLD_TOKENS = 4096
"""While sentence-transformers is not loaded in this process, calls up to this many tokens
(times ``query_tokens / QUERY_TOKENS``) also go to the NumPy encoder: about 2.5 s of its work,
less than importing torch and loading the model (about 4 s here) for a draft's few dozen
sentences. Once it is loaded, only calls within the query budget do."""

_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize")
_POOLING = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def numpy_compatible(folder: Path) -> str | None:
    """Why the NumPy encoder cannot reproduce a sentence-transformers folder, or None if it can.

    It can when the folder is a BERT encoder in ``model.safetensors`` (with ``tokenizer.json``)
    followed by mean pooling and normalisation, and no default prompt: the recipe of
    all-MiniLM-L6-v2 and many other sentence-transformers models.

    Example:
        >>> numpy_compatible(embedding_model_dir(None)) is None
        True
    """
    folder = Path(folder)
    modules = _read_json(folder / "modules.json")
    if not isinstance(modules, list) or \
            tuple(m.get("type") for m in modules) != _MODULES or modules[0].get("path", ""):
        return "modules.json is not Transformer > Pooling > Normalize"
    pooling = _read_json(folder / modules[1].get("path", "1_Pooling") / "config.json")
    if not isinstance(pooling, dict) or any(
            bool(pooling.get(k, False)) != v for k, v in _POOLING.items()) or \
            any(pooling.get(k) for k in ("pooling_mode_weightedmean_tokens",
                                         "pooling_mode_lasttoken")) or \
            not pooling.get("include_prompt", True):
        return "the pooling is not plain mean pooling"
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict) or config.get("model_type") != "bert":
        return "the encoder is not a BERT model"
    st_config = _read_json(folder / "config_sentence_transformers.json") or {}
    if isinstance(st_config, dict) and st_config.get("default_prompt_name"):
        return "the model adds a default prompt"
    bert_config = _read_json(folder / "sentence_bert_config.json") or {}
    if isinstance(bert_config, dict) and bert_config.get("do_lower_case"):
        return "the model lower-cases texts before its tokenizer"
    for name in ("model.safetensors", "tokenizer.json"):
        if not (folder / name).is_file():
            return f"{name} is missing"
    return None


class Embedder:
    """Embeds texts with a sentence-transformers model loaded lazily from a local folder.

    Vectors are L2-normalised, so a dot product is the cosine similarity. Small calls (up to
    :data:`QUERY_TOKENS` tokens) go to the NumPy encoder when the model allows it (see
    :func:`numpy_compatible`); everything else goes to sentence-transformers. It has
    langchain's ``Embeddings`` methods (``embed_documents``/``embed_query``), so it plugs into
    ``langchain_chroma.Chroma``.

    Args:
        model_path: The model folder; None for the bundled all-MiniLM-L6-v2.
        batch_size: Texts per sentence-transformers forward pass.
        query_tokens: The NumPy encoder's budget per call (default :data:`QUERY_TOKENS`;
            0 never uses it).

    Example:
        >>> emb = Embedder()                      # bundled all-MiniLM-L6-v2
        >>> emb.embed(["price is too high"]).shape
        (1, 384)
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 64,
                 query_tokens: int | None = None) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.query_tokens = query_tokens
        self._model: Any = None
        self._bert: Any = None
        self._bert_checked = False
        self._lock = threading.Lock()

    @property
    def _budget(self) -> int:
        return QUERY_TOKENS if self.query_tokens is None else self.query_tokens

    @property
    def encoder(self) -> str:
        """Which encoder serves small calls: ``"numpy"`` or ``"sentence-transformers"``."""
        return "numpy" if self._query_model() is not None else "sentence-transformers"

    def warm_up(self, bulk: bool = False) -> None:
        """Load the model now instead of on first use: the encoder queries use (the NumPy one
        when the model allows it), or with ``bulk`` sentence-transformers."""
        if bulk or self._budget <= 0 or self._query_model() is None:
            self._bulk_model()

    def _query_model(self):
        """The NumPy encoder, loaded once; None when the model folder does not allow it."""
        if self._bert_checked or self._budget <= 0:
            return self._bert
        with self._lock:
            if not self._bert_checked:
                path = embedding_model_dir(self.model_path)
                reason = numpy_compatible(path)
                if reason is None:
                    from ingest.numpy_bert import NumpyBert

                    try:
                        self._bert = NumpyBert.load(path)
                        log.info("NumPy query encoder loaded from %s", path)
                    except ModelError as exc:
                        log.info("NumPy query encoder unavailable (%s); using "
                                 "sentence-transformers for every call", exc)
                else:
                    log.info("%s: %s, so queries use sentence-transformers", path, reason)
                self._bert_checked = True
        return self._bert

    def _bulk_model(self):
        """The sentence-transformers model, loaded once."""
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
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
        return self._model

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        bert = self._query_model()
        if bert is not None:
            return int(bert.word.shape[1])
        model = self._bulk_model()  # sentence-transformers 5 renamed the method
        getter = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        return int(getter())

    def _small(self, texts: list[str]) -> bool:
        """Whether a call fits the NumPy encoder's token budget (and the model allows it): the
        query budget, or :data:`COLD_TOKENS` while sentence-transformers is not loaded."""
        budget = self._budget
        if self._model is None and budget > 0:
            budget = COLD_TOKENS * budget // QUERY_TOKENS
        if len(texts) > budget:
            return False
        bert = self._query_model()
        return bert is not None and bert.token_count(texts) <= budget

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed texts into a ``(len(texts), dim)`` float32 array of unit vectors."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._small(texts):
            return self._bert.embed(texts)
        vectors = self._bulk_model().encode(
            texts,
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
