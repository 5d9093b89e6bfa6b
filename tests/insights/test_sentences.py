"""Sentence splitting keeps verbatim offsets."""

from __future__ import annotations

import pytest

from insights.sentences import split_sentences


@pytest.mark.parametrize(("text", "expected"), [
    ("Ouch. That's steep.", ["Ouch.", "That's steep."]),
    ("Is it $1.5k per month? We pay 99.9% less now!", ["Is it $1.5k per month?",
                                                       "We pay 99.9% less now!"]),
    ("Mr. Smith at Acme Inc. said no. We agree.", ["Mr. Smith at Acme Inc. said no.",
                                                    "We agree."]),
    ("We signed with Acme Inc. They were fine.", ["We signed with Acme Inc.",
                                                  "They were fine."]),
    ("Um... I guess so", ["Um...", "I guess so"]),
    ("   ", []),
])
def test_split_sentences(text, expected):
    assert [s.text for s in split_sentences(text)] == expected


def test_offsets_are_verbatim():
    text = "  Well.  The price,  frankly, is high!   Can you move on it?  "
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
