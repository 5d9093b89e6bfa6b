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


def test_objection_head_loads_without_pickle():
    head = ObjectionHead.load()
    assert head.detect.classes == ("none", "objection")
    assert sorted(head.category.classes) == sorted(CATEGORIES)
    assert head.detect.weights.shape[0] == 1 and head.category.weights.shape[0] == 12
    assert 0 < head.call_prior < head.train_prior < 1
    assert 0 < head.threshold_for(True) < 1 and 0 < head.threshold_for(False) < 1
    width = 384 + len(feature_names(head.detect.cue_groups))  # MiniLM + cue features
    assert head.detect.weights.shape[1] == head.category.weights.shape[1] == width


def test_reaction_head_and_calibration():
    head = load_head(REACTION_HEAD)
    assert sorted(head.classes) == ["neutral", "objection", "positive"]
    calibration = load_calibration()
    assert 0.2 < calibration["talk_tracks"]["threshold"] < 0.9
    assert calibration["talk_tracks"]["mode"] in ("statement", "joined", "max")


def test_shift_prior_round_trip():
    p = np.array([0.1, 0.5, 0.9])
    assert np.allclose(shift_prior(shift_prior(p, 0.6, 0.3), 0.3, 0.6), p)
