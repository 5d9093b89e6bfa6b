"""The fact book: the canonical claims of ``messaging.yaml``, parsed like any other text.

Each fact (and, at a lower rank, each talk-track statement) is run through the same
:class:`~rag.consistency.claims.ClaimExtractor` as the content, giving :class:`FactSlot` s: one
per number, certification or place the fact states, with its subjects. A fact's ``id`` and
``subject`` (when given) add to its subjects and terms, so ``{id: capture_accuracy}`` is about
accuracy even if its sentence only says "98% right".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.messaging import Messaging
from rag.consistency.align import TermIndex, anchors, entity_terms
from rag.consistency.claims import (
    SUBJECTS,
    ClaimExtractor,
    TextUnit,
    certifications,
    content_terms,
)
from rag.consistency.names import Names
from rag.consistency.quantities import Quantity
from rag.consistency.records import Certification, Claim

_NEGATED = re.compile(r"\b(?:not|no|never|isn't|aren't|doesn't|don't|without)\b", re.IGNORECASE)

SUBJECT_KINDS: dict[str, frozenset[str]] = {
    "customers": frozenset({"count"}),
    "integrations": frozenset({"count"}),
    "price": frozenset({"money"}),
    "founded": frozenset({"year"}),
    "uptime": frozenset({"percent"}),
    "accuracy": frozenset({"percent"}),
}
"""Subjects that only tie quantities of these kinds ("customers" says nothing about a
duration: "customers go live in 30 days" is about implementation)."""


def effective_subjects(subjects: frozenset[str], kind: str) -> frozenset[str]:
    """The subjects that can tie a quantity of ``kind`` to a fact."""
    return frozenset(s for s in subjects if kind in SUBJECT_KINDS.get(s, frozenset({kind})))


@dataclass(slots=True)
class FactSlot:
    """One checkable value of the fact book: a number, a certification or a place.

    ``origin`` is ``fact`` (from ``facts:``) or ``talk_track`` (a statement reps are meant
    to use, which ranks below facts).
    """

    fact_id: str
    text: str
    origin: str
    quantity: Quantity | None = None
    certification: Certification | None = None
    place: str | None = None
    subjects: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    """The products the fact is about (named in it); empty: the company as a whole."""
    context: frozenset[str] = frozenset()
    """Content terms of the whole fact (what the value belongs to)."""
    clause: frozenset[str] = frozenset()
    """Content terms of the clause stating the value (``terms`` less the fact id's words)."""
    weights: dict[str, float] = field(default_factory=dict)
    """What the value measures: key terms with their weights (:mod:`rag.consistency.align`),
    the names in :attr:`entities` left out."""
    entities: frozenset[str] = frozenset()
    """Terms of the things the fact names ("the Hobby plan", "Trial accounts")."""
    anchors: frozenset[str] = frozenset()
    """Key terms of the clause stating the value (:func:`~rag.consistency.align.anchors`)."""
    siblings: bool = False
    """Whether another slot states the same measure of another thing (the Hobby plan's price
    beside the Pro plan's): then a claim must name which thing it is about."""


def _siblings(a: FactSlot, b: FactSlot) -> bool:
    """Two slots stating the same measure (kind and unit, shared anchors) of different things."""
    if a is b or a.quantity is None or b.quantity is None or a.fact_id == b.fact_id:
        return False
    if (a.quantity.kind, a.quantity.unit) != (b.quantity.kind, b.quantity.unit):
        return False
    union = a.anchors | b.anchors
    same_measure = not union or len(a.anchors & b.anchors) >= len(union) / 2
    return same_measure and a.entities != b.entities


class FactBook:
    """The fact book of a company's messaging, ready to compare claims against.

    Args:
        messaging: The company's messaging.
        talk_tracks: Also check claims against talk-track statements (ranked below facts).

    Example:
        >>> from ingest.messaging import load_messaging
        >>> book = FactBook(load_messaging(Path("demo/messaging.yaml")))
        >>> [s.fact_id for s in book.slots if s.quantity and s.quantity.kind == "percent"]
        ['uptime', 'capture_accuracy', 'processing_cost']
    """

    def __init__(self, messaging: Messaging, talk_tracks: bool = True) -> None:
        self.messaging = messaging
        self.names = Names(messaging)
        self.extractor = ClaimExtractor(self.names)
        self.slots: list[FactSlot] = []
        for fact in messaging.facts:
            self._add(fact.id, fact.claim, "fact", fact.subject)
        if talk_tracks:
            for track in messaging.talk_tracks:
                self._add(track.id, track.statement, "talk_track", None)
        self.index = TermIndex(self._text_terms().values())
        for slot in self.slots:
            slot.entities = entity_terms(slot.text, self.names)
            slot.weights = self.index.weights(slot.terms - slot.entities,
                                              slot.context - slot.entities)
            # the fact id's words count too, unless they belong to another clause of the fact
            # ("egress_storage_price": "storage" is not what "$0.05 per GB" measures)
            hint = slot.terms - slot.clause - slot.context
            slot.anchors = anchors(slot.weights, (slot.clause | hint) - slot.entities)
        for slot in self.slots:
            slot.siblings = any(_siblings(slot, other) for other in self.slots)

    def _text_terms(self) -> dict[str, frozenset[str]]:
        """Key terms of each distinct fact-book text."""
        out: dict[str, frozenset[str]] = {}
        for fact in self.messaging.facts:
            out[fact.claim] = content_terms(fact.claim, self.names)
        for track in self.messaging.talk_tracks:
            out[track.statement] = content_terms(track.statement, self.names)
        return out

    def _add(self, fact_id: str, text: str, origin: str, subject: str | None) -> None:
        hint = " ".join(re.split(r"[_\-.]+", fact_id)) + (f" {subject}" if subject else "")
        hinted = frozenset(k for k in SUBJECTS if k in re.split(r"[_\-.\s]+", hint.lower()))
        claims = self.extractor.extract(TextUnit(text))
        named = {c.certification.family for c in claims if c.certification is not None}
        if origin == "fact" and not _NEGATED.search(text):
            # a fact book lists what it names, asserted or not ("a DPA to comply with GDPR")
            claims += [Claim(sentence=text, clause=text, certification=cert,
                             subjects=frozenset({"certification"}))
                       for cert in certifications(text) if cert.family not in named]
        for claim in claims:
            self.slots.append(self._slot(fact_id, text, origin, claim, hinted,
                                         content_terms(hint, self.names)))

    @staticmethod
    def _slot(fact_id: str, text: str, origin: str, claim: Claim, hinted: frozenset[str],
              hint_terms: frozenset[str]) -> FactSlot:
        return FactSlot(fact_id=fact_id, text=text, origin=origin, quantity=claim.quantity,
                        certification=claim.certification, place=claim.place,
                        subjects=claim.subjects | hinted, terms=claim.terms | hint_terms,
                        products=claim.products, context=claim.context, clause=claim.terms)

    @property
    def certifications(self) -> list[FactSlot]:
        return [s for s in self.slots if s.certification is not None]

    @property
    def places(self) -> list[FactSlot]:
        return [s for s in self.slots if s.place is not None]

    def quantities(self, kind: str) -> list[FactSlot]:
        """Slots holding a quantity of this kind."""
        return [s for s in self.slots if s.quantity is not None and s.quantity.kind == kind]

    def texts(self) -> list[str]:
        """The distinct fact and statement texts (to embed once)."""
        return list(dict.fromkeys(s.text for s in self.slots))


__all__ = ["FactBook", "FactSlot", "SUBJECT_KINDS", "effective_subjects"]
