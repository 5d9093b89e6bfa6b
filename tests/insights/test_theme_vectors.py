"""Theme vectors are computed when themes are refreshed, stored, and read without embedding
the themes again (real MiniLM)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pytest

from insights.analysis import Analyzer
from insights.records import Objection
from insights.theme_vectors import EXAMPLES, load_theme_vectors, theme_centroids

pytestmark = pytest.mark.slow

PRICE = [
    "Honestly, the price is way too high for a team our size.",
    "The price is too high for us, it's way over budget.",
    "That price is way too high, we can't afford it.",
]


@dataclass
class Draft:
    id: str
    label: str
    example_ids: list[str] = field(default_factory=list)


def _objection(i: int, text: str) -> Objection:
    return Objection(id=f"o{i}", call_id=f"c{i}", turn=1, speaker="Buyer", text=text,
                     category="price", confidence=0.9)


def _analysed(workspace, settings, build_call):
    for i, text in enumerate(PRICE):
        workspace.save_call(build_call(f"p{i}", [("Rep", "Pricing starts at 1,500 a month."),
                                                 ("Buyer", text)], "lost", date(2026, 1, 5)))
    Analyzer(workspace, settings).run()
    themes = sorted((r[0], r[1]) for r in workspace.db.execute("SELECT id, label FROM themes"))
    assert themes  # however the objections are grouped, there are themes
    return themes


def test_centroid_is_the_label_and_its_examples_averaged(embedder):
    objections = [_objection(i, t) for i, t in enumerate(PRICE)]
    vectors = embedder.embed(PRICE)
    drafts = [Draft("t-1", "The price is too high", ["o2", "o0", "gone"]),
              Draft("t-2", "Lonely label")]
    rows = theme_centroids(drafts, objections, vectors, embedder.embed)
    assert [(i, label) for i, label, _ in rows] == [("t-1", "The price is too high"),
                                                    ("t-2", "Lonely label")]
    label = embedder.embed(["The price is too high"])[0]
    mean = (label + vectors[2] + vectors[0]) / 3
    assert np.abs(rows[0][2] - mean / np.linalg.norm(mean)).max() < 1e-6
    assert np.abs(rows[1][2] - embedder.embed(["Lonely label"])[0]).max() < 1e-6
    assert theme_centroids([], objections, vectors, embedder.embed) == []


def test_only_the_first_examples_count(embedder):
    texts = [f"{t} ({i})" for i, t in enumerate(PRICE * 3)]
    objections = [_objection(i, t) for i, t in enumerate(texts)]
    vectors = embedder.embed(texts)
    ids = [o.id for o in objections]
    [(_, _, all_of_them)] = theme_centroids([Draft("t", "price", ids)], objections, vectors,
                                            embedder.embed)
    [(_, _, first)] = theme_centroids([Draft("t", "price", ids[:EXAMPLES])], objections,
                                      vectors, embedder.embed)
    assert np.abs(all_of_them - first).max() < 1e-7


def test_analysis_stores_one_vector_per_theme(workspace, settings, build_call):
    themes = _analysed(workspace, settings, build_call)
    rows = workspace.db.execute("SELECT theme_id, label, length(vector) FROM theme_vectors "
                                "ORDER BY theme_id").fetchall()
    assert [tuple(r) for r in rows] == [(i, label, 384 * 4) for i, label in themes]


def test_reading_embeds_nothing_once_stored(workspace, settings, build_call):
    themes = _analysed(workspace, settings, build_call)
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return workspace.embedder.embed(texts)

    stored = load_theme_vectors(workspace, embed, 384)
    assert calls == [] and list(zip(stored.ids, stored.labels)) == themes
    assert stored.vectors.shape == (len(themes), 384)


def test_a_workspace_analysed_before_gets_its_vectors_on_first_read(workspace, settings,
                                                                   build_call):
    _analysed(workspace, settings, build_call)
    expected = load_theme_vectors(workspace, workspace.embedder.embed).vectors
    with workspace.transaction() as db:
        db.execute("DELETE FROM theme_vectors")  # analysed before vectors were stored
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return workspace.embedder.embed(texts)

    first = load_theme_vectors(workspace, embed)
    second = load_theme_vectors(workspace, embed)
    assert len(calls) == 1  # computed once, then read
    assert np.abs(first.vectors - expected).max() < 1e-5
    assert np.array_equal(first.vectors, second.vectors)


def test_a_vector_of_another_length_is_computed_again(workspace, settings, build_call):
    themes = _analysed(workspace, settings, build_call)
    with workspace.transaction() as db:
        db.execute("UPDATE theme_vectors SET vector=?", (np.ones(8, np.float32).tobytes(),))
    got = load_theme_vectors(workspace, workspace.embedder.embed, 384)
    assert got.ids == [i for i, _ in themes] and got.vectors.shape == (len(themes), 384)


def test_no_themes_no_vectors(workspace):
    got = load_theme_vectors(workspace, workspace.embedder.embed)
    assert got.ids == [] and got.vectors.shape == (0, 0)
