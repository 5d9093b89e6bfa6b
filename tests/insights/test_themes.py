"""Theme clustering: stable ids, labels, keywords (synthetic vectors, no model)."""

from __future__ import annotations

import numpy as np

from insights.records import Objection
from insights.themes import build_themes, c_tf_idf, short_label, theme_id


def _objections():
    rng = np.random.default_rng(0)
    centres = {name: rng.normal(size=16) for name in ("cost", "cfo", "budget_time")}
    rows = [
        ("a1", "c1", "price", "cost", "The price is too high for us."),
        ("a2", "c2", "price", "cost", "Honestly, the price is too high."),
        ("a3", "c3", "price", "cost", "Your price is way too high for a team our size."),
        ("b1", "c1", "authority", "cfo", "I need to run this by my CFO."),
        ("b2", "c4", "authority", "cfo", "Our CFO signs off on anything like this."),
        ("d1", "c2", "price", "budget_time", "We have no budget until next year."),
    ]
    objections, vectors = [], []
    for oid, call, category, centre, text in rows:
        v = centres[centre] + rng.normal(scale=0.05, size=16)
        vectors.append(v / np.linalg.norm(v))
        objections.append(Objection(oid, call, 1, "Buyer", text, category, 0.9))
    return objections, np.array(vectors, dtype=np.float32)


def test_clusters_within_category_with_stable_ids():
    objections, vectors = _objections()
    themes = build_themes(objections, vectors)
    assert [(t.category, sorted(t.member_ids)) for t in themes] == [
        ("price", ["a1", "a2", "a3"]), ("authority", ["b1", "b2"]), ("price", ["d1"])]
    again = build_themes(objections[::-1], vectors[::-1])
    assert [t.id for t in again] == [t.id for t in themes]
    assert len({t.id for t in themes}) == 3
    medoid = next(o for o in objections if o.id == themes[0].medoid_id)
    assert themes[0].id == theme_id("price", medoid.text)
    assert themes[0].example_ids[0] == themes[0].medoid_id
    assert len(set(themes[0].example_ids)) == 3


def test_keywords_and_labels():
    objections, vectors = _objections()
    themes = {t.category + str(len(t.member_ids)): t for t in build_themes(objections, vectors)}
    assert set(themes["price3"].keywords[:2]) == {"price", "high"}
    assert "cfo" in themes["authority2"].keywords
    assert short_label("Um, so, the rollout would take our whole team for months and months, "
                       "which we simply cannot afford right now.") == (
        "The rollout would take our whole team for months and months, which we simply…")


def test_c_tf_idf_prefers_distinctive_terms():
    keywords = c_tf_idf(["price price high budget", "cfo approval board approval"], top=2)
    assert keywords[0][0] == "price" and keywords[1][0] == "approval"
