"""The turn model's parts that need no trained model: the neighbour vote, spans, context."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.records import Turn
from insights.detector import carrying_sentences, context_turn
from insights.turn_head import Neighbours, TurnInput, turn_features, vote_vectors


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_vote_weighs_the_nearest_labelled_turns():
    vectors = np.stack([_unit(1, 0), _unit(0.9, 0.1), _unit(0, 1)])
    n = Neighbours(vectors, np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), k=2, power=1)
    [share] = n.vote(_unit(1, 0)[None, :])
    # neighbours: itself (similarity 1, objection) and the second (0.994, none)
    assert share == pytest.approx(1 / (1 + float(_unit(0.9, 0.1)[0])), abs=1e-4)
    # a far query only sees the two nearest, which here include the non-objection at (0, 1)
    [far] = n.vote(_unit(0, 1)[None, :])
    assert far == pytest.approx(0.0)


def test_vote_leaves_out_the_query_group_in_cross_validation():
    vectors = np.stack([_unit(1, 0), _unit(1, 0.01), _unit(0, 1)])
    n = Neighbours(vectors, np.array([1.0, 1.0, 0.0]), np.ones(3), k=1, power=1)
    groups = np.array([0, 0, 1])
    votes = n.vote(vectors, exclude=groups, groups=groups)
    # each of the first two may not see the other (same group): its nearest left is (0, 1)
    assert votes.tolist() == [0.0, 0.0, 1.0]


def test_vote_weights_and_power():
    vectors = np.stack([_unit(1, 0), _unit(1, 1)])
    n = Neighbours(vectors, np.array([1.0, 0.0]), np.array([1.0, 3.0]), k=2, power=2)
    [share] = n.vote(_unit(1, 0)[None, :])
    assert share == pytest.approx(1 / (1 + 3 * 0.5), abs=1e-4)


def test_features_mark_a_missing_rep_turn():
    items = [TurnInput("Too steep.", _unit(*([1] + [0] * 383)), 0.8, 0.8, 1, "", np.zeros(384)),
             TurnInput("Too steep.", _unit(*([1] + [0] * 383)), 0.8, 0.8, 1, "It's $400.",
                       _unit(*([0, 1] + [0] * 382)))]
    x = turn_features(items)
    assert x.shape[0] == 2 and np.all(np.isfinite(x))
    has_context = 384 + 3 + 18 + 384  # turn, stats, cues, context vector
    assert x[:, has_context].tolist() == [0.0, 1.0]
    v = vote_vectors(items)
    assert np.allclose(np.linalg.norm(v, axis=1), 1)
    assert v[0, 1] == 0 and v[1, 1] > 0


def test_carrying_sentences():
    assert carrying_sentences(np.array([0.2, 0.9, 0.5]), 0.6) == [1]
    assert carrying_sentences(np.array([0.0, 0.0]), 0.6) == [0, 1]
    assert carrying_sentences(np.zeros(0), 0.6) == []


def test_context_is_the_nearest_rep_turn_within_three():
    turns = [Turn(0, "Ann", "rep", "It's $400."), Turn(1, "Bo", "buyer", "Hmm."),
             Turn(2, "Cy", "buyer", "Too much."), Turn(3, "Bo", "buyer", "Way too much."),
             Turn(4, "Bo", "buyer", "Honestly.")]
    assert context_turn(turns, 2).text == "It's $400."
    assert context_turn(turns, 3).text == "It's $400."
    assert context_turn(turns, 4) is None
    assert context_turn(turns, 0) is None
