"""Content matching: recommendations, gap reports with content briefs, and cited answers.

Example:
    >>> from rag import Recommender, GapReporter, Answerer
    >>> question = "Is our data stored in the EU?"
    >>> Recommender(ws, settings).run(question, top=3).covered  # doctest: +SKIP
    False
    >>> [g.label for g in GapReporter(ws, settings).run().gaps][:1]  # doctest: +SKIP
    ["That's useful, but it doesn't solve hosting or SAP for us"]
    >>> ans = Answerer(ws, settings).run("How long does implementation take?")  # doctest: +SKIP
    >>> ans.citations[0].asset_id  # doctest: +SKIP
    'faq-finance-leaders'
"""

from rag.ask import Answerer
from rag.covered import CoveredModel
from rag.gaps import GapReporter
from rag.lexical import LexicalIndex
from rag.recommend import Recommender
from rag.records import (
    Answer,
    AssetHit,
    BeforeAfter,
    BestAsset,
    Citation,
    Filters,
    GapReport,
    PassageHit,
    Quote,
    Recommendation,
    RecommendedAsset,
    ThemeGap,
)
from rag.retriever import Retriever
from rag.sentence_vectors import index_content

__all__ = [
    "Answer",
    "Answerer",
    "AssetHit",
    "BeforeAfter",
    "BestAsset",
    "Citation",
    "CoveredModel",
    "Filters",
    "GapReport",
    "GapReporter",
    "LexicalIndex",
    "PassageHit",
    "Quote",
    "Recommendation",
    "RecommendedAsset",
    "Recommender",
    "Retriever",
    "ThemeGap",
    "index_content",
]
