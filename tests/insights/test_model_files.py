"""The shipped heads load as plain arrays and agree with the taxonomy (no model needed)."""

from __future__ import annotations

import numpy as np

from insights.cues import feature_names
from insights.heads import (
    REACTION_HEAD,
    ObjectionHead,
    load_calibration,
    load_head,
    shift_prior,
)
from insights.records import CATEGORIES
from insights.turn_head import TurnHead, TurnInput


def test_objection_head_loads_without_pickle():
    head = ObjectionHead.load()
    assert head.detect.classes == ("none", "objection")
    assert sorted(head.category.classes) == sorted(CATEGORIES)
    assert head.detect.weights.shape[0] == 1 and head.category.weights.shape[0] == 12
    assert 0 < head.train_prior < 1 and 0 < head.threshold < 1
    for part in (head.detect, head.category):
        lexicon = len(part.lexicon) if part.lexicon is not None else 0
        width = 384 + len(feature_names(part.cue_groups)) + lexicon  # MiniLM + cues + tf-idf
        assert part.weights.shape[1] == width


def test_turn_head_loads_without_pickle_and_round_trips(tmp_path):
    head = TurnHead.load()
    assert head.detect.classes == ("none", "objection")
    assert sorted(head.category.classes) == sorted(CATEGORIES)
    assert 0 < head.threshold < 1 and 0 <= head.mix <= 1 and 0 < head.span_share <= 1
    n = head.neighbours
    width = 384 + (len(feature_names(("polarity",))) if head.polarity > 0 else 0)
    assert n.vectors.shape == (len(n.labels), width) and set(np.unique(n.labels)) == {0.0, 1.0}
    assert np.allclose(np.linalg.norm(n.vectors, axis=1), 1, atol=1e-2)
    head.save(tmp_path / "turn.npz")
    again = TurnHead.load(tmp_path / "turn.npz")
    rng = np.random.default_rng(0)

    def unit(d=384):
        v = rng.normal(size=d).astype(np.float32)
        return v / np.linalg.norm(v)

    items = [TurnInput("Would you take $300 for it?", unit(), 0.7, 0.7, 1,
                       "I'm asking $400.", unit()),
             TurnInput("Thanks, see you Friday.", unit(), 0.1, 0.1, 1, "", np.zeros(384))]
    assert np.allclose(head.probability(items), again.probability(items), atol=1e-3)


def test_head_with_tfidf_round_trips_through_npz(tmp_path):
    head = ObjectionHead.load()
    head.save(tmp_path / "head.npz")
    again = ObjectionHead.load(tmp_path / "head.npz")
    emb = np.random.default_rng(0).normal(size=(2, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    texts = ["That's way too expensive for us.", "The contract auto-renews, we can't have that."]
    for a, b in zip(head.predict(emb, texts), again.predict(emb, texts)):
        assert np.allclose(a, b)


def test_lexicon_matches_scikit_learn_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from insights.lexicon import Lexicon

    texts = ["Too pricey for us, too pricey.", "The contract auto-renews.", "SOC 2 for us",
             "pricey contract terms", "contract terms for us"]
    ours = Lexicon.fit(texts)
    theirs = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(texts)
    assert list(ours.vocabulary) == sorted(theirs.vocabulary_)
    probe = texts + ["nothing known here", "pricey pricey contract"]
    assert np.allclose(ours.transform(probe).toarray(), theirs.transform(probe).toarray(),
                       atol=1e-6)


def test_reaction_head_and_calibration():
    head = load_head(REACTION_HEAD)
    assert sorted(head.classes) == ["neutral", "objection", "positive"]
    calibration = load_calibration()
    assert isinstance(calibration["reactions"]["use_detector_vote"], bool)
    assert calibration["turn_model"]["chosen"]["threshold"] == TurnHead.load().threshold


def test_shift_prior_round_trip():
    p = np.array([0.1, 0.5, 0.9])
    assert np.allclose(shift_prior(shift_prior(p, 0.6, 0.3), 0.3, 0.6), p)
