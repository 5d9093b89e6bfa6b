"""Conflicts: our claims that the fact book contradicts.

A numeric claim is matched to the fact-book slot it is about
(:class:`~rag.consistency.facts.FactSlot`):

- **comparable**: same kind of value (a percentage with a percentage, a duration with a
  duration, money in the same currency, basis and period), within a factor of ten (a
  30-minute demo is not a 30-day implementation), not about another of our products than the
  one the fact names, nor about one of our products when the fact prices something else;
- **the same thing**: the value belongs to what the slot names (:func:`~rag.consistency.align.
  same_thing`: "$59" in the row of the Teams plan is not the Starter plan's price; a value that
  belongs to nothing named is about the slot only when the fact book has no sibling slot);
- **the same measure**: the sentence or heading holds one of the slot's anchors (the key
  terms of the clause stating its value, :func:`~rag.consistency.align.anchored`), or shares
  a subject of the lexicon with it in the claim's own clause;
- **enough evidence**: two of the slot's key terms (names included) around the claim, or a
  shared subject, or the same pricing basis ("per GB"), or an embedding cosine of at least
  ``close_cosine``; and the idf-weighted key terms found (:func:`~rag.consistency.align.
  found_weight`, plus ``SUBJECT_EVIDENCE``/``BASIS_EVIDENCE``) reach ``min_evidence``.

Matches rank by key-term coverage, cosine and named things; a fact within ``fact_margin`` of
the best match, or stating the same value, wins over a talk track; a claim that agrees with a
slot within ``agree_margin`` of the best one is read as that one. The values are then compared
(:func:`~rag.consistency.quantities.compatible`). A conflicting value under a heading that
names a variant by an acronym ("VM pricing"), on a page that states the fact's value
elsewhere, is not reported.

Certifications conflict when the fact book names another variant (SOC 2 Type I vs Type II) or
does not name the certification at all (lower severity: it may be true but is unverified);
a headquarters conflicts when no fact-book place shares a word with it.

Severity: high for public assets and for a rep's exact number on a call; medium for internal
assets and for a hedged or approximate number on a call; one step lower when the contradicted
statement is a talk track rather than a fact, or the certification is merely unlisted.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from rag.consistency.align import coverage, found_weight, matched_terms, same_thing
from rag.consistency.claims import key_term, subjects_of
from rag.consistency.facts import FactBook, FactSlot, effective_subjects
from rag.consistency.quantities import Quantity, compatible
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
    evidence: float = 0.0
    """Weight of the slot's key terms found around the claim (:func:`found_weight`)."""


