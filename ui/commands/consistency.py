"""``callmine consistency``: messaging consistency and GEO readiness (see CONTRACT.md).

``--format json`` prints the contract document ``{"score", "findings", "sources"}``; text
output groups the findings by kind, severity first; ``--report FILE.md`` also writes the
Markdown report. Findings are results, not errors: the exit code is 0 whenever the check ran,
2 for bad input (no messaging ingested, a report path whose folder does not exist).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ingest.errors import InputError
from ingest.settings import Settings


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``consistency`` to the ``callmine`` parser."""
    p = sub.add_parser("consistency", parents=[common],
                       help="check content and calls against messaging.yaml; GEO readiness")
    p.add_argument("--public-only", action="store_true",
                   help="only public assets (no internal assets, no calls)")
    p.add_argument("--report", metavar="FILE.md", help="also write the report as Markdown")
    p.set_defaults(handler=consistency)


def consistency(args: argparse.Namespace, settings: Settings) -> int:
    from rag.consistency import ConsistencyChecker, report_markdown, report_text
    from ui.cli import _workspace, emit

    target = Path(args.report) if args.report else None
    if target is not None and not target.parent.is_dir():
        raise InputError(f"--report {target}: the folder {target.parent} does not exist; "
                         "give a path in an existing folder.")
    if target is not None and target.is_dir():
        raise InputError(f"--report {target} is a folder; give a file path such as "
                         f"{target / 'consistency.md'}.")
    ws = _workspace(settings)
    report = ConsistencyChecker(ws, settings).run(public_only=args.public_only)
    if target is not None:
        target.write_text(report_markdown(report), encoding="utf-8")
        print(f"callmine: report written to {target}", file=sys.stderr)
    emit(args, report.to_dict(), lambda _: report_text(report))
    return 0
