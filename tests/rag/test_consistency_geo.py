"""JSON-LD, GEO methods, missing answers, scores and the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.messaging import load_messaging
from insights.records import Theme, ThemeExample
from rag.consistency.conflicts import ConflictFinder
from rag.consistency.entities import VariantFinder
from rag.consistency.facts import FactBook
from rag.consistency.geo import geo_methods, json_ld_statements, missing_answers, read_json_ld
from rag.consistency.readiness import GeoChecker, answer_findings
from rag.consistency.records import ConsistencyReport, Finding, SourceScore
from rag.consistency.report import report_markdown, report_text
from rag.consistency.scoring import overall_score, source_score
from rag.consistency.sources import SourceText

DATA = Path(__file__).parent / "data" / "consistency"


def ld(*blocks: str) -> str:
    return "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)


def test_json_ld_present_with_graph():
    page = ld('{"@context": "https://schema.org", "@graph": [{"@type": "Organization", '
              '"name": "Acme"}, {"@type": ["Product", "SoftwareApplication"], "name": "Flow"}]}')
    result = read_json_ld(page)
    assert result.types == {"Organization", "Product", "SoftwareApplication"}
    assert result.errors == [] and result.blocks == 1


def test_json_ld_missing():
    result = read_json_ld("<html><body><p>No markup.</p></body></html>")
    assert (result.nodes, result.errors, result.blocks) == ([], [], 0)


def test_json_ld_malformed_is_reported_with_its_position():
    result = read_json_ld(ld('{"@type": "FAQPage",}'))
    assert result.nodes == []
    assert result.errors == ["JSON-LD block 1 does not parse: Expecting property name enclosed "
                             "in double quotes at line 1, column 21"]


def test_json_ld_statements_become_sentences():
    node = {"@type": "Organization", "name": "Acme", "foundingDate": "2016-05-01",
            "address": {"@type": "PostalAddress", "addressLocality": "Denver"},
            "description": "Acme is a revenue platform.",
            "offers": {"@type": "Offer", "price": "25", "priceCurrency": "USD",
                       "priceSpecification": {"unitText": "MONTH"}}}
    assert json_ld_statements(node, "Acme") == [
        ("Organization.description", "Acme is a revenue platform."),
        ("Organization.foundingDate", "Acme was founded in 2016."),
        ("Organization.address", "Acme is headquartered in Denver."),
        ("Organization.offers", "Pricing starts at USD 25 per month."),
    ]


def test_geo_method_counts():
    text = ('"Vantora cut our close by four days," said Dana Lee. According to APQC, 62% of '
            'teams still key invoices by hand.\n\nSources\n- APQC benchmark, 2024\n- Our survey')
    m = geo_methods(text)
    assert (m.quotations, m.statistics, m.citations, m.missing) == (1, 2, 3, [])
    html = ('<main><blockquote>Great.</blockquote><a href="https://other.example/study">study</a>'
            '<a href="https://acme.example/pricing">pricing</a></main>'
            '<nav><a href="https://twitter.com/acme">x</a></nav>')
    m = geo_methods("Plain words.", html, "https://acme.example/")
    assert (m.quotations, m.statistics, m.citations) == (1, 0, 1)
    assert geo_methods("Plain words only.").missing == ["quotations", "statistics", "citations"]


@pytest.fixture()
def book():
    return FactBook(load_messaging(DATA / "messaging.yaml"))


def page(tmp_path, name, html, type_="web_page", url="https://acme.example/"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return SourceText(source=path.stem, title=name, kind="asset", public=True, type=type_,
                      url=url, file=path, name=name)


def geo(book, sources):
    checker = GeoChecker(book.extractor, ConflictFinder(book), VariantFinder(book.names))
    findings, counts = checker.run(sources)
    return {(f.subject, f.severity, f.found) for f in findings}, counts


def test_geo_checker_flags_inconsistent_json_ld(tmp_path, book):
    home = page(tmp_path, "home.html", (DATA / "home.html").read_text())
    found, counts = geo(book, [home])
    assert ("json-ld Organization.name", "high", "Acme Corporation") in found
    assert ("json-ld price", "high", "starts at USD 25") in found
    assert counts["home"]["quotations"] == 1 and counts["home"]["citations"] == 1


def test_geo_checker_flags_missing_and_invalid(tmp_path, book):
    bare = page(tmp_path, "pricing.html", "<html><body><p>Plans from $30.</p></body></html>",
                url="https://acme.example/pricing")
    broken = page(tmp_path, "faq.html", ld('{"@type": "FAQPage",}'), type_="faq",
                  url="https://acme.example/faq")
    found, _ = geo(book, [bare, broken])
    subjects = {(s, sev) for s, sev, _ in found}
    assert ("json-ld missing", "medium") in subjects
    assert ("json-ld invalid", "medium") in subjects
    assert ("json-ld Organization", "medium") in subjects  # none on the site
    assert ("json-ld Product", "low") in subjects
    assert ("geo methods", "medium") in subjects  # the FAQ page has no text at all


def test_missing_answers_by_mean_cosine():
    themes = [Theme("t1", "EU hosting", "security", 4, 3, 0, 2, 1,
                    examples=[ThemeExample("c1", 3, "Our data must stay in the EU")]),
              Theme("t2", "Price", "price", 2, 2, 1, 0, 1,
                    examples=[ThemeExample("c2", 5, "Too expensive")])]
    passages = [("pricing", "Plans from $30", "pricing.md"), ("security", "US hosting", "sec.md")]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    examples = [np.array([[0.0, 1.0]]) * 0.3, np.array([[1.0, 0.0]])]
    coverage = missing_answers(themes, passages, vectors, examples)
    assert [(c.asset_id, round(c.score, 2)) for c in coverage] == [("security", 0.3),
                                                                   ("pricing", 1.0)]
    [f] = answer_findings(themes, coverage, threshold=0.35)
    assert (f.kind, f.severity, f.subject, f.source, f.quote) == (
        "missing_answer", "medium", "EU hosting", "call:c1", "Our data must stay in the EU")


def test_scores_formula():
    high = Finding("conflict", "high", "uptime", "99.9%", "99.5%", "web")
    medium = Finding("conflict", "medium", "uptime", "99.9%", "99.5%", "deck")
    missing = Finding("missing_answer", "medium", "EU", "a page", "none", "call:c1")
    assert source_score([high]) == 75.0
    assert source_score([medium, medium]) == 80.0
    assert source_score([high] * 5) == 0.0
    assert source_score([missing]) == 100.0
    sources = [SourceScore("web", 75.0, public=True), SourceScore("deck", 80.0),
               SourceScore("call:c1", 100.0, kind="call")]
    assert overall_score(sources, [high, medium, medium]) == 82.5
    assert overall_score(sources, [high, medium, medium, missing]) == 72.5
    assert overall_score(sources, [missing] * 5) == 62.5  # readiness penalty capped at 20
    assert overall_score([], []) == 100.0


def test_report_text_and_markdown():
    report = ConsistencyReport(score=72.5, findings=[
        Finding("geo", "low", "geo methods", "x", "no citations", "web"),
        Finding("conflict", "medium", "uptime", "99.9%", "99.5%", "deck", "deck.pdf, page 5",
                "Backed by a 99.5% uptime SLA | always"),
        Finding("conflict", "high", "customers", "1,200", "800", "web")],
        sources=[SourceScore("web", 72.0, public=True, findings=2),
                 SourceScore("deck", 90.0, findings=1)])
    text = report_text(report)
    assert text.splitlines()[0] == ("Consistency score: 72.5/100 (2 sources, 3 findings: 1 high, "
                                    "1 medium, 1 low)")
    assert text.index("[high  ] customers") < text.index("[medium] uptime") < \
        text.index("GEO READINESS")
    md = report_markdown(report)
    assert md.startswith("# Messaging consistency and GEO readiness\n")
    assert "| Conflicts with the fact book | 1 | 1 | 0 |" in md
    assert "99.5% uptime SLA \\| always" in md
    assert "## How the score is computed" in md


def test_an_faq_page_without_answers_is_reported(tmp_path, book):
    faq = page(tmp_path, "faq.html", ld('{"@type": "FAQPage", "mainEntity": '
                                        '{"@type": "Question", "name": "Price?"}}'),
               type_="faq", url="https://acme.example/faq")
    found, _ = geo(book, [faq])
    assert ("json-ld FAQPage", "low", "no answered question") in found
