"""Small linear heads over sentence embeddings, stored as plain arrays (no pickle).

Each head is a (multinomial or binary) logistic regression whose weights live in a ``.npz``
file loaded with ``allow_pickle=False``, plus a calibration of its scores fitted on
out-of-fold predictions of the training set (Platt scaling for a binary head, a temperature
for a multi-class one). ``python -m training.train`` writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from insights.cues import cue_features
from insights.lexicon import Lexicon

MODEL_DIR = Path(__file__).resolve().parent / "model"
OBJECTION_HEAD = MODEL_DIR / "objection_head.npz"
REACTION_HEAD = MODEL_DIR / "reaction_head.npz"
CALIBRATION = MODEL_DIR / "calibration.json"


@dataclass(slots=True)
class LinearHead:
    """``softmax(W x + b)`` (or a sigmoid for two classes) with calibrated scores.

    Attributes:
        classes: Class names, in the order of the rows of ``weights`` (binary: negative,
            positive, with a single row of weights for the positive class).
        weights: ``(k, d)`` weights (``k`` = 1 for a binary head).
        bias: ``(k,)`` intercepts.
        scale: Calibration: binary heads use ``sigmoid(scale * z + shift)``, multi-class heads
            ``softmax(z * scale)`` (``scale`` = 1 / temperature).
        shift: Platt intercept of a binary head (0 for multi-class).
        cue_weight: Factor applied to the cue features appended to the embedding (0: none).
        cue_groups: Which cue groups (see :mod:`insights.cues`) are appended.
        lexicon: Word and word-pair tf-idf features (:mod:`insights.lexicon`) appended to the
            input, or None.
        lexicon_weight: Factor applied to the tf-idf features.
    """

    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    scale: float = 1.0
    shift: float = 0.0
    cue_weight: float = 0.0
    cue_groups: tuple[str, ...] = ()
    lexicon: Lexicon | None = None
    lexicon_weight: float = 0.0

    def features(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray | Any:
        """The head's input: embeddings, with cue features appended when it uses them, and
        tf-idf features (then the result is a sparse matrix)."""
        x = embeddings
        if self.cue_groups:
            x = np.hstack([x, cue_features(texts, self.cue_groups) * self.cue_weight])
        if self.lexicon is None:
            return x
        from scipy import sparse

        return sparse.hstack([sparse.csr_matrix(x),
                              self.lexicon.transform(texts) * self.lexicon_weight], format="csr")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated decision values ``(n, k)``."""
        return features @ self.weights.T + self.bias

    def predict_proba(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """Calibrated class probabilities, ``(n, len(classes))``."""
        return self.probabilities(self.features(embeddings, texts))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities from the head's input features."""
        z = np.asarray(self.scores(features))
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + np.exp(-(self.scale * z[:, 0] + self.shift)))
            return np.stack([1.0 - p, p], axis=1)
        z = z * self.scale
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """This head as named arrays for ``np.savez`` (names start with ``prefix``)."""
        return {
            f"{prefix}classes": np.array(self.classes, dtype=np.str_),
            f"{prefix}weights": self.weights.astype(np.float32),
            f"{prefix}bias": self.bias.astype(np.float32),
            f"{prefix}calibration": np.array([self.scale, self.shift, self.cue_weight]),
            f"{prefix}cue_groups": np.array(self.cue_groups or ("",), dtype=np.str_),
            **({} if self.lexicon is None else {
                f"{prefix}lexicon_terms": np.array(self.lexicon.vocabulary, dtype=np.str_),
                f"{prefix}lexicon_idf": self.lexicon.idf.astype(np.float32),
                f"{prefix}lexicon_weight": np.array([self.lexicon_weight])}),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | np.lib.npyio.NpzFile,
                    prefix: str) -> LinearHead:
        """Rebuild a head saved with :meth:`to_arrays`."""
        scale, shift, cue_weight = (float(v) for v in arrays[f"{prefix}calibration"])
        groups = tuple(str(g) for g in arrays[f"{prefix}cue_groups"] if str(g))
        lexicon, lexicon_weight = None, 0.0
        if f"{prefix}lexicon_terms" in arrays:
            lexicon = Lexicon(tuple(str(t) for t in arrays[f"{prefix}lexicon_terms"]),
                              np.asarray(arrays[f"{prefix}lexicon_idf"], dtype=np.float32))
            lexicon_weight = float(arrays[f"{prefix}lexicon_weight"][0])
        return cls(
            classes=tuple(str(c) for c in arrays[f"{prefix}classes"]),
            weights=np.asarray(arrays[f"{prefix}weights"], dtype=np.float32),
            bias=np.asarray(arrays[f"{prefix}bias"], dtype=np.float32),
            scale=scale, shift=shift, cue_weight=cue_weight, cue_groups=groups,
            lexicon=lexicon, lexicon_weight=lexicon_weight,
        )


