"""The covered decision: the labelled set, the shipped parameters, and the decisions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag import CoveredModel, Recommender
from rag.covered import FEATURES, MODEL_PATH
from rag.labels import load_labels, split


def test_labelled_set_is_large_and_has_near_misses():
    queries = load_labels()
    pairs = [p for q in queries for p in q.pairs]
    assert len(pairs) >= 200
    assert sum(p.kind == "near_miss" for p in pairs) >= 60
    assert {q.corpus for q in queries} == {"vantora", "corvid"}
    assert sum(not q.covered for q in queries) >= 20


def test_split_is_deterministic_disjoint_and_stratified():
    queries = load_labels()
    train, test = split(queries)
    assert [q.id for q in test] == [q.id for q in split(load_labels())[1]]
    assert not {q.id for q in train} & {q.id for q in test}
    assert len(train) + len(test) == len(queries)
    for corpus in ("vantora", "corvid"):
        for covered in (True, False):
            assert any(q.corpus == corpus and q.covered == covered for q in test)


def test_shipped_model_matches_the_features_and_reports_its_split():
    data = json.loads(MODEL_PATH.read_text())
    model = CoveredModel.load()
    assert tuple(data["features"]) == FEATURES
    assert 0.0 < model.threshold < 1.0
    assert data["info"]["held_out"]["queries"] >= 30
    assert set(data["info"]["held_out"]["ids"]) == {q.id for q in split(load_labels())[1]}


def test_probability_is_monotone_in_the_answer_signals():
    model = CoveredModel.load()
    weak = [0.2, 0.3, 0.1, 0.5, 1.0, 0.5, 0.3, -0.1]
    strong = [0.6, 0.8, 1.0, 0.0, 0.0, 1.0, 1.0, 0.1]
    low, high = model.probability([weak, strong])
    assert low < 0.2 < 0.8 < high


def test_load_refuses_parameters_of_other_features(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"features": ["cosine"], "mean": [0], "scale": [1], "coef": [1],
                                "intercept": 0, "threshold": 0.5}))
    with pytest.raises(ValueError, match="run python -m rag.train_covered"):
        CoveredModel.load(path)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "covered", "best"), [
    ("How do you encrypt our data?", True, "lumio-security"),
    ("How much does it cost per user?", True, "lumio-pricing"),
    ("Can we log in with Okta?", True, "lumio-security"),
    # unanswered topics: nothing in the library talks about them
    ("Do you integrate with SAP?", False, None),
    ("Can we cancel our contract early?", False, None),
    # near miss: the security FAQ talks about hosting, but only in the US
    ("Is our data stored in the EU?", False, "lumio-security"),
    ("Can our data stay in Frankfurt for GDPR?", False, "lumio-security"),
])
def test_covered_decisions(lumio_ws, text, covered, best):
    rec = Recommender(lumio_ws).run(text, top=3)
    assert rec.covered is covered
    if best:
        assert rec.recommendations[0].asset_id == best
    scores = [r.score for r in rec.recommendations]
    assert scores == sorted(scores, reverse=True)
    assert np.isclose(rec.probability, scores[0], atol=1e-4)
