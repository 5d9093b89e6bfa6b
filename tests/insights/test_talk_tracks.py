"""The learned talk-track matcher: its formula, its files, turn decisions and the shipped model."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ingest.errors import ModelError
from insights.talk_tracks import MIN_TRACK_WORDS, TrackDetector, track_sentences
from insights.track_model import TRACK_MODEL, VOICE_DIM, TrackModel, TrackViews, voice

DIM = 4


class FakeEncoder:
    """Embeds known texts as fixed unit vectors and records what it was asked."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.asked: list[str] = []

    def encode(self, texts):
        self.asked += list(texts)
        out = [np.asarray(self.vectors.get(t, [0, 0, 0, 1]), dtype=np.float32) for t in texts]
        return np.stack([v / np.linalg.norm(v) for v in out]) if out else \
            np.zeros((0, DIM), dtype=np.float32)


def cosine_model(threshold: float = 0.5, scale: float = 10.0, none: float = 5.0) -> TrackModel:
    """No learned bilinear part: logit = scale * cos(sentence, view); none = a constant."""
    return TrackModel(W=np.zeros((DIM, DIM), np.float32), a=np.array([scale, 0.0], np.float32),
                      Q=np.zeros((VOICE_DIM, VOICE_DIM), np.float32),
                      w0=np.zeros(DIM, np.float32), b0=none, threshold=threshold)


TRACKS = [SimpleNamespace(id="payback", name="Payback", statement="It pays for itself."),
          SimpleNamespace(id="erp", name="ERP sync", statement="It syncs with your ERP.")]
VECTORS = {"It pays for itself.": [1, 0, 0, 0], "It syncs with your ERP.": [0, 1, 0, 0],
           "Payback": [1, 0, 0, 0], "ERP sync": [0, 1, 0, 0],
           "Most teams are paid back by month six.": [0.95, 0.05, 0, 0],
           "And yes, NetSuite stays in sync both ways.": [0.05, 0.95, 0, 0],
           "Honestly it pays off really fast.": [0.8, 0.2, 0, 0],
           "Let me share my screen now.": [0, 0, 1, 0]}


def test_voice_reads_person_and_question():
    assert voice("I gave my share; will you?").tolist() == [1.0, 0.0, 0.5, 1.0]
    assert voice("We think our customers agree.").tolist() == [0.0, 1.0, 0.0, 0.0]
    assert voice("The price is fixed.").tolist() == [0.0, 0.0, 0.0, 0.0]


def test_probabilities_follow_the_formula():
    model = cosine_model(scale=10.0, none=5.0)
    views = TrackViews(np.eye(DIM, dtype=np.float32)[:2], np.eye(DIM, dtype=np.float32)[:2],
                       np.zeros((2, VOICE_DIM), np.float32), ((), ()))
    s = np.array([[1, 0, 0, 0], [0, 0, 1, 0]], dtype=np.float32)
    p = model.probabilities(s, np.zeros((2, VOICE_DIM), np.float32), views)
    e = np.exp([10.0, 0.0, 5.0])
    assert p[0] == pytest.approx((e / e.sum())[:2], rel=1e-5)
    e = np.exp([0.0, 0.0, 5.0])
    assert p[1] == pytest.approx((e / e.sum())[:2], rel=1e-5)


def test_an_example_phrasing_is_one_more_view_of_its_track():
    model = cosine_model()
    sentence = np.array([[0, 0, 1, 0]], dtype=np.float32)
    plain = TrackViews(np.eye(DIM, dtype=np.float32)[:2], np.eye(DIM, dtype=np.float32)[:2],
                       np.zeros((2, VOICE_DIM), np.float32), ((), ()))
    with_example = TrackViews(plain.statements, plain.names, plain.voices,
                              (np.array([[0, 0, 1, 0]], dtype=np.float32), ()))
    voices_ = np.zeros((1, VOICE_DIM), np.float32)
    assert model.probabilities(sentence, voices_, plain)[0, 0] < 0.01
    assert model.probabilities(sentence, voices_, with_example)[0, 0] > 0.99


