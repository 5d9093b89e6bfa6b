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


def test_why_names_the_theme_from_stored_vectors_without_embedding_themes(workspace, ingest):
    """Theme vectors are computed by the analysis; a question embeds only itself."""
    from ingest.records import Call, CallMeta, Turn
    from insights.analysis import Analyzer

    ingest(workspace)
    for i, text in enumerate(["Honestly, the price is way too high for a team our size.",
                              "The price is too high for us, it's way over budget.",
                              "That price is way too high, we can't afford it."]):
        turns = [Turn(0, "Rep", "rep", "Pricing starts at fifteen hundred a month.", 0.0, 5.0),
                 Turn(1, "Buyer", "buyer", text, 6.0, 12.0)]
        workspace.save_call(Call(CallMeta(f"p{i}", outcome="lost"), f"p{i}.txt", f"h{i}",
                                 "transcript", turns))
    Analyzer(workspace).run()
    labels = {r[0] for r in workspace.db.execute("SELECT label FROM themes")}
    recommender = Recommender(workspace)
    embedded: list[list[str]] = []
    embed = recommender.retriever.embed
    recommender.retriever.embed = lambda texts: embedded.append(list(texts)) or embed(texts)
    question = "Your price is way too high for our budget."
    rec = recommender.run(question, top=1)
    assert not any(label in texts for texts in embedded for label in labels)
    assert [question] in embedded
    assert rec.recommendations[0].why.split("'")[1] in labels
