"""Score the shipped objection detector on the held-out set.

    .venv/bin/python bench/eval_objections.py [--data training/data/objections_heldout.jsonl]
                                              [--json] [--quantized]

This set was written by the team (never used for training or tuning): a regression check
only; the figures that count are measured on real third-party chats by
``bench/realdata.py``. Each held-out text goes through the real detector as one buyer turn
with no rep turn before it, twice: (A) the sentence head alone (sentence split, head, span
merge), and (B) as shipped: the turn model over the sentence head (``insights.turn_head``).
Prints precision/recall/F1 per category and overall, detection F1 (objection vs none),
category accuracy on true objections, and the confusion matrix. Targets: detection F1 >= 0.85
(as shipped), category accuracy >= 0.80.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import offline_environment  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[1] / "training" / "data" / "objections_heldout.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quantized", action="store_true",
                        help="embed with the int8-quantized model (the bulk analysis path)")
    args = parser.parse_args(argv)
    offline_environment()

    from ingest.embed import Embedder
    from insights.detector import ObjectionDetector
    from insights.encoding import SentenceEncoder, quantized_embedder
    from training.evaluation import format_report, predict_texts, read_labelled, score

    texts, labels = read_labelled(args.data)
    embedder = quantized_embedder(Embedder()) if args.quantized else Embedder()
    encoder = SentenceEncoder(embedder)
    reports = {}
    detectors = {"sentence_head": ObjectionDetector(encoder, turn_head=False),
                 "shipped": ObjectionDetector(encoder)}
    for name, detector in detectors.items():
        reports[name] = score(labels, predict_texts(detector, texts))
    if args.json:
        print(json.dumps({name: dataclasses.asdict(r) for name, r in reports.items()}, indent=2))
        return 0
    print(f"held-out set: {args.data.name}, {len(texts)} texts "
          f"({sum(label != 'none' for label in labels)} objections), "
          f"{'int8' if args.quantized else 'fp32'} embeddings")
    titles = {
        "sentence_head": f"A. the sentence head alone, threshold "
                         f"{detectors['sentence_head'].threshold:.3f}",
        "shipped": f"B. as shipped: the turn model, threshold "
                   f"{detectors['shipped'].threshold:.3f}",
    }
    for name, report in reports.items():
        print(f"\n== {titles[name]}")
        print(format_report(report))
        ok_det = report.detection["f1"] >= 0.85
        ok_cat = report.category_accuracy >= 0.80
        print(f"targets: detection F1 >= 0.85 {'met' if ok_det else 'NOT met'}; "
              f"category accuracy >= 0.80 {'met' if ok_cat else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
