"""GEO findings for public pages: JSON-LD, GEO methods and objections no public page answers.

Severities: a JSON-LD name that is not declared, or a JSON-LD fact that contradicts the fact
book, is high (it is what generative engines read first); a block that does not parse, a
public web page or FAQ without JSON-LD, or a site without an ``Organization`` is medium; other
pages without JSON-LD and a missing expected type (``FAQPage`` on an FAQ, ``Product`` on the
site) are low; a page with none of the GEO methods (quotations, statistics, cited sources) is
medium, and one with some of them is no finding (the counts stand in its source score). A missing
answer is medium when the theme came up in a lost deal or three or more times, else low.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rag.consistency.claims import ClaimExtractor, TextUnit
from rag.consistency.conflicts import ConflictFinder
from rag.consistency.entities import VariantFinder, normalise
from rag.consistency.geo import (
    ARTICLE_TYPES,
    ORGANIZATION_TYPES,
    PRODUCT_TYPES,
    Coverage,
    geo_methods,
    json_ld_statements,
    missing_answers,
    node_types,
    read_json_ld,
)
from rag.consistency.records import Finding
from rag.consistency.sources import SourceText

log = logging.getLogger(__name__)

GEO_METHODS = ("quotations", "statistics", "citations")
"""The GEO methods counted per public page (:func:`~rag.consistency.geo.geo_methods`)."""
MISSING_ANSWER_THRESHOLD = 0.35
"""Mean cosine (bundled MiniLM) between a theme's examples and the best public passage below
which no public page answers the theme. Calibrated on the demo workspace: themes its public
pages answer (CFO sign-off, NetSuite, pricing) score 0.39-0.52, the planted gaps (EU hosting,
SAP, three-year contract terms) 0.25-0.31. Short spoken objections sit far from long passages,
so the scale is low; set another value for another embedding model."""

Embed = Callable[[Sequence[str]], np.ndarray]


class GeoChecker:
    """GEO readiness checks of public pages against the fact book.

    Args:
        extractor: Reads claims out of JSON-LD statements.
        finder: Compares them with the fact book.
        variants: Tells declared names from variants.
    """

    def __init__(self, extractor: ClaimExtractor, finder: ConflictFinder,
                 variants: VariantFinder) -> None:
        self.extractor = extractor
        self.finder = finder
        self.variants = variants
        self.declared = {normalise(n) for n in extractor.names.declared}

    def run(self, sources: list[SourceText]) -> tuple[list[Finding], dict[str, dict[str, int]]]:
        """Findings for the public pages among ``sources``, and per-page GEO counts."""
        findings: list[Finding] = []
        counts: dict[str, dict[str, int]] = {}
        public = [s for s in sources if s.kind == "asset" and s.public]
        site_types: set[str] = set()
        for src in public:
            html = src.raw_html()
            methods = geo_methods(src.text, html, src.url)
            counts[src.source] = {"quotations": methods.quotations,
                                  "statistics": methods.statistics,
                                  "citations": methods.citations}
            missing = methods.missing
            if len(missing) == len(GEO_METHODS):
                # a page with some of them is not a finding (its counts are in its source
                # score): a docs page without a quotation should not drown in advice
                findings.append(self._finding(
                    src, "medium", "geo methods",
                    "quotations, statistics and cited sources (GEO, Aggarwal et al. 2024)",
                    "none", src.name,
                    "add " + ", ".join(missing) + " so generative engines can cite the page"))
            if html is not None:
                ld_findings, types = self._json_ld(src, html)
                findings += ld_findings
                site_types |= types
                counts[src.source]["json_ld_types"] = len(types)
        html_pages = [s for s in public if s.is_html]
        if html_pages:
            home = next((s for s in html_pages if s.type == "web_page" and any(
                k in (s.source + (s.url or "")).lower() for k in ("home", "index"))),
                next((s for s in html_pages if s.type == "web_page"), html_pages[0]))
            if not site_types & ORGANIZATION_TYPES:
                findings.append(self._finding(
                    home, "medium", "json-ld Organization", "an Organization node on the site",
                    "none on any public page", home.name,
                    "add Organization JSON-LD (name, logo, url, sameAs) to the home page"))
            if not site_types & PRODUCT_TYPES:
                findings.append(self._finding(
                    home, "low", "json-ld Product", "a Product or SoftwareApplication node",
                    "none on any public page", home.name,
                    "add Product or SoftwareApplication JSON-LD to the product pages"))
        return findings, counts

    def _json_ld(self, src: SourceText, html: str) -> tuple[list[Finding], set[str]]:
        ld = read_json_ld(html)
        out: list[Finding] = []
        for error in ld.errors:
            out.append(self._finding(src, "medium", "json-ld invalid", "JSON-LD that parses",
                                     error, src.name, "fix the JSON syntax of the block"))
        if not ld.nodes:
            if not ld.errors:
                severity = "medium" if src.type in ("web_page", "faq") else "low"
                out.append(self._finding(src, severity, "json-ld missing",
                                         "schema.org JSON-LD", "none", src.name,
                                         "add JSON-LD describing the page"))
            return out, set()
        types = ld.types
        expected = {"faq": ("FAQPage", frozenset({"FAQPage"})),
                    "blog": ("Article or BlogPosting", ARTICLE_TYPES),
                    "press_release": ("NewsArticle or Article", ARTICLE_TYPES)}.get(src.type)
        if expected and not types & expected[1]:
            out.append(self._finding(src, "low", f"json-ld {expected[0]}",
                                     f"a {expected[0]} node for a {src.type}",
                                     ", ".join(sorted(types)) or "none", src.name,
                                     f"add {expected[0]} JSON-LD"))
        for node in ld.nodes:
            out += self._node(src, node)
        return out, types

    def _node(self, src: SourceText, node: dict[str, Any]) -> list[Finding]:
        out: list[Finding] = []
        kinds = node_types(node)
        kind = sorted(kinds)[0] if kinds else "Thing"
        if kinds & (ORGANIZATION_TYPES | PRODUCT_TYPES):
            for key in ("name", "legalName", "alternateName"):
                values = node.get(key)
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, str) and value.strip() and \
                            not self._declared(value, product=bool(kinds & PRODUCT_TYPES)):
                        out.append(self._finding(
                            src, "high", f"json-ld {kind}.{key}", "a declared name: "
                            + ", ".join(self.extractor.names.declared), value,
                            f"{src.name}, JSON-LD {kind}.{key}",
                            "use a name declared in messaging.yaml (or declare this one)"))
        if "FAQPage" in kinds:
            questions = node.get("mainEntity") or []
            if isinstance(questions, dict):
                questions = [questions]
            answered = [q for q in questions if isinstance(q, dict) and q.get("acceptedAnswer")] \
                if isinstance(questions, list) else []
            if not answered:
                out.append(self._finding(src, "low", "json-ld FAQPage",
                                         "Questions with acceptedAnswer", "no answered question",
                                         f"{src.name}, JSON-LD FAQPage",
                                         "list each question with its acceptedAnswer"))
        company = self.extractor.names.company
        for where, sentence in json_ld_statements(node, company):
            for claim in self.extractor.extract(TextUnit(sentence)):
                m = self.finder.match(claim)
                if m is None or m.verdict is not False:
                    continue
                subject = m.slot.fact_id if m.slot else "certification"
                expected = m.slot.text if m.slot else "a certification in the fact book"
                out.append(self._finding(src, "high", f"json-ld {subject}", expected,
                                         claim.found, f"{src.name}, JSON-LD {where}",
                                         "make the markup agree with the fact book", sentence))
        return out

    def _declared(self, value: str, product: bool) -> bool:
        norm = normalise(value)
        if norm in self.declared:
            return True
        # a product node may carry a plain product line ("Vantora Ledger Pro") of ours
        return product and not self.variants.find(value) and \
            any(norm.startswith(d) for d in self.declared)

    @staticmethod
    def _finding(src: SourceText, severity: str, subject: str, expected: str, found: str,
                 location: str, detail: str, quote: str = "") -> Finding:
        return Finding(kind="geo", severity=severity, subject=subject, expected=expected,
                       found=found, source=src.source, location=location, quote=quote,
                       detail=detail)


def public_passages(ws: Any, sources: list[SourceText], embed: Embed
                    ) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """``(asset_id, text, location)`` of every public passage and its unit vector.

    Vectors come from the workspace's Chroma collection when it has them all, else they
    are embedded here (the text as ingest embeds it: title, headings, passage).
    """
    from ingest.store import PASSAGES, chunk_embedding_text

    rows: list[tuple[str, str, str]] = []
    chunks = []
    for src in sources:
        if src.kind != "asset" or not src.public:
            continue
        for chunk in ws.chunks(src.source):
            rows.append((src.source, chunk.text, ", ".join(p for p in (src.name, chunk.location)
                                                         if p)))
            chunks.append((src.title, chunk))
    if not rows:
        return rows, np.zeros((0, 0), dtype=np.float32)
    try:
        got = ws.collection(PASSAGES).get(ids=[c.chunk_id for _, c in chunks],
                                          include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        if all(c.chunk_id in by_id for _, c in chunks):
            vectors = np.asarray([by_id[c.chunk_id] for _, c in chunks], dtype=np.float32)
            return rows, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    except Exception as exc:  # an unreachable Chroma server must not stop the check
        log.info("passage vectors not read from Chroma (%s); embedding them", exc)
    return rows, embed([chunk_embedding_text(title, c) for title, c in chunks])


def answer_findings(themes: Sequence[Any], coverage: list[Coverage], threshold: float
                    ) -> list[Finding]:
    """``missing_answer`` findings for themes whose best public passage is below threshold."""
    out = []
    for theme, cov in zip(themes, coverage):
        if cov.score >= threshold:
            continue
        example = theme.examples[0] if theme.examples else None
        severity = "medium" if theme.lost > 0 or theme.count >= 3 else "low"
        found = (f"best public passage: {cov.asset_id} ({cov.location}), cosine {cov.score:.2f}"
                 if cov.asset_id else "no public page")
        out.append(Finding(
            kind="missing_answer", severity=severity, subject=theme.label,
            expected=f"a public page answering '{theme.label}' ({theme.category}, raised "
                     f"{theme.count} times in {theme.calls} calls, {theme.lost} lost)",
            found=found, source=f"call:{example.call_id}" if example else "calls",
            location=f"theme {theme.id}" + (f", turn {example.turn}" if example else ""),
            quote=example.text if example else "",
            detail="publish an answer (FAQ entry, page section) that generative engines can cite"))
    return out


def theme_coverage(themes: Sequence[Any], passages: list[tuple[str, str, str]],
                   vectors: np.ndarray, embed: Embed) -> list[Coverage]:
    """Coverage of each theme by the public passages (examples embedded here)."""
    texts = [[e.text for e in t.examples[:8]] or [t.label] for t in themes]
    flat = [x for group in texts for x in group]
    embedded = embed(flat) if flat else np.zeros((0, 0), dtype=np.float32)
    groups, at = [], 0
    for group in texts:
        groups.append(embedded[at:at + len(group)])
        at += len(group)
    return missing_answers(themes, passages, vectors, groups)


__all__ = ["GeoChecker", "MISSING_ANSWER_THRESHOLD", "answer_findings", "public_passages",
           "theme_coverage"]
