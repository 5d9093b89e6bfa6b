"""The covered decision: does this asset's passage really answer the buyer's text?

"There is a nearest neighbour" is always true; "the nearest passage answers the question" is
not. A logistic regression, trained on labelled (question, asset, answers yes/no) pairs by
``python -m training.train_covered``, turns features of a candidate into a probability:

- ``cosine``: query-passage cosine similarity of the asset's answering passage (of its three
  best-fused passages, the one holding the sentence closest to the query);
- ``sentence_cosine``: the best cosine between the query and one sentence of that passage
  (a passage that answers has a sentence that does; one that mentions the topic often not);
- ``term_overlap``: IDF-weighted share of the query's key terms found in the passage (text,
  heading and title, stemmed as the index stems them: :func:`rag.terms.stem`);
- ``unknown_terms``: IDF-weighted share of the query's key terms that no passage of the library
  holds at all (a buyer asking about "S/4HANA" or "Frankfurt" in a library that never says
  them is a strong "no");
- ``missing_entities``: share of the query's names and codes (acronyms such as "EU" or
  "SAP", capitalised words such as "Frankfurt", "S/4HANA") that the passage does not hold
  (0 when the query names none);
- ``fused``: the passage's reciprocal-rank-fusion score scaled to 0..1 (1 = first on both
  sides);
- ``rank``: 1 / the asset's rank in the fused list (0 when not found);
- ``margin``: the asset's cosine minus the best cosine of any other asset found.

The parameters live in ``rag/covered.json`` (standardisation, weights, threshold and the
figures of the run that produced them).

One rule sits on top of the regression, because no feature above can carry it: **a question
that names something the library (almost) never says is not answered by a passage that does
not say it either.** A key term of the query that at most :data:`RARE_DF` passages of the whole
library hold ("Northflank", "hiring", "withdrawal") and that the candidate's passage does not
hold (:func:`rag.terms.holds`: same stem, a longer word starting with it, or one spelling slip)
is *absent* (in a library of at least :data:`RARE_MIN_PASSAGES` passages); a candidate with an absent term has its probability multiplied by
:data:`ABSENT_FACTOR`, which puts it under the threshold and behind candidates that do say the
term. A similar page on the same topic is the commonest false "covered" on real libraries
("Is Railway cheaper than Northflank?" answered by the Vercel comparison); the rule is named
in the recommendation's ``why``.

An asset answers when its probability reaches the threshold; a text is covered when its best
asset answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.retriever import RRF_K
from rag.sentence_vectors import answer_sentence
from rag.terms import entity_terms, holds, key_terms, stem, stems

if TYPE_CHECKING:
    from rag.lexical import LexicalIndex
    from rag.records import AssetHit
    from rag.sentence_vectors import SentenceVectors

FEATURES = ("cosine", "sentence_cosine", "term_overlap", "unknown_terms", "missing_entities",
            "fused", "rank", "margin")
PASSAGES_PER_ASSET = 3
"""Passages of one asset (best fused first) considered for its answering passage."""
MODEL_PATH = Path(__file__).resolve().parent / "covered.json"
RARE_DF = 1
"""A query term held by at most this many passages of the library is rare: the library
practically never says it."""
ABSENT_FACTOR = 0.5
"""Probability multiplier of a candidate whose passage lacks a rare query term."""
RARE_MIN_PASSAGES = 200
"""The rule needs a library of at least this many passages: in a smaller one, a word no passage
holds is as likely a word nobody has written down yet ("stay", "warm") as a subject the library
does not cover."""


@dataclass(slots=True)
class Candidate:
    """One (query, asset) pair with the features of the asset's best passage."""

    hit: AssetHit
    features: dict[str, float]
    matched: list[str] = field(default_factory=list)
    sentence: str = ""
    probability: float = 0.0
    absent: list[str] = field(default_factory=list)
    """Rare query terms (see :data:`RARE_DF`) the passage does not say."""

    @property
    def vector(self) -> list[float]:
        return [self.features[f] for f in FEATURES]


