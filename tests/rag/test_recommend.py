"""Recommend: the passage that answers, a calibrated score and a readable why."""

from __future__ import annotations

import pytest

from ingest.errors import InputError
from rag import Filters, Recommender

pytestmark = pytest.mark.slow


def test_recommendation_carries_passage_source_location_and_why(lumio_ws):
    rec = Recommender(lumio_ws).run("Where is our data hosted?", top=2)
    assert rec.covered and rec.query == "Where is our data hosted?"
    first = rec.recommendations[0]
    assert (first.asset_id, first.title, first.type) == ("lumio-security", "Lumio security FAQ",
                                                        "faq")
    assert first.source == "https://lumio.example/security"
    assert "US data centres" in first.passage and first.chunk_id.startswith("lumio-security#")
    assert first.location == "Hosting"
    assert first.why.startswith("answers 'Where is our data hosted?' (p=")
    assert "matched terms: data, hosted" in first.why and first.why.endswith(
        "passage under Hosting")
    assert "US data centres" in first.highlight
    assert len(rec.recommendations) == 2


def test_not_covered_why_says_so(lumio_ws):
    rec = Recommender(lumio_ws).run("Is our data stored in the EU?")
    assert not rec.covered
    assert rec.recommendations[0].why.startswith("closest match, does not clearly answer")


def test_source_falls_back_to_the_file_without_url(lumio_ws):
    rec = Recommender(lumio_ws).run("Did a clinic reduce missed appointments with reminders?")
    assert rec.recommendations[0].asset_id == "lumio-birchwood"
    assert rec.recommendations[0].source.endswith("case-study.md")


def test_filters_and_keyword_filters(lumio_ws):
    recommender = Recommender(lumio_ws)
    public = recommender.run("Did a clinic reduce missed appointments?", top=5, public_only=True)
    assert "lumio-birchwood" not in {r.asset_id for r in public.recommendations}
    typed = recommender.run("encryption", filters=Filters(type="web_page"), top=5)
    assert {r.type for r in typed.recommendations} == {"web_page"}


def test_top_must_be_positive(lumio_ws):
    with pytest.raises(InputError, match="--top must be at least 1, got 0"):
        Recommender(lumio_ws).run("encryption", top=0)
