"""Training the turn model (:mod:`insights.turn_head`); run by ``python -m training.train``.

The labelled turns come from two places:

- **our own labelled sentences** (``training/data/objections_train.jsonl``): sales-call
  language in many industries, each read as a buyer turn with no rep turn before it;
- **real chats with researchers' labels**, when the realdata folder is given
  (``--realdata``; it is not part of the repository): the bargaining and persuasion chats of
  ``objections_dev`` (see its README for the sources and how labels were mapped). Only chats
  whose number is **not** a multiple of 3 are read; the others (``dev-cb-003``,
  ``dev-p4g-006``, ...) are held out for ``bench/realdata.py`` and never seen here.

Cross-validation is grouped (a chat's turns stay in one fold) and chooses the C of the linear
head, whether it gets word tf-idf, the weight of the neighbour vote, and the threshold: the one
with the best mean F1 over the three sources (own sentences, bargaining chats, persuasion
chats), so that no single kind of conversation decides it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from insights.cues import GROUPS
from insights.detector import ObjectionDetector
from insights.heads import LinearHead
from insights.lexicon import Lexicon
from insights.turn_head import Neighbours, TurnHead, TurnInput, turn_features, vote_vectors

log = logging.getLogger("training.train")

NONE = "none"
REALDATA_SETS = ("craigslistbargain", "persuasionforgood")
OWN_WEIGHT = 0.5
"""Weight of one of our own sentences against one real turn (there are twice as many)."""
FOLDS = 5
SEED = 0
C_GRID = (0.5, 1.0, 2.0)
MIX_GRID = (0.0, 0.25, 0.4, 0.55, 0.7)
POLARITY_GRID = (0.5, 0.75, 1.0)
"""Weights of the polarity cues in the neighbour vote's vectors, tried in cross-validation."""
THRESHOLDS = np.round(np.arange(0.20, 0.701, 0.025), 3)
LEXICON_WEIGHT = 2.0
CATEGORY_C = 16.0
CATEGORY_CUE_WEIGHT = 0.3


@dataclass(slots=True)
class LabelledTurn:
    """A buyer turn with its label, the rep turn before it, and where it comes from."""

    text: str
    context: str
    label: str
    """``"none"`` or the category (``"objection"`` when the category is unknown)."""
    source: str
    """``own``, or the realdata set's name."""
    group: str
    """Turns of one group (a chat) are kept in one cross-validation fold."""


def held_out(call_id: str) -> bool:
    """Realdata chats kept out of all training and tuning: number % 3 == 0."""
    m = re.search(r"(\d+)$", call_id)
    return bool(m) and int(m[1]) % 3 == 0


def own_turns(texts: Sequence[str], labels: Sequence[str]) -> list[LabelledTurn]:
    """Our labelled sentences as context-free buyer turns, each its own group."""
    return [LabelledTurn(t, "", label, "own", f"own-{i}")
            for i, (t, label) in enumerate(zip(texts, labels, strict=True))]


def own_replies(path: Path) -> list[LabelledTurn]:
    """Our labelled replies in context (``{"context", "text", "label"}`` lines): what a buyer
    answered to what the rep had just said, each its own group."""
    from training.evaluation import LABELS

    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in LABELS:
            raise ValueError(f"{path}:{n}: label {row['label']!r} is not one of {LABELS}")
        out.append(LabelledTurn(row["text"], row.get("context", ""), row["label"], "own",
                                f"reply-{n}"))
    return out


def realdata_turns(root: Path) -> list[LabelledTurn]:
    """The buyer turns of the realdata objection sets' training chats (never the held-out
    ones), with the turn before each as its context. A turn's label is its gold category when
    it has one category other than ``other``, ``objection`` when the category is unknown."""
    out: list[LabelledTurn] = []
    for name in REALDATA_SETS:
        folder = root / "objections_dev" / name
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        for call_id, call in sorted(gold["calls"].items()):
            if held_out(call_id):
                continue
            lines = (folder / "calls" / f"{call_id}.txt").read_text(encoding="utf-8").splitlines()
            texts = [line.partition(": ")[2] for line in lines]
            for t in call["buyer_turns"]:
                objection = call["objections"].get(str(t))
                label = NONE
                if objection:
                    cats = [c for c in objection["categories"] if c != "other"]
                    label = cats[0] if len(cats) == 1 else "objection"
                context = texts[t - 1] if t > 0 and (t - 1) not in call["buyer_turns"] else ""
                out.append(LabelledTurn(texts[t], context, label, name, call_id))
    return out