class ConflictFinder:
    """Matches claims to the fact book and reports the contradictions.

    Args:
        book: The fact book.
        min_cosine: With embeddings, a match needs at least this cosine between the claim's
            sentence and the fact.
        min_evidence: The weight of key terms a match needs (see the module docstring).
        close_cosine: A cosine at which one shared key term is enough.
        fact_margin: How far below a talk track's match a fact's may score and still win.
        agree_margin: How far below the best match an agreeing one may score and still win.

    Example:
        >>> from ingest.messaging import load_messaging
        >>> from rag.consistency.claims import ClaimExtractor, TextUnit
        >>> book = FactBook(load_messaging(Path("demo/messaging.yaml")))
        >>> finder = ConflictFinder(book)
        >>> claim = ClaimExtractor(book.names).extract(TextUnit("We offer 99.5% uptime."))[0]
        >>> finder.match(claim).verdict
        False
    """

    def __init__(self, book: FactBook, min_cosine: float = 0.2, min_evidence: float = 1.5,
                 close_cosine: float = 0.6, fact_margin: float = 0.15,
                 agree_margin: float = 0.1) -> None:
        self.book = book
        self.min_cosine = min_cosine
        self.close_cosine = close_cosine
        self.min_evidence = min_evidence
        self.fact_margin = fact_margin
        self.agree_margin = agree_margin

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
            if claim.products and not slot.products and \
                    not slot.anchors <= (claim.terms | claim.context):
                continue  # a product's own price, not that of what the fact prices
            shared = effective_subjects(claim.subjects, q.kind) & \
                effective_subjects(slot.subjects, q.kind)
            # a subject of the lexicon in the claim's own words ("price" is also given to
            # every monthly amount, which says nothing about what it is the price of)
            strong = not claim.weak_subject and bool(
                shared - {"price"} or shared & subjects_of(claim.clause))
            if not same_thing(slot.entities, claim, slot.siblings) or \
                    not (strong or self._anchored(slot, claim)):
                continue  # "$1 of credit on the Free plan" is not the Trial's grant
            basis = _same_basis(q, slot.quantity)
            cosine = cosines.get(slot.text) if cosines else None
            named = slot.entities & (claim.entities | claim.context | claim.heading)
            if not (strong or basis or matched_terms(slot.weights, claim) + len(named) >= 2
                    or (cosine or 0.0) >= self.close_cosine):
                continue  # one shared word ("capture") does not make "1-2% discounts" accuracy
            evidence = found_weight(slot.weights, claim) + (BASIS_EVIDENCE if basis else 0.0) + \
                (SUBJECT_EVIDENCE if strong else 0.0)
            if not self._accept(evidence, cosine):
                continue
            score = coverage(slot.weights, claim) + 0.5 * (cosine or 0.0) + \
                0.2 * bool(named) + 0.1 * len(shared) + (0.05 if slot.origin == "fact" else 0.0)
            matches.append(Match(claim, slot, score, cosine, verdict, evidence=evidence))
        if not matches:
            return None
        matches.sort(key=lambda m: -m.score)
        best = matches[0]
        facts = [m for m in matches if m.slot.origin == "fact"]
        if best.slot.origin != "fact" and facts:
            # a talk track and a fact about the same thing: report against the fact
            fact = facts[0]
            if fact.slot.quantity.value == best.slot.quantity.value or \
                    fact.score >= best.score - self.fact_margin:
                best = fact
        if best.verdict is False and any(m.verdict for m in matches
                                         if m.score >= best.score - self.agree_margin):
            # as true of another slot as close to the claim: read it as that one
            floor = best.score - self.agree_margin
            best = next(m for m in matches if m.verdict and m.score >= floor)
        return best

    @staticmethod
    def _anchored(slot: FactSlot, claim: Claim) -> bool:
        """Whether a claim holds one of a slot's anchors, not as a word another noun qualifies
        otherwise ("bucket storage" is not the "volume storage" of a fact)."""
        if not slot.anchors:
            return True
        around = claim.terms | claim.context | claim.heading
        return any(a in around and not _modified_otherwise(a, slot.text, claim.sentence)
                   for a in slot.anchors)

    def _accept(self, evidence: float, cosine: float | None) -> bool:
        """Whether the evidence that a claim is about a slot is enough: enough weight of the
        slot's key terms around the claim, and, with embeddings, a cosine that is not far
        off."""
        return evidence >= self.min_evidence and (cosine is None or cosine >= self.min_cosine)

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
        matched = [(site, self.match(claim, cosines.get(claim.probe) if cosines else None))
                   for site, claim in sited]
        agreeing: dict[tuple[str, int], list[Claim]] = defaultdict(list)
        for site, m in matched:
            if m is not None and m.verdict and m.slot is not None:
                agreeing[(site.source, id(m.slot))].append(m.claim)
        for site, m in matched:
            if m is None or m.verdict is not False:
                continue
            if m.slot is not None and _scoped(m, agreeing[(site.source, id(m.slot))]):
                continue
            finding = conflict_finding(site, m)
            key = (finding.source, finding.subject, finding.found, finding.quote)
            if key not in seen:
                seen.add(key)
                out.append(finding)
        return out


def _modifiers(text: str, term: str) -> list[str | None]:
    """For each word of ``text`` whose key term is ``term``: the key term of the word right
    before it when that is a noun-like word of three letters or more, else None."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9-]*", text)
    out: list[str | None] = []
    for i, w in enumerate(words):
        if key_term(w.lower()) != term:
            continue
        prev = words[i - 1].lower() if i else ""
        out.append(key_term(prev) if len(prev) >= 3 and prev.isalpha() else None)
    return out


def _modified_otherwise(term: str, fact: str, sentence: str) -> bool:
    """Whether every use of ``term`` in a sentence is qualified by a word the fact does not use
    where the fact qualifies it too ("bucket storage" against "volume storage")."""
    fact_mods = [m for m in _modifiers(fact, term) if m]
    if not fact_mods:
        return False
    fact_terms = {key_term(w) for w in re.findall(r"[a-z0-9]+", fact.lower())}
    uses = _modifiers(sentence, term)
    return bool(uses) and all(m is not None and m not in fact_terms for m in uses)


def _scoped(m: Match, agreeing: list[Claim]) -> bool:
    """Whether a conflicting claim is about a variant its section names: the same source
    states the fact's value for the same slot elsewhere, and the conflicting claim's heading
    names a thing by an acronym ("VM pricing (Beta)") that neither the fact nor the agreeing
    claims' headings name. A pricing page with a second table for another kind of machine is
    not a contradiction of the first."""
    fact = {t.lower() for t in tokens(m.slot.text)}
    extra = m.claim.heading_acronyms - fact
    return bool(extra) and any(not extra <= c.heading_acronyms for c in agreeing)


SUBJECT_EVIDENCE = 1.5
"""Evidence that a claim is about a slot when both have a subject of the lexicon (uptime,
customers, implementation...) in the claim's own clause: enough on its own."""
BASIS_EVIDENCE = 2.0
"""Evidence that two prices are of one thing when both are per the same unit ("per GB",
"per vCPU", "per seat"): as much as one distinctive key word."""


def _same_basis(a: Quantity, b: Quantity) -> bool:
    """Two amounts of money per the same unit other than a period (``USD/gb/month``)."""
    if a.kind != "money" or b.kind != "money":
        return False
    basis = [p for p in a.unit.split("/")[1:] if p != "month"]
    return bool(basis) and basis == [p for p in b.unit.split("/")[1:] if p != "month"]


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
