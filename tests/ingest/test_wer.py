"""Word error rate: exact counts of substitutions, deletions and insertions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.wer import normalise_words, word_error_rate


@pytest.mark.parametrize("reference, hypothesis, expected", [
    ("the price is too high", "the price is too high", 0.0),
    ("the price is too high", "the prize is too high", 1 / 5),  # one substitution
    ("the price is too high", "the price is high", 1 / 5),  # one deletion
    ("the price is too high", "the price is far too high", 1 / 5),  # one insertion
    ("the price is too high", "The prize is high!", 2 / 5),
    ("a b", "a b c d", 1.0),
    ("a", "x y z", 3.0),  # insertions can push it past 1
    ("one two three", "", 1.0),
])
def test_counts_edits_over_reference_words(reference, hypothesis, expected):
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_case_punctuation_and_apostrophes_do_not_count():
    assert word_error_rate("Don't worry, it's FINE.", "dont worry its fine") == pytest.approx(0.5)
    assert word_error_rate("Don't worry, it's fine.", "don’t worry — it's fine") == 0.0
    assert word_error_rate("Café résumé", "café RÉSUMÉ") == 0.0


def test_numbers_are_compared_as_written():
    assert word_error_rate("six months", "6 months") == pytest.approx(0.5)


def test_empty_reference():
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("  ...  ", "") == 0.0
    assert word_error_rate("", "anything") == 1.0


def test_normalise_words():
    expected = ["don't", "panic", "it's", "9", "to", "5"]
    assert normalise_words("Don’t PANIC, it's 9-to-5!") == expected


words = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=8).map(" ".join)


@given(words, words)
def test_bounded_by_the_length_difference_and_the_longer_text(reference, hypothesis):
    ref, hyp = reference.split(), hypothesis.split()
    errors = word_error_rate(reference, hypothesis) * max(len(ref), 1)
    assert round(errors) >= abs(len(ref) - len(hyp)) or not ref
    assert round(errors) <= max(len(ref), len(hyp))
    assert word_error_rate(reference, reference) == 0.0
