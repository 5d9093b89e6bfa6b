"""Score retrieval and the shipped covered decision on the labelled set.

    .venv/bin/python bench/eval_retrieval.py [--split held_out|train|all] [--json]

The labelled set (``training/data/covered_labels.yaml``: buyer questions and objections, each with
the assets that answer it, near misses and unrelated assets) is split deterministically by
query (``training.labels.split``); ``rag/covered.json`` was fitted on the training split only
(``python -m training.train_covered``). Each corpus (the demo content and the second corpus in
``training/data/corpora``) is ingested once into ``bench/out/eval-corpora`` and reused.

Prints, per split and per corpus: hit@1, hit@3 and MRR of the first answering asset in the
recommendation order (over queries that some asset answers), covered accuracy (the query-level
decision against the truth "some asset answers"), pair accuracy (each labelled pair's
probability against the threshold), and the split sizes. Targets from the issue, on the
held-out split: hit@3 >= 0.90, covered accuracy >= 0.85.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import offline_environment  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "eval-corpora"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("held_out", "train", "all"), default="all")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--cache", type=Path, default=OUT, help="corpus workspaces folder")
    args = parser.parse_args(argv)
    offline_environment()

    from rag.covered import CoveredModel
    from training.labels import load_labels, split
    from training.train_covered import evaluate, featurize, predict

    model = CoveredModel.load()
    queries = load_labels()
    train, held_out = split(queries)
    rows = featurize(queries, args.cache)
    probs = predict(model, rows)
    rerank = bool(model.info.get("rerank", True))
    splits = {"held_out": held_out, "train": train}
    if args.split != "all":
        splits = {args.split: splits[args.split]}
    report: dict = {"threshold": model.threshold, "rerank": rerank,
                    "sizes": {"queries": len(queries),
                              "pairs": sum(len(q.pairs) for q in queries),
                              "train": {"queries": len(train),
                                        "pairs": sum(len(q.pairs) for q in train)},
                              "held_out": {"queries": len(held_out),
                                           "pairs": sum(len(q.pairs) for q in held_out)}},
                    "splits": {}}
    for name, group in splits.items():
        report["splits"][name] = {
            "all": asdict(evaluate(group, rows, probs, model.threshold, rerank)),
            "fused_order": asdict(evaluate(group, rows, probs, model.threshold, False)),
            **{corpus: asdict(evaluate([q for q in group if q.corpus == corpus], rows, probs,
                                       model.threshold, rerank))
               for corpus in sorted({q.corpus for q in group})},
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    sizes = report["sizes"]
    print(f"labelled set: {sizes['queries']} queries, {sizes['pairs']} pairs "
          f"(train {sizes['train']['queries']} queries / {sizes['train']['pairs']} pairs, "
          f"held-out {sizes['held_out']['queries']} / {sizes['held_out']['pairs']})")
    print(f"covered threshold {model.threshold:.2f}; recommendations ordered by "
          f"{'covered probability (top 10 fused assets)' if rerank else 'fused rank'}")
    for name, figures in report["splits"].items():
        print(f"\n{name}:")
        for label, s in figures.items():
            print(f"  {label:<12} hit@1 {s['hit1']:.3f}  hit@3 {s['hit3']:.3f}  MRR {s['mrr']:.3f}"
                  f"  covered acc {s['covered_accuracy']:.3f}  pair acc {s['pair_accuracy']:.3f}"
                  f"  ({s['queries']} queries, {s['answered']} answered, {s['pairs']} pairs)")
    held = report["splits"].get("held_out", {}).get("all")
    if held:
        ok = held["hit3"] >= 0.90 and held["covered_accuracy"] >= 0.85
        print(f"\ntargets (held-out hit@3 >= 0.90, covered accuracy >= 0.85): "
              f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
