"""Category statements and positioning drift (Quarry is an invented company)."""

from __future__ import annotations

import pytest

from ingest.messaging import Messaging
from rag.consistency.drift import DriftScorer

QUARRY = Messaging(company={"name": "Quarry"}, products=[{"name": "Quarry Studio"}],
                   category="serverless database",
                   talk_tracks=[{"id": "zero_ops", "name": "Zero ops",
                                 "statement": "Quarry scales to zero when nobody queries it."}])


def unused_embed(texts):
    raise AssertionError("finding self-descriptions needs no embeddings")


@pytest.mark.parametrize("sentence, kind, phrase", [
    ("Quarry is a low-code app builder for business teams.", "category",
     "low-code app builder for business teams"),
    ("Quarry is a serverless database for developers.", "category",
     "serverless database for developers"),
    ("Quarry is a workforce analytics company that helps HR leaders.", "category",
     "workforce analytics company"),
    ("Quarry Studio is a visual query editor.", "product", "visual query editor"),
    ("Quarry Technologies is a spend management suite.", "category",
     "spend management suite"),
])
def test_category_statements(sentence, kind, phrase):
    [d] = DriftScorer(QUARRY, unused_embed).descriptions(sentence)
    assert (d.kind, d.phrase) == (kind, phrase)


@pytest.mark.parametrize("sentence", [
    "Quarry is a company staffed with people who care about databases.",
    "Quarry is a good fit for their company.",
    "Quarry is a better fit: queries run close to your users.",
])
def test_not_category_statements(sentence):
    assert DriftScorer(QUARRY, unused_embed).descriptions(sentence) == []


@pytest.mark.slow
def test_a_category_off_the_fact_book_drifts(embedder):
    scorer = DriftScorer(QUARRY, embedder.embed)
    found = scorer.descriptions("Quarry is a low-code app builder for business teams. "
                                "Quarry is a serverless SQL database for developers.")
    drifting = [a.description.phrase for a in scorer.align(found) if scorer.drifting(a)]
    assert drifting == ["low-code app builder for business teams"]
