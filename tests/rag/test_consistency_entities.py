"""Undeclared spellings of our names, and never other companies' names."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.messaging import Messaging, load_messaging
from rag.consistency.entities import VariantFinder, edit_distance, normalise
from rag.consistency.names import Names

DEMO = Path(__file__).resolve().parents[2] / "rag" / "consistency" / "data" / "eval" / \
    "vantora" / "messaging.yaml"


@pytest.fixture(scope="module")
def finder():
    return VariantFinder(Names(load_messaging(DEMO)))


def found(finder, text):
    return [(v.found, v.declared, v.reason) for v in finder.find(text)]


def test_normalise_and_edit_distance():
    assert normalise("Vantora-Ledger") == "vantoraledger"
    assert edit_distance("vantora", "ventora") == 1
    assert edit_distance("vantora", "paystream", limit=3) == 4


@pytest.mark.parametrize("text, expected", [
    ("Launched for VantoraLedger customers.", [("VantoraLedger", "Vantora Ledger", "spelling")]),
    ("Syncs via Vantora-Connect.", [("Vantora-Connect", "Vantora Connect", "spelling")]),
    ("Vantora Technologies announced it.", [("Vantora Technologies", "Vantora", "suffix")]),
    ("Vantora Inc announced it.", [("Vantora Inc", "Vantora Inc.", "punctuation")]),
    ("Vantora Corp. announced it.", [("Vantora Corp.", "Vantora", "suffix")]),
    ("A note from Ventora sales.", [("Ventora", "Vantora", "misspelling")]),
    ("Try Vantora Leger today.", [("Vantora Leger", "Vantora Ledger", "misspelling")]),
    ("VanTora is here.", [("VanTora", "Vantora", "case")]),
    ("Vant ora is spaced.", [("Vant ora", "Vantora", "spelling")]),
    ("Try Vantora Lesger today.", [("Vantora Lesger", "Vantora Ledger", "misspelling")]),
    ("Syncs via Vantora Conncet.", [("Vantora Conncet", "Vantora Connect", "misspelling")]),
])
def test_variants(finder, text, expected):
    assert found(finder, text) == expected


@pytest.mark.parametrize("text", [
    "Vantora Inc. and Vantora Systems announced it.",
    "Vantora Ledger and Vantora Connect sync with NetSuite.",
    "Paystream, InvoiceHub, NetSuite, SAP and Sage Intacct are not us.",
    "Vantage Pay and Vantorix are competitors.",
    "Write to press@vantora.example or visit https://vantora.example/ledger.",
    "VANTORA LEDGER in a shouting headline; vantora in speech.",
    "Vantora's Ledger team ships weekly.",
    "Vantora AP automation for mid-market teams.",
    "The Vantora QuickBooks integration syncs nightly.",
    "Why Vantora Beats Paystream On Price",
    "Vantora Ledger Sync handles bank feeds.",
    "Thanks for reading. Learn more about Vantora.",
    "Vantora Pay launches today.",  # the company name and a common word: a feature's name
    "Read the Vantora ledger guide.",  # a declared name in lower case: used as a noun
])
def test_not_variants(finder, text):
    assert found(finder, text) == []


def test_short_company_names_are_not_fuzzy_matched():
    finder = VariantFinder(Names(Messaging(company={"name": "Acme"})))
    assert found(finder, "Acne and Acre are words.") == []


@pytest.fixture(scope="module")
def quarry():
    """An invented company whose names are not the demo's."""
    return VariantFinder(Names(Messaging(
        company={"name": "Quarry", "aliases": ["Quarry Inc."]},
        products=[{"name": "Quarry DB"}, {"name": "Quarry Studio"}, {"name": "Railcart"},
                  {"name": "Quarry Bots"}])))


@pytest.mark.parametrize("text, expected", [
    ("Start with QuarryDB today.", [("QuarryDB", "Quarry DB", "spelling")]),  # joined
    ("Start with Quarry-DB today.", [("Quarry-DB", "Quarry DB", "spelling")]),  # hyphenated
    ("Rail cart ships parcels.", [("Rail cart", "Railcart", "spelling")]),  # spaced
    ("Try RailCart now.", [("RailCart", "Railcart", "case")]),
    ("A note from Qaurry sales.", [("Qaurry", "Quarry", "misspelling")]),  # swapped letters
    ("Open Quarry Stuido.", [("Quarry Stuido", "Quarry Studio", "misspelling")]),
    ("Quarry Bot answers chats.", [("Quarry Bot", "Quarry Bots", "misspelling")]),
    ("Quarry Technologies, Inc. said so.", [("Quarry Technologies", "Quarry", "suffix")]),
])
def test_variants_of_another_company(quarry, text, expected):
    assert found(quarry, text) == expected


@pytest.mark.parametrize("text", [
    "Quarry Volumes, Quarry Webhooks and Quarry Templates are features.",
    "Use the Quarry API or the Quarry CLI.",  # short words must match exactly: API is not DB
    "The Quarry studio team ships weekly.",
    "QUARRY DB in a headline; quarry db in speech.",
    "Quarry Inc. and Quarry announced it.",
    "Each answer comes from a Quarry Bot.",  # one bot of the kind, not the product's name
])
def test_feature_names_of_another_company_are_not_variants(quarry, text):
    assert found(quarry, text) == []


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("qaurry", "quarry") == 1
    assert edit_distance("agnet", "agent") == 1
