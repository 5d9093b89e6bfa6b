"""Messaging consistency and GEO readiness: does everything we publish and say tell one story?

``ConsistencyChecker(ws, settings).run(public_only=False)`` reads every asset passage and every
rep turn of a workspace and compares them with its ``messaging.yaml``:

- **conflict**: a number, certification, year or place that contradicts the fact book
  (:mod:`~rag.consistency.quantities`, :mod:`~rag.consistency.claims`,
  :mod:`~rag.consistency.conflicts`); claims about competitors and partners are left alone;
- **entity_variant**: an undeclared spelling of a company or product name
  (:mod:`~rag.consistency.entities`);
- **drift**: self-descriptions that stray from the canonical category and talk tracks
  (:mod:`~rag.consistency.drift`);
- **geo**: public pages without valid, consistent schema.org JSON-LD, or without quotations,
  statistics and cited sources (:mod:`~rag.consistency.geo`, :mod:`~rag.consistency.readiness`);
- **missing_answer**: top objection themes of the calls that no public page answers.

Scores (:mod:`~rag.consistency.scoring`): a source scores ``100 - sum of penalties`` (high 25,
medium 10, low 3; floored at 0; missing answers excluded); the overall score is the mean of the
source scores with public assets counting twice, minus the missing-answer penalties (at most
20), floored at 0.

Example:
    >>> report = ConsistencyChecker(ws, settings).run()
    >>> Path("consistency.md").write_text(report_markdown(report))
"""

from rag.consistency.checker import ConsistencyChecker
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
    "Finding",
    "SourceScore",
    "report_markdown",
    "report_text",
]
