"""Recall and precision of `callmine consistency` on its labelled evaluation set.

Each folder of ``rag/consistency/data/eval/`` (a fact book, content, call transcripts and
``labels.yaml``) is ingested into a temporary workspace with the real ingest pipeline and the
bundled MiniLM, checked with ``ConsistencyChecker``, and its findings are matched to the labels:
a finding matches a label when it has the label's source, kind and subject (fact id, declared
name or JSON-LD subject; drift has none) and its ``found`` or ``quote`` contains the label's
``found``. Each label and each finding match at most once.

Scored: ``conflict``, ``entity_variant``, ``drift`` and the JSON-LD ``geo`` findings. GEO-method
findings (quotations/statistics/citations counts) and ``missing_answer`` (no objection themes in
the set) are not labelled and not scored.

Usage::

    .venv/bin/python bench/eval_consistency.py [--verbose] [--folder orbitask]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.settings import Settings, offline_environment  # noqa: E402

EVAL = REPO / "rag" / "consistency" / "data" / "eval"
SCORED_KINDS = ("conflict", "entity_variant", "drift", "geo")


def scored(finding) -> bool:
    """Whether a finding is of a kind the labels cover."""
    if finding.kind == "geo":
        return finding.subject.startswith("json-ld")
    return finding.kind in SCORED_KINDS


def matches(label: dict, finding) -> bool:
    if finding.source != label["file"] or finding.kind != label["kind"]:
        return False
    if label.get("subject") and finding.subject != label["subject"]:
        return False
    return str(label["found"]).lower() in f"{finding.found} {finding.quote}".lower()


def check(folder: Path, embedder) -> tuple[list, list[dict], float]:
    """Ingest a folder into a temporary workspace and run the checker on it."""
    from ingest.pipeline import CallIngestor, ContentIngestor, ingest_messaging
    from ingest.store import Workspace
    from rag.consistency import ConsistencyChecker

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(workspace=Path(tmp) / "ws")
        ws = Workspace(settings.workspace, embedder)
        ingest_messaging(ws, folder / "messaging.yaml")
        content = ContentIngestor(ws).run([folder / "content"], folder / "content" / "content.csv")
        for r in content.failed:
            print(f"  ingest failed: {r.message}")
        calls = CallIngestor(ws, settings).run([folder / "calls"])
        for r in calls.failed:
            print(f"  ingest failed: {r.message}")
        start = time.perf_counter()
        report = ConsistencyChecker(ws, settings).run()
        seconds = time.perf_counter() - start
        ws.close()
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))["findings"]
    return [f for f in report.findings if scored(f)], labels, seconds


def score(findings: list, labels: list[dict]) -> tuple[Counter, Counter, Counter, list, list]:
    """True positives, false positives and misses per kind (greedy one-to-one matching)."""
    tp, fp, fn = Counter(), Counter(), Counter()
    used: set[int] = set()
    missed = []
    for label in labels:
        hit = next((i for i, f in enumerate(findings) if i not in used and matches(label, f)),
                   None)
        if hit is None:
            fn[label["kind"]] += 1
            missed.append(label)
        else:
            used.add(hit)
            tp[label["kind"]] += 1
    extra = [f for i, f in enumerate(findings) if i not in used]
    for f in extra:
        fp[f.kind] += 1
    return tp, fp, fn, missed, extra


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", action="append", help="only this eval folder (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="list misses and extra findings")
    args = parser.parse_args()
    offline_environment()
    logging.basicConfig(level=logging.WARNING)
    from ingest.embed import Embedder

    embedder = Embedder()
    embedder.warm_up()
    folders = [EVAL / f for f in args.folder] if args.folder else \
        sorted(p for p in EVAL.iterdir() if (p / "labels.yaml").is_file())
    total_tp, total_fp, total_fn = Counter(), Counter(), Counter()
    for folder in folders:
        findings, labels, seconds = check(folder, embedder)
        tp, fp, fn, missed, extra = score(findings, labels)
        total_tp += tp
        total_fp += fp
        total_fn += fn
        t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        print(f"{folder.name}: {len(labels)} labels, {len(findings)} scored findings, "
              f"recall {_ratio(t, t + n)}, precision {_ratio(t, t + p)} (check {seconds:.1f}s)")
        if args.verbose:
            for label in missed:
                print(f"  MISSED {label['kind']:<14} {label['file']:<28} "
                      f"{label.get('subject', '')}: {label['found']}")
            for f in extra:
                print(f"  EXTRA  {f.kind:<14} {f.source:<28} {f.subject}: {f.found!r} "
                      f"[{f.severity}] \"{f.quote[:90]}\"")
    print()
    print(f"{'kind':<16}{'labels':>7}{'found':>7}{'recall':>8}{'precision':>11}")
    for kind in SCORED_KINDS:
        t, p, n = total_tp[kind], total_fp[kind], total_fn[kind]
        print(f"{kind:<16}{t + n:>7}{t + p:>7}{_ratio(t, t + n):>8}{_ratio(t, t + p):>11}")
    t, p, n = sum(total_tp.values()), sum(total_fp.values()), sum(total_fn.values())
    print(f"{'overall':<16}{t + n:>7}{t + p:>7}{_ratio(t, t + n):>8}{_ratio(t, t + p):>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