def test_model_round_trips_through_plain_arrays(tmp_path):
    model = cosine_model(threshold=0.45)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["Q", "W", "a", "b0", "threshold", "w0"]
    again = TrackModel.load(tmp_path / "m.npz")
    assert again.threshold == pytest.approx(0.45) and again.b0 == pytest.approx(5.0)
    assert np.array_equal(again.a, model.a) and again.dim == DIM


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match=r"Could not read the talk-track model .*nope\.npz.*"
                                         r"python -m training.train_tracks"):
        TrackModel.load(tmp_path / "nope.npz")


def test_other_embedding_dimension_is_a_clear_error():
    with pytest.raises(ModelError, match="trained on 4-dimensional sentence embeddings .* gives "
                                         "384. Unset CALLMINE_EMBEDDING_MODEL"):
        cosine_model().check_dim(384)


def test_detector_keeps_the_best_sentence_once_per_track():
    encoder = FakeEncoder(VECTORS)
    detector = TrackDetector(encoder, TRACKS, cosine_model(threshold=0.5))
    text = ("Let me share my screen now. Most teams are paid back by month six. "
            "Honestly it pays off really fast. Ok. And yes, NetSuite stays in sync both ways.")
    matches = detector.match_text(text)
    assert [(m.track_id, m.text) for m in matches] == [
        ("payback", "Most teams are paid back by month six."),
        ("erp", "And yes, NetSuite stays in sync both ways.")]
    for m in matches:
        assert text[m.start:m.end] == m.text and 0.5 <= m.confidence <= 1.0
    assert "Ok." not in encoder.asked  # below MIN_TRACK_WORDS: never embedded
    assert detector.match_texts(["Let me share my screen now.", ""]) == [[], []]


def test_threshold_override_and_turn_probabilities():
    detector = TrackDetector(FakeEncoder(VECTORS), TRACKS, cosine_model(threshold=0.5),
                             threshold=0.9999)
    assert detector.match_text("Honestly it pays off really fast.") == []
    p = detector.turn_probabilities("Let me share my screen now. Honestly it pays off really fast.")
    assert p.shape == (2,) and p[0] > 0.9 and p[1] < 0.1


def test_track_sentences_drop_fragments():
    assert MIN_TRACK_WORDS == 3
    assert [s.text for s in track_sentences("Sure. Thanks a lot! It pays for itself fast.")] == [
        "Thanks a lot!", "It pays for itself fast."]


def test_no_tracks_means_no_matches():
    detector = TrackDetector(FakeEncoder(VECTORS), [], cosine_model())
    assert detector.match_texts(["Most teams are paid back by month six."]) == [[]]


# -- the shipped model (real MiniLM) ----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_detector(embedder):
    from ingest.messaging import load_messaging
    from insights.encoding import SentenceEncoder

    root = Path(__file__).resolve().parents[2]
    return TrackDetector(SentenceEncoder(embedder),
                         load_messaging(root / "demo" / "messaging.yaml").talk_tracks)


@pytest.mark.slow
def test_shipped_files_are_plain_arrays_and_a_report():
    with np.load(TRACK_MODEL, allow_pickle=False) as z:
        assert z["W"].shape == (384, 384) and z["w0"].shape == (384,)
    report = json.loads((TRACK_MODEL.parent / "talk_tracks.json").read_text())
    assert report["threshold"] == pytest.approx(float(TrackModel.load().threshold), abs=1e-6)
    assert report["training"]["realdata_split"] == "talk_tracks_dev chats whose number % 3 != 0"


@pytest.mark.slow
def test_self_written_regression_rows(demo_detector):
    """talk_tracks.jsonl (training data for the demo's tracks): each row's best track, or none,
    must match its label (a regression check, not a quality figure)."""
    root = Path(__file__).resolve().parents[2]
    rows = [json.loads(line) for line in
            (root / "training" / "data" / "talk_tracks.jsonl").read_text().splitlines() if line]
    tp = fp = fn = 0
    ids = [t.id for t in demo_detector.tracks]
    for row in rows:
        p = demo_detector.turn_probabilities(row["text"])
        k = int(np.argmax(p))
        predicted = ids[k] if p[k] >= demo_detector.threshold else "none"
        tp += predicted == row["track"] != "none"
        fp += predicted != "none" and predicted != row["track"]
        fn += row["track"] != "none" and predicted != row["track"]
    assert 2 * tp / (2 * tp + fp + fn) >= 0.9


