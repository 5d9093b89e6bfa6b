"""Objection themes: similar objections across calls, grouped within each category.

Objections of one category are clustered by agglomerative clustering of their span embeddings
(cosine distance, average linkage, cut at :data:`DISTANCE_THRESHOLD`). Each cluster becomes a
:class:`ThemeDraft` with:

- a label: its medoid objection (the member most similar to the others), fillers removed and
  shortened;
- keywords: the top terms of the cluster by class-based TF-IDF (c-TF-IDF) against all
  clusters;
- an id that depends only on the category and the medoid's text, so it is the same on every
  run over the same data (and survives new calls that do not change the medoid);
- examples: the members nearest the medoid, from different calls first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from insights.records import Objection

DISTANCE_THRESHOLD = 0.6
"""Cosine distance at which clusters stop merging (average linkage). Tuned on the demo calls:
at 0.55, 104 of 129 themes were single objections; at 0.65, loosely related ones merged
("Send me the proposal" with CFO sign-off)."""
MAX_POINTS = 3000
"""Distinct objections per category clustered exactly; more are assigned to the nearest
cluster (agglomerative clustering needs memory in the square of this)."""
MAX_LABEL = 80
EXAMPLES = 3
KEYWORDS = 5

_FILLER = re.compile(
    r"^(?:(?:um+|uh+|hmm+|so|well|yeah|yes|okay|ok|look|honestly|frankly|and|but|i mean"
    r"|you know|right|i guess|to be honest)[,.]?\s+)+", re.IGNORECASE)
_EXTRA_STOP = frozenset({"um", "uh", "yeah", "okay", "ok", "just", "really", "like", "honestly",
                         "gonna", "ve", "ll", "don", "doesn", "isn", "re", "going", "need",
                         "that", "hmm", "know", "think", "actually", "lot", "want"})


@dataclass(slots=True)
class ThemeDraft:
    """A cluster of objections before counts are attached (see ``insights.store``)."""

    id: str
    category: str
    label: str
    keywords: list[str]
    medoid_id: str
    member_ids: list[str]
    example_ids: list[str] = field(default_factory=list)


def theme_id(category: str, medoid_text: str) -> str:
    """Stable id of a theme: category and normalised medoid text."""
    key = f"{category}\x1f{' '.join(medoid_text.lower().split())}"
    return "t-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def short_label(text: str, limit: int = MAX_LABEL) -> str:
    """A readable label from an objection: leading fillers dropped, cut at a word boundary.

    Example:
        >>> short_label("Um, honestly, the price is way more than we budgeted for this year.")
        'The price is way more than we budgeted for this year'
    """
    s = _FILLER.sub("", text.strip()).strip()
    s = s.rstrip(".!?… ") or text.strip()
    if len(s) > limit:
        cut = s[:limit].rsplit(" ", 1)[0].rstrip(",;:-–—")
        s = cut + "…"
    return s[:1].upper() + s[1:]


def cluster(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD,
            max_points: int = MAX_POINTS) -> np.ndarray:
    """Cluster labels for unit vectors (agglomerative, cosine, average linkage).

    Identical vectors (the same objection text) are clustered once. Past ``max_points``
    distinct vectors, an evenly spread sample is clustered (memory grows with its square) and
    every other vector joins the cluster with the nearest centroid.
    """
    n = len(vectors)
    if n <= 1:
        return np.zeros(n, dtype=int)
    distinct, inverse = np.unique(vectors, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if len(distinct) == 1:
        return np.zeros(n, dtype=int)
    sample = distinct
    if len(distinct) > max_points:
        sample = distinct[np.linspace(0, len(distinct) - 1, max_points).astype(int)]
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=threshold)
    labels = model.fit_predict(sample)
    if len(sample) < len(distinct):
        centroids = np.stack([sample[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        labels = np.argmax(distinct @ centroids.T, axis=1)
    return labels[inverse]


def c_tf_idf(documents: Sequence[str], top: int = KEYWORDS) -> list[list[str]]:
    """Top keywords of each class document (all texts of one cluster joined) by c-TF-IDF.

    ``weight(t, c) = tf(t, c) / |c| * log(1 + A / f(t))`` with ``A`` the average number of
    words per class and ``f(t)`` the frequency of ``t`` over all classes.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    stop = sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP)
    vectorizer = CountVectorizer(stop_words=stop, ngram_range=(1, 2),
                                 token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b")
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in documents]
    terms = vectorizer.get_feature_names_out()
    sizes = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(sizes, 1)
    idf = np.log(1 + sizes.mean() / np.maximum(counts.sum(axis=0), 1))
    weights = tf * idf
    out = []
    for row, raw in zip(weights, counts, strict=True):
        order = [i for i in np.argsort(-row, kind="stable") if raw[i] > 0]
        chosen: list[str] = []
        for i in order:
            term = str(terms[i])
            if any(term in c.split() or c in term.split() for c in chosen):
                continue  # skip "price" once "high price" is in, and vice versa
            chosen.append(term)
            if len(chosen) == top:
                break
        out.append(chosen)
    return out


