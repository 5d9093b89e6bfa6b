"""Objection themes: a short list of what buyers push back on, across calls and categories.

Objections are clustered together whatever their category, on three kinds of evidence joined
into one cosine similarity: their span embeddings, the content words they share (TF-IDF, so
"SAP" or "three-year" count), and a small weight for the detector's category. Then:

1. **Clusters.** Agglomerative clustering (average linkage) of at most :data:`MAX_POINTS`
   distinct objections; the dendrogram is cut at the lowest height between
   :data:`DISTANCE_THRESHOLD` and :data:`MAX_DISTANCE` whose themes cover
   :data:`TARGET_COVERAGE` of the objections (else at the height that covers most).
2. **Themes.** At a cut, the :data:`MAX_THEMES` largest clusters raised in at least
   :data:`MIN_CALLS` calls seed the themes. Every objection then joins the theme whose
   centroid it is most similar to, when that similarity reaches :data:`JOIN_SIMILARITY` times
   the theme members' median (so small clusters and strays merge into the nearest theme, and
   a stray that resembles no theme stays out); a theme left with fewer than
   :data:`MIN_CALLS` calls is dropped. A theme most of whose members say a keyphrase that
   is among a larger theme's best merges into it (one topic, one row). When no cut reaches
   the target, strays join down to :data:`FILL_SIMILARITY`.
3. **Other mentions.** Objections in no theme are listed one by one as other mentions: what
   one call said, not a pattern, and never a content gap.

Each :class:`ThemeDraft` has:

- a label built from the members' keyphrases (:mod:`insights.keyphrases`), e.g.
  "SAP connector · S/4HANA"; an other mention is labelled by its own words, shortened;
- a category: the commonest category of its members (a member's own category may differ);
- keywords: its best keyphrases;
- an id that depends only on its medoid's text (the member nearest the centroid), so it is
  the same on every run over the same data and survives new calls that keep the medoid;
- examples: the members nearest the centroid, from different calls first.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from insights.keyphrases import KeyphraseIndex, content_words
from insights.records import CATEGORIES, THEME_MIN_CALLS, Objection

DISTANCE_THRESHOLD = 0.7
"""Lowest cut tried (average cosine distance inside a cluster). At 0.6 and below, on the demo
calls, the same objection in other words ("we cannot sign a three-year contract" / "no
multi-year lock-in") stays apart."""
MAX_DISTANCE = 0.82
"""Highest cut tried. It must stay below the distance of two unrelated objections of one
category, ``1 - CATEGORY_WEIGHT / (1 + CATEGORY_WEIGHT + LEXICAL_WEIGHT)`` = 0.83, or whole
categories merge whatever they say."""
CUT_STEP = 0.02
MAX_THEMES = 15
"""Themes at most: the list a marketer acts on; the rest are other mentions."""
MIN_CALLS = THEME_MIN_CALLS
"""A theme is raised in at least this many calls; objections of one call are other mentions."""
TARGET_COVERAGE = 0.8
"""Share of objections the themes should hold; the lowest cut that reaches it is used."""
JOIN_SIMILARITY = 0.6
"""An objection joins the theme whose centroid it is most similar to when that similarity is at
least this share of the median similarity of the theme's members to it (the bar follows how
tight the theme is; a fixed bar did not carry from the demo to the chat sets)."""
FILL_SIMILARITY = 0.45
"""When no cut reaches :data:`TARGET_COVERAGE`, objections left out join the nearest theme of
the best cut when their similarity reaches this share of its members' median (one pass, the
themes do not move)."""
REFINE_ROUNDS = 2
JOIN_RELATIVE = True
"""Rounds of joining the nearest theme and recomputing centroids."""
LEXICAL_WEIGHT = 0.5
"""Weight of shared content words (TF-IDF cosine) next to the embedding cosine (weight 1)."""
CATEGORY_WEIGHT = 0.3
"""Weight of "same detector category" next to the embedding cosine (weight 1)."""
CENTER = True
"""Centre the embeddings on their mean before clustering: what every objection of a corpus
shares (all about donating, all about one product) stops counting as similarity."""
CENTER_PRIOR = 50
"""The mean is scaled by ``n / (n + CENTER_PRIOR)``: a handful of objections is not centred (the
mean of three objections is mostly the objections themselves)."""
TOPIC_PHRASES = 5
HEAD_PHRASES = 3
CONCENTRATED = 0.6
"""...and when the two themes hold at least this share of the objections that say it (a named
thing like "SAP", not a word said everywhere like "donate")."""
"""A theme merges into a larger one when one of its best ``TOPIC_PHRASES`` keyphrases is said
by most of its members and is among the larger theme's best ``HEAD_PHRASES`` (or said by most
of its members too)."""
MERGE_SIMILARITY = 0.45
"""Two themes of one category merge when the members of one are, at the median, this close
to the other's centroid relative to the other's own members (see :func:`_merge_close`)."""
MAX_POINTS = 3000
"""Distinct objections clustered exactly (average linkage needs memory in the square of this);
the others join themes by their centroids."""
MAX_LABEL = 80
"""Characters of an other mention's label at most."""
EXAMPLES = 3
KEYWORDS = 5

_FILLER = re.compile(
    r"^(?:(?:um+|uh+|hmm+|so|well|yeah|yes|okay|ok|look|honestly|frankly|and|but|i mean"
    r"|you know|right|i guess|to be honest)[,.]?\s+)+", re.IGNORECASE)


@dataclass(slots=True)
class ThemeDraft:
    """A theme (or an other mention) before counts are attached (see ``insights.store``)."""

    id: str
    category: str
    label: str
    keywords: list[str]
    medoid_id: str
    member_ids: list[str]
    example_ids: list[str] = field(default_factory=list)
    calls: int = 0
    """Distinct calls of its members; fewer than :data:`MIN_CALLS`: an other mention."""

    @property
    def is_theme(self) -> bool:
        """True for a theme, False for an other mention."""
        return self.calls >= MIN_CALLS


def theme_id(medoid_text: str, prefix: str = "t") -> str:
    """Stable id of a theme from its medoid's text (whitespace and case normalised)."""
    key = " ".join(medoid_text.lower().split())
    return f"{prefix}-" + hashlib.sha1(key.encode()).hexdigest()[:10]


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


class _Features:
    """Objections as rows of one cosine space: embedding, content words, category."""

    def __init__(self, objections: Sequence[Objection], vectors: np.ndarray,
                 lexical_weight: float, category_weight: float) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        n = len(objections)
        onehot = np.zeros((n, len(CATEGORIES)), dtype=np.float32)
        for i, o in enumerate(objections):
            onehot[i, CATEGORIES.index(o.category) if o.category in CATEGORIES else -1] = 1.0
        vectors = np.asarray(vectors, dtype=np.float32)
        if CENTER and n > 1:  # shrunk towards no centring when there are few objections
            vectors = vectors - vectors.mean(axis=0) * (n / (n + CENTER_PRIOR))
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        self.dense = np.hstack([vectors,
                                np.sqrt(category_weight) * onehot]).astype(np.float32)
        words = [" ".join(content_words(o.text)) for o in objections]
        try:
            tfidf = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32)
            self.sparse = tfidf.fit_transform(words) * np.sqrt(lexical_weight)
        except ValueError:  # no content word anywhere
            from scipy.sparse import csr_matrix

            self.sparse = csr_matrix((n, 1), dtype=np.float32)
        sq = (np.einsum("ij,ij->i", self.dense, self.dense)
              + np.asarray(self.sparse.multiply(self.sparse).sum(axis=1)).ravel())
        self.norms = np.sqrt(np.maximum(sq, 1e-12)).astype(np.float32)

    def similarity(self, rows: np.ndarray) -> np.ndarray:
        """Cosine similarity between the given rows, as a dense square matrix."""
        d = self.dense[rows]
        s = self.sparse[rows]
        sim = d @ d.T + (s @ s.T).toarray()
        nrm = self.norms[rows]
        return sim / np.outer(nrm, nrm)

    def to_centroids(self, groups: Sequence[np.ndarray]) -> np.ndarray:
        """Cosine similarity of every row to the centroid of each group of rows: ``(n, k)``."""
        out = np.zeros((len(self.norms), len(groups)), dtype=np.float32)
        for k, rows in enumerate(groups):
            w = 1.0 / self.norms[rows]
            cd = (self.dense[rows] * w[:, None]).sum(axis=0)
            cs = np.asarray(self.sparse[rows].multiply(w[:, None]).sum(axis=0)).ravel()
            norm = float(np.sqrt(cd @ cd + cs @ cs)) or 1.0
            out[:, k] = (self.dense @ cd + self.sparse @ cs) / (self.norms * norm)
        return out


