"""The fact book as a guard for generated text: does a sentence contradict it, or another one?

:class:`FactGuard` applies the consistency checks of this package to single sentences: the
numbers, certifications and places of a sentence against the fact book
(:class:`~rag.consistency.conflicts.ConflictFinder`, lexical evidence only), and its
capability, pricing-term, compatibility and place claims
(:mod:`~rag.consistency.statements`, :mod:`~rag.consistency.places`). Two sentences
contradict each other when they give incompatible values for the same fact-book value, or for
the same subject of the lexicon ("implementation takes 30 days" and "implementation takes 6
weeks").

Example:
    >>> guard = FactGuard(ws.messaging())
    >>> [c.expected for c in guard.conflicts("We offer a 99.5% uptime SLA.")]
    ['Vantora Ledger has a 99.9% uptime SLA.']
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.messaging import Messaging
from rag.consistency.claims import TextUnit
from rag.consistency.conflicts import ConflictFinder
from rag.consistency.facts import FactBook
from rag.consistency.places import PlaceChecker
from rag.consistency.quantities import compatible
from rag.consistency.records import Claim
from rag.consistency.statements import StatementChecker


@dataclass(frozen=True, slots=True)
class FactConflict:
    """A sentence's contradiction of the fact book."""

    fact_id: str
    expected: str
    """The fact (or talk-track statement) it contradicts."""
    found: str


class FactGuard:
    """Checks sentences against a company's fact book.

    Args:
        messaging: The company's messaging (facts, talk tracks, names).
    """

    def __init__(self, messaging: Messaging) -> None:
        self.book = FactBook(messaging)
        self.finder = ConflictFinder(self.book)
        self.checkers = [StatementChecker(self.book.extractor),
                         PlaceChecker(self.book.extractor)]

    def conflicts(self, sentence: str) -> list[FactConflict]:
        """How a sentence (taken as ours) contradicts the fact book; empty when it does not."""
        out: list[FactConflict] = []
        unit = TextUnit(sentence)
        for claim in self.book.extractor.extract(unit):
            m = self.finder.match(claim)
            if m is None or m.verdict is not False:
                continue
            if m.slot is None:
                listed = ", ".join(m.listed) or "none"
                out.append(FactConflict("certification", f"certifications in the fact book: "
                                                         f"{listed}", claim.found))
            else:
                out.append(FactConflict(m.slot.fact_id, m.slot.text, claim.found))
        for reading in self.book.extractor.readings(unit):
            for checker in self.checkers:
                out += [FactConflict(c.fact_id, c.expected, c.found)
                        for c in checker.check(reading)]
        return out

    def confirms(self, sentence: str) -> set[str]:
        """The fact-book texts whose values a sentence states in agreement."""
        out = set()
        for claim in self.book.extractor.extract(TextUnit(sentence)):
            m = self.finder.match(claim)
            if m is not None and m.verdict and m.slot is not None:
                out.add(m.slot.text)
        return out

    def contradicts(self, a: str, b: str) -> bool:
        """Whether two sentences give incompatible values for the same thing."""
        for x in self._quantities(a):
            for y in self._quantities(b):
                if x.quantity.kind != y.quantity.kind:
                    continue
                same = self._slot(x) is not None and self._slot(x) is self._slot(y)
                if not same and not (x.subjects & y.subjects and not x.weak_subject
                                     and not y.weak_subject):
                    continue
                if compatible(x.quantity, y.quantity) is False:
                    return True
        return False

    def _quantities(self, sentence: str) -> list[Claim]:
        return [c for c in self.book.extractor.extract(TextUnit(sentence))
                if c.quantity is not None and not c.about_other]

    def _slot(self, claim: Claim):
        m = self.finder.match(claim)
        return m.slot if m is not None else None


__all__ = ["FactConflict", "FactGuard"]