def _f1(y: np.ndarray, chosen: np.ndarray) -> float:
    tp = float((y & chosen).sum())
    fp = float((~y & chosen).sum())
    fn = float((y & ~chosen).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


class TurnTrainer:
    """Cross-validates and fits the turn model on labelled turns.

    Args:
        detector: A detector with the sentence head to build on (its turn model unused).
        turns: The labelled turns.
    """

    def __init__(self, detector: ObjectionDetector, turns: Sequence[LabelledTurn]) -> None:
        self.turns = list(turns)
        self.detector = detector
        self.inputs: list[TurnInput] = detector.turn_inputs([t.text for t in turns],
                                                            [t.context for t in turns])
        self.y = np.array([t.label != NONE for t in turns])
        self.weights = np.array([OWN_WEIGHT if t.source == "own" else 1.0 for t in turns])
        self.sources = np.array([t.source for t in turns])
        self.x = turn_features(self.inputs)
        groups = sorted({t.group for t in turns})
        rng = np.random.default_rng(SEED)
        fold_of = dict(zip(groups, rng.permutation(len(groups)) % FOLDS, strict=True))
        self.fold = np.array([fold_of[t.group] for t in turns])

    def _design(self, idx: np.ndarray, lexicon: Lexicon | None):
        if lexicon is None:
            return self.x[idx]
        from scipy import sparse

        return sparse.hstack([sparse.csr_matrix(self.x[idx]), lexicon.transform(
            [self.inputs[i].text for i in idx]) * LEXICON_WEIGHT], format="csr")

    def _fit(self, idx: np.ndarray, c: float, lexical: bool):
        lexicon = Lexicon.fit([self.inputs[i].text for i in idx]) if lexical else None
        model = LogisticRegression(C=c, max_iter=5000).fit(
            self._design(idx, lexicon), self.y[idx].astype(int), sample_weight=self.weights[idx])
        return model, lexicon

    def out_of_fold(self, c: float, lexical: bool) -> tuple[np.ndarray, tuple]:
        """Out-of-fold decision values of the linear head, and their Platt scaling."""
        z = np.zeros(len(self.turns))
        for k in range(FOLDS):
            test, train = np.flatnonzero(self.fold == k), np.flatnonzero(self.fold != k)
            model, lexicon = self._fit(train, c, lexical)
            z[test] = model.decision_function(self._design(test, lexicon))
        m = LogisticRegression(C=1e6, max_iter=5000).fit(z.reshape(-1, 1), self.y.astype(int))
        return z, (float(m.coef_[0, 0]), float(m.intercept_[0]))

    def neighbours(self, polarity: float) -> Neighbours:
        return Neighbours(vote_vectors(self.inputs, polarity), self.y.astype(np.float32),
                          self.weights.astype(np.float32))

    def out_of_fold_votes(self, polarity: float) -> np.ndarray:
        """Each turn's neighbour vote among the turns of the other folds."""
        n = self.neighbours(polarity)
        return n.vote(n.vectors, exclude=self.fold, groups=self.fold)

    def scores(self, p: np.ndarray, threshold: float) -> dict[str, float]:
        """F1 per source at a threshold, and their mean."""
        out = {str(s): round(_f1(self.y[self.sources == s], p[self.sources == s] >= threshold),
                             4) for s in sorted(set(self.sources))}
        out["mean"] = round(float(np.mean(list(out.values()))), 4)
        return out

    def choose(self) -> dict:
        """Cross-validate C, tf-idf, the neighbour vote's polarity weight and mix, and the
        threshold; returns the best."""
        best: dict = {}
        votes = {w: self.out_of_fold_votes(w) for w in POLARITY_GRID}
        for lexical in (False, True):
            for c in C_GRID:
                z, (a, b) = self.out_of_fold(c, lexical)
                p_lr = 1 / (1 + np.exp(-(a * z + b)))
                row: dict = {}
                for w, v in votes.items():
                    for mix in MIX_GRID:
                        p = (1 - mix) * p_lr + mix * v
                        for t in THRESHOLDS:
                            s = self.scores(p, float(t))
                            here = {"c": c, "lexical": lexical, "polarity": w, "mix": mix,
                                    "threshold": float(t), "platt": [a, b], "scores": s}
                            if not row or s["mean"] > row["scores"]["mean"] + 1e-9:
                                row = here
                            if not best or s["mean"] > best["scores"]["mean"] + 1e-9:
                                best = here
                log.info("turn model C=%-4g tf-idf=%-5s best polarity %.2f mix %.2f threshold "
                         "%.3f: %s", c, lexical, row["polarity"], row["mix"], row["threshold"],
                         row["scores"])
        return best

    def fit(self, chosen: dict, category: LinearHead) -> TurnHead:
        """The final turn model on every labelled turn, with the chosen settings."""
        idx = np.arange(len(self.turns))
        model, lexicon = self._fit(idx, chosen["c"], chosen["lexical"])
        a, b = chosen["platt"]
        detect = LinearHead(("none", "objection"), model.coef_.astype(np.float32),
                            model.intercept_.astype(np.float32), a, b, 0.0, (), lexicon,
                            LEXICON_WEIGHT if lexicon is not None else 0.0)
        return TurnHead(detect, self.neighbours(chosen["polarity"]), chosen["mix"],
                        chosen["threshold"], category, polarity=chosen["polarity"])

    # -- categories ----------------------------------------------------------------------------

    def category_data(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Objection turns with a known category: vectors, texts, labels, weights, folds."""
        idx = [i for i, t in enumerate(self.turns) if t.label not in (NONE, "objection")]
        vectors = np.stack([self.inputs[i].vector for i in idx])
        return (vectors, [self.inputs[i].text for i in idx],
                np.array([self.turns[i].label for i in idx]), self.weights[idx], self.fold[idx])

    def fit_category(self) -> tuple[LinearHead, dict]:
        """The category head (embedding + cue + tf-idf features), with its out-of-fold
        accuracy per source."""
        vectors, texts, labels, weights, folds = self.category_data()
        sources = np.array([t.source for t in self.turns
                            if t.label not in (NONE, "objection")])

        def design(rows: np.ndarray, lexicon: Lexicon):
            probe = LinearHead(("a", "b"), np.zeros((1, 1)), np.zeros(1), 1, 0,
                               CATEGORY_CUE_WEIGHT, GROUPS, lexicon, LEXICON_WEIGHT)
            return probe.features(vectors[rows], [texts[i] for i in rows])

        predicted = np.empty(len(texts), dtype=object)
        for k in range(FOLDS):
            test, train = np.flatnonzero(folds == k), np.flatnonzero(folds != k)
            lexicon = Lexicon.fit([texts[i] for i in train])
            model = LogisticRegression(C=CATEGORY_C, max_iter=5000).fit(
                design(train, lexicon), labels[train], sample_weight=weights[train])
            predicted[test] = model.predict(design(test, lexicon))
        report = {str(s): round(float((predicted[sources == s] == labels[sources == s]).mean()),
                                4) for s in sorted(set(sources))}
        lexicon = Lexicon.fit(texts)
        everything = np.arange(len(texts))
        model = LogisticRegression(C=CATEGORY_C, max_iter=5000).fit(
            design(everything, lexicon), labels, sample_weight=weights)
        head = LinearHead(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32),
                          model.intercept_.astype(np.float32), 1.0, 0.0, CATEGORY_CUE_WEIGHT,
                          GROUPS, lexicon, LEXICON_WEIGHT)
        return head, report