def _linkage(features: _Features, rows: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - features.similarity(rows), 0.0, 2.0).astype(np.float64)
    np.fill_diagonal(dist, 0.0)
    dist = (dist + dist.T) / 2
    return linkage(squareform(dist, checks=False), method="average")


def _calls(members: np.ndarray, call_of: np.ndarray) -> int:
    return len(np.unique(call_of[members]))


def _themes_at(cut: float, tree: np.ndarray, copies: list[np.ndarray], features: _Features,
               call_of: np.ndarray, max_themes: int, join: float) -> list[np.ndarray]:
    """The themes (arrays of objection rows) when the dendrogram is cut at ``cut``."""
    from scipy.cluster.hierarchy import fcluster

    labels = fcluster(tree, cut, criterion="distance")
    clusters = [np.concatenate([copies[j] for j in np.flatnonzero(labels == c)])
                for c in np.unique(labels)]
    seeds = [c for c in clusters if _calls(c, call_of) >= MIN_CALLS]
    seeds.sort(key=lambda c: (-len(c), int(c.min())))
    groups = seeds[:max_themes]
    for _ in range(REFINE_ROUNDS):
        if not groups:
            break
        groups = _join_nearest(features.to_centroids(groups), groups, join)
        groups = [g for g in groups if _calls(g, call_of) >= MIN_CALLS]
    return groups


