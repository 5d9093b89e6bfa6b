"""Word and word-pair weights (tf-idf) that complement sentence embeddings in the category head.

Mean-pooled MiniLM embeddings place "the contract auto-renews" and "the rollout takes months"
closer than a category decision wants; the words themselves ("auto-renew", "rollout",
"procurement", "SOC 2") carry the category. A :class:`Lexicon` turns a sentence into an
l2-normalised tf-idf vector over the word unigrams and bigrams seen at least twice in the
training set (sublinear term frequency, smoothed idf: the same numbers as scikit-learn's
``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)``), stored as two plain
arrays so the shipped head needs no pickle. Whether it helps is decided by cross-validation in
``python -m training.train``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams of a text (scikit-learn's default tokens).

    Example:
        >>> terms("Too pricey for us")
        ['too', 'pricey', 'for', 'us', 'too pricey', 'pricey for', 'for us']
    """
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


@dataclass
class Lexicon:
    """A fixed vocabulary with its inverse document frequencies.

    Attributes:
        vocabulary: The terms, in column order.
        idf: ``(len(vocabulary),)`` smoothed idf of each term.
    """

    vocabulary: tuple[str, ...]
    idf: np.ndarray
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.vocabulary) != len(self.idf):
            raise ValueError(f"{len(self.vocabulary)} terms but {len(self.idf)} idf values")
        self._index = {t: i for i, t in enumerate(self.vocabulary)}

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2) -> Lexicon:
        """The terms found in at least ``min_df`` of ``texts``, with their idf."""
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(terms(text)))
        vocabulary = tuple(sorted(t for t, n in df.items() if n >= min_df))
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in vocabulary],
                       dtype=np.float32)
        return cls(vocabulary, idf)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``(len(texts), len(vocabulary))`` l2-normalised tf-idf rows (sparse)."""
        indptr, indices, values = [0], [], []
        for text in texts:
            counts = Counter(i for i in map(self._index.get, terms(text)) if i is not None)
            cols = sorted(counts)
            row = np.array([(1.0 + math.log(counts[c])) * self.idf[c] for c in cols],
                           dtype=np.float32)
            norm = float(np.linalg.norm(row)) if cols else 0.0
            indices.extend(cols)
            values.extend((row / norm).tolist() if norm else [])
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(values, dtype=np.float32), indices, indptr),
                                 shape=(len(texts), len(self.vocabulary)))

    def __len__(self) -> int:
        return len(self.vocabulary)
