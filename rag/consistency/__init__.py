"""Messaging consistency and GEO readiness: does everything we publish and say tell one story?

``ConsistencyChecker(ws, settings).run(public_only=False)`` reads every asset passage and every
rep turn of a workspace and compares them with its ``messaging.yaml``:

- **conflict**: a number, certification, year or place that contradicts the fact book
  (:mod:`~rag.consistency.quantities`, :mod:`~rag.consistency.claims`,
  :mod:`~rag.consistency.align`, :mod:`~rag.consistency.conflicts`), including prices in
  tables (rows are read with their headers, :mod:`~rag.consistency.tables`); a capability,
  hosting option, pricing term or compatibility the fact book denies or names otherwise
  ("offers GPU instances" against "doesn't offer GPU instances", "$20 per seat" against "no
  per-seat cost", "compatible with PostgreSQL" against "MySQL compatible",
  :mod:`~rag.consistency.statements`); a named region placed elsewhere
  (:mod:`~rag.consistency.places`). Claims about competitors and partners are left alone;
- **entity_variant**: an undeclared spelling of a company or product name: joined, spaced,
  hyphenated, capitalised inside or misspelt (:mod:`~rag.consistency.entities`); the company
  name plus a common word ("Acme Volumes") is a feature's name, not a variant;
- **drift**: self-descriptions that stray from the canonical category and talk tracks
  (:mod:`~rag.consistency.drift`);
- **geo**: public pages without valid, consistent schema.org JSON-LD, or without quotations,
  statistics and cited sources (:mod:`~rag.consistency.geo`, :mod:`~rag.consistency.readiness`);
- **missing_answer**: top objection themes of the calls that no public page answers.

The same checks guard single sentences, e.g. of a follow-up draft
(:class:`~rag.consistency.guard.FactGuard`).

Scores (:mod:`~rag.consistency.scoring`): a source scores ``100 - sum of penalties`` (high 25,
medium 10, low 3; floored at 0; missing answers excluded); the overall score is the mean of the
source scores with public assets counting twice, minus the missing-answer penalties (at most
20), floored at 0.

Example:
    >>> report = ConsistencyChecker(ws, settings).run()
    >>> _ = Path("consistency.md").write_text(report_markdown(report))
    >>> Path("consistency.md").read_text().splitlines()[0]
    '# Messaging consistency and GEO readiness'
"""

from rag.consistency.checker import ConsistencyChecker
from rag.consistency.guard import FactConflict, FactGuard
from rag.consistency.records import (
    KINDS,
    PENALTY,
    SEVERITIES,
    ConsistencyReport,
    Finding,
    SourceScore,
)
from rag.consistency.report import report_markdown, report_text

__all__ = [
    "KINDS",
    "PENALTY",
    "SEVERITIES",
    "ConsistencyChecker",
    "ConsistencyReport",
    "FactConflict",
    "FactGuard",
    "Finding",
    "SourceScore",
    "report_markdown",
    "report_text",
]
