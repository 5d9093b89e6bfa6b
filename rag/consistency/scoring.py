"""Consistency scores, 0-100, per source and overall.

**Source score** = ``max(0, 100 - sum of its findings' penalties)``, with penalties high 25,
medium 10, low 3 (:data:`~rag.consistency.records.PENALTY`). ``missing_answer`` findings are
not a source's fault (they say what no public page answers) and do not count here.

**Overall score** = the mean of the source scores weighted by reach (public assets 2,
internal assets and calls 1), minus the readiness penalty: the sum of the ``missing_answer``
penalties, capped at 20; floored at 0 and rounded to one decimal. With no sources the overall
score is 100 minus the readiness penalty.

Example: a public page with one high conflict (75), an internal deck with two medium
conflicts (80) and a clean call (100) give ``(2*75 + 80 + 100) / 4 = 82.5``; one medium
missing answer makes it 72.5.
"""

from __future__ import annotations

from collections.abc import Iterable

from rag.consistency.records import PENALTY, Finding, SourceScore

SITE_KINDS = frozenset({"missing_answer"})
"""Finding kinds that lower the overall score only, not a source's."""
PUBLIC_WEIGHT = 2.0
"""Weight of a public asset in the overall mean (internal assets and calls weigh 1)."""
READINESS_CAP = 20.0
"""At most this many points come off the overall score for missing answers."""


def source_score(findings: Iterable[Finding]) -> float:
    """100 minus the penalties of a source's findings, floored at 0.

    Example:
        >>> source_score([Finding("conflict", "high", "uptime", "99.9%", "99.5%", "deck")])
        75.0
    """
    lost = sum(PENALTY[f.severity] for f in findings if f.kind not in SITE_KINDS)
    return float(max(0, 100 - lost))


def overall_score(sources: Iterable[SourceScore], findings: Iterable[Finding]) -> float:
    """The reach-weighted mean of source scores minus the capped readiness penalty."""
    total = weight = 0.0
    for s in sources:
        w = PUBLIC_WEIGHT if s.public else 1.0
        total += w * s.score
        weight += w
    mean = total / weight if weight else 100.0
    readiness = min(READINESS_CAP, sum(PENALTY[f.severity] for f in findings
                                       if f.kind in SITE_KINDS))
    return round(max(0.0, mean - readiness), 1)


__all__ = ["PUBLIC_WEIGHT", "READINESS_CAP", "SITE_KINDS", "overall_score", "source_score"]
