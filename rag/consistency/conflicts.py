"""Conflicts: our claims that the fact book contradicts.

A claim is matched to the fact-book slot it is about: same kind of value (a percentage with a
percentage, a duration with a duration, money in the same currency, basis and period), values
within a factor of ten of each other (a 30-minute demo is not a 30-day implementation), not
about another of our products than the one the fact names, and the same subject: a shared
subject key of the lexicon, or, for facts outside it, shared content words. When the claim's
subject only comes from its wider sentence (``weak_subject``), or it shares a single content
word, the embedding of its clause must also be close to the fact's (``weak_cosine``). Matches
rank by cosine plus keyword overlap; a fact within ``fact_margin`` of the best match, or
stating the same value, wins over a talk track. The values are then compared
(:func:`~rag.consistency.quantities.compatible`).

Certifications conflict when the fact book names another variant (SOC 2 Type I vs Type II) or
does not list the certification at all (lower severity: it may be true but is unverified);
a headquarters conflicts when no fact-book place shares a word with it.

Severity: high for public assets and for a rep's exact number on a call; medium for internal
assets and for a hedged or approximate number on a call; one step lower when the contradicted
statement is a talk track rather than a fact, or the certification is merely unlisted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from rag.consistency.facts import FactBook, FactSlot, effective_subjects
from rag.consistency.quantities import compatible
from rag.consistency.records import Claim, Finding, Site
from rag.terms import tokens

log = logging.getLogger(__name__)

_LOWER = {"high": "medium", "medium": "low", "low": "low"}


@dataclass(slots=True)
class Match:
    """A claim tied to the fact-book slot it is about, with the comparison's verdict.

    ``verdict`` is True when they agree, False when they conflict, None when the rules
    cannot compare them.
    """

    claim: Claim
    slot: FactSlot | None
    score: float
    cosine: float | None = None
    verdict: bool | None = None
    unlisted: bool = False
    listed: tuple[str, ...] = ()
    """For an unlisted certification: the certifications the fact book does list."""


class ConflictFinder:
    """Matches claims to the fact book and reports the contradictions.

    Args:
        book: The fact book.
        min_cosine: With embeddings, a match needs at least this cosine between the claim's
            sentence and the fact.
        weak_cosine: The cosine needed when the subject comes from the wider sentence or only
            a content word is shared.

    Example:
        >>> finder = ConflictFinder(book)
        >>> claim = ClaimExtractor(book.names).extract(TextUnit("We offer 99.5% uptime."))[0]
        >>> finder.match(claim).verdict
        False
    """

    def __init__(self, book: FactBook, min_cosine: float = 0.2, weak_cosine: float = 0.45,
                 fact_margin: float = 0.15) -> None:
        self.book = book
        self.min_cosine = min_cosine
        self.weak_cosine = weak_cosine
        self.fact_margin = fact_margin

    def match(self, claim: Claim, cosines: dict[str, float] | None = None) -> Match | None:
        """The fact-book slot a claim is about and the verdict, or None if about none.

        Args:
            claim: A claim of ours (``about_other`` claims are never matched).
            cosines: Cosine of the claim's :attr:`~rag.consistency.records.Claim.probe` to each
                fact text (by text), if embedded.
        """
        if claim.about_other:
            return None
        if claim.certification is not None:
            return self._match_certification(claim)
        if claim.place is not None:
            return self._match_place(claim)
        q = claim.quantity
        if q is None:
            return None
        matches: list[Match] = []
        for slot in self.book.quantities(q.kind):
            verdict = compatible(q, slot.quantity)
            if verdict is None or not _same_scale(q.value, slot.quantity.value, q.kind):
                continue
            if slot.products and claim.products and not slot.products & claim.products:
                continue  # the price of another of our products is not this one's
            slot_subjects = effective_subjects(slot.subjects, q.kind)
            shared = effective_subjects(claim.subjects, q.kind) & slot_subjects
            terms = claim.terms & slot.terms
            cosine = cosines.get(slot.text) if cosines else None
            if not shared and (slot_subjects or not terms):
                continue
            if not self._accept(bool(shared) and not claim.weak_subject, len(terms), cosine):
                continue
            score = (cosine or 0.0) + 0.2 * len(shared) + 0.05 * len(terms) + \
                (0.1 if slot.origin == "fact" else 0.0)
            matches.append(Match(claim, slot, score, cosine, verdict))
        if not matches:
            return None
        best = max(matches, key=lambda m: m.score)
        facts = [m for m in matches if m.slot.origin == "fact"]
        if best.slot.origin != "fact" and facts:
            # a talk track and a fact about the same thing: report against the fact
            fact = max(facts, key=lambda m: m.score)
            same = fact.slot.quantity.value == best.slot.quantity.value
            if same or fact.score >= best.score - self.fact_margin:
                return fact
        return best

    def _accept(self, strong_subject: bool, shared_terms: int, cosine: float | None) -> bool:
        """Whether the evidence that a claim is about a slot is enough."""
        if cosine is None:
            return strong_subject or shared_terms >= 2
        if cosine < self.min_cosine:
            return False
        return strong_subject or shared_terms >= 2 or cosine >= self.weak_cosine

    def _match_certification(self, claim: Claim) -> Match:
        cert = claim.certification
        same = [s for s in self.book.certifications if s.certification.family == cert.family]
        if not same:
            listed = tuple(dict.fromkeys(s.certification.label for s in self.book.certifications))
            return Match(claim, None, 0.0, verdict=False, unlisted=True, listed=listed)
        for slot in same:
            theirs = slot.certification.variant
            if cert.variant is None or theirs is None or cert.variant == theirs:
                return Match(claim, slot, 1.0, verdict=True)
        return Match(claim, same[0], 1.0, verdict=False)

    def _match_place(self, claim: Claim) -> Match | None:
        places = self.book.places
        if not places:
            return None
        words = set(tokens(claim.place or ""))
        for slot in places:
            if words & set(tokens(slot.place or "")):
                return Match(claim, slot, 1.0, verdict=True)
        return Match(claim, places[0], 1.0, verdict=False)

    def findings(self, sited: list[tuple[Site, Claim]],
                 cosines: dict[str, dict[str, float]] | None = None) -> list[Finding]:
        """Conflict findings for claims with their sites, each reported once.

        Args:
            sited: Claims with where they stand.
            cosines: For each claim's probe text, its cosine to each fact text.
        """
        out: list[Finding] = []
        seen: set[tuple[str, str, str, str]] = set()
        for site, claim in sited:
            m = self.match(claim, cosines.get(claim.probe) if cosines else None)
            if m is None or m.verdict is not False:
                continue
            finding = conflict_finding(site, m)
            key = (finding.source, finding.subject, finding.found, finding.quote)
            if key not in seen:
                seen.add(key)
                out.append(finding)
        return out


def _same_scale(a: float, b: float, kind: str) -> bool:
    """Values within a factor of ten (percentages and years always are)."""
    if kind in ("percent", "year"):
        return True
    lo, hi = sorted((abs(a), abs(b)))
    return lo > 0 and hi / lo <= 10


def conflict_severity(site: Site, claim: Claim, talk_track: bool = False,
                      unlisted: bool = False) -> str:
    """Severity of a conflict by where it stands (see the module docstring)."""
    approximate = claim.hedged or (claim.quantity is not None
                                   and claim.quantity.qualifier == "approx")
    if site.public:
        severity = "high"
    elif site.call:
        severity = "medium" if approximate else "high"
    else:
        severity = "medium"
    return _LOWER[severity] if talk_track or unlisted else severity


def conflict_finding(site: Site, m: Match, method: str = "rules") -> Finding:
    """The finding for a matched claim whose verdict is a conflict."""
    claim, slot = m.claim, m.slot
    talk_track = slot is not None and slot.origin == "talk_track"
    severity = conflict_severity(site, claim, talk_track, m.unlisted)
    if m.unlisted:
        cert = claim.certification.label if claim.certification else claim.found
        listed = ", ".join(m.listed) or "none"
        return Finding(kind="conflict", severity=severity, subject="certification",
                       expected=f"certifications in the fact book: {listed}", found=cert,
                       source=site.source, location=site.location, quote=claim.sentence,
                       method=method,
                       detail=f"claims {cert}, which the fact book does not list; add it to "
                              "messaging.yaml if true, else remove the claim")
    what = "talk track" if talk_track else "fact book"
    return Finding(kind="conflict", severity=severity, subject=slot.fact_id, expected=slot.text,
                   found=claim.found, source=site.source, location=site.location,
                   quote=claim.sentence, method=method,
                   detail=f"says {claim.found!r} where the {what} says {slot.text!r}")


def cosine_table(sentences: list[str], facts: list[str], embed) -> dict[str, dict[str, float]]:
    """Cosine of each sentence to each fact text, from one batch of embeddings.

    Args:
        sentences: Claim sentences.
        facts: Fact texts.
        embed: A function from texts to unit vectors (``ws.embedder.embed``).
    """
    sentences = list(dict.fromkeys(sentences))
    if not sentences or not facts:
        return {}
    vectors = np.asarray(embed(sentences + facts), dtype=np.float32)
    sims = vectors[: len(sentences)] @ vectors[len(sentences):].T
    return {s: {f: float(sims[i, j]) for j, f in enumerate(facts)}
            for i, s in enumerate(sentences)}


__all__ = ["ConflictFinder", "Match", "conflict_finding", "conflict_severity", "cosine_table"]
