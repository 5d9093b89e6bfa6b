"""bench/der.py: DER and word speaker accuracy on small hand-computed cases."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# bench/ is a folder of scripts, not a package: load the module from its file.
_spec = importlib.util.spec_from_file_location("bench_der", REPO / "bench" / "der.py")
der_module = importlib.util.module_from_spec(_spec)
sys.modules["bench_der"] = der_module
_spec.loader.exec_module(der_module)
der, read_rttm, word_speaker_accuracy = (der_module.der, der_module.read_rttm,
                                         der_module.word_speaker_accuracy)

REF = [(0.0, 10.0, "A"), (10.0, 20.0, "B")]


def approx(x):
    return pytest.approx(x, abs=1e-9)


def test_perfect_hypothesis_scores_zero():
    r = der(REF, [(0.0, 10.0, "x"), (10.0, 20.0, "y")], collar=0)
    assert r["der"] == 0
    assert (r["miss"], r["false_alarm"], r["confusion"]) == (0, 0, 0)
    assert r["total_speech"] == approx(20.0)
    assert r["mapping"] == {"x": "A", "y": "B"}


def test_empty_hypothesis_misses_everything():
    r = der(REF, [], collar=0)
    assert r["der"] == approx(1.0)
    assert r["miss"] == approx(20.0)
    assert r["mapping"] == {}
    # with the collar: 0.25 s is cut either side of 0, 10 and 20 -> 19 s scored, all missed
    r = der(REF, [])
    assert (r["der"], r["miss"], r["total_speech"]) == (approx(1.0), approx(19.0), approx(19.0))


def test_swapped_labels_map_to_zero_error():
    r = der(REF, [(0.0, 10.0, "B"), (10.0, 20.0, "A")], collar=0)
    assert r["der"] == 0
    assert r["mapping"] == {"B": "A", "A": "B"}


def test_confusion_of_known_duration():
    hyp = [(0.0, 12.0, "x"), (12.0, 20.0, "y")]  # 10-12 s of B given to A's voice
    r = der(REF, hyp, collar=0)
    assert r["confusion"] == approx(2.0)
    assert (r["miss"], r["false_alarm"]) == (0, 0)
    assert r["der"] == approx(0.1)
    # collar: 10.25-12 s stays a confusion; 19 s of speech scored
    r = der(REF, hyp)
    assert r["confusion"] == approx(1.75)
    assert r["der"] == approx(1.75 / 19)


def test_collar_forgives_boundary_errors():
    hyp = [(0.1, 10.2, "x"), (10.2, 19.8, "y")]  # late start, late change, early end
    r = der(REF, hyp, collar=0)
    assert (r["miss"], r["confusion"]) == (approx(0.3), approx(0.2))
    assert r["der"] == approx(0.5 / 20)
    assert der(REF, hyp, collar=0.25)["der"] == 0


def test_false_alarm():
    ref = [(0.0, 10.0, "A")]
    hyp = [(0.0, 10.0, "x"), (12.0, 14.0, "x")]
    r = der(ref, hyp, collar=0)
    assert r["false_alarm"] == approx(2.0)
    assert r["der"] == approx(0.2)
    r = der(ref, hyp)  # scored reference speech is 0.25-9.75
    assert (r["false_alarm"], r["total_speech"]) == (approx(2.0), approx(9.5))
    assert der([], [(0.0, 1.0, "x")])["der"] == math.inf
    assert der([], [])["der"] == 0


def test_overlapped_reference_speech_counts_per_speaker():
    ref = [(0.0, 10.0, "A"), (5.0, 10.0, "B")]
    r = der(ref, [(0.0, 10.0, "x")], collar=0)
    assert r["total_speech"] == approx(15.0)
    assert r["miss"] == approx(5.0)  # one of two speakers missed during the overlap
    assert r["der"] == approx(1 / 3)
    # both speakers found during the overlap: no error
    assert der(ref, [(0.0, 10.0, "x"), (5.0, 10.0, "y")], collar=0)["der"] == 0


def test_extra_hypothesis_speaker_is_confusion():
    r = der([(0.0, 10.0, "A")], [(0.0, 4.0, "x"), (4.0, 10.0, "y")], collar=0)
    assert r["mapping"] == {"y": "A"}  # the larger overlap wins the one reference speaker
    assert r["confusion"] == approx(4.0)
    assert r["der"] == approx(0.4)


def test_one_to_one_mapping_is_optimal_not_greedy():
    # greedy would give x -> A (6 s) and leave y with nothing; optimal is x -> B, y -> A
    ref = [(0.0, 6.0, "A"), (6.0, 11.0, "B")]
    hyp = [(0.0, 11.0, "x"), (0.0, 5.0, "y")]
    r = der(ref, hyp, collar=0)
    assert r["mapping"] == {"x": "B", "y": "A"}
    assert (r["confusion"], r["false_alarm"]) == (approx(1.0), approx(5.0))


def test_word_speaker_accuracy():
    ref = [(0.0, 5.0, "A"), (5.0, 10.0, "B")]
    words = [(0.1, 0.4, "s1"), (1.0, 1.5, "s1"), (5.2, 5.6, "s2"), (6.0, 6.5, "s1"),
             (11.0, 11.5, "s2")]  # the last word is in no reference turn: skipped
    assert word_speaker_accuracy(ref, words) == approx(3 / 4)
    swapped = [(s, e, {"s1": "s2", "s2": "s1"}[k]) for s, e, k in words]
    assert word_speaker_accuracy(ref, swapped) == approx(3 / 4)
    assert word_speaker_accuracy(ref, words, mapping={"s1": "B", "s2": "A"}) == approx(1 / 4)
    assert word_speaker_accuracy(ref, [(0.1, 0.4, "s1"), (5.1, 5.4, "s2")]) == 1.0
    assert math.isnan(word_speaker_accuracy(ref, [(20.0, 21.0, "s1")]))
    # a word's midpoint decides: 4.8-5.4 has its middle (5.1) in B's turn
    assert word_speaker_accuracy(ref, [(0.0, 4.0, "s1"), (4.8, 5.4, "s1")]) == approx(1 / 2)


def test_word_in_overlap_may_belong_to_either_speaker():
    ref = [(0.0, 10.0, "A"), (4.0, 6.0, "B")]
    words = [(1.0, 2.0, "s1"), (4.5, 5.0, "s2"), (7.0, 8.0, "s1")]
    assert word_speaker_accuracy(ref, words) == 1.0


def test_read_rttm(tmp_path):
    p = tmp_path / "x.rttm"
    p.write_text(";; comment\n"
                 "SPEAKER call 1 1.500 2.000 <NA> <NA> rep <NA> <NA>\n"
                 "SPEAKER call 1 0.250 1.000 <NA> <NA> buyer <NA> <NA>\n"
                 "SPEAKER other 1 9.0 1.0 <NA> <NA> rep <NA> <NA>\n\n", encoding="utf-8")
    assert read_rttm(p) == [(0.25, 1.25, "buyer"), (1.5, 3.5, "rep"), (9.0, 10.0, "rep")]
    assert read_rttm(p, "call") == [(0.25, 1.25, "buyer"), (1.5, 3.5, "rep")]
    p.write_text("SPEAKER call 1 1.5\n", encoding="utf-8")
    with pytest.raises(ValueError):
        read_rttm(p)


def test_committed_fixtures_score_zero_against_themselves():
    folder = REPO / "tests" / "data" / "diarize"
    rttms = sorted(folder.glob("*.rttm")) + sorted(folder.glob("real/*.rttm"))
    assert len(rttms) >= 4
    for path in rttms:
        ref = read_rttm(path)
        relabelled = [(s, e, f"hyp-{k}") for s, e, k in ref]
        assert der(ref, relabelled)["der"] == 0, path.name
