"""Train the shipped objection and reaction heads: ``python -m training.train``.

Reproduces ``objection_head.npz``, ``turn_head.npz``, ``reaction_head.npz`` and
``calibration.json`` in ``insights/model/`` from ``training/data/`` and, when it is there, the
training half of the real chats in the realdata folder (``--realdata``; chats whose number is
a multiple of 3 are never read: ``bench/realdata.py`` scores them). The self-written held-out
set is never read here either (``bench/eval_objections.py`` scores it). The talk-track model
has its own entry point, ``python -m training.train_tracks``.

1. **Sentence head** (``objection_head.npz``): a binary logistic regression (objection or
   not) and a multinomial one (which category) over MiniLM sentence embeddings, optionally
   with cue features (:mod:`insights.cues`) and word/word-pair tf-idf features
   (:mod:`insights.lexicon`). Which cue groups, and which heads get tf-idf, is decided by 5-fold
   cross-validation on our labelled sentences, scored like the detector is used: each text is
   split into sentences and the spans merged. Probabilities are calibrated on out-of-fold
   scores (Platt scaling for detection, a temperature for categories) and the detection
   threshold is the one with the best out-of-fold F1.
2. **Turn model** (``turn_head.npz``, :mod:`insights.turn_head`, trained by
   :mod:`training.turn_training`): per buyer turn, with the rep turn before it, over our
   sentences, our labelled replies in context (``objection_turns_train.jsonl``) and the real
   chats' training half; C, tf-idf, the neighbour vote's weight and the threshold are chosen by
   cross-validation grouped by chat, for the best mean F1 over the three kinds of text.
3. **Reaction head** (``reaction_head.npz``): positive / neutral / objection, trained on
   ``reactions.jsonl`` (cross-validated, with and without the objection detector's vote).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from insights.cues import GROUPS
from insights.detector import ObjectionDetector
from insights.encoding import SentenceEncoder
from training.evaluation import NONE, TextPrediction, predict_texts, read_labelled, score
from insights.heads import (
    CALIBRATION,
    OBJECTION_HEAD,
    REACTION_HEAD,
    LinearHead,
    ObjectionHead,
    save_head,
)
from insights.lexicon import Lexicon
from insights.sentences import join_fragments, model_text, split_sentences
from insights.turn_head import TURN_HEAD, TurnHead
from training.turn_training import (
    REALDATA_SETS,
    TurnTrainer,
    own_replies,
    own_turns,
    realdata_turns,
)

log = logging.getLogger("training.train")

DATA = Path(__file__).resolve().parent / "data"
DEMO_MESSAGING = Path(__file__).resolve().parents[1] / "demo" / "messaging.yaml"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
CUE_WEIGHT = 0.3
LEXICON_WEIGHT = 2.0
"""Factor on the tf-idf features (2.0 beat 0.5, 1.0, 1.5 and 3.0 in 5-fold CV of the category
head on the training set)."""
LEXICAL: tuple[tuple[str, ...], ...] = (("category",), ("detect", "category"))
"""Which heads get tf-idf features, tried on the best cue groups."""
DETECT_C = 1.0
CATEGORY_C = 16.0
CANDIDATES: tuple[tuple[str, ...], ...] = ((), ("polarity",), ("polarity", "question"),
                                           ("category",), GROUPS)
FOLDS = 5
SEED = 0


def _fit(x: np.ndarray, y: Sequence[str], c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000).fit(x, list(y))


def _head(model: LogisticRegression, groups: tuple[str, ...], scale: float = 1.0,
          shift: float = 0.0, lexicon: Lexicon | None = None) -> LinearHead:
    return LinearHead(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32),
                      model.intercept_.astype(np.float32), scale, shift,
                      CUE_WEIGHT if groups else 0.0, groups, lexicon,
                      LEXICON_WEIGHT if lexicon is not None else 0.0)


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    m = LogisticRegression(C=1e6, max_iter=5000).fit(z.reshape(-1, 1), y)
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def _temperature(logits: np.ndarray, y: np.ndarray) -> float:
    def nll(log_scale: float) -> float:
        z = logits * np.exp(log_scale)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def _ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if m.any():
            total += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(total)


class ObjectionTrainer:
    """Cross-validates cue-feature choices, calibrates, and fits the final objection head."""

    def __init__(self, encoder: SentenceEncoder, texts: list[str], labels: list[str]) -> None:
        self.encoder = encoder
        self.texts = [model_text(t) for t in texts]
        self.labels = np.array(labels)
        sentences = [s.text for t in texts for s in join_fragments(split_sentences(t), t)]
        encoder.prime(list(texts) + sentences)
        self.vectors = encoder.encode(texts)
        self.is_obj = (self.labels != NONE).astype(int)
        self.detect_labels = np.where(self.is_obj == 1, "objection", NONE)
        self.folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
                          .split(texts, self.labels))

    def _features(self, head_groups: tuple[str, ...], idx: np.ndarray,
                  lexicon: Lexicon | None = None) -> np.ndarray:
        probe = LinearHead(("a", "b"), np.zeros((1, 1)), np.zeros(1), 1, 0, CUE_WEIGHT,
                           head_groups, lexicon, LEXICON_WEIGHT if lexicon else 0.0)
        return probe.features(self.vectors[idx], [self.texts[i] for i in idx])

    def _fold_heads(self, groups: tuple[str, ...], lexical: tuple[str, ...], train: np.ndarray):
        lexicon = Lexicon.fit([self.texts[i] for i in train]) if lexical else None
        det_lex = lexicon if "detect" in lexical else None
        cat_lex = lexicon if "category" in lexical else None
        det = _fit(self._features(groups, train, det_lex), self.detect_labels[train], DETECT_C)
        obj = train[self.is_obj[train] == 1]
        cat = _fit(self._features(groups, obj, cat_lex), self.labels[obj], CATEGORY_C)
        return (det, det_lex), (cat, cat_lex)

    def cross_validate(self, groups: tuple[str, ...], lexical: tuple[str, ...] = ()) -> dict:
        """Out-of-fold figures for one choice of cue groups and of the heads that use tf-idf
        features (a lexicon fitted on each training fold), with calibration fitted on them."""
        fold_models, z_det, z_cat, y_cat = [], np.zeros(len(self.texts)), [], []
        for train, test in self.folds:
            (det, det_lex), (cat, cat_lex) = self._fold_heads(groups, lexical, train)
            fold_models.append(((det, det_lex), (cat, cat_lex)))
            z_det[test] = det.decision_function(self._features(groups, test, det_lex))
            obj = test[self.is_obj[test] == 1]
            z_cat.append(cat.decision_function(self._features(groups, obj, cat_lex)))
            y_cat.append([list(cat.classes_).index(label) for label in self.labels[obj]])
        scale, shift = _platt(z_det, self.is_obj)
        z_cat_all, y_cat_all = np.vstack(z_cat), np.concatenate(y_cat)
        temp_scale = _temperature(z_cat_all, y_cat_all)
        preds: list[TextPrediction | None] = [None] * len(self.texts)
        for (_, test), ((det, det_lex), (cat, cat_lex)) in zip(self.folds, fold_models,
                                                                strict=True):
            head = ObjectionHead(_head(det, groups, scale, shift, det_lex),
                                 _head(cat, groups, temp_scale, 0.0, cat_lex), threshold=0.0)
            detector = ObjectionDetector(self.encoder, head, turn_head=False, threshold=0.0)
            for i, p in zip(test, predict_texts(detector, [self.texts[i] for i in test]),
                            strict=True):
                preds[i] = p
        best = max(np.arange(0.30, 0.701, 0.025),
                   key=lambda t: score(self.labels, _at(preds, t)).detection["f1"])
        report = score(self.labels, _at(preds, float(best)))
        p_det = 1 / (1 + np.exp(-(scale * z_det + shift)))
        return {
            "groups": list(groups), "lexical": list(lexical),
            "threshold": round(float(best), 3),
            "detection_f1": round(report.detection["f1"], 4),
            "category_accuracy": round(report.category_accuracy, 4),
            "platt": [scale, shift], "category_scale": temp_scale,
            "detection_ece_raw": round(_ece(1 / (1 + np.exp(-z_det)), self.is_obj), 4),
            "detection_ece_calibrated": round(_ece(p_det, self.is_obj), 4),
        }

    def fit(self, chosen: dict) -> ObjectionHead:
        """The final head on the whole training set, with the chosen calibration/threshold."""
        groups, lexical = tuple(chosen["groups"]), tuple(chosen.get("lexical", ()))
        (det, det_lex), (cat, cat_lex) = self._fold_heads(groups, lexical,
                                                          np.arange(len(self.texts)))
        scale, shift = chosen["platt"]
        return ObjectionHead(_head(det, groups, scale, shift, det_lex),
                             _head(cat, groups, chosen["category_scale"], 0.0, cat_lex),
                             threshold=chosen["threshold"],
                             train_prior=float(self.is_obj.mean()))


def train_turn_head(encoder: SentenceEncoder, head: ObjectionHead, texts: list[str],
                    labels: list[str], realdata: Path | None) -> tuple[TurnHead, dict]:
    """Cross-validate and fit the turn model on our sentences and the realdata training chats."""
    turns = own_turns(texts, labels)
    replies = DATA / "objection_turns_train.jsonl"
    if replies.is_file():
        turns += own_replies(replies)
    sources = {"own": len(turns)}
    if realdata is not None and (realdata / "objections_dev").is_dir():
        real = realdata_turns(realdata)
        turns += real
        for name in REALDATA_SETS:
            sources[name] = sum(t.source == name for t in real)
    else:
        log.warning("no realdata folder at %s: the turn model learns from our own sentences "
                    "only (pass --realdata DIR)", realdata)
    log.info("turn model: %d labelled turns (%s); held-out realdata chats (number %% 3 == 0) "
             "not read", len(turns), ", ".join(f"{k} {v}" for k, v in sources.items()))
    trainer = TurnTrainer(ObjectionDetector(encoder, head, turn_head=False), turns)
    chosen = trainer.choose()
    log.info("turn model chosen: C=%g, tf-idf %s, neighbour polarity %.2f mix %.2f, threshold "
             "%.3f; out-of-fold F1 %s", chosen["c"], chosen["lexical"], chosen["polarity"],
             chosen["mix"], chosen["threshold"], chosen["scores"])
    category, category_report = trainer.fit_category()
    log.info("turn model categories: out-of-fold accuracy %s", category_report)
    return trainer.fit(chosen, category), {"sources": sources, "chosen": chosen,
                                           "category_accuracy_oof": category_report}


def _merit(run: dict) -> float:
    return run["detection_f1"] + run["category_accuracy"]


def _at(preds: Sequence[TextPrediction | None], threshold: float) -> list[TextPrediction]:
    out = []
    for p in preds:
        assert p is not None
        label = p.category if p.p_objection >= threshold else NONE
        out.append(TextPrediction(label, p.category, p.p_objection))
    return out


def train_reactions(detector: ObjectionDetector, path: Path) -> tuple[LinearHead, dict]:
    """Cross-validate and fit the reaction head; decide whether the detector's vote helps."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts, labels = [r["text"] for r in rows], np.array([r["label"] for r in rows])
    analyses = detector.analyse_texts(texts)
    x = np.stack([a.vector for a in analyses])
    has_objection = np.array([bool(a.spans) for a in analyses])
    oof = np.empty(len(texts), dtype=object)
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, labels):
        oof[test] = _fit(x[train], labels[train], 4.0).predict(x[test])
    with_vote = np.where(has_objection, "objection", oof)
    acc_head = float((oof == labels).mean())
    acc_vote = float((with_vote == labels).mean())
    model = _fit(x, labels, 4.0)
    head = LinearHead(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32),
                      model.intercept_.astype(np.float32))
    return head, {"cv_accuracy_head": round(acc_head, 4),
                  "cv_accuracy_head_plus_detector": round(acc_vote, 4),
                  "use_detector_vote": acc_vote > acc_head}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Train, print the cross-validation figures, and write ``insights/model/``."""
    from ingest.embed import Embedder
    from ingest.settings import offline_environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OBJECTION_HEAD.parent)
    parser.add_argument("--realdata", type=Path, default=REALDATA,
                        help="the realdata folder whose training chats the turn model also "
                        f"learns from (default {REALDATA}; skipped when missing)")
    parser.add_argument("--no-realdata", action="store_true",
                        help="learn from the project's own labelled sentences only")
    args = parser.parse_args(argv)
    if args.no_realdata:
        args.realdata = None
    offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    encoder = SentenceEncoder(Embedder())
    texts, labels = read_labelled(DATA / "objections_train.jsonl")
    trainer = ObjectionTrainer(encoder, texts, labels)
    log.info("objection head: %d-fold CV on %d training texts (held-out set not used)",
             FOLDS, len(texts))
    log.info("%-32s %9s %8s %8s %8s", "cue groups", "threshold", "det F1", "cat acc", "ECE")
    runs = []

    def _run(groups: tuple[str, ...], lexical: tuple[str, ...] = ()) -> None:
        r = trainer.cross_validate(groups, lexical)
        runs.append(r)
        name = "+".join(groups) or "(embedding only)"
        if lexical:
            name += " & tf-idf in " + "+".join(lexical)
        log.info("%-32s %9.3f %8.4f %8.4f %8.4f", name, r["threshold"], r["detection_f1"],
                 r["category_accuracy"], r["detection_ece_calibrated"])

    for groups in CANDIDATES:
        _run(groups)
    best_groups = tuple(max(runs, key=_merit)["groups"])
    for lexical in LEXICAL:
        _run(best_groups, lexical)
    chosen = max(runs, key=_merit)
    log.info("chosen: %s%s (ECE of detection: %.4f raw -> %.4f calibrated)",
             "+".join(chosen["groups"]) or "embedding only",
             " & tf-idf in " + "+".join(chosen["lexical"]) if chosen["lexical"] else "",
             chosen["detection_ece_raw"],
             chosen["detection_ece_calibrated"])
    head = trainer.fit(chosen)
    args.out.mkdir(parents=True, exist_ok=True)
    head.save(args.out / OBJECTION_HEAD.name)

    turn_head, turn_report = train_turn_head(encoder, head, texts, labels, args.realdata)
    turn_head.save(args.out / TURN_HEAD.name)

    detector = ObjectionDetector(encoder, head, turn_head)
    reaction_head, reactions = train_reactions(detector, DATA / "reactions.jsonl")
    save_head(reaction_head, args.out / REACTION_HEAD.name)
    log.info("reaction head: CV accuracy %.4f alone, %.4f with the detector's vote (%s)",
             reactions["cv_accuracy_head"], reactions["cv_accuracy_head_plus_detector"],
             "used" if reactions["use_detector_vote"] else "not used")


    calibration = {
        "objection_cv": runs, "objection_chosen": chosen,
        "turn_model": turn_report,
        "reactions": reactions,
        "data_sha256": {name: _sha256(DATA / name) for name in (
            "objections_train.jsonl", "objection_turns_train.jsonl", "reactions.jsonl")},
    }
    (args.out / CALIBRATION.name).write_text(json.dumps(calibration, indent=2) + "\n")
    log.info("wrote %s", ", ".join(p.name for p in sorted(args.out.iterdir())))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
