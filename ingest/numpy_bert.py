"""A BERT encoder in NumPy: sentence embeddings and pair scores without importing torch.

Importing ``sentence_transformers`` (and with it torch) takes 5-9 s on two CPU cores, longer
than the whole answer a rep waits for at the command line. For short query-time work (one
question's embedding, a few dozen question/passage pairs for a cross-encoder) a forward pass
in NumPy is fast enough and starts in about 0.1 s: the weights are read from the model's
``model.safetensors``, the text is tokenised by the ``tokenizers`` library from its
``tokenizer.json``, and the layers are the ones of ``transformers``' ``BertModel`` (post-layer
norm, GELU). For the bundled all-MiniLM-L6-v2 the vectors equal sentence-transformers' within
1e-6 (``tests/ingest/test_numpy_bert.py``).

Bulk work (ingest, analysis of thousands of calls) still uses sentence-transformers
(:class:`ingest.embed.Embedder`), which batches better.

The forward pass runs with one BLAS thread: on two cores shared with other work, OpenBLAS's
threads wait on each other, and a query took 1.1 s with two threads against 0.03 s with one
(measured on the team machine under load). Small matrices gain nothing from more threads.

Example:
    >>> from ingest.models import embedding_model_dir
    >>> bert = NumpyBert.load(embedding_model_dir(None))
    >>> bert.embed(["Where is our data hosted?"]).shape
    (1, 384)
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import ModelError

_SQRT_HALF = 1.0 / math.sqrt(2.0)
_ERF_P = 0.3275911
_ERF_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function to within 1.5e-7 (Abramowitz & Stegun 7.1.26), about float32's
    resolution: importing SciPy's exact one would cost 0.3-0.5 s of a 3 s budget."""
    a = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * a)
    poly = _ERF_A[0]
    for c in _ERF_A[1:]:
        poly = poly * t + c
    return np.sign(x) * (1.0 - poly * t * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, ``x * Phi(x)`` with the erf above."""
    return 0.5 * x * (1.0 + _erf(x * _SQRT_HALF))


_BLAS_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMIT = None


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run the body with one BLAS thread, restoring the previous count when the last
    concurrent user leaves (threadpoolctl comes with scikit-learn)."""
    global _BLAS_USERS, _BLAS_LIMIT
    with _BLAS_LOCK:
        if _BLAS_USERS == 0:
            from threadpoolctl import threadpool_limits

            _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")
        _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0 and _BLAS_LIMIT is not None:
                _BLAS_LIMIT.restore_original_limits()
                _BLAS_LIMIT = None


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@dataclass(slots=True)
class _Layer:
    q: tuple[np.ndarray, np.ndarray]
    k: tuple[np.ndarray, np.ndarray]
    v: tuple[np.ndarray, np.ndarray]
    attn_out: tuple[np.ndarray, np.ndarray]
    attn_norm: tuple[np.ndarray, np.ndarray]
    inter: tuple[np.ndarray, np.ndarray]
    out: tuple[np.ndarray, np.ndarray]
    out_norm: tuple[np.ndarray, np.ndarray]


class NumpyBert:
    """A BERT encoder (``BertModel`` weights) evaluated with NumPy.

    Args:
        weights: The safetensors tensors by name (``embeddings.*``, ``encoder.layer.N.*``;
            a ``bert.`` prefix, as classification checkpoints have, is accepted).
        config: The model's ``config.json``.
        tokenizer: A ``tokenizers.Tokenizer``.
        max_length: Tokens per text (or pair) at most.

    Use :meth:`load` to read a model folder.
    """

    def __init__(self, weights: dict[str, np.ndarray], config: dict, tokenizer,
                 max_length: int = 256) -> None:
        w = {k.removeprefix("bert."): v.astype(np.float32, copy=False)  # fp32: no copy
             for k, v in weights.items()}
        self.config = config
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = min(max_length, int(config.get("max_position_embeddings", 512)))
        self.tokenizer = tokenizer
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])

        def lin(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(w[f"{name}.weight"].T), w[f"{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w[f"{name}.weight"], w[f"{name}.bias"]

        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}"
            self.layers.append(_Layer(
                lin(f"{p}.attention.self.query"), lin(f"{p}.attention.self.key"),
                lin(f"{p}.attention.self.value"), lin(f"{p}.attention.output.dense"),
                norm(f"{p}.attention.output.LayerNorm"), lin(f"{p}.intermediate.dense"),
                lin(f"{p}.output.dense"), norm(f"{p}.output.LayerNorm")))
        self.extra = {k: v for k, v in w.items()
                      if not k.startswith(("embeddings.", "encoder."))}
        """Tensors outside the encoder (pooler, classifier heads), by name."""
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path, max_length: int | None = None) -> NumpyBert:
        """Read ``config.json``, ``model.safetensors`` and ``tokenizer.json`` of a folder.

        Raises:
            ModelError: when a file is missing or the model is not a BERT encoder.
        """
        folder = Path(folder)
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            if config.get("model_type") != "bert":
                raise ModelError(f"{folder}: model_type {config.get('model_type')!r} is not "
                                 "'bert'; the NumPy encoder reads BERT models only.")
            weights = load_file(str(folder / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except ModelError:
            raise
        except Exception as exc:  # missing or broken files surface as many exception types
            raise ModelError(f"Could not read a BERT model from {folder}: {exc}") from exc
        if max_length is None:
            st = folder / "sentence_bert_config.json"
            max_length = 256
            if st.is_file():
                max_length = int(json.loads(st.read_text(encoding="utf-8"))
                                 .get("max_seq_length", 256))
        return cls(weights, config, tokenizer, max_length)

    # -- tokens ----------------------------------------------------------------------------

    def tokenize(self, texts: Sequence[str], pairs: Sequence[str] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(input_ids, token_type_ids, attention_mask)``, padded to the longest, each text
        (or pair: the longer of the two loses tokens first, as sentence-transformers'
        ``longest_first``) cut to ``max_length`` tokens."""
        with self._lock:  # a tokenizers.Tokenizer holds its truncation/padding state
            tok = self.tokenizer
            tok.enable_truncation(self.max_length, strategy="longest_first")
            tok.enable_padding(pad_id=int(self.config.get("pad_token_id", 0)))
            if pairs is None:
                enc = tok.encode_batch(list(texts))
            else:
                enc = tok.encode_batch(list(zip(texts, pairs, strict=True)))
        ids = np.array([e.ids for e in enc], dtype=np.int64).reshape(len(enc), -1)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        return ids, types, mask

    def token_count(self, texts: Sequence[str]) -> int:
        """Tokens the texts make together (special tokens included, each cut to
        ``max_length``): the work a forward pass over them does."""
        with self._lock:
            tok = self.tokenizer
            tok.no_padding()
            tok.enable_truncation(self.max_length)
            enc = tok.encode_batch(list(texts))
        return sum(len(e.ids) for e in enc)

    # -- forward ---------------------------------------------------------------------------

    def hidden(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states ``(batch, tokens, hidden)`` (computed with one BLAS thread)."""
        with _one_blas_thread():
            return self._forward(ids, types, mask)

    def _forward(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        n, t = ids.shape
        x = self.word[ids] + self.position[np.arange(t)][None] + self.token_type[types]
        x = _layer_norm(x, *self.emb_norm, self.eps)
        h = self.heads
        d = x.shape[-1] // h
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        scale = 1.0 / math.sqrt(d)
        for layer in self.layers:
            q = (x @ layer.q[0] + layer.q[1]).reshape(n, t, h, d).transpose(0, 2, 1, 3)
            k = (x @ layer.k[0] + layer.k[1]).reshape(n, t, h, d).transpose(0, 2, 3, 1)
            v = (x @ layer.v[0] + layer.v[1]).reshape(n, t, h, d).transpose(0, 2, 1, 3)
            s = (q @ k) * scale + bias
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(n, t, h * d)
            x = _layer_norm(a @ layer.attn_out[0] + layer.attn_out[1] + x, *layer.attn_norm,
                            self.eps)
            f = _gelu(x @ layer.inter[0] + layer.inter[1])
            x = _layer_norm(f @ layer.out[0] + layer.out[1] + x, *layer.out_norm, self.eps)
        return x

    def mean_pooled(self, texts: Sequence[str], pairs: Sequence[str] | None = None,
                    batch_size: int = 32) -> np.ndarray:
        """Mean of the last hidden states over real tokens, ``(len(texts), hidden)``."""
        out = []
        for lo in range(0, len(texts), batch_size):
            ids, types, mask = self.tokenize(texts[lo:lo + batch_size],
                                             None if pairs is None else pairs[lo:lo + batch_size])
            x = self.hidden(ids, types, mask)
            m = mask[..., None]
            out.append((x * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9))
        if not out:
            return np.zeros((0, self.word.shape[1]), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-norm mean-pooled sentence embeddings (sentence-transformers' recipe for
        all-MiniLM-L6-v2 and similar models)."""
        v = self.mean_pooled(list(texts), batch_size=batch_size)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
