"""GEO readiness of public pages: structured data, citable evidence, and answers to objections.

Generative engines (ChatGPT search, Perplexity, Google AI Overviews) quote pages they can parse
and trust. Three checks:

1. **JSON-LD** (:func:`read_json_ld`): the page's ``<script type="application/ld+json">``
   blocks must parse; the site needs an ``Organization`` and a ``Product`` or
   ``SoftwareApplication``, an FAQ page a ``FAQPage``; names must be declared names, and the
   facts stated in the markup (descriptions, FAQ answers, founding date, address, offer price)
   must agree with the fact book (:func:`json_ld_statements` turns them into sentences for the
   same claim checks as the page text).
2. **GEO methods** (:func:`geo_methods`): the methods Aggarwal et al. (GEO, KDD 2024) found to
   raise a page's visibility in generative answers the most: quotations, statistics and cited
   sources, counted per page.
3. **Missing answers** (:func:`missing_answers`): for the top objection themes of the calls, the
   public passage closest to the theme's examples; below ``threshold`` cosine no public page
   answers the theme.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.consistency.claims import split_text
from rag.consistency.quantities import find_quantities

log = logging.getLogger(__name__)

ORGANIZATION_TYPES = frozenset({"Organization", "Corporation", "LocalBusiness",
                                "OnlineBusiness", "NGO"})
PRODUCT_TYPES = frozenset({"Product", "SoftwareApplication", "WebApplication",
                           "MobileApplication", "Service"})
ARTICLE_TYPES = frozenset({"Article", "BlogPosting", "NewsArticle", "TechArticle", "Report"})
_LD_TYPE = re.compile(r"^\s*application/ld\+json\s*$", re.IGNORECASE)
_QUOTED = re.compile(r"[“\"]([^”\"]{20,400})[”\"]")
_CITATION_TEXT = re.compile(
    r"\b(?:according to|source:|sources:|cited (?:by|in)|reported by|(?:a|the) (?:\d{4} )?"
    r"(?:study|survey|report|research) (?:by|from)|per (?:a|the) (?:study|survey|report)|"
    r"data from)\b|\[\d+\]|\(source[^)]*\)", re.IGNORECASE)
_SHARE_HOSTS = ("twitter.com", "x.com", "facebook.com", "linkedin.com/share",
                "linkedin.com/shareArticle", "mailto:", "tel:")


@dataclass(slots=True)
class JsonLd:
    """The JSON-LD of a page: the nodes found (with their types) and the blocks that failed."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    blocks: int = 0

    @property
    def types(self) -> set[str]:
        return {t for node in self.nodes for t in node_types(node)}

    def of_type(self, types: frozenset[str]) -> list[dict[str, Any]]:
        return [n for n in self.nodes if node_types(n) & types]


def node_types(node: dict[str, Any]) -> set[str]:
    """The ``@type`` of a node as a set (``"schema:Product"`` -> ``Product``)."""
    raw = node.get("@type", [])
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit(":", 1)[-1].rsplit("/", 1)[-1] for v in values if v}


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "@type" in value:
            yield value
        for key, item in value.items():
            if key != "@context":
                yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def read_json_ld(html: str) -> JsonLd:
    """Every schema.org node in a page's JSON-LD blocks (``@graph`` and nesting flattened).

    Example:
        >>> ld = read_json_ld('<script type="application/ld+json">{"@type": "FAQPage"}</script>')
        >>> ld.types, ld.errors
        ({'FAQPage'}, [])
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    out = JsonLd()
    for i, script in enumerate(soup.find_all("script", attrs={"type": _LD_TYPE}), 1):
        out.blocks += 1
        raw = script.string if script.string is not None else script.get_text()
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, TypeError) as exc:
            msg = getattr(exc, "msg", str(exc))
            where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
            out.errors.append(f"JSON-LD block {i} does not parse: {msg}{where}")
            continue
        nodes = list(_walk(data))
        if not nodes:
            out.errors.append(f"JSON-LD block {i} has no @type")
        out.nodes.extend(nodes)
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return _text(value.get("text") or value.get("name") or "")
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def json_ld_statements(node: dict[str, Any], company: str) -> list[tuple[str, str]]:
    """Sentences a node states, with where: ``("Organization.description", "...")``.

    Descriptions, slogans and FAQ answers are taken as written; ``foundingDate``, the address
    locality and an offer's price (taken as the entry price) become sentences ("X was founded
    in 2016.", "Pricing starts at USD 39 per month.") so the claim checks read them like page
    text.
    """
    kind = sorted(node_types(node))[0] if node_types(node) else "Thing"
    name = _text(node.get("name")) or company
    out: list[tuple[str, str]] = []
    for key in ("description", "slogan", "disambiguatingDescription", "abstract"):
        if node.get(key):
            out.append((f"{kind}.{key}", _text(node[key])))
    if "Answer" in node_types(node) and node.get("text"):
        out.append(("Answer.text", _text(node["text"])))
    if node.get("foundingDate"):
        year = re.search(r"(?:19|20)\d\d", _text(node["foundingDate"]))
        if year:
            out.append((f"{kind}.foundingDate", f"{name} was founded in {year.group()}."))
    address = node.get("address")
    if isinstance(address, dict) and address.get("addressLocality"):
        out.append((f"{kind}.address", f"{name} is headquartered in "
                                        f"{_text(address['addressLocality'])}."))
    offers = node.get("offers")
    for offer in offers if isinstance(offers, list) else [offers] if offers else []:
        if not isinstance(offer, dict):
            continue
        price = offer.get("price") or offer.get("lowPrice")
        spec = offer.get("priceSpecification") or {}
        price = price or (spec.get("price") if isinstance(spec, dict) else None)
        if price is None:
            continue
        currency = offer.get("priceCurrency") or (spec.get("priceCurrency")
                                                  if isinstance(spec, dict) else None) or "USD"
        unit = _text(spec.get("unitText") or spec.get("billingDuration") or ""
                     if isinstance(spec, dict) else "").lower()
        period = " per month" if "mon" in unit or unit in ("p1m",) else \
            " per year" if "year" in unit or "ann" in unit or unit == "p1y" else ""
        # a software offer's price is its entry price
        out.append((f"{kind}.offers", f"Pricing starts at {currency} {price}{period}."))
    return out


@dataclass(slots=True)
class GeoMethods:
    """Counts of the GEO paper's most effective methods on one page."""

    quotations: int = 0
    statistics: int = 0
    citations: int = 0

    @property
    def missing(self) -> list[str]:
        return [name for name in ("quotations", "statistics", "citations")
                if getattr(self, name) == 0]


