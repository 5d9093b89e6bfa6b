"""The turn-level objection model: is this buyer turn pushing back, given what the rep said?

Resistance is a reaction. "No, I would not" is an objection after "Would you donate today?"
and an answer after "Have you heard of us?"; "Would you take $320?" is a counter-offer after an
asking price. The sentence head (:mod:`insights.heads`) reads one sentence alone; this model
reads the whole buyer turn with the rep turn before it, and decides per turn:

- **features** (:func:`turn_features`): the unit mean of the turn's sentence embeddings, the
  sentence head's highest and mean objection probability, cue counts (:mod:`insights.cues`),
  the previous rep turn's unit mean embedding, its elementwise product with the turn (how the
  answer relates to the question), and the rep turn's question/cue features; optionally word
  tf-idf (:mod:`insights.lexicon`). A turn with no rep turn before it gets zeros there and a
  flag.
- **a linear head** over those features (logistic regression, Platt-calibrated), mixed with
- **a neighbour vote** (:class:`Neighbours`): the label share of the ``k`` most similar
  labelled turns (similarity of turn + half the rep turn, sharpened by a power), which keeps
  the patterns a linear model blurs ("would u take 100?", "do you donate to them?").
- **a category head** over the span's own features (the objection sentences), trained on
  labelled objections of both kinds (single sentences and real turns).

Everything is plain arrays in ``insights/model/turn_head.npz`` (no pickle); ``python -m
training.train`` writes it and chooses the mix and the threshold by cross-validation grouped
by dialogue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insights.cues import cue_features
from insights.heads import MODEL_DIR, LinearHead

TURN_HEAD = MODEL_DIR / "turn_head.npz"
CUE_WEIGHT = 0.3
CONTEXT_CUE_WEIGHT = 0.15
PRODUCT_WEIGHT = 5.0
CONTEXT_WEIGHT = 0.5
"""Weight of the rep turn in the neighbour vote's vector (the buyer's words weigh 1)."""


def _unit_rows(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(n > 0, n, 1.0)).astype(np.float32)


@dataclass(slots=True)
class TurnInput:
    """What the turn model reads of one buyer turn.

    Attributes:
        text: The turn's text.
        vector: Unit mean of its sentence embeddings.
        p_max: The sentence head's highest objection probability over its sentences.
        p_mean: Their mean.
        sentences: How many sentences it has.
        context: The previous rep turn's text ("" when there is none).
        context_vector: Unit mean of the rep turn's sentence embeddings (zeros when none).
    """

    text: str
    vector: np.ndarray
    p_max: float
    p_mean: float
    sentences: int
    context: str
    context_vector: np.ndarray


_AMOUNT = re.compile(r"(?:[$€£]\s?)?(\d+(?:[.,]\d+)*)\s*(k|grand|thousand|hundred|million|m)?\b",
                     re.IGNORECASE)
_SCALE = {"k": 1e3, "grand": 1e3, "thousand": 1e3, "hundred": 1e2, "million": 1e6, "m": 1e6}


def amounts(text: str) -> list[float]:
    """The numbers a text names, scaled ("40k" = 40000, "$1.5 million" = 1500000).

    Example:
        >>> amounts("Can you do 40k? We paid $1,200 last year.")
        [40000.0, 1200.0]
    """
    out = []
    for m in _AMOUNT.finditer(text):
        digits = m.group(1)
        if "," in digits and "." not in digits and re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
            digits = digits.replace(",", "")
        try:
            value = float(digits.replace(",", "."))
        except ValueError:
            continue
        out.append(value * _SCALE.get((m.group(2) or "").lower(), 1.0))
    return out


def offer_features(text: str, context: str) -> list[float]:
    """Whether the turn names an amount, whether the rep turn did, and whether the turn's
    amount is below the rep's (a counter-offer: "would you take 300?" after "asking 400")."""
    mine, theirs = amounts(text), amounts(context)
    lower = bool(mine and theirs and max(mine) < max(theirs))
    return [float(bool(mine)), float(bool(theirs)), float(lower)]


def turn_features(items: Sequence[TurnInput]) -> np.ndarray:
    """The dense features of the linear head, ``(len(items), 3 * d + cues + 7)``."""
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    t = np.stack([i.vector for i in items]).astype(np.float32)
    c = np.stack([i.context_vector for i in items]).astype(np.float32)
    has = np.array([[1.0 if i.context else 0.0] for i in items], dtype=np.float32)
    stats = np.array([[i.p_max, i.p_mean, np.log1p(i.sentences)] for i in items],
                     dtype=np.float32) * 2.0
    texts = [i.text for i in items]
    contexts = [i.context for i in items]
    offers = np.array([offer_features(i.text, i.context) for i in items], dtype=np.float32)
    return np.hstack([t, stats, cue_features(texts) * CUE_WEIGHT, c, has, t * c * PRODUCT_WEIGHT,
                      cue_features(contexts) * CONTEXT_CUE_WEIGHT, offers]).astype(np.float32)


def vote_vectors(items: Sequence[TurnInput], polarity: float = 0.0) -> np.ndarray:
    """The vectors the neighbour vote compares: unit(turn + CONTEXT_WEIGHT x rep turn), with
    the turn's polarity cues (negation, concern, reassurance, "not an issue") appended at weight
    ``polarity``: sentence embeddings place "the price is fine" next to "the price is too
    high", and neighbours should agree on which way the turn leans."""
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    t = np.stack([i.vector for i in items]).astype(np.float32)
    c = np.stack([i.context_vector for i in items]).astype(np.float32)
    meaning = _unit_rows(t + CONTEXT_WEIGHT * c)
    if polarity <= 0:
        return meaning
    cues = cue_features([i.text for i in items], ("polarity",)) * polarity
    return _unit_rows(np.hstack([meaning, cues]))