def _join_nearest(sims: np.ndarray, groups: Sequence[np.ndarray],
                  join: float) -> list[np.ndarray]:
    """Each row joins its most similar group when the similarity reaches ``join`` times the
    median similarity of the group's own members (so the bar follows how tight it is)."""
    if JOIN_RELATIVE:
        bars = np.array([np.median(sims[g, k]) * join for k, g in enumerate(groups)])
    else:
        bars = np.full(len(groups), join)
    best = np.argmax(sims, axis=1)
    ok = sims[np.arange(len(sims)), best] >= bars[best]
    return [np.flatnonzero(ok & (best == k)) for k in range(sims.shape[1])]


def _choose(tree: np.ndarray, copies: list[np.ndarray], features: _Features, call_of: np.ndarray,
            n: int, max_themes: int, join: float, cuts: Sequence[float],
            target: float) -> list[np.ndarray]:
    best: list[np.ndarray] = []
    best_cover = -1
    for cut in cuts:
        groups = _themes_at(cut, tree, copies, features, call_of, max_themes, join)
        cover = sum(len(g) for g in groups)
        if cover >= target * n:
            return groups
        if cover > best_cover:
            best, best_cover = groups, cover
    if best:  # no cut reached the target: strays join the nearest theme down to a lower bar
        sims = features.to_centroids(best)
        best = [g for g in _join_nearest(sims, best, FILL_SIMILARITY)
                if _calls(g, call_of) >= MIN_CALLS]
    return best