@dataclass(slots=True)
class ObjectionHead:
    """Two heads: is a sentence an objection (binary), and of which category.

    The detection probability is calibrated on the labelled set, where more than half of the
    sentences are objections. In real calls far fewer are, so by default the probability is
    corrected for that change of prior (Saerens et al., 2002): its odds are multiplied by
    ``odds(call_prior) / odds(train_prior)``. ``call_prior`` is estimated by EM on the buyer
    sentences of the demo calls (unlabelled) by ``python -m training.train``, and so is
    ``call_threshold``: the threshold on the corrected probability that maximises the expected
    F1 on those sentences (the calibrated probabilities standing in for the unknown labels).

    Attributes:
        detect: Binary head, classes ``("none", "objection")``.
        category: Multi-class head over the objection categories.
        threshold: Minimum probability to call a sentence an objection (best out-of-fold F1
            on the training set, at its prior).
        train_prior: Share of objections in the training set.
        call_prior: Estimated share of objection sentences among buyer sentences of calls.
        call_threshold: Threshold on the probability corrected to ``call_prior``.
    """

    detect: LinearHead
    category: LinearHead
    threshold: float = 0.5
    train_prior: float = 0.5
    call_prior: float | None = None
    call_threshold: float | None = None

    def threshold_for(self, for_calls: bool) -> float:
        """The decision threshold for calls (corrected probabilities) or the labelled prior."""
        if for_calls and self.call_prior is not None and self.call_threshold is not None:
            return self.call_threshold
        return self.threshold

    def predict(self, embeddings: np.ndarray, texts: list[str],
                for_calls: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``(p_objection (n,), category probabilities (n, k))`` for each sentence.

        Args:
            embeddings: Unit-norm sentence embeddings.
            texts: The sentences.
            for_calls: Correct ``p_objection`` to the prior of calls (``call_prior``); False
                gives the probability at the labelled set's prior.
        """
        if len(texts) == 0:
            return np.zeros(0), np.zeros((0, len(self.category.classes)))
        d, c = self.detect, self.category
        if (d.cue_groups, d.cue_weight, d.lexicon_weight) == (c.cue_groups, c.cue_weight,
                                                              c.lexicon_weight) \
                and d.lexicon is c.lexicon:
            x = d.features(embeddings, texts)  # cue features computed once for both heads
            p, pc = d.probabilities(x)[:, 1], c.probabilities(x)
        else:
            p, pc = d.predict_proba(embeddings, texts)[:, 1], c.predict_proba(embeddings, texts)
        if for_calls and self.call_prior is not None:
            p = shift_prior(p, self.train_prior, self.call_prior)
        return p, pc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, threshold=np.array([self.threshold]),
                            priors=np.array([self.train_prior, self.call_prior or np.nan,
                                             self.call_threshold or np.nan]),
                            **self.detect.to_arrays("detect_"),
                            **self.category.to_arrays("category_"))

    @classmethod
    def load(cls, path: Path = OBJECTION_HEAD) -> ObjectionHead:
        """Load the head shipped in ``insights/model`` (or another path)."""
        with np.load(path, allow_pickle=False) as arrays:
            train_prior, call_prior, call_threshold = (float(v) for v in arrays["priors"])
            return cls(LinearHead.from_arrays(arrays, "detect_"),
                       LinearHead.from_arrays(arrays, "category_"),
                       float(arrays["threshold"][0]), train_prior,
                       None if np.isnan(call_prior) else call_prior,
                       None if np.isnan(call_threshold) else call_threshold)


def shift_prior(p: np.ndarray, old: float, new: float) -> np.ndarray:
    """Posterior probabilities under a new class prior (binary label-shift correction).

    Example:
        >>> float(shift_prior(np.array([0.5]), 0.5, 0.2)[0])
        0.2
    """
    ratio = (new / (1 - new)) / (old / (1 - old))
    odds = p / np.clip(1 - p, 1e-12, None) * ratio
    return odds / (1 + odds)


def estimate_prior(p: np.ndarray, train_prior: float, iterations: int = 200) -> float:
    """EM estimate of the share of positives in unlabelled data from calibrated
    probabilities (Saerens, Latinne & Decaestecker, 2002)."""
    prior = train_prior
    for _ in range(iterations):
        prior = float(shift_prior(p, train_prior, prior).mean())
    return prior


def save_head(head: LinearHead, path: Path) -> None:
    """Save a single head (e.g. the reaction head) as ``.npz``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **head.to_arrays(""))


def load_head(path: Path) -> LinearHead:
    """Load a single head saved with :func:`save_head`."""
    with np.load(path, allow_pickle=False) as arrays:
        return LinearHead.from_arrays(arrays, "")


def load_calibration(path: Path = CALIBRATION) -> dict[str, Any]:
    """The thresholds chosen by ``python -m training.train`` (talk tracks, reactions)."""
    return json.loads(path.read_text(encoding="utf-8"))


def expected_f1_threshold(p: np.ndarray, grid: np.ndarray | None = None) -> tuple[float, float]:
    """The threshold maximising the expected F1 when calibrated probabilities ``p`` stand in
    for unknown labels; returns ``(threshold, expected F1)``."""
    grid = np.arange(0.2, 0.701, 0.025) if grid is None else grid
    best = (0.5, -1.0)
    for t in grid:
        chosen = p >= t
        tp, fp, fn = p[chosen].sum(), (1 - p[chosen]).sum(), p[~chosen].sum()
        f1 = float(2 * tp / (2 * tp + fp + fn)) if tp > 0 else 0.0
        if f1 > best[1] + 1e-9:
            best = (round(float(t), 3), f1)
    return best
