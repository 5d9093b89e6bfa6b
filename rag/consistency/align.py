"""Which fact a sentence talks about: key-term overlap weighted by how rare a term is in the
fact book.

Every fact-book slot (:class:`~rag.consistency.facts.FactSlot`) has key terms: the content words
of the clause that states its value (weight 1) and of the rest of its fact (weight 0.5, they
name what the value belongs to: "the Pro plan ... includes $20 of resource usage"). A term's
weight is multiplied by its inverse document frequency over the fact-book texts, so that "RAM"
(one fact) weighs more than "plan" (several).

The **coverage** of a slot by a claim is the weighted share of the slot's key terms that the
claim's context holds: a term in the claim's clause counts fully, in the rest of its sentence
(a table row with its headers) 0.8, in the heading above it 0.5. Coverage and the embedding
cosine between the claim and the fact decide together whether the claim is about the slot
(:class:`~rag.consistency.conflicts.ConflictFinder`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from rag.consistency.names import Names
from rag.consistency.records import Claim
from rag.terms import STOPWORDS, stem, tokens

CLAUSE, SENTENCE, HEADING = 1.0, 0.8, 0.5
"""How much a slot term counts when found in the claim's clause, sentence or heading."""
REST_OF_FACT = 0.5
"""Weight of a fact's terms outside the clause that states the slot's value."""


class TermIndex:
    """Inverse document frequencies of the fact book's key terms.

    Args:
        texts: The key-term sets of the distinct fact-book texts (one per fact or talk track).

    Example:
        >>> index = TermIndex([{"pro", "plan", "cost"}, {"hobby", "plan", "cost"}])
        >>> index.idf("pro") > index.idf("plan")
        True
    """

    def __init__(self, texts: Iterable[Iterable[str]]) -> None:
        sets = [frozenset(t) for t in texts]
        self.n = len(sets)
        self.df = Counter(t for terms in sets for t in terms)

    def idf(self, term: str) -> float:
        """``log(1 + N / df)``; a term no fact uses gets the highest weight."""
        return math.log(1 + self.n / max(1, self.df.get(term, 0))) if self.n else 1.0

    def weights(self, clause: Iterable[str], rest: Iterable[str]) -> dict[str, float]:
        """A slot's term weights: clause terms 1, other terms of its fact ``REST_OF_FACT``,
        each times its idf."""
        out = {t: REST_OF_FACT * self.idf(t) for t in rest}
        out.update({t: self.idf(t) for t in clause})
        return out


_DERIVATIONAL = ("izations", "ization", "ations", "ation", "itions", "ition", "ments", "ment",
                 "ities", "ity", "ions", "ion", "ates", "ate", "ives", "ive", "acy", "aci")


def term(word: str) -> str:
    """A word's key term: its stem (:func:`rag.terms.stem`) with adverb and derivational
    endings taken off, so that "integrates", "integration" and "integrations" are one term.

    Example:
        >>> [term(w) for w in ("integrates", "integrations", "accuracy", "accurate", "expiry")]
        ['integr', 'integr', 'accur', 'accur', 'expir']
    """
    w = stem(word[:-2] if word.endswith("ly") and len(word) >= 6 else word)
    for _ in range(2):
        for suffix in _DERIVATIONAL:
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
    if len(w) >= 5 and w[-1] in "eyi":
        w = w[:-1]
    return w


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]+s?$")
_ROW_LABEL = re.compile(r"^(?:[^;:]{1,40}:\s*)?(?P<label>[^;:]{1,40});")
"""The first cell of a table row written as a statement ("Plan: Pro; Price: ..."): what the
row is about."""