def build_themes(objections: Sequence[Objection], vectors: np.ndarray,
                 threshold: float = DISTANCE_THRESHOLD) -> list[ThemeDraft]:
    """Group objections into themes within each category.

    Args:
        objections: The objections (any order; the result does not depend on it).
        vectors: Their unit-norm span embeddings, row-aligned with ``objections``.
        threshold: Cosine distance at which clusters stop merging.

    Returns:
        The themes, largest first.
    """
    order = sorted(range(len(objections)), key=lambda i: objections[i].id)
    by_category: dict[str, list[int]] = {}
    for i in order:
        by_category.setdefault(objections[i].category, []).append(i)
    drafts: list[ThemeDraft] = []
    texts: list[str] = []
    for category in sorted(by_category):
        idx = by_category[category]
        labels = cluster(vectors[idx], threshold)
        for c in sorted(set(labels.tolist())):
            members = [idx[k] for k in np.flatnonzero(labels == c)]
            drafts.append(_draft(category, members, objections, vectors))
            texts.append(" ".join(objections[m].text for m in members))
    for draft, keywords in zip(drafts, c_tf_idf(texts), strict=True):
        draft.keywords = keywords
    seen: dict[str, int] = {}
    for draft in drafts:  # identical medoid texts in one category cannot be in two clusters,
        n = seen.get(draft.id, 0)  # but keep ids unique whatever happens
        seen[draft.id] = n + 1
        if n:
            draft.id = f"{draft.id}-{n}"
    drafts.sort(key=lambda d: (-len(d.member_ids), d.category, d.id))
    return drafts


def _draft(category: str, members: list[int], objections: Sequence[Objection],
           vectors: np.ndarray) -> ThemeDraft:
    v = vectors[members]
    centrality = v @ v.mean(axis=0)  # = mean similarity to the members, in O(n)
    ranked = sorted(range(len(members)),
                    key=lambda k: (-round(float(centrality[k]), 6), objections[members[k]].id))
    medoid = objections[members[ranked[0]]]
    closeness = v @ v[ranked[0]]
    by_closeness = sorted(range(len(members)),
                          key=lambda k: (-round(float(closeness[k]), 6), objections[members[k]].id))
    examples: list[str] = []
    calls: set[str] = set()
    for k in by_closeness:  # nearest first, one per call, then fill up
        o = objections[members[k]]
        if o.call_id not in calls:
            examples.append(o.id)
            calls.add(o.call_id)
        if len(examples) == EXAMPLES:
            break
    for k in by_closeness:
        if len(examples) == EXAMPLES:
            break
        if objections[members[k]].id not in examples:
            examples.append(objections[members[k]].id)
    return ThemeDraft(
        id=theme_id(category, medoid.text), category=category, label=short_label(medoid.text),
        keywords=[], medoid_id=medoid.id, member_ids=sorted(objections[m].id for m in members),
        example_ids=examples,
    )