@pytest.mark.slow
def test_same_argument_in_other_words_is_a_use(demo_detector):
    found = demo_detector.match_texts([
        "Thanks for making the time today, Dana.",
        "Most of our customers earn back what they pay us in about half a year.",
        "If a supplier suddenly sends new bank details, the payment is held until someone "
        "checks it.",
        "Can you walk me through how you approve invoices today?",
    ])
    assert [[m.track_id for m in ms] for ms in found] == [[], ["payback"], ["fraud_guard"], []]


# -- message stats: occurrences and the verdict on the lift ------------------------------------


def _messages_workspace(tmp_path, build_call, messaging_file):
    """A workspace with the messaging and the insights tables; calls and their stored track
    uses are added by :func:`_add` (no analysis is run)."""
    from ingest.embed import Embedder
    from ingest.pipeline import ingest_messaging
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", Embedder())  # never loaded: nothing is embedded here
    ingest_messaging(ws, messaging_file)
    return ws


def _add(ws, build_call, call_id, outcome, used_turns=(), track="payback"):
    ws.save_call(build_call(call_id, [("Rep", "Hello there."), ("Buyer", "Hi."),
                                      ("Rep", "It pays for itself in six months."),
                                      ("Buyer", "Nice.")], outcome))
    with ws.transaction() as db:
        db.executemany("INSERT INTO track_uses (call_id, turn, track_id, similarity, text, start,"
                       " reaction, reaction_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(call_id, t, track, 0.9, "It pays for itself in six months.", 20.0,
                         "positive", "Nice.") for t in used_turns])


def test_occurrences_list_every_use_in_call_and_turn_order(tmp_path, build_call,
                                                           messaging_file):
    from insights import message_stats

    ws = _messages_workspace(tmp_path, build_call, messaging_file)
    _add(ws, build_call, "c2", "won", (2, 0))
    _add(ws, build_call, "c1", "lost", (2,))
    _add(ws, build_call, "c3", "lost")
    stats = {m.id: m for m in message_stats(ws)}
    payback = stats["payback"]
    assert [(o.call_id, o.turn) for o in payback.occurrences] == [("c1", 2), ("c2", 0), ("c2", 2)]
    assert (payback.uses, payback.calls) == (3, 2)
    assert stats["erp_native"].occurrences == [] and stats["erp_native"].uses == 0
    ws.close()


def test_verdict_says_not_enough_calls_when_the_interval_contains_zero(tmp_path, build_call,
                                                                      messaging_file):
    from insights import message_stats
    from insights.messages import MORE_WINS, NOT_ENOUGH_CALLS

    ws = _messages_workspace(tmp_path, build_call, messaging_file)
    for call_id, outcome, turns in [("a1", "won", (2,)), ("a2", "won", (2,)),
                                    ("a3", "lost", (2,)), ("b1", "won", ()),
                                    ("b2", "lost", ()), ("b3", "lost", ())]:
        _add(ws, build_call, call_id, outcome, turns)
    few = {m.id: m for m in message_stats(ws)}["payback"]
    assert few.lift == pytest.approx(1 / 3, abs=1e-4) and few.lift_ci[0] < 0 < few.lift_ci[1]
    assert few.verdict == NOT_ENOUGH_CALLS == "not enough calls to tell"
    for i in range(30):
        _add(ws, build_call, f"w{i}", "won" if i < 25 else "lost", (2,))
        _add(ws, build_call, f"n{i}", "lost" if i < 25 else "won")
    many = {m.id: m for m in message_stats(ws)}
    assert many["payback"].lift_ci[0] > 0 and many["payback"].verdict == MORE_WINS
    assert many["erp_native"].lift is None and many["erp_native"].verdict == NOT_ENOUGH_CALLS
    ws.close()


@pytest.mark.parametrize(("lift", "ci", "expected"), [
    (0.12, (-0.08, 0.31), "not enough calls to tell"),
    (0.0, (0.0, 0.0), "not enough calls to tell"),
    (0.21, (0.05, 0.37), "more wins with it"),
    (-0.3, (-0.5, -0.1), "fewer wins with it"),
    (None, None, "not enough calls to tell"),
])
def test_verdict(lift, ci, expected):
    from insights.messages import verdict

    assert verdict(lift, ci) == expected
