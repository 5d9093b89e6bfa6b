"""Where things are: named regions and data locations that contradict the fact book.

**Fact side.** A fact that places named things ("four regions: US West in California, ...,
EU West in Amsterdam", "EU customer data is stored in Frankfurt") gives one
:class:`Placement` per place: the label (the words before "in <Place>" in its clause, location
verbs left out) and the place.

**Content side.** A sentence of ours, or a table row written as a statement, that holds every
word of a label and names places for it (a cell under a "Location"/"City"/"Country" column, or
"in <Place>" / "(<Place>)" after the label) contradicts the fact book when none of those places
shares a word with the fact's place for that label ("EU West | Frankfurt, Germany" against
"EU West in Amsterdam"). When several labels fit a sentence, the one with the most words wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.consistency.claims import ClaimExtractor, Reading
from rag.consistency.statements import NEGATION, Contradiction
from rag.terms import STOPWORDS, tokens

_PLACED = re.compile(r"(?P<before>[^,;:]*?)\s+in\s+"
                     r"(?P<place>[A-Z][A-Za-z-]+(?:\s+[A-Z][A-Za-z-]+)*)")
_LOCATION_VERBS = frozenset("""
is are was were be stored store stores hosted host hosts located locate based deployed deploy
deploys runs run running kept keep keeps held hold lives live resides reside sits data center
centers centre centres region regions available headquartered headquarters hq founded
incorporated established
""".split())
_PLACE_HEADER = re.compile(r"^(?:location|city|country|place|data\s*cent(?:er|re)|"
                           r"datacent(?:er|re)|site|hq|headquarters|metro|where)s?$",
                           re.IGNORECASE)
_AFTER = re.compile(r"\b(?:in|at)\s+(?P<p>[A-Z][A-Za-z-]+(?:,?\s+[A-Z][A-Za-z-]+)*)|"
                    r"\((?P<q>[A-Z][A-Za-z-]+(?:,?\s+[A-Z][A-Za-z-]+)*)\)")


@dataclass(frozen=True, slots=True)
class Placement:
    """A labelled thing the fact book places somewhere ("EU West" in "Amsterdam")."""

    fact_id: str
    text: str
    label: frozenset[str]
    """Lower-cased words of the label ("eu", "west")."""
    place: str


def _words(text: str) -> frozenset[str]:
    return frozenset(t for t in tokens(text) if not t.isdigit())


def placements(extractor: ClaimExtractor) -> list[Placement]:
    """The placements of a company's facts.

    Example:
        >>> from ingest.messaging import Messaging
        >>> from rag.consistency.names import Names
        >>> [(sorted(p.label), p.place) for p in placements(ClaimExtractor(Names(Messaging(
        ...     company={"name": "Acme"}, facts=[{"id": "eu", "claim":
        ...     "Acme stores EU customer data in Frankfurt."}]))))]
        [(['customer', 'eu'], 'Frankfurt')]
    """
    names = extractor.names
    company = {t for n in [names.company, *names.messaging.company.aliases] for t in tokens(n)}
    out: list[Placement] = []
    for fact in names.messaging.facts:
        if NEGATION.search(fact.claim):
            continue
        for m in _PLACED.finditer(fact.claim):
            before = re.split(r"\band\b|\bor\b", m.group("before"))[-1]
            label = frozenset(t for t in tokens(before) if t not in _LOCATION_VERBS
                              and t not in company and (t not in STOPWORDS or len(t) == 2)
                              and not t.isdigit()) - {"our", "we", "its", "the", "a", "an", "all"}
            if label:
                out.append(Placement(fact.id, fact.claim, label, m.group("place")))
    return out


class PlaceChecker:
    """Finds sentences of ours that put a labelled thing somewhere the fact book does not.

    Args:
        extractor: Reads sentences and tells ours from other companies'.
    """

    def __init__(self, extractor: ClaimExtractor) -> None:
        self.extractor = extractor
        self.placements = placements(extractor)

    def check(self, reading: Reading) -> list[Contradiction]:
        """The contradictions in one sentence (at most one)."""
        sentence = reading.sentence
        if not self.placements or sentence.rstrip().endswith("?") or NEGATION.search(sentence):
            return []
        have = _words(sentence)
        fitting = [p for p in self.placements if p.label <= have]
        if not fitting:
            return []
        best = max(fitting, key=lambda p: len(p.label))
        if any(p.label > best.label for p in fitting):
            return []
        found = self._places(sentence, best)
        if not found:
            return []
        place = found[0][0]
        if any(_words(p) & _words(best.place) for p, _ in found):
            return []
        # whose the label is: a place's own name is no company ("Frankfurt, Germany")
        at = _label_at(sentence, best)
        if self.extractor.owner(reading, (0, at), at) != "ours":
            return []
        return [Contradiction(best.fact_id, best.text, place, sentence)]

    @staticmethod
    def _places(sentence: str, placement: Placement) -> list[tuple[str, int]]:
        """``(place, offset)`` of the places a sentence names for a label: cells under a
        location column, or "in <Place>" / "(<Place>)" after the label's first word."""
        out: list[tuple[str, int]] = []
        if "; " in sentence and ": " in sentence:
            at = 0
            for cell in sentence.split("; "):
                head, _, value = cell.partition(": ")
                if value and _PLACE_HEADER.match(head.strip()):
                    out.append((value.strip(), at + len(head) + 2))
                at += len(cell) + 2
            if out:
                return out
        for m in _AFTER.finditer(sentence, _label_at(sentence, placement)):
            place = m.group("p") or m.group("q")
            out.append((place, m.start()))
        return out


def _label_at(sentence: str, placement: Placement) -> int:
    """Offset of the first word of a placement's label in a sentence."""
    return min((m.start() for w in placement.label
                for m in re.finditer(rf"\b{re.escape(w)}\b", sentence, re.IGNORECASE)),
               default=0)


__all__ = ["PlaceChecker", "Placement", "placements"]
