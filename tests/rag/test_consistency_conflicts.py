"""Numbers in sentences and table rows matched to the fact-book value they are about.

Brookline is an invented company (a hosting platform); nothing here is real. Rules only,
no embeddings.
"""

from __future__ import annotations

import pytest

from ingest.messaging import Messaging
from rag.consistency.claims import TextUnit
from rag.consistency.conflicts import ConflictFinder
from rag.consistency.facts import FactBook
from rag.consistency.records import Site

BROOKLINE = Messaging(
    company={"name": "Brookline"},
    products=[{"name": "Brookline Teams", "aliases": ["Teams plan"]}],
    facts=[
        {"id": "starter", "claim": "The Starter plan costs $9 per month."},
        {"id": "teams", "claim": "The Teams plan costs $49 per month and includes $49 of usage."},
        {"id": "memory", "claim": "Memory costs $8 per GB per month."},
        {"id": "trial", "claim": "New Trial accounts get $10 in credits that expire in 14 days."},
        {"id": "support", "claim": "Teams customers get help from the Help Desk, usually within "
                                   "48 hours."},
        {"id": "sso", "claim": "SAML SSO is included from the $500 per month Scale tier."},
    ])


@pytest.fixture(scope="module")
def book():
    return FactBook(BROOKLINE)


def conflicts(book, text, heading=""):
    """``(found, fact id)`` of each conflict in a text (one source)."""
    claims = book.extractor.extract(TextUnit(text, heading))
    return [(f.found, f.subject) for f in ConflictFinder(book).findings(
        [(Site("page"), c) for c in claims])]


@pytest.mark.parametrize("text, expected", [
    ("Plan | Price\nStarter | $9 / month\nTeams | $59 / month", [("$59 / month", "teams")]),
    ("Resource | Price\nMemory | $10 / GB / month", [("$10 / GB / month", "memory")]),
    ("The credits are applied to any usage and expire in 30 days.", [("30 days", "trial")]),
    ("Teams customers get help from the Help Desk, usually within 24 hours.",
     [("within 24 hours", "support")]),
    ("Brookline bills memory at $6 per GB per month.", [("$6 per GB per month", "memory")]),
])
def test_conflicts(book, text, expected):
    assert conflicts(book, text, heading="How the trial works" if "credits" in text else "") \
        == expected


@pytest.mark.parametrize("text", [
    # the same measure of another plan, named in the row
    "Plan | Price\nStarter | $9 / month\nTeams | $49 / month",
    # a plan that has no price in the fact book: not the Starter plan's
    "Plan | Price\nFree | $0 / month\nHobbyist | $4 / month",
    # worked examples
    "If your usage is $12, your bill is $49 (the $49 subscription covers it).",
    "For example, 2 GB for a month costs $16.",
    # a number that belongs to another named thing
    "Slack channels come with a minimum committed spend of $2,000 per month.",
    # other measures of the same plan
    "Plan | Log retention\nTeams | 120 hours",
    # a free plan's credit is not the trial's grant
    "The Free plan provides $1 of credit per month.",
])
def test_not_conflicts(book, text):
    assert conflicts(book, text) == []


def test_a_second_table_for_another_kind_of_machine_is_scoped(book):
    text = ("Resource | Price\nMemory | $8 / GB / month")
    scoped = "Resource | Price\nMemory | $40 / GB / month"
    claims = [(Site("pricing"), c) for unit in (TextUnit(text, "Usage pricing"),
                                                 TextUnit(scoped, "VM pricing (Beta)"))
              for c in book.extractor.extract(unit)]
    assert ConflictFinder(book).findings(claims) == []
    alone = [(Site("other"), c) for c in book.extractor.extract(TextUnit(scoped, "VM pricing"))]
    assert [f.found for f in ConflictFinder(book).findings(alone)] == ["$40 / GB / month"]


def test_sibling_slots_need_the_thing_named(book):
    slots = {(s.fact_id, s.quantity.unit): s.siblings for s in book.slots
             if s.quantity is not None}
    assert slots[("starter", "USD/month")] and slots[("teams", "USD/month")]
    assert not slots[("teams", "USD")] and not slots[("memory", "USD/gb/month")]
    # a monthly price that names neither plan is about neither
    assert conflicts(book, "You always pay the $19 per month subscription.") == []