def build_themes(objections: Sequence[Objection], vectors: np.ndarray,
                 threshold: float | None = None, max_themes: int | None = None,
                 target: float | None = None, join: float | None = None,
                 max_points: int | None = None) -> list[ThemeDraft]:
    """Group objections into at most ``max_themes`` themes, and list the rest as other mentions.

    Args:
        objections: The objections (any order; the result does not depend on it).
        vectors: Their unit-norm span embeddings, row-aligned with ``objections``.
        threshold: The lowest dendrogram cut tried.
        max_themes: Themes at most.
        target: Share of objections the themes should hold (the lowest cut that reaches it).
        join: Similarity to a theme's centroid an objection needs to join it.
        max_points: Distinct objections clustered exactly.

    Returns:
        The themes, largest first, then the other mentions (``is_theme`` False).
    """
    if not len(objections):
        return []
    threshold = DISTANCE_THRESHOLD if threshold is None else threshold
    max_themes = MAX_THEMES if max_themes is None else max_themes
    target = TARGET_COVERAGE if target is None else target
    join = JOIN_SIMILARITY if join is None else join
    max_points = MAX_POINTS if max_points is None else max_points
    order = sorted(range(len(objections)), key=lambda i: objections[i].id)
    obs = [objections[i] for i in order]
    vecs = np.asarray(vectors, dtype=np.float32)[order]
    features = _Features(obs, vecs, LEXICAL_WEIGHT, CATEGORY_WEIGHT)
    call_names, call_of = np.unique([o.call_id for o in obs], return_inverse=True)
    groups: list[np.ndarray] = []
    if len(obs) >= 2 and len(call_names) >= MIN_CALLS:
        sample, copies = _sample(features, obs, max_points)
        if len(sample) >= 2:
            tree = _linkage(features, sample)
            cuts = np.arange(threshold, MAX_DISTANCE + 1e-9, CUT_STEP)
            groups = _choose(tree, copies, features, call_of, len(obs), max_themes, join,
                             [round(float(c), 4) for c in cuts] or [threshold], target)
    groups = _merge_same_topic(groups, obs)
    groups = _merge_close(groups, obs, features)
    in_theme = np.zeros(len(obs), dtype=bool)
    for g in groups:
        in_theme[g] = True
    index = KeyphraseIndex([[obs[i].text for i in g] for g in groups]
                           + [[o.text] for o, t in zip(obs, in_theme, strict=True) if not t])
    drafts = [_theme(obs, g, features, index, k, call_of) for k, g in enumerate(groups)]
    drafts.sort(key=lambda d: (-len(d.member_ids), d.id))
    mentions = [_mention(o) for o, t in zip(obs, in_theme, strict=True) if not t]
    mentions.sort(key=lambda d: (CATEGORIES.index(d.category) if d.category in CATEGORIES
                                 else len(CATEGORIES), d.member_ids[0]))
    seen: dict[str, int] = {}
    for draft in drafts + mentions:  # keep ids unique whatever happens
        n = seen.get(draft.id, 0)
        seen[draft.id] = n + 1
        if n:
            draft.id = f"{draft.id}-{n}"
    return drafts + mentions


def _dominant(index: KeyphraseIndex, k: int) -> set[str]:
    """Keyphrases among a group's best that most of its members say."""
    half = index.sizes[k] / 2
    return {p.key for p in index.ranked(k)[:TOPIC_PHRASES] if len(p.texts) >= half}


def _merge_same_topic(groups: list[np.ndarray], obs: Sequence[Objection]) -> list[np.ndarray]:
    """Merge a theme into a larger one when most of its members say a keyphrase that is
    among the larger theme's best too ("SAP" said in most of a small theme about S/4HANA, and
    the first keyphrase of the SAP connector theme): a marketer would see one topic twice."""
    groups = sorted(groups, key=lambda g: (-len(g), int(g.min())))
    while True:
        index = KeyphraseIndex([[obs[i].text for i in g] for g in groups])
        topics = [_dominant(index, k) for k in range(len(groups))]
        heads = [{p.key for p in index.ranked(k)[:HEAD_PHRASES]} for k in range(len(groups))]
        pair = next(((a, b) for b in range(len(groups)) for a in range(b)
                     if any(index.share(p, (a, b)) >= CONCENTRATED
                            for p in topics[b] & (topics[a] | heads[a]))), None)
        if pair is None:
            return groups
        a, b = pair
        groups[a] = np.concatenate([groups[a], groups[b]])
        del groups[b]


