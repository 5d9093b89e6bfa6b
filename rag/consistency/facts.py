"""The fact book: the canonical claims of ``messaging.yaml``, parsed like any other text.

Each fact (and, at a lower rank, each talk-track statement) is run through the same
:class:`~rag.consistency.claims.ClaimExtractor` as the content, giving :class:`FactSlot` s: one
per number, certification or place the fact states, with its subjects. A fact's ``id`` and
``subject`` (when given) add to its subjects and terms, so ``{id: capture_accuracy}`` is about
accuracy even if its sentence only says "98% right".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.messaging import Messaging
from rag.consistency.claims import SUBJECTS, ClaimExtractor, TextUnit, content_terms
from rag.consistency.names import Names
from rag.consistency.quantities import Quantity
from rag.consistency.records import Certification, Claim

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


class FactBook:
    """The fact book of a company's messaging, ready to compare claims against.

    Args:
        messaging: The company's messaging.
        talk_tracks: Also check claims against talk-track statements (ranked below facts).

    Example:
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

    def _add(self, fact_id: str, text: str, origin: str, subject: str | None) -> None:
        hint = " ".join(re.split(r"[_\-.]+", fact_id)) + (f" {subject}" if subject else "")
        hinted = frozenset(k for k in SUBJECTS if k in re.split(r"[_\-.\s]+", hint.lower()))
        for claim in self.extractor.extract(TextUnit(text)):
            self.slots.append(self._slot(fact_id, text, origin, claim, hinted,
                                         content_terms(hint, self.names)))

    @staticmethod
    def _slot(fact_id: str, text: str, origin: str, claim: Claim, hinted: frozenset[str],
              hint_terms: frozenset[str]) -> FactSlot:
        return FactSlot(fact_id=fact_id, text=text, origin=origin, quantity=claim.quantity,
                        certification=claim.certification, place=claim.place,
                        subjects=claim.subjects | hinted, terms=claim.terms | hint_terms,
                        products=claim.products)

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
