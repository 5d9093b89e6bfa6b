"""Claims, whose they are, and conflicts with the fact book (rules only, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.messaging import load_messaging
from rag.consistency.claims import TextUnit, certifications, subjects_of
from rag.consistency.conflicts import ConflictFinder, conflict_severity
from rag.consistency.facts import FactBook
from rag.consistency.records import Site

DATA = Path(__file__).parent / "data" / "consistency"
DEMO = Path(__file__).resolve().parents[2] / "rag" / "consistency" / "data" / "eval" / \
    "vantora" / "messaging.yaml"


@pytest.fixture(scope="module")
def book():
    return FactBook(load_messaging(DEMO))


def claims(book, text, **unit):
    return book.extractor.extract(TextUnit(text, **unit))


def verdicts(book, text, **unit):
    """``(found, fact id or None, verdict)`` of each claim in a text."""
    finder = ConflictFinder(book)
    out = []
    for c in claims(book, text, **unit):
        m = finder.match(c)
        out.append((c.found, m.slot.fact_id if m and m.slot else None,
                    m.verdict if m else None))
    return out


def test_subjects_from_the_lexicon():
    assert subjects_of("our uptime SLA") == {"uptime"}
    assert "cost_reduction" in subjects_of("Customers cut invoice processing cost by 70%")
    assert "cost_reduction" not in subjects_of("Customers save time")


def test_certifications_are_normalised():
    assert [c.label for c in certifications("SOC2 Type 2, ISO/IEC 27001 and PCI DSS Level 1")] \
        == ["SOC 2 Type II", "ISO 27001", "PCI DSS Level 1"]
    assert [c.label for c in certifications("We are SOC 2 Type I audited and HIPAA compliant.")] \
        == ["SOC 2 Type I", "HIPAA"]


def test_claims_about_competitors_are_not_ours(book):
    found = {c.found: c.about_other for c in claims(
        book, "Vantora is live in 30 days, unlike Paystream's 45-day rollout.")}
    assert found == {"30 days": False, "45-day": True}


def test_they_resolves_to_the_company_named_before(book):
    found = [c.about_other for c in claims(
        book, "InvoiceHub claims 99.5% uptime. They also say implementation takes 60 days.")]
    assert found == [True, True]
    found = [c.about_other for c in claims(book, "Our customers tell us they go live in 6 weeks.")]
    assert found == [False]


def test_context_of_a_call_resolves_they(book):
    found = [c.about_other for c in claims(
        book, "They told you eight weeks, right?",
        context="Paystream quoted us eight weeks to get going.")]
    assert found == [True]


def test_a_battle_card_section_about_a_competitor_is_not_ours(book):
    # "Paystream" is known as a name from the rest of the document
    found = [c.about_other for c in claims(book, "Implementation takes 45 days.",
                                           heading="Paystream", proper=frozenset({"Paystream"}))]
    assert found == [True]


def test_customer_quotes_are_theirs_and_our_ceo_quotes_are_ours(book):
    assert claims(book, '"We closed March in six days," says Omar, controller at Brightline.') \
        == []
    ours = claims(book, '"We now serve 2,000 finance teams," said Ines Moreau, CEO of Vantora.')
    assert [c.found for c in ours] == ["2,000 finance teams"]


def test_a_contrasted_alternative_is_not_a_claim(book):
    assert verdicts(book, "Vantora is live in 30 days, not two months.") == [
        ("30 days", "implementation", True), ("two months", None, None)]


def test_sample_sizes_are_not_totals(book):
    found = claims(book, "Vantora customer benchmark, 2025 (310 customers).")
    assert [c.quantity.kind for c in found] == ["year"]


CONFLICTS = [
    ("Our 2023 platform delivers 99.5% uptime.", "uptime", "99.5%"),
    ("Over 2,000 customers run on Vantora Ledger.", "customers", "Over 2,000 customers"),
    ("We guarantee 99.99% uptime.", "uptime", "99.99%"),
    ("Implementation takes 6 weeks.", "implementation", "6 weeks"),
    ("Pricing starts at $1,200 per month.", "price", "starts at $1,200 per month"),
    ("Customers cut processing costs by 80%.", "processing_cost", "80%"),
    ("Our capture engine is 95% accurate.", "capture_accuracy", "95%"),
    ("Vantora was founded in 2016.", "founded", "2016"),
    ("Vantora is headquartered in Boulder, Colorado.", "founded", "Boulder, Colorado"),
    ("We are SOC 2 Type I certified.", "soc2", "SOC 2 Type I"),
    ("We offer 35 prebuilt integrations.", "integrations", "35 prebuilt integrations"),
]


@pytest.mark.parametrize("text, fact_id, found", CONFLICTS)
def test_conflicts(book, text, fact_id, found):
    assert (found, fact_id, False) in verdicts(book, text)


CONTROLS = [
    "Paystream's 45-day implementation is slow.",
    "InvoiceHub advertises 99.5% uptime.",
    "99.9% of customers renew every year.",
    "NetSuite has 40,000 customers.",
    "Acme Corp cut invoice processing costs by 50% with Vantora.",
    "The average AP team takes ten days to close the month.",
    "Book a 30-minute live demo.",
    "The Enterprise plan is $2,500 per month.",
    "It costs $15 per invoice to process by hand.",
    "Call (303) 555-0100 between 9 and 5.",
    "In 2023 we opened an office in Austin.",
    "Implementation takes 30-45 days.",
    "Are you HIPAA compliant? We are working towards HIPAA.",
    "Our support team answers 95% of tickets in 2 hours.",
    "The busiest customer ran 1,400 payments in a single day.",
    "Customers based in Texas pay in dollars.",
    "Capture 1-2% early-payment discounts.",
]


@pytest.mark.parametrize("text", CONTROLS)
def test_controls_are_not_conflicts(book, text):
    assert all(v is not False for _, _, v in verdicts(book, text)), verdicts(book, text)


def test_an_unlisted_certification_is_a_conflict(book):
    finder = ConflictFinder(book)
    claim = claims(book, "Yes, we're HIPAA compliant as well.")[0]
    m = finder.match(claim)
    assert (m.verdict, m.unlisted, m.listed) == (False, True, ("SOC 2 Type II", "ISO 27001"))


def test_a_fact_wins_over_a_talk_track_with_the_same_value(book):
    assert verdicts(book, "A typical customer is live in 45 days.") == [
        ("45 days", "implementation", False)]


def test_severity_by_source():
    c = claims(FactBook(load_messaging(DEMO)), "We guarantee 99.5% uptime.")[0]
    assert conflict_severity(Site("web", public=True), c) == "high"
    assert conflict_severity(Site("call:1", call=True), c) == "high"
    assert conflict_severity(Site("deck"), c) == "medium"
    assert conflict_severity(Site("deck"), c, talk_track=True) == "low"
    hedged = claims(FactBook(load_messaging(DEMO)), "I think it's about 99.5% uptime.")[0]
    assert conflict_severity(Site("call:1", call=True), hedged) == "medium"


def test_findings_carry_quote_and_location(book):
    finder = ConflictFinder(book)
    site = Site("sales-deck", "deck.pdf, page 5")
    sited = [(site, c) for c in claims(book, "Vantora Ledger is backed by a 99.5% uptime SLA.")]
    [f] = finder.findings(sited)
    assert (f.kind, f.severity, f.subject, f.found, f.source, f.location) == (
        "conflict", "medium", "uptime", "99.5%", "sales-deck", "deck.pdf, page 5")
    assert f.expected == "Vantora Ledger has a 99.9% uptime SLA."
    assert f.quote == "Vantora Ledger is backed by a 99.5% uptime SLA."


def test_fact_book_slots():
    book = FactBook(load_messaging(DATA / "messaging.yaml"))
    kinds = {s.fact_id: (s.quantity.kind if s.quantity else None) for s in book.slots}
    assert kinds == {"uptime": "percent", "customers": "count", "onboarding": "duration",
                     "price": "money", "soc2": None, "ramp": "duration"}


def test_a_number_about_another_of_our_products_is_not_a_conflict(book):
    # the uptime fact names Vantora Ledger
    assert verdicts(book, "Vantora Connect runs at 99.5% uptime.") == [("99.5%", None, None)]
    assert verdicts(book, "Ledger runs at 99.5% uptime.") == [("99.5%", "uptime", False)]