def _merge_close(groups: list[np.ndarray], obs: Sequence[Objection],
                 features: _Features) -> list[np.ndarray]:
    """Merge a theme into another of the same category when its members sit as close to the
    other's centroid as that theme's own members do (the median similarity of its members to
    the other centroid reaches :data:`MERGE_SIMILARITY` of the other's own median): two rows
    about one topic, split by wording ("SAP connector" / "S/4HANA integration")."""
    while len(groups) > 1:
        groups = sorted(groups, key=lambda g: (-len(g), int(g.min())))
        sims = features.to_centroids(groups)
        own = np.array([np.median(sims[g, k]) for k, g in enumerate(groups)])
        cats = [_majority([obs[i] for i in g]) for g in groups]
        best: tuple[float, int, int] | None = None
        for b in range(len(groups)):
            for a in range(len(groups)):
                if a == b or cats[a] != cats[b]:
                    continue
                closeness = float(np.median(sims[groups[b], a])) / max(float(own[a]), 1e-6)
                if closeness >= MERGE_SIMILARITY and (best is None or closeness > best[0]):
                    best = (closeness, a, b)
        if best is None:
            return groups
        _, a, b = best
        groups[a] = np.concatenate([groups[a], groups[b]])
        del groups[b]
    return groups


def _sample(features: _Features, obs: Sequence[Objection],
            max_points: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows clustered exactly: one per distinct objection (same text and category), evenly
    spread over the distinct ones past ``max_points``; and for each, the rows it stands for
    (itself and its identical copies)."""
    copies: dict[bytes, list[int]] = {}
    for i in range(len(obs)):
        key = features.dense[i].tobytes() + obs[i].text.encode()
        copies.setdefault(key, []).append(i)
    distinct = sorted(copies.values(), key=lambda rows: rows[0])
    if len(distinct) > max_points:
        distinct = [distinct[j] for j in np.linspace(0, len(distinct) - 1, max_points).astype(int)]
    return (np.array([rows[0] for rows in distinct], dtype=int),
            [np.array(rows, dtype=int) for rows in distinct])


def _majority(members: Sequence[Objection]) -> str:
    counts = Counter(o.category for o in members)
    weight = Counter()
    for o in members:
        weight[o.category] += o.confidence
    return min(counts, key=lambda c: (-counts[c], -weight[c],
                                      CATEGORIES.index(c) if c in CATEGORIES else 99))


def _theme(obs: Sequence[Objection], rows: np.ndarray, features: _Features,
           index: KeyphraseIndex, k: int, call_of: np.ndarray) -> ThemeDraft:
    members = [obs[i] for i in rows]
    closeness = features.to_centroids([rows])[rows, 0]
    ranked = sorted(range(len(rows)), key=lambda j: (-round(float(closeness[j]), 5),
                                                     members[j].id))
    medoid = members[ranked[0]]
    examples: list[str] = []
    calls: set[str] = set()
    for j in ranked:  # nearest first, one per call, then fill up
        if members[j].call_id not in calls:
            examples.append(members[j].id)
            calls.add(members[j].call_id)
        if len(examples) == EXAMPLES:
            break
    for j in ranked:
        if len(examples) == EXAMPLES:
            break
        if members[j].id not in examples:
            examples.append(members[j].id)
    return ThemeDraft(
        id=theme_id(medoid.text), category=_majority(members),
        label=index.label(k) or f"{_majority(members).capitalize()} (no common wording)",
        keywords=[p.text for p in index.top(k, KEYWORDS)], medoid_id=medoid.id,
        member_ids=sorted(o.id for o in members), example_ids=examples,
        calls=_calls(rows, call_of))


def _mention(o: Objection) -> ThemeDraft:
    from insights.keyphrases import phrases

    keys = list(dict.fromkeys(w for w in phrases(o.text, 1).values()))
    return ThemeDraft(id=theme_id(f"{o.call_id}\x1f{o.text}", prefix="m"), category=o.category,
                      label=short_label(o.text), keywords=keys[:KEYWORDS], medoid_id=o.id,
                      member_ids=[o.id], example_ids=[o.id], calls=1)