def entity_spans(text: str, names: Names) -> list[tuple[int, str]]:
    """``(offset, term)`` of the things a text names: acronyms and units ("RAM", "HIPAA",
    "GB"), capitalised words that do not start a sentence or table cell ("the Hobby plan",
    "Slack Connect"), words the fact book uses as names of plans and features
    (:attr:`Names.vocabulary`), and the first cell of a table row. The company's own name is
    left out (every claim of ours is about it).

    Example:
        >>> from ingest.messaging import Messaging
        >>> [t for _, t in entity_spans("Acme offers Slack channels on the Enterprise plan",
        ...                              Names(Messaging(company={"name": "Acme"})))]
        ['slack', 'enterpris']
    """
    ours = {t for n in [names.company, *names.messaging.company.aliases] for t in tokens(n)}
    label = _ROW_LABEL.match(text)
    first = (label.start("label"), label.end("label")) if label and \
        len(label.group("label").split()) <= 4 else None
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        low = word.lower()
        if low in ours or low in STOPWORDS or len(low) < 2:
            continue
        before = text[:m.start()].rstrip()
        at_start = not before or before[-1] in ".!?:;\"“(•*-"
        in_label = first is not None and first[0] <= m.start() < first[1]
        if in_label or low in names.vocabulary or _ACRONYM.match(word) or \
                (not at_start and any(c.isupper() for c in word)):
            out.append((m.start(), term(low)))
    return out


def entity_terms(text: str, names: Names) -> frozenset[str]:
    """The terms of :func:`entity_spans`, as a set."""
    return frozenset(t for _, t in entity_spans(text, names))


def claim_entities(spans: list[tuple[int, str]], clause: tuple[int, int], at: int
                   ) -> frozenset[str]:
    """What a value at offset ``at`` belongs to: the things named in its clause, else the
    nearest one named before it in the sentence, else the first one after it."""
    a, b = clause
    inside = frozenset(t for x, t in spans if a <= x < b)
    if inside:
        return inside
    before = [t for x, t in spans if x < at]
    if before:
        return frozenset({before[-1]})
    after = [t for x, t in spans if x >= at]
    return frozenset(after[:1])


def found_weight(weights: dict[str, float], claim: Claim) -> float:
    """The summed weight of a slot's key terms found around a claim (clause terms count
    fully, sentence terms ``SENTENCE``, heading terms ``HEADING``).

    Example:
        >>> claim = Claim("Plan: Pro; Price: $25 / month", "$25 / month",
        ...               context=frozenset({"plan", "pro", "cost"}))
        >>> round(found_weight({"pro": 1.0, "plan": 0.5, "cost": 0.5}, claim), 2)
        1.6
    """
    got = 0.0
    for term, w in weights.items():
        if term in claim.terms:
            got += w * CLAUSE
        elif term in claim.context:
            got += w * SENTENCE
        elif term in claim.heading:
            got += w * HEADING
    return got


def matched_terms(weights: dict[str, float], claim: Claim) -> int:
    """How many of a slot's key terms stand around a claim (clause, sentence or heading)."""
    around = claim.terms | claim.context | claim.heading
    return sum(1 for t in weights if t in around)


def coverage(weights: dict[str, float], claim: Claim) -> float:
    """The share (0-1) of a slot's key-term weight found around a claim."""
    total = sum(weights.values())
    return found_weight(weights, claim) / total if total else 0.0


def same_thing(entities: frozenset[str], claim: Claim, siblings: bool = False) -> bool:
    """Whether a claim can be about the thing a slot names ("the Hobby plan").

    Yes when the slot names nothing, or the claim's value belongs to the slot's thing
    (:func:`claim_entities`). When the claim's value belongs to nothing named: yes if its
    sentence or heading names the slot's thing, or if the fact book has no ``siblings`` of the
    slot (the same measure of other things: the Hobby and the Pro plan's prices), so that
    "we guarantee 99.5% uptime" is about the one uptime fact whatever product it names.
    """
    if not entities:
        return True
    if claim.entities:
        return bool(entities & claim.entities)
    return bool(entities & (claim.context | claim.heading)) or not siblings


def anchors(weights: dict[str, float], clause_terms: frozenset[str]) -> frozenset[str]:
    """The key terms that say what a slot's value measures: its clause's terms other than
    the cost word every price has (and that a price's unit already says)."""
    return frozenset(t for t in clause_terms if t in weights and t != "cost")


def anchored(slot_anchors: frozenset[str], claim: Claim) -> bool:
    """Whether a claim's sentence or heading holds one of a slot's anchors (or the slot has
    none)."""
    return not slot_anchors or bool(slot_anchors & (claim.terms | claim.context | claim.heading))


__all__ = ["CLAUSE", "HEADING", "REST_OF_FACT", "SENTENCE", "TermIndex", "anchored", "anchors",
           "claim_entities", "coverage", "entity_spans", "entity_terms", "found_weight",
           "matched_terms", "same_thing", "term"]
