"""Typed records of the consistency check: claims, findings, scores and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.consistency.quantities import Quantity

FindingKind = Literal["conflict", "entity_variant", "drift", "missing_answer", "geo"]
Severity = Literal["high", "medium", "low"]

KINDS: tuple[str, ...] = ("conflict", "entity_variant", "drift", "missing_answer", "geo")
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
PENALTY = {"high": 25, "medium": 10, "low": 3}
"""Points a finding takes off its source's score (see :mod:`rag.consistency.scoring`)."""


@dataclass(frozen=True, slots=True)
class Certification:
    """A security or compliance certification named in a text (``SOC 2`` + ``Type II``)."""

    family: str
    variant: str | None = None
    text: str = ""

    @property
    def label(self) -> str:
        return f"{self.family} {self.variant}" if self.variant else self.family


@dataclass(frozen=True, slots=True)
class Site:
    """Where a text stands: its source (asset id or ``call:<id>``) and location in it."""

    source: str
    location: str = ""
    public: bool = False
    call: bool = False
    title: str = ""


@dataclass(slots=True)
class Claim:
    """Something a sentence asserts that the fact book can confirm or contradict.

    Exactly one of ``quantity``, ``certification`` or ``place`` is set.

    Attributes:
        sentence: The sentence as written (the quote of a finding).
        clause: The part of the sentence the claim stands in.
        subjects: Subject keys found around the claim (``uptime``, ``customers``...).
        terms: Stems of the clause's content words (for facts outside the subject lexicon).
        weak_subject: The subjects come from the whole sentence, not the claim's clause.
        about_other: The claim is about another company (a competitor, a partner, a customer's
            own result, "they"), so it is not ours to check.
        hedged: Said with a hedge ("I think", "roughly", "if I remember").
        products: Our declared products named around the claim.
    """

    sentence: str
    clause: str
    quantity: Quantity | None = None
    certification: Certification | None = None
    place: str | None = None
    subjects: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    weak_subject: bool = False
    about_other: bool = False
    hedged: bool = False
    products: frozenset[str] = frozenset()
    """Our products the claim's clause (else its sentence) names."""
    context: frozenset[str] = frozenset()
    """Content terms of the whole sentence (a table row: the row with its headers)."""
    heading: frozenset[str] = frozenset()
    """Content terms of the heading the sentence stands under (its last part)."""
    entities: frozenset[str] = frozenset()
    """Terms of the things the claim's value belongs to
    (:func:`~rag.consistency.align.claim_entities`)."""
    heading_acronyms: frozenset[str] = frozenset()
    """Acronyms in the heading above the sentence ("VM pricing" -> ``vm``), lower-cased."""

    @property
    def probe(self) -> str:
        """The text embedded to match the claim to a fact: its clause, or its sentence when
        the clause is too short to stand alone."""
        return self.clause if len(self.clause.split()) >= 5 else self.sentence

    @property
    def found(self) -> str:
        """What the claim says, short: ``99.5%``, ``SOC 2 Type I``, ``Boulder``."""
        if self.quantity is not None:
            return self.quantity.text
        if self.certification is not None:
            return self.certification.text or self.certification.label
        return self.place or ""


@dataclass(slots=True)
class Finding:
    """One inconsistency or readiness problem, where it is and what it should say.

    ``source`` is an asset id or ``call:<call_id>``; ``location`` is the file with heading
    path, page or slide, or ``turn N at mm:ss`` in a call; ``quote`` is the text as written.
    """

    kind: FindingKind
    severity: Severity
    subject: str
    expected: str
    found: str
    source: str
    location: str = ""
    quote: str = ""
    method: str = "rules"
    """``rules`` or ``llm`` (a claim pair the rules could not compare, judged by the LLM)."""
    detail: str = ""
    """A sentence for people: why this is a finding and what to do."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SourceScore:
    """A source's consistency score (0-100) with what went into it."""

    source: str
    score: float
    kind: Literal["asset", "call"] = "asset"
    title: str = ""
    public: bool = False
    findings: int = 0
    drift: float | None = None
    """Similarity (0-1) of the source's self-descriptions to the canonical messaging; None
    when it has none."""
    geo: dict[str, int] | None = None
    """For public pages: counts of quotations, statistics and cited sources (and, for HTML
    pages, of the JSON-LD types found)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ConsistencyReport:
    """The result of a consistency run: overall score, findings and per-source scores."""

    score: float
    findings: list[Finding] = field(default_factory=list)
    sources: list[SourceScore] = field(default_factory=list)
    public_only: bool = False
    notes: list[str] = field(default_factory=list)
    """What could not be checked and why (no messaging, no themes, LLM fell back...)."""

    def to_dict(self) -> dict[str, Any]:
        """The contract JSON (``callmine consistency --format json``)."""
        return {
            "score": self.score,
            "findings": [f.to_dict() for f in self.findings],
            "sources": [s.to_dict() for s in self.sources],
            "public_only": self.public_only,
            "notes": list(self.notes),
        }

    def by_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


__all__ = ["Certification", "Claim", "Site", "ConsistencyReport", "Finding", "FindingKind", "KINDS",
           "PENALTY", "SEVERITIES", "Severity", "SourceScore"]
