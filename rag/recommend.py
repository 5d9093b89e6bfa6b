"""Recommend: "the buyer says X — what do I send?".

:class:`Recommender` retrieves candidate assets (hybrid search, :mod:`rag.retriever`), scores
each with the covered model (:mod:`rag.covered`), and returns the best assets with the exact
passage that answers, a calibrated ``score`` (probability that the passage answers the text),
a one-line ``why``, and ``covered``: whether the best asset really answers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from ingest.text import shorten
from insights.theme_vectors import ThemeVectors, load_theme_vectors
from rag.covered import Candidate, CoveredModel, FeatureBuilder
from rag.records import Filters, Recommendation, RecommendedAsset
from rag.retriever import Retriever, location, passage_text
from rag.sentence_vectors import SentenceVectors

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace

log = logging.getLogger(__name__)

RERANK = 10
"""Assets of the fused list that the covered model scores (and re-orders)."""
TOPIC_SIMILARITY = 0.55
"""How close a text must be to an objection theme for ``why`` to name the theme."""


class Recommender:
    """Finds the assets that answer what a buyer said.

    Args:
        ws: The workspace.
        settings: callmine settings (unused today; kept for a uniform stage signature).
        model: The covered model (default: the shipped ``rag/covered.json``).
        retriever: An injected retriever (default: one on ``ws``).
        rerank: Order candidates by the covered probability (else by fused rank).

    Example:
        >>> rec = Recommender(ws).run("Is our data stored in the EU?", top=3)
        >>> rec.covered, [r.asset_id for r in rec.recommendations]
        (False, ['faq-finance-leaders', 'web-security', 'whitepaper-security'])
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None,
                 model: CoveredModel | None = None, retriever: Retriever | None = None,
                 rerank: bool | None = None) -> None:
        self.ws = ws
        self.settings = settings
        self.model = model or CoveredModel.load()
        self.retriever = retriever or Retriever(ws)
        self.features = FeatureBuilder(self.retriever.lexical, SentenceVectors(ws),
                                       self.retriever.rrf_k)
        self.rerank = bool(self.model.info.get("rerank", True)) if rerank is None else rerank
        self._themes: ThemeVectors | None = None
        self._themes_version: tuple[int, int, int] | None = None

    def warm_up(self) -> int:
        """Load the embedding model, sync the lexical index and embed the sentences of any
        passage not embedded yet (normally done at ingest). Returns the passages embedded."""
        self.retriever.ws.embedder.warm_up()
        self.retriever.lexical.sync()
        return self.features.sentences.sync()

    def candidates(self, text: str, filters: Filters | None = None,
                   vector: np.ndarray | None = None, depth: int = RERANK,
                   absent_rule: bool = True) -> list[Candidate]:
        """Scored candidate assets for ``text``, best first (probability set); ``absent_rule``
        as in :meth:`rag.covered.FeatureBuilder.build`."""
        if vector is None:
            self.retriever.check_content()
            vector = self.retriever.embed([text])[0]
        found = self.retriever.run(text, top=None, filters=filters, vector=vector)
        scored = self.features.build(text, vector, found, found[:depth], absent_rule=absent_rule)
        self.model.score(scored)
        if self.rerank:
            scored.sort(key=lambda c: (-c.probability, -c.hit.fused))
        return scored

    def run(self, text: str, top: int = 3, filters: Filters | None = None, *,
            type: str | None = None, public_only: bool = False, stage: str | None = None,
            audience: str | None = None) -> Recommendation:
        """Recommend up to ``top`` assets for what the buyer said.

        Args:
            text: The buyer's question or objection.
            top: Assets returned at most.
            filters: Which assets may be recommended; or give ``type``/``public_only``/
                ``stage``/``audience`` directly.

        Raises:
            InputError: for an empty text, ``top`` < 1 or an unknown asset type.
            WorkspaceError: when no content was ingested.
        """
        from ingest.errors import InputError

        if top < 1:
            raise InputError(f"--top must be at least 1, got {top}.")
        filters = filters or Filters(type, public_only, stage, audience)
        if not text or not text.strip():
            raise InputError("Give the buyer's words, e.g. \"Where is our data hosted?\".")
        self.retriever.check_content()
        vector = self.retriever.embed([text])[0]
        scored = self.candidates(text, filters, vector, depth=max(RERANK, top))
        topic = self.topic(text, vector)
        items = [self._item(c, topic) for c in scored[:top]]
        best = scored[0].probability if scored else 0.0
        return Recommendation(query=text, covered=bool(scored) and best >= self.model.threshold,
                              recommendations=items, probability=best)

    def _item(self, cand: Candidate, topic: str) -> RecommendedAsset:
        hit, chunk = cand.hit, cand.hit.best.chunk
        return RecommendedAsset(
            asset_id=hit.asset.asset_id, title=hit.asset.title or hit.asset.asset_id,
            type=hit.asset.type, source=hit.source, passage=passage_text(chunk),
            score=round(cand.probability, 4), why=self.why(cand, topic),
            location=location(chunk, cand.sentence), chunk_id=chunk.chunk_id, url=hit.asset.url,
            highlight=" ".join(cand.sentence.split()))

    def why(self, cand: Candidate, topic: str) -> str:
        """One line: what it answers (or only comes close to), matched terms, where."""
        verb = "answers" if cand.probability >= self.model.threshold else \
            "closest match, does not clearly answer"
        parts = [f"{verb} '{topic}' (p={cand.probability:.2f})"]
        if cand.absent:
            words = ", ".join(f"'{t}'" for t in cand.absent[:3])
            parts.append(f"does not mention {words}, which the library hardly ever says")
        if cand.matched:
            parts.append("matched terms: " + ", ".join(cand.matched[:6]))
        else:
            parts.append(f"similar meaning (cosine {cand.features['cosine']:.2f}), no shared terms")
        where = location(cand.hit.best.chunk, cand.sentence)
        tail = f"; passage under {where}" if where else "; passage from the document body"
        return f"{parts[0]} — {'; '.join(parts[1:])}{tail}"

    # -- topic ---------------------------------------------------------------------------

    def topic(self, text: str, vector: np.ndarray | None = None) -> str:
        """What the text is about, for ``why``: the label of the nearest objection theme when
        one is close, else the text itself (shortened)."""
        themes = self._theme_vectors(None if vector is None else len(vector))
        if themes.ids:
            if vector is None:
                vector = self.retriever.embed([text])[0]
            if themes.vectors.shape[1] == len(vector):
                sims = themes.vectors @ vector
                i = int(np.argmax(sims))
                if sims[i] >= TOPIC_SIMILARITY:
                    return shorten(themes.labels[i], 60)
        return shorten(text, 60)

    def _theme_vectors(self, dim: int | None = None) -> ThemeVectors:
        """The objection themes' centroids, stored by the analysis (:mod:`insights.theme_vectors`);
        read again only when the database changed."""
        version = self.retriever.lexical.db_version()
        if self._themes is None or self._themes_version != version:
            self._themes = load_theme_vectors(self.ws, self.retriever.embed, dim)
            self._themes_version = self.retriever.lexical.db_version()
        return self._themes
