"""Scoring the objection detector on labelled texts (used by the train and bench scripts).

Each labelled text is treated as one buyer turn and goes through the real detector: it is
split into sentences, every sentence is scored, and spans are merged. The text is predicted
an objection when a span is found; its category is that of the most confident span (or, for
the category-only figure, of the most objection-like sentence).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from insights.detector import ObjectionDetector
from insights.records import CATEGORIES

NONE = "none"
LABELS = (NONE, *CATEGORIES)


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels of a ``{"text", "label"}`` JSONL file; checks every label."""
    texts, labels = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in LABELS:
            raise ValueError(f"{path}:{n}: label {row['label']!r} is not one of {LABELS}")
        texts.append(row["text"])
        labels.append(row["label"])
    return texts, labels


@dataclass(slots=True)
class TextPrediction:
    """The detector's verdict on one text."""

    label: str
    """``"none"`` or the category of the most confident span."""
    category: str
    """The category of the most confident span, or of the most objection-like sentence."""
    p_objection: float


def predict_texts(detector: ObjectionDetector, texts: Sequence[str]) -> list[TextPrediction]:
    """Run the detector on each text as one buyer turn."""
    out = []
    classes = list(detector.head.category.classes)
    for a in detector.analyse_texts(texts):
        if len(a.p_objection) == 0:
            out.append(TextPrediction(NONE, CATEGORIES[-1], 0.0))
            continue
        i = int(np.argmax(a.p_objection))
        if a.spans:
            best = max(a.spans, key=lambda s: s.confidence)
            out.append(TextPrediction(best.category, best.category, float(a.p_objection[i])))
        else:
            category = classes[int(np.argmax(a.p_category[i]))]
            out.append(TextPrediction(NONE, category, float(a.p_objection[i])))
    return out


@dataclass(slots=True)
class Report:
    """Detection and categorisation figures on a labelled set."""

    n: int
    detection: dict[str, float]
    """precision, recall, f1 of objection vs none."""
    category_accuracy: float
    """On true objections: category of the most objection-like sentence is right."""
    end_to_end_accuracy: float
    """On true objections: detected *and* right category (a miss counts as wrong)."""
    per_category: dict[str, dict[str, float]]
    """precision, recall, f1, support per label (``none`` included), end to end."""
    overall: dict[str, float]
    """Micro and macro precision/recall/F1 over the 12 categories, end to end."""
    confusion: list[list[int]] = field(default_factory=list)
    """Rows: true label, columns: predicted label, in :data:`LABELS` order."""


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(labels: Sequence[str], predictions: Sequence[TextPrediction]) -> Report:
    """Compare predictions with true labels."""
    index = {label: i for i, label in enumerate(LABELS)}
    confusion = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    for truth, pred in zip(labels, predictions, strict=True):
        confusion[index[truth], index[pred.label]] += 1
    tp = int(confusion[1:, 1:].sum())
    fp = int(confusion[0, 1:].sum())
    fn = int(confusion[1:, 0].sum())
    p, r, f = _prf(tp, fp, fn)
    per = {}
    for label, i in index.items():
        cp, cr, cf = _prf(int(confusion[i, i]), int(confusion[:, i].sum() - confusion[i, i]),
                          int(confusion[i, :].sum() - confusion[i, i]))
        per[label] = {"precision": cp, "recall": cr, "f1": cf,
                      "support": int(confusion[i, :].sum())}
    cats = range(1, len(LABELS))
    diag = int(sum(confusion[i, i] for i in cats))
    mp, mr, mf = _prf(diag, int(confusion[:, 1:].sum()) - diag, int(confusion[1:, :].sum()) - diag)
    overall = {
        "micro_precision": mp, "micro_recall": mr, "micro_f1": mf,
        "macro_precision": float(np.mean([per[LABELS[i]]["precision"] for i in cats])),
        "macro_recall": float(np.mean([per[LABELS[i]]["recall"] for i in cats])),
        "macro_f1": float(np.mean([per[LABELS[i]]["f1"] for i in cats])),
    }
    true_obj = [(t, p) for t, p in zip(labels, predictions, strict=True) if t != NONE]
    cat_acc = float(np.mean([p.category == t for t, p in true_obj])) if true_obj else 0.0
    e2e = float(np.mean([p.label == t for t, p in true_obj])) if true_obj else 0.0
    return Report(len(labels), {"precision": p, "recall": r, "f1": f}, cat_acc, e2e, per,
                  overall, confusion.tolist())


def format_report(report: Report) -> str:
    """The report as aligned text: per-label table, summary figures, confusion matrix."""
    lines = [f"{'label':<15} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label in LABELS:
        m = report.per_category[label]
        lines.append(f"{label:<15} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                     f"{m['support']:>8d}")
    o = report.overall
    lines += [
        f"{'micro (12 cat.)':<15} {o['micro_precision']:>9.3f} {o['micro_recall']:>7.3f} "
        f"{o['micro_f1']:>6.3f}",
        f"{'macro (12 cat.)':<15} {o['macro_precision']:>9.3f} {o['macro_recall']:>7.3f} "
        f"{o['macro_f1']:>6.3f}",
        "",
        f"detection (objection vs none): precision {report.detection['precision']:.3f}  "
        f"recall {report.detection['recall']:.3f}  F1 {report.detection['f1']:.3f}",
        f"category accuracy on true objections: {report.category_accuracy:.3f}",
        f"end-to-end accuracy on true objections (detected and right category): "
        f"{report.end_to_end_accuracy:.3f}",
        "",
        "confusion matrix (rows: true, columns: predicted)",
        " " * 15 + " ".join(f"{label[:5]:>5}" for label in LABELS),
    ]
    for label, row in zip(LABELS, report.confusion, strict=True):
        lines.append(f"{label:<15}" + " ".join(f"{v:>5d}" for v in row))
    return "\n".join(lines)
