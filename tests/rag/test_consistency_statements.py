"""Capability, pricing-term, hosting, compatibility and place claims against a fact book.

Quarry is an invented company (a serverless database); nothing here is real.
"""

from __future__ import annotations

import pytest

from ingest.messaging import Messaging
from rag.consistency.claims import TextUnit
from rag.consistency.facts import FactBook
from rag.consistency.names import lower_words, organisations, proper_nouns
from rag.consistency.places import PlaceChecker, placements
from rag.consistency.statements import StatementChecker, propositions

QUARRY = Messaging(
    company={"name": "Quarry", "aliases": ["Quarry Inc."]},
    products=[{"name": "Quarry DB", "aliases": ["QuarryDB"]}, {"name": "Quarry Studio"}],
    category="serverless database",
    facts=[
        {"id": "compat", "claim": "Quarry DB is MySQL compatible."},
        {"id": "vector", "claim": "Quarry has no vector support."},
        {"id": "gpu", "claim": "Quarry doesn't currently offer GPU instances."},
        {"id": "seats", "claim": "Quarry charges no per-seat fees."},
        {"id": "onprem", "claim": "Quarry does not offer an on-premises deployment option."},
        {"id": "compose", "claim": "Quarry does not run docker-compose.yml files directly."},
        {"id": "dpa", "claim": "Quarry provides a Data Processing Agreement (DPA)."},
        {"id": "regions", "claim": "Quarry hosts data in two regions: EU Central in Dublin "
                                   "and US East in Ohio."},
    ])


@pytest.fixture(scope="module")
def book():
    return FactBook(QUARRY)


def contradictions(book, text):
    """``(fact id, found)`` of each contradiction in a text read as one document."""
    names = book.names
    unit = TextUnit(text, proper=frozenset(proper_nouns([text], names)),
                    lower=lower_words([text]), others=organisations([text], names))
    checkers = [StatementChecker(book.extractor), PlaceChecker(book.extractor)]
    return [(c.fact_id, c.found) for r in book.extractor.readings(unit)
            for checker in checkers for c in checker.check(r)]


def test_propositions_of_the_fact_book(book):
    found = {p.fact_id: (p.negated, sorted(p.core), p.alias) for p in propositions(book.names)}
    assert found == {
        "vector": (True, ["vector"], ""),
        "gpu": (True, ["gpu"], ""),
        "seats": (True, ["cost", "seat"], ""),
        "onprem": (True, ["premis"], ""),
        "compose": (True, ["compos", "direct", "docker", "yml"], ""),
        "dpa": (False, ["agre", "data", "process"], "dpa"),
    }


def test_placements_of_the_fact_book(book):
    assert [(sorted(p.label), p.place) for p in placements(book.extractor)] == [
        (["central", "eu"], "Dublin"), (["east", "us"], "Ohio")]


@pytest.mark.parametrize("text, expected", [
    ("Yes. Quarry offers GPU instances for training.",
     [("gpu", "Quarry offers GPU instances for training.")]),
    ("Quarry now supports vector search for AI apps.",
     [("vector", "Quarry now supports vector search for AI apps.")]),
    ("Quarry Studio costs $25 per seat per month.",
     [("seats", "Quarry Studio costs $25 per seat per month.")]),
    ("Quarry charges per seat, so each new member adds to your bill.",
     [("seats", "Quarry charges per seat")]),
    ("On-premises deployment: run Quarry inside your own network.",
     [("onprem", "On-premises deployment")]),
    ("Quarry runs your docker-compose.yml files directly, as one unit.",
     [("compose", "Quarry runs your docker-compose.yml files directly")]),
    ("Quarry does not provide a data processing agreement.",
     [("dpa", "Quarry does not provide a data processing agreement.")]),
    ("We don't offer a DPA.", [("dpa", "We don't offer a DPA.")]),
    ("Quarry DB is compatible with PostgreSQL.", [("compat", "is compatible with PostgreSQL")]),
    ("Quarry is a PostgreSQL-compatible database.", [("compat", "is a PostgreSQL-compatible")]),
    ("Feature | Neon | Quarry\nGPU instances | No | Yes", [("gpu", "GPU instances: Yes")]),
    ("Region | Location\nEU Central | Frankfurt, Germany\nUS East | Ohio, USA",
     [("regions", "Frankfurt, Germany")]),
    ("Our EU Central region is hosted in Frankfurt.", [("regions", "Frankfurt")]),
])
def test_contradictions(book, text, expected):
    assert contradictions(book, text) == expected


@pytest.mark.parametrize("text", [
    "No. Quarry doesn't currently offer GPU instances.",
    "Quarry has no vector support yet.",
    "Does Quarry offer GPU instances?",
    "If you need GPU instances, Quarry is not the right fit.",
    "Unlike Pinecone, Quarry doesn't do vector search.",
    "Pinecone's vector search is fast. Pinecone offers vector search on every plan.",
    "Feature | Neon | Quarry\nGPU instances | Yes | No\nVector search | Yes | No",
    "Quarry Studio includes unlimited seats, so adding people costs nothing.",
    "Unlimited seats are included in every Quarry plan.",
    "Adding teammates never adds per-seat fees.",
    "Each service in your docker-compose.yml becomes a Quarry service.",
    "Quarry DB is fully compatible with MySQL.",
    "Region | Location\nEU Central | Dublin, Ireland\nUS East | Ohio, USA",
    "EU Central (Dublin) and US East (Ohio) are available.",
    "Neon's EU Central region is in Frankfurt.",
    "Quarry provides a DPA on request.",
])
def test_not_contradictions(book, text):
    assert contradictions(book, text) == []
