"""Objection-theme vectors: one unit centroid per theme, computed when the themes are refreshed
and stored in the workspace.

A recommendation's ``why`` names the objection theme the buyer's words are closest to
(``rag.recommend.Recommender.topic``). Embedding every theme's label and examples for that on
each question cost about 9 CPU-seconds per command-line call, so the analysis
(:meth:`insights.analysis.Analyzer._refresh_themes`) computes each theme's centroid once, the
mean of its label's embedding and its examples' span embeddings (already stored with the
objections), and writes them to ``theme_vectors`` in the same transaction as the themes
(:meth:`ingest.store_insights.InsightsStore.replace_themes`).
Readers load them with one query (:func:`load_theme_vectors`); a theme without a stored vector
(a workspace analysed before this table existed) gets one computed and stored on first read.

Example:
    >>> tv = load_theme_vectors(ws, ws.embedder.embed)  # doctest: +SKIP
    >>> tv.labels[:1], tv.vectors.shape  # doctest: +SKIP
    (['The price is more than we budgeted for'], (37, 384))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ingest.store import Workspace
    from insights.records import Objection

log = logging.getLogger(__name__)

EXAMPLES = 5
"""Examples of a theme (nearest the medoid first) averaged with its label."""

Embed = Callable[[Sequence[str]], np.ndarray]
"""Texts -> unit vectors (``ws.embedder.embed``, ``SentenceEncoder.encode``)."""


class Draft(Protocol):
    """What a theme needs to have its vector computed (``insights.themes.ThemeDraft`` fits)."""

    id: str
    label: str
    example_ids: list[str]


@dataclass(slots=True)
class ThemeVectors:
    """The stored theme centroids, row-aligned with ``ids`` and ``labels``."""

    ids: list[str]
    labels: list[str]
    vectors: np.ndarray
    """``(len(ids), dim)`` float32 unit vectors (``(0, 0)`` when there are no themes)."""


def centroid(label_vector: np.ndarray, example_vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The unit mean of a label's vector and its examples' vectors (examples embedded by
    another model, with another length, are left out)."""
    same = [v for v in example_vectors if v.shape == label_vector.shape]
    c = np.mean(np.vstack([label_vector, *same]), axis=0)
    return (c / (np.linalg.norm(c) or 1.0)).astype(np.float32)


def theme_centroids(drafts: Sequence[Draft], objections: Sequence[Objection],
                    vectors: np.ndarray, embed: Embed) -> list[tuple[str, str, np.ndarray]]:
    """``(theme_id, label, unit centroid)`` for each theme.

    Args:
        drafts: The themes (``id``, ``label`` and ``example_ids`` are read).
        objections: The objections the themes were built from.
        vectors: Their span embeddings, row-aligned with ``objections``.
        embed: Embeds the labels.
    """
    if not drafts:
        return []
    row = {o.id: i for i, o in enumerate(objections)}
    labels = embed([d.label for d in drafts])
    return [(d.id, d.label, centroid(labels[k], [vectors[row[i]] for i in
                                                 d.example_ids[:EXAMPLES] if i in row]))
            for k, d in enumerate(drafts)]


def load_theme_vectors(ws: Workspace, embed: Embed, dim: int | None = None) -> ThemeVectors:
    """The centroid of every objection theme in the workspace, in theme id order.

    Themes whose vector is missing, was stored for another label or (given ``dim``, the
    length of ``embed``'s vectors) by another model are computed (``embed`` for their labels,
    the stored span embeddings of their examples) and stored.
    """
    rows = ws.insights_store.theme_vector_rows()
    vectors: dict[str, np.ndarray] = {}
    missing = []
    for r in rows:
        v = None if r[3] is None else np.frombuffer(r[3], dtype=np.float32)
        if v is None or (dim is not None and len(v) != dim):
            missing.append(r)
        else:
            vectors[r[0]] = v
    if missing:
        log.info("computing the vectors of %d objection theme(s) analysed before they were "
                 "stored", len(missing))
        computed = _compute(ws, missing, embed)
        ws.insights_store.add_theme_vectors(computed)
        vectors.update({i: v for i, _, v in computed})
    ids = [r[0] for r in rows]
    if not ids:
        return ThemeVectors([], [], np.zeros((0, 0), dtype=np.float32))
    return ThemeVectors(ids, [r[1] for r in rows], np.stack([vectors[i] for i in ids]))


def _compute(ws: Workspace, rows: Sequence[Any], embed: Embed
             ) -> list[tuple[str, str, np.ndarray]]:
    examples = {r[0]: json.loads(r[2])[:EXAMPLES] for r in rows}
    spans = ws.insights_store.objection_vectors(i for ids in examples.values() for i in ids)
    labels = embed([r[1] for r in rows])
    return [(r[0], r[1], centroid(labels[k], [spans[i] for i in examples[r[0]] if i in spans]))
            for k, r in enumerate(rows)]