def geo_methods(text: str, html: str | None = None, url: str | None = None) -> GeoMethods:
    """Count quotations, statistics and cited sources on a page.

    Args:
        text: The page's clean text (its passages).
        html: The original HTML, if any: ``<blockquote>``/``<q>`` count as quotations and
            links to other sites (not share buttons) as cited sources.
        url: The page's own URL (links to its own site are not citations).

    Example:
        >>> m = geo_methods('"Vantora cut our close by four days," said Dana Lee. '
        ...                 'According to APQC, 62% of teams still key invoices by hand.')
        >>> (m.quotations, m.statistics, m.citations)   # "four days" and "62%"
        (1, 2, 1)
    """
    methods = GeoMethods()
    methods.quotations = len(_QUOTED.findall(text))
    methods.statistics = sum(1 for s in split_text(text) for q in find_quantities(s)
                             if q.kind in ("percent", "money", "count", "duration", "multiple"))
    methods.citations = len(_CITATION_TEXT.findall(text)) + _listed_sources(text)
    if html:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "html.parser")
        quoted = len(soup.find_all(["blockquote", "q"]))
        methods.quotations = max(methods.quotations, quoted)
        own = (urlparse(url).hostname or "") if url else ""
        links = 0
        for a in soup.find_all("a", href=True):
            href = a["href"]
            host = urlparse(href).hostname or ""
            if href.startswith(("http://", "https://")) and host and \
                    not (own and host.endswith(own)) and not any(s in href for s in _SHARE_HOSTS) \
                    and not a.find_parent(["nav", "footer", "header"]):
                links += 1
        methods.citations += links + len(soup.find_all("cite"))
    return methods


_SOURCES_HEADING = re.compile(r"^\s*(?:sources?|references|citations|footnotes|notes)\s*:?\s*$",
                              re.IGNORECASE)


def _listed_sources(text: str) -> int:
    """Items listed under a "Sources"/"References" line."""
    count, inside = 0, False
    for line in text.splitlines():
        if _SOURCES_HEADING.match(line):
            inside = True
        elif inside and re.match(r"^\s*(?:[-*•]|\d{1,2}[.)]|\[\d+\])\s+\S", line):
            count += 1
        elif inside and line.strip():
            inside = False
    return count


@dataclass(slots=True)
class Coverage:
    """How well the best public passage answers an objection theme."""

    theme_id: str
    label: str
    score: float
    asset_id: str | None = None
    passage: str = ""
    location: str = ""


def missing_answers(themes: Sequence[Any], passages: Sequence[tuple[str, str, str]],
                    passage_vectors: np.ndarray, example_vectors: Sequence[np.ndarray]
                    ) -> list[Coverage]:
    """The best public passage for each theme, by mean cosine to the theme's examples.

    Args:
        themes: Objection themes (``insights.Theme``).
        passages: ``(asset_id, text, location)`` of each public passage.
        passage_vectors: Their unit vectors, one row each.
        example_vectors: For each theme, its examples' unit vectors (one row each).

    Returns:
        One :class:`Coverage` per theme (score 0 and no asset when there is no public passage).
    """
    out = []
    for theme, examples in zip(themes, example_vectors):
        if len(passages) == 0 or len(examples) == 0:
            out.append(Coverage(theme.id, theme.label, 0.0))
            continue
        sims = (passage_vectors @ np.asarray(examples).T).mean(axis=1)
        best = int(np.argmax(sims))
        asset_id, text, location = passages[best]
        out.append(Coverage(theme.id, theme.label, float(sims[best]), asset_id, text, location))
    return out


__all__ = ["ARTICLE_TYPES", "Coverage", "GeoMethods", "JsonLd", "ORGANIZATION_TYPES",
           "PRODUCT_TYPES", "geo_methods", "json_ld_statements", "missing_answers",
           "node_types", "read_json_ld"]
