"""``python -m training.train_tracks``: its split, its figures and its fit on a toy messaging."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from training.train_tracks import Messaging, fit, held_out, row_f1, turn_figures

IDS = ["payback", "erp"]


def test_held_out_split_is_chat_number_multiple_of_three():
    assert [held_out(c) for c in ("dev-tt-003", "dev-tt-004", "dev-tt-099", "dev-tt-100")] == \
        [True, False, True, False]
    assert held_out("no-number") is False


def test_turn_figures_count_pairs_and_usage_by_group():
    probs = np.array([[0.9, 0.1], [0.6, 0.7], [0.2, 0.1], [0.1, 0.8]])
    turns = [("c1", "a", {"payback"}), ("c1", "b", {"erp"}), ("c2", "c", {"payback"}),
             ("c3", "d", set())]
    f = turn_figures(probs, turns, IDS, threshold=0.5)
    # predicted pairs: (1 payback) (2 payback, 2 erp) (4 erp): tp 2, fp 2, fn 1
    assert (f["precision"], f["recall"], f["f1"]) == (0.5, 0.6667, 0.5714)
    # calls: payback found {c1} of gold {c1, c2} -> 0.5; erp found {c1, c3} of {c1} -> 1.0
    assert f["usage_mre"] == 0.75


def test_row_f1_takes_each_rows_best_track_or_none():
    probs = np.array([[0.9, 0.1], [0.3, 0.2], [0.1, 0.6], [0.7, 0.2]])
    turns = [("r0", "", {"payback"}), ("r1", "", set()), ("r2", "", {"payback"}),
             ("r3", "", set())]
    # r0 right; r1 none right; r2 says erp (a false and a missed use); r3 a false use
    assert row_f1(probs, turns, IDS, threshold=0.5) == pytest.approx(2 / (2 + 2 + 1), abs=1e-4)


class ToyEncoder:
    """Unit vectors along fixed axes per word, so the toy problem is separable."""

    AXES = {"money": 0, "cost": 0, "payback": 0, "sync": 1, "erp": 1, "netsuite": 1,
            "hello": 2, "thanks": 2}

    def encode(self, texts):
        out = np.full((len(texts), 4), 0.05, dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(".", "").split():
                if w in self.AXES:
                    out[i, self.AXES[w]] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.mark.slow
def test_fit_learns_a_toy_messaging():
    tracks = [SimpleNamespace(id="payback", name="Payback", statement="Payback money."),
              SimpleNamespace(id="erp", name="ERP sync", statement="ERP sync.")]
    rows = ([(f"g{i}", "The cost comes back as money.", "payback") for i in range(20)]
            + [(f"h{i}", "NetSuite stays in sync.", "erp") for i in range(20)]
            + [(f"k{i}", "Hello and thanks.", "none") for i in range(20)])
    toy = Messaging("toy", tracks, rows)
    model = fit([(toy, {g for g, _, _ in rows})], ToyEncoder())
    from insights.talk_tracks import TrackDetector

    detector = TrackDetector(ToyEncoder(), tracks, model)
    p = detector.probabilities(["The cost comes back as money.", "NetSuite stays in sync.",
                                "Hello and thanks."])
    assert p.shape == (3, 2)
    assert p[0, 0] > 0.8 and p[1, 1] > 0.8 and p[2].max() < 0.2