@dataclass(slots=True)
class CoveredModel:
    """Logistic regression over :data:`FEATURES` with its decision threshold.

    Example:
        >>> model = CoveredModel.load()
        >>> model.probability([[0.45, 0.62, 0.8, 0.0, 0.0, 0.9, 1.0, 0.05]]).round(2)
        array([0.98])
    """

    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float = 0.5
    features: tuple[str, ...] = FEATURES
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> CoveredModel:
        """The shipped parameters (``rag/covered.json``) or those at ``path``."""
        data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path or MODEL_PATH}: trained on features {data['features']}, "
                             f"this code computes {list(FEATURES)}; run python -m training.train_covered")
        return cls(mean=data["mean"], scale=data["scale"], coef=data["coef"],
                   intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                   features=tuple(data["features"]), info=data.get("info", {}))

    def save(self, path: Path | None = None) -> Path:
        path = Path(path or MODEL_PATH)
        path.write_text(json.dumps({
            "features": list(self.features), "mean": self.mean, "scale": self.scale,
            "coef": self.coef, "intercept": self.intercept, "threshold": self.threshold,
            "info": self.info}, indent=2) + "\n", encoding="utf-8")
        return path

    def probability(self, rows: Any, absent: Any = None) -> np.ndarray:
        """P(answers) for feature rows (``(n, len(FEATURES))``); with ``absent`` (one flag per
        row: its passage lacks a rare query term) the absent-term rule applied, each flagged
        row's probability times :data:`ABSENT_FACTOR`."""
        x = (np.asarray(rows, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = x @ np.asarray(self.coef) + self.intercept
        p = 1.0 / (1.0 + np.exp(-z))
        if absent is not None:
            p = np.where(np.asarray(absent, dtype=bool), p * ABSENT_FACTOR, p)
        return p

    def score(self, candidates: list[Candidate]) -> None:
        """Set each candidate's probability (:meth:`probability`, the rule applied)."""
        if not candidates:
            return
        probs = self.probability([c.vector for c in candidates],
                                 [bool(c.absent) for c in candidates])
        for cand, p in zip(candidates, probs):
            cand.probability = float(p)


class FeatureBuilder:
    """Computes the covered features of candidate assets for a query.

    Args:
        lexical: The FTS5 index (IDF of the query terms).
        sentences: The passage sentence vectors.
        rrf_k: The fusion constant the retriever used (to scale ``fused`` to 0..1).
    """

    def __init__(self, lexical: LexicalIndex, sentences: SentenceVectors,
                 rrf_k: int = RRF_K) -> None:
        self.lexical = lexical
        self.sentences = sentences
        self.rrf_k = rrf_k
        self._stems: dict[str, tuple[str, set[str]]] = {}

    def _passage_stems(self, hit: AssetHit) -> set[str]:
        """Stems of a passage with its asset title and heading path (cached per text)."""
        chunk = hit.best.chunk
        text = f"{hit.asset.title or ''}\n{' '.join(chunk.heading_path)}\n{chunk.text}"
        cached = self._stems.get(chunk.chunk_id)
        if cached is None or cached[0] != text:
            if len(self._stems) > 20_000:
                self._stems.clear()
            cached = (text, stems(text))
            self._stems[chunk.chunk_id] = cached
        return cached[1]

    def build(self, text: str, vector: np.ndarray, found: list[AssetHit],
              candidates: list[AssetHit] | None = None, absent_rule: bool = True
              ) -> list[Candidate]:
        """Features of each candidate (default: every asset found), for one query.

        Each candidate's answering passage is chosen first: of its :data:`PASSAGES_PER_ASSET`
        best-fused passages, the one holding the sentence closest to the query; it is moved to
        the front of ``hit.passages`` (``hit.best``), and the features describe it.

        Args:
            text: The query.
            vector: Its unit embedding.
            found: Every asset the retriever returned, best first (for rank and margin).
            candidates: The assets to score; they need not be in ``found``.
            absent_rule: Look for absent rare terms (off for call speech, whose names and
                filler words are rare in any library without being the subject).
        """
        candidates = found if candidates is None else candidates
        terms = key_terms(text)
        entities = entity_terms(text)
        idf = self.lexical.idf(terms) if terms else {}
        df = self.lexical.doc_freq(terms) if terms else {}
        rare = [t for t in terms if df.get(t, 0) <= RARE_DF] \
            if absent_rule and self.lexical.size_cached() >= RARE_MIN_PASSAGES else []
        total = sum(idf.values())
        unknown = sum(idf[t] for t in terms if df.get(t, 0) == 0) / total if total > 0 else 0.0
        rank = {h.asset.asset_id: i for i, h in enumerate(found, 1)}
        cosines = sorted(((h.cosine, h.asset.asset_id) for h in found), reverse=True)
        cached = self.sentences.get([p.chunk for h in candidates
                                     for p in h.passages[:PASSAGES_PER_ASSET]])
        vector = np.asarray(vector, dtype=np.float32)
        out = []
        for hit in candidates:
            choice = []
            for j, p in enumerate(hit.passages[:PASSAGES_PER_ASSET]):
                sents, vecs = cached.get(p.chunk.chunk_id, ([], None))
                sims = vecs @ vector if sents else np.zeros(0)
                i = int(np.argmax(sims)) if len(sims) else -1
                choice.append((float(sims[i]) if i >= 0 else 0.0, -j,
                               answer_sentence(sents, i) if i >= 0 else ""))
            sentence_cos, neg_j, sentence = max(choice)
            if neg_j:
                hit.passages.insert(0, hit.passages.pop(-neg_j))
            best = hit.best
            have = self._passage_stems(hit)
            matched = [t for t in terms if stem(t) in have]
            missing = [t for t in entities if stem(t) not in have]
            got = sum(idf[t] for t in matched)
            other = next((c for c, a in cosines if a != hit.asset.asset_id), 0.0)
            features = {
                "cosine": float(best.cosine),
                "sentence_cosine": sentence_cos,
                "term_overlap": got / total if total > 0 else 0.0,
                "unknown_terms": unknown,
                "missing_entities": len(missing) / len(entities) if entities else 0.0,
                "fused": best.fused * (self.rrf_k + 1) / 2,
                "rank": 1.0 / rank[hit.asset.asset_id] if hit.asset.asset_id in rank else 0.0,
                "margin": hit.cosine - other,
            }
            absent = [t for t in rare if not holds(t, have)]
            out.append(Candidate(hit, features, matched, sentence, absent=absent))
        return out