@dataclass(slots=True)
class Neighbours:
    """A similarity-weighted vote of the ``k`` nearest labelled turns.

    Attributes:
        vectors: ``(n, d)`` unit vectors of the labelled turns (:func:`vote_vectors`).
        labels: ``(n,)`` 1 for an objection, 0 for none.
        weights: ``(n,)`` weight of each labelled turn in the vote.
        k: Neighbours consulted.
        power: Similarities are raised to this power (sharpens the vote toward the nearest).
    """

    vectors: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    k: int = 15
    power: float = 4.0

    def vote(self, queries: np.ndarray, exclude: np.ndarray | None = None,
             groups: np.ndarray | None = None, batch: int = 2048) -> np.ndarray:
        """Share of objections among each query's neighbours, in 0..1.

        Args:
            queries: ``(m, d)`` unit vectors.
            exclude: With ``groups``: for cross-validation, the group of each query; labelled
                turns of the same group are not consulted.
            groups: The group of each labelled turn.
            batch: Queries per matrix product (memory: ``batch x n`` floats).
        """
        out = np.zeros(len(queries), dtype=np.float32)
        if len(queries) == 0 or len(self.vectors) == 0:
            return out
        k = min(self.k, len(self.vectors))
        base = self.vectors.astype(np.float32)
        for lo in range(0, len(queries), batch):
            sims = queries[lo:lo + batch].astype(np.float32) @ base.T
            if exclude is not None and groups is not None:
                sims[exclude[lo:lo + batch, None] == groups[None, :]] = -1.0
            idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            s = np.clip(np.take_along_axis(sims, idx, axis=1), 0.0, None) ** self.power
            w = s * self.weights[idx]
            total = w.sum(axis=1)
            out[lo:lo + batch] = np.where(total > 0, (w * self.labels[idx]).sum(axis=1)
                                          / np.where(total > 0, total, 1.0), 0.0)
        return out


@dataclass(slots=True)
class TurnHead:
    """Decides per buyer turn whether it holds an objection, and of which category.

    Attributes:
        detect: Binary linear head over :func:`turn_features` (classes ``none``/``objection``).
        neighbours: The neighbour vote.
        mix: Weight of the neighbour vote in the turn probability (0..1; the rest is the
            linear head's calibrated probability).
        polarity: Weight of the polarity cues in the vote's vectors (:func:`vote_vectors`).
        threshold: A turn with a probability at or above this holds an objection.
        category: Multi-class head over a span's unit mean embedding and text.
        span_share: Within an objection turn, the sentences whose sentence-head probability
            reaches this share of the turn's best one form the objection span(s).
    """

    detect: LinearHead
    neighbours: Neighbours
    mix: float
    threshold: float
    category: LinearHead
    span_share: float = 0.6
    polarity: float = 0.0

    def probability(self, items: Sequence[TurnInput]) -> np.ndarray:
        """Probability that each buyer turn holds an objection."""
        if not items:
            return np.zeros(0, dtype=np.float32)
        p = self.detect.probabilities(self._detect_input(items))[:, 1]
        if self.mix > 0:
            p = (1 - self.mix) * p + self.mix * self.neighbours.vote(
                vote_vectors(items, self.polarity))
        return p.astype(np.float32)

    def _detect_input(self, items: Sequence[TurnInput]):
        x = turn_features(items)
        if self.detect.lexicon is None:
            return x
        from scipy import sparse

        return sparse.hstack([sparse.csr_matrix(x), self.detect.lexicon.transform(
            [i.text for i in items]) * self.detect.lexicon_weight], format="csr")

    def categories(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """Category probabilities ``(n, k)`` of spans (unit mean embedding and text)."""
        if len(texts) == 0:
            return np.zeros((0, len(self.category.classes)), dtype=np.float32)
        return self.category.predict_proba(vectors, texts)

    def save(self, path: Path = TURN_HEAD) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        n = self.neighbours
        np.savez_compressed(
            path, settings=np.array([self.mix, self.threshold, self.span_share, n.k, n.power,
                                         self.polarity]),
            neighbour_vectors=n.vectors.astype(np.float16),
            neighbour_labels=n.labels.astype(np.int8),
            neighbour_weights=n.weights.astype(np.float16),
            **self.detect.to_arrays("detect_"), **self.category.to_arrays("category_"))

    @classmethod
    def load(cls, path: Path = TURN_HEAD) -> TurnHead:
        """Load the shipped turn head (or another path)."""
        with np.load(path, allow_pickle=False) as arrays:
            mix, threshold, span_share, k, power, polarity = (float(v)
                                                              for v in arrays["settings"])
            neighbours = Neighbours(
                np.asarray(arrays["neighbour_vectors"], dtype=np.float32),
                np.asarray(arrays["neighbour_labels"], dtype=np.float32),
                np.asarray(arrays["neighbour_weights"], dtype=np.float32), int(k), power)
            return cls(LinearHead.from_arrays(arrays, "detect_"), neighbours, mix, threshold,
                       LinearHead.from_arrays(arrays, "category_"), span_share, polarity)
