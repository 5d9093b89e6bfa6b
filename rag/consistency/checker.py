"""The consistency run over a workspace: :class:`ConsistencyChecker`."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import LLMError, WorkspaceError
from rag.consistency.claims import ClaimExtractor, split_text, subjects_of
from rag.consistency.conflicts import (
    ConflictFinder,
    Match,
    conflict_finding,
    conflict_severity,
    cosine_table,
)
from rag.consistency.drift import DriftScorer
from rag.consistency.entities import VARIANT_SEVERITY, VariantFinder
from rag.consistency.facts import FactBook
from rag.consistency.llm import LLMComparer
from rag.consistency.readiness import (
    MISSING_ANSWER_THRESHOLD,
    GeoChecker,
    answer_findings,
    public_passages,
    theme_coverage,
)
from rag.consistency.records import Claim, ConsistencyReport, Finding, Site, SourceScore
from rag.consistency.report import ordered
from rag.consistency.scoring import SITE_KINDS, overall_score, source_score
from rag.consistency.sources import SourceText, asset_sources, call_sources
from rag.consistency.places import PlaceChecker
from rag.consistency.statements import StatementChecker

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace

log = logging.getLogger(__name__)

Embed = Callable[[Sequence[str]], np.ndarray]
LLM_COSINE = 0.55
"""A sentence the rules could not compare goes to the LLM when its cosine to a fact is this high."""


class ConsistencyChecker:
    """Checks every asset and call of a workspace against its messaging and fact book.

    Args:
        ws: The workspace (messaging, assets, calls, embedder).
        settings: callmine settings; ``settings.llm`` turns on the LLM comparison.
        llm_model: A chat model to use instead of ``settings.llm`` (tests pass a fake).
        missing_threshold: Cosine below which no public page answers an objection theme.
        drift_threshold: Alignment below which a category statement is drift.
        top_themes: How many of the most frequent objection themes to look for answers to.
        embed: Texts -> unit vectors; default ``ws.embedder.embed``. ``None`` together with
            ``use_embeddings=False`` runs the rules alone (no drift or missing answers).

    Example:
        >>> report = ConsistencyChecker(ws, settings).run(public_only=True)
        >>> [(f.kind, f.severity, f.found) for f in report.by_kind("conflict")][:1]
        [('conflict', 'high', '6 weeks')]
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None, *,
                 llm_model: Any = None, missing_threshold: float = MISSING_ANSWER_THRESHOLD,
                 drift_threshold: float = 0.5, top_themes: int = 5, embed: Embed | None = None,
                 use_embeddings: bool = True) -> None:
        self.ws = ws
        self.settings = settings
        self.llm_model = llm_model
        self.missing_threshold = missing_threshold
        self.drift_threshold = drift_threshold
        self.top_themes = top_themes
        self._embed = embed
        self.use_embeddings = use_embeddings

    @property
    def embed(self) -> Embed | None:
        if not self.use_embeddings:
            return None
        return self._embed or self.ws.embedder.embed

    def run(self, public_only: bool = False) -> ConsistencyReport:
        """Check the workspace and return the report.

        Args:
            public_only: Only public assets (no internal assets, no calls).

        Raises:
            WorkspaceError: when no messaging was ingested.
        """
        messaging = self.ws.messaging()
        if messaging is None:
            raise WorkspaceError(
                f"No messaging in {self.ws.root}: the consistency check compares content with "
                "the fact book. Run `callmine ingest messaging messaging.yaml` first.")
        book = FactBook(messaging)
        names = book.names
        sources = asset_sources(self.ws, names, public_only)
        if not public_only:
            sources += call_sources(self.ws, names)
        notes: list[str] = []
        if not messaging.facts:
            notes.append("messaging.yaml has no facts: conflicts were not checked.")
        extractor = book.extractor
        finder = ConflictFinder(book)
        variants = VariantFinder(names)
        findings: list[Finding] = []
        sited = [(site, claim) for src in sources for site, unit in src.units
                 for claim in extractor.extract(unit)]
        cosines = self._cosines(book, sited)
        findings += finder.findings(sited, cosines)
        findings += self._llm_findings(book, finder, sources, sited, cosines, notes)
        findings += self._statement_findings(
            [StatementChecker(extractor), PlaceChecker(extractor)], extractor, sources)
        findings += self._variant_findings(variants, sources)
        drift_scores: dict[str, float] = {}
        geo_counts: dict[str, dict[str, int]] = {}
        if self.embed is not None:
            drift, drift_scores = self._drift(messaging, sources)
            findings += drift
        findings_geo, geo_counts = GeoChecker(extractor, finder, variants).run(sources)
        findings += findings_geo
        findings += self._missing_answers(sources, notes)
        findings = ordered(_unique(findings))
        report = ConsistencyReport(score=0.0, findings=findings, public_only=public_only,
                                   notes=notes)
        report.sources = self._scores(sources, findings, drift_scores, geo_counts)
        report.score = overall_score(report.sources, findings)
        return report

    # -- conflicts ------------------------------------------------------------------------

    def _cosines(self, book: FactBook, sited: list[tuple[Site, Claim]]
                 ) -> dict[str, dict[str, float]] | None:
        if self.embed is None:
            return None
        kinds = {s.quantity.kind for s in book.slots if s.quantity is not None}
        probes = [c.probe for _, c in sited if not c.about_other and c.quantity is not None
                  and c.quantity.kind in kinds]
        return cosine_table(probes, book.texts(), self.embed)

    def _llm_findings(self, book: FactBook, finder: ConflictFinder, sources: list[SourceText],
                      sited: list[tuple[Site, Claim]], cosines: dict | None,
                      notes: list[str]) -> list[Finding]:
        llm = self.llm_model or (self.settings.llm if self.settings else None)
        if not llm or cosines is None:
            return []
        comparer = LLMComparer(book.messaging.company.name, model=self.llm_model) \
            if self.llm_model is not None else LLMComparer(book.messaging.company.name, llm)
        plain = self._plain_claims(book, sources, sited)
        cosines = {**cosines, **cosine_table([c.probe for _, c in plain], book.texts(),
                                             self.embed)}
        pairs = self._undecided(book, finder, sited + plain, cosines)[: comparer.max_pairs]
        out: list[Finding] = []
        for site, claim, slot in pairs:
            try:
                verdict = comparer.compare(slot.text, claim.sentence)
            except LLMError as exc:
                log.warning("LLM comparison off, rules only: %s", exc)
                notes.append(f"LLM comparison failed ({exc}); rules only.")
                return []
            if verdict.verdict == "conflict":
                m = Match(claim, slot, 1.0, verdict=False)
                finding = conflict_finding(site, m, method="llm")
                finding.found = verdict.found or claim.found or claim.sentence
                finding.detail = verdict.reason or finding.detail
                out.append(finding)
        return out

    @staticmethod
    def _plain_claims(book: FactBook, sources: list[SourceText],
                      sited: list[tuple[Site, Claim]]) -> list[tuple[Site, Claim]]:
        """Sentences of ours about a fact's subject in which the rules found no claim."""
        subjects = set().union(*(s.subjects for s in book.slots)) if book.slots else set()
        seen = {c.sentence for _, c in sited}
        out = []
        for src in sources:
            for site, unit in src.units:
                for sentence in split_text(book.extractor.mask_quotes(unit.text)):
                    if sentence in seen:
                        continue
                    seen.add(sentence)
                    found = subjects_of(sentence) & subjects
                    if not found or any(m.owner != "ours"
                                        for m in book.extractor.mentions(sentence, unit)):
                        continue
                    out.append((site, Claim(sentence=sentence, clause=sentence,
                                            subjects=frozenset(found))))
        return out

    def _undecided(self, book: FactBook, finder: ConflictFinder,
                   sited: list[tuple[Site, Claim]], cosines: dict[str, dict[str, float]]):
        """(site, claim, fact slot) pairs about a fact that the rules could not compare."""
        decided: set[str] = set()
        for _, claim in sited:
            m = finder.match(claim, cosines.get(claim.probe))
            if m is not None and m.verdict is not None:
                decided.add(claim.sentence)
        slots = {s.text: s for s in book.slots if s.origin == "fact"}
        out, seen = [], set()
        for site, claim in sited:
            if claim.about_other or claim.sentence in decided or claim.sentence in seen:
                continue
            sims = cosines.get(claim.probe) or {}
            best = max(((v, t) for t, v in sims.items() if t in slots), default=None)
            if best is None or best[0] < LLM_COSINE:
                continue
            if not subjects_of(claim.sentence) & slots[best[1]].subjects:
                continue
            seen.add(claim.sentence)
            out.append((site, claim, slots[best[1]]))
        return out

    @staticmethod
    def _statement_findings(checkers: list[StatementChecker | PlaceChecker],
                            extractor: ClaimExtractor, sources: list[SourceText]
                            ) -> list[Finding]:
        """Capability, pricing-term, hosting, compatibility and place claims that contradict
        the fact book (:mod:`~rag.consistency.statements`, :mod:`~rag.consistency.places`)."""
        out: list[Finding] = []
        for src in sources:
            for site, unit in src.units:
                for reading in extractor.readings(unit):
                    for c in (c for checker in checkers for c in checker.check(reading)):
                        claim = Claim(sentence=c.sentence, clause=c.found)
                        what = "talk track" if c.origin == "talk_track" else "fact book"
                        out.append(Finding(
                            kind="conflict",
                            severity=conflict_severity(site, claim, c.origin == "talk_track"),
                            subject=c.fact_id, expected=c.expected, found=c.found,
                            source=src.source, location=site.location, quote=c.sentence,
                            detail=f"says {c.found!r} where the {what} says {c.expected!r}"))
        return out

    # -- names and drift ------------------------------------------------------------------

    @staticmethod
    def _variant_findings(variants: VariantFinder, sources: list[SourceText]) -> list[Finding]:
        out: list[Finding] = []
        for src in sources:
            seen: dict[str, Finding] = {}
            for site, unit in src.units:
                for v in variants.find(unit.text):
                    if v.found in seen:
                        continue
                    severity = VARIANT_SEVERITY[v.reason] if src.public else "low"
                    seen[v.found] = Finding(
                        kind="entity_variant", severity=severity, subject=v.declared,
                        expected=f"a declared name ({v.declared}); declared: "
                                 + ", ".join(variants.names.declared),
                        found=v.found, source=src.source, location=site.location,
                        quote=v.sentence,
                        detail=f"{v.reason} variant of {v.declared!r}: use the declared name, "
                               "or add it to the aliases in messaging.yaml")
            out += seen.values()
        return out

    def _drift(self, messaging: Any, sources: list[SourceText]
               ) -> tuple[list[Finding], dict[str, float]]:
        scorer = DriftScorer(messaging, self.embed, threshold=self.drift_threshold)
        items: list[tuple[SourceText, Site, Any]] = []
        for src in sources:
            for i, (site, unit) in enumerate(src.units):
                hero = i == 0 and _is_home(src)
                for d in scorer.descriptions(unit.text, unit.heading, hero=hero):
                    items.append((src, site, d))
        aligned = scorer.align([d for _, _, d in items])
        per_source: dict[str, list[float]] = defaultdict(list)
        out: list[Finding] = []
        expected = f"{messaging.company.name}: {messaging.category}" if messaging.category \
            else "the talk tracks"
        for (src, site, d), a in zip(items, aligned):
            per_source[src.source].append(a.score)
            if scorer.drifting(a):
                out.append(Finding(
                    kind="drift", severity="medium" if src.public else "low",
                    subject=f"{d.kind} statement", expected=expected,
                    found=d.phrase or d.sentence, source=src.source, location=site.location,
                    quote=d.sentence,
                    detail=f"alignment {a.score:.2f} with the canonical category and talk "
                           f"tracks (key words of the category: {a.keyword_share:.0%})"))
        return out, {k: round(float(np.mean(v)), 3) for k, v in per_source.items()}

    # -- readiness ------------------------------------------------------------------------

    def _missing_answers(self, sources: list[SourceText], notes: list[str]) -> list[Finding]:
        if self.embed is None:
            return []
        try:
            from insights import load_themes

            themes = [t for t in load_themes(self.ws) if not t.mention]
        except Exception as exc:  # insights tables missing or unreadable: skip, say so
            log.warning("objection themes unavailable: %s", exc)
            themes = []
        if not themes:
            notes.append("no objection themes (analyse calls first): missing answers not checked.")
            return []
        themes = sorted(themes, key=lambda t: -t.count)[: self.top_themes]
        passages, vectors = public_passages(self.ws, sources, self.embed)
        coverage = theme_coverage(themes, passages, vectors, self.embed)
        return answer_findings(themes, coverage, self.missing_threshold)

    # -- scores ---------------------------------------------------------------------------

    @staticmethod
    def _scores(sources: list[SourceText], findings: list[Finding],
                drift: dict[str, float], geo: dict[str, dict[str, int]]) -> list[SourceScore]:
        by_source: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            if f.kind not in SITE_KINDS:
                by_source[f.source].append(f)
        return [SourceScore(source=s.source, score=source_score(by_source[s.source]),
                            kind="call" if s.kind == "call" else "asset", title=s.title,
                            public=s.public, findings=len(by_source[s.source]),
                            drift=drift.get(s.source), geo=geo.get(s.source))
                for s in sources]


def _is_home(src: SourceText) -> bool:
    """Whether a source is the site's home page (its hero text is boilerplate)."""
    from urllib.parse import urlparse

    if not (src.public and src.type == "web_page"):
        return False
    path = urlparse(src.url or "").path if src.url else None
    return path in ("", "/") if path is not None else \
        any(k in src.source.lower() for k in ("home", "index"))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in findings:
        key = (f.kind, f.source, f.subject, f.found, f.quote)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


__all__ = ["ConsistencyChecker", "LLM_COSINE"]
