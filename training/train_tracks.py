"""Train the talk-track matcher: ``python -m training.train_tracks [--realdata DIR]``.

Writes ``insights/model/track_matcher.npz`` (the weights of
:class:`insights.track_model.TrackModel`, plain arrays) and ``insights/model/talk_tracks.json``
(how it was trained and its cross-validated figures).

Training data, read at training time (no chat text is copied into the repository):

1. **Real persuasion chats**: ``talk_tracks_dev`` of the realdata folder (default
   ``../shared/realdata``; PersuasionForGood, Apache-2.0): the persuader's sentences with the
   researchers' strategy labels, the 7 strategies being the talk tracks of its
   ``messaging.yaml``. Only the **train split** is read: chats whose number is not a multiple
   of 3. The held-out chats (``dev-tt-003``, ``dev-tt-006``, ...) are never read here; score them
   with ``bench/talk_tracks_realdata.py``.
2. **The demo's paraphrases**: ``training/data/talk_tracks.jsonl`` (self-written), one rep
   sentence each with the ``demo/messaging.yaml`` track it uses, or ``none``.

A sentence is read against the tracks of its own messaging (softmax over them and "none"), so
the model learns how a sentence relates to a statement, not one messaging's tracks. Tracks are
weighted towards equal weight (inverse frequency to the power ``BALANCE``), so rare tracks are
found too. The decision threshold is the one with the best turn-level F1 over a 3-fold
cross-validation by chat (the demo rows folded alongside); the final model is then fitted on all
the training data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from insights.encoding import SentenceEncoder
from insights.talk_tracks import TrackDetector
from insights.track_model import TRACK_MODEL, VOICE_DIM, TrackModel, TrackViews, voices

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "talk_tracks.jsonl"
DEMO_MESSAGING = REPO / "demo" / "messaging.yaml"
DEFAULT_REALDATA = REPO.parent / "shared" / "realdata"
REPORT = TRACK_MODEL.parent / "talk_tracks.json"

EPOCHS = 30
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-2
BALANCE = 0.5
BATCH = 64
FOLDS = 3
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.05))
NONE = "none"


def held_out(call_id: str) -> bool:
    """The realdata split training never reads: chat number % 3 == 0."""
    m = re.search(r"(\d+)$", call_id)
    return bool(m) and int(m[1]) % 3 == 0


@dataclass(slots=True)
class Messaging:
    """The tracks of one messaging file, and its labelled sentences and turns."""

    name: str
    tracks: list  # ingest.messaging.TalkTrack
    sentences: list[tuple[str, str, str]] = field(default_factory=list)
    """(group, text, track id or NONE); group = the chat (or row) it comes from, for folds."""
    turns: list[tuple[str, str, set[str]]] = field(default_factory=list)
    """(group, rep turn text, gold track ids): what the product decides on."""


def load_realdata(folder: Path) -> Messaging:
    """The train split of ``talk_tracks_dev``: labelled persuader sentences and turns."""
    from ingest.messaging import load_messaging

    tracks = load_messaging(folder / "messaging.yaml").talk_tracks
    ids = {t.id for t in tracks}
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    out = Messaging("talk_tracks_dev", list(tracks))
    for call_id, call in sorted(gold["calls"].items()):
        if held_out(call_id):
            continue
        for turn, units in sorted(call["units"].items(), key=lambda kv: int(kv[0])):
            for text, labels in units:
                track = next((x for x in labels if x in ids), NONE)
                out.sentences.append((call_id, text, track))
            labels = set(call["strategies"].get(turn, [])) & ids
            out.turns.append((call_id, " ".join(text for text, _ in units), labels))
    return out


def load_demo(path: Path = DATA) -> Messaging:
    """The self-written paraphrases of the demo's tracks (each row is its own group)."""
    from ingest.messaging import load_messaging

    out = Messaging("demo", list(load_messaging(DEMO_MESSAGING).talk_tracks))
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            out.sentences.append((f"row-{i}", row["text"], row["track"]))
            out.turns.append((f"row-{i}", row["text"], {row["track"]} - {NONE}))
    return out


def _views(encoder: SentenceEncoder, tracks: Sequence) -> TrackViews:
    return TrackViews(encoder.encode([t.statement for t in tracks]),
                      encoder.encode([t.name for t in tracks]),
                      voices([t.statement for t in tracks]), tuple(() for _ in tracks))


def fit(sets: Sequence[tuple[Messaging, set[str]]], encoder: SentenceEncoder,
        seed: int = 0) -> TrackModel:
    """Fit the matcher's weights on the sentences of each messaging whose group is in the set.

    Returns a model with threshold 0.5 (the caller sets the calibrated one).
    """
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    batches = []
    for messaging, groups in sets:
        rows = [(text, track) for g, text, track in messaging.sentences if g in groups]
        if not rows:
            continue
        order = [t.id for t in messaging.tracks] + [NONE]
        counts = Counter(track for _, track in rows)
        weights = np.array([(1.0 / counts[track]) ** BALANCE for _, track in rows])
        views = _views(encoder, messaging.tracks)
        texts = [text for text, _ in rows]
        batches.append({
            "S": torch.tensor(encoder.encode(texts)), "V": torch.tensor(voices(texts)),
            "y": torch.tensor([order.index(track) for _, track in rows]),
            "w": torch.tensor(weights, dtype=torch.float32),
            "T": torch.tensor(views.statements), "N": torch.tensor(views.names),
            "TV": torch.tensor(views.voices)})
    mean_w = torch.cat([b["w"] for b in batches]).mean()
    dim = batches[0]["S"].shape[1]
    W = torch.zeros(dim, dim, requires_grad=True)
    w0 = torch.zeros(dim, requires_grad=True)
    a = torch.tensor([10.0, 3.0], requires_grad=True)
    Q = torch.zeros(VOICE_DIM, VOICE_DIM, requires_grad=True)
    b0 = torch.tensor(3.0, requires_grad=True)
    opt = torch.optim.AdamW([{"params": [W, w0], "weight_decay": WEIGHT_DECAY},
                             {"params": [a, Q, b0], "weight_decay": 0.0}], lr=LEARNING_RATE)
    sizes = [len(b["y"]) for b in batches]
    for _ in range(EPOCHS):
        # one pass in random minibatches, each drawn from one messaging
        plan = [(i, chunk) for i, n in enumerate(sizes)
                for chunk in np.array_split(rng.permutation(n), max(1, n // BATCH))]
        for j in rng.permutation(len(plan)):
            i, idx = plan[j]
            b = batches[i]
            S, V = b["S"][idx], b["V"][idx]
            logits = (S @ W + a[0] * S) @ b["T"].T + a[1] * (S @ b["N"].T) + V @ Q @ b["TV"].T
            logits = torch.cat([logits, (S @ w0 + b0)[:, None]], dim=1)
            loss = torch.nn.functional.cross_entropy(logits, b["y"][idx], reduction="none")
            loss = (loss * b["w"][idx] / mean_w).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return TrackModel(W=W.detach().numpy().copy(), a=a.detach().numpy().copy(),
                      Q=Q.detach().numpy().copy(), w0=w0.detach().numpy().copy(),
                      b0=float(b0.detach()), threshold=0.5)


def turn_probabilities(model: TrackModel, encoder: SentenceEncoder, messaging: Messaging,
                       turns: Sequence[tuple[str, str, set[str]]]) -> np.ndarray:
    """``(turns, tracks)`` best sentence probability of each track in each turn, as the
    product decides (:class:`insights.talk_tracks.TrackDetector`)."""
    detector = TrackDetector(encoder, messaging.tracks, model)
    return np.stack([detector.turn_probabilities(text) for _, text, _ in turns]) \
        if turns else np.zeros((0, len(messaging.tracks)))


def turn_figures(probs: np.ndarray, turns: Sequence[tuple[str, str, set[str]]],
                 ids: Sequence[str], threshold: float) -> dict:
    """Turn-level P/R/F1 over (turn, track) pairs, and usage MRE (tracks' groups)."""
    tp = fp = fn = 0
    found: dict[str, set[str]] = {t: set() for t in ids}
    true: dict[str, set[str]] = {t: set() for t in ids}
    for p, (group, _, gold) in zip(probs, turns, strict=True):
        predicted = {ids[k] for k in np.flatnonzero(p >= threshold)}
        tp += len(predicted & gold)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
        for t in predicted:
            found[t].add(group)
        for t in gold:
            true[t].add(group)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mre = float(np.mean([abs(len(found[t]) - len(true[t])) / max(len(true[t]), 1)
                         for t in ids]))
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "usage_mre": round(mre, 4)}


def row_f1(probs: np.ndarray, turns: Sequence[tuple[str, str, set[str]]],
           ids: Sequence[str], threshold: float) -> float:
    """The demo regression figure: each row's best track (or none below the threshold)
    against its label, F1 over the tracks (a wrong track is a false and a missed use)."""
    tp = fp = fn = 0
    for p, (_, _, gold) in zip(probs, turns, strict=True):
        k = int(np.argmax(p))
        predicted = ids[k] if p[k] >= threshold else NONE
        truth = next(iter(gold), NONE)
        tp += predicted == truth != NONE
        fp += predicted != NONE and predicted != truth
        fn += truth != NONE and predicted != truth
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0


def cross_validate(sets: Sequence[Messaging], encoder: SentenceEncoder) -> dict:
    """Out-of-fold turn probabilities for every messaging (folds by chat / row)."""
    folds = {m.name: {g: i % FOLDS for i, g in enumerate(sorted({s[0] for s in m.sentences}))}
             for m in sets}
    probs = {m.name: np.zeros((len(m.turns), len(m.tracks))) for m in sets}
    for f in range(FOLDS):
        model = fit([(m, {g for g, k in folds[m.name].items() if k != f}) for m in sets],
                    encoder, seed=f)
        for m in sets:
            rows = [i for i, t in enumerate(m.turns) if folds[m.name].get(t[0]) == f]
            probs[m.name][rows] = turn_probabilities(model, encoder, m,
                                                     [m.turns[i] for i in rows])
        log.info("fold %d of %d done", f + 1, FOLDS)
    return probs


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Cross-validate, pick the threshold, fit on everything, write ``insights/model/``."""
    from ingest.embed import Embedder
    from ingest.settings import offline_environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA,
                        help="the realdata folder holding talk_tracks_dev/ "
                             "(default ../shared/realdata)")
    parser.add_argument("--out", type=Path, default=TRACK_MODEL.parent)
    args = parser.parse_args(argv)
    offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = args.realdata / "talk_tracks_dev"
    if not (folder / "gold.json").is_file():
        parser.error(f"no talk_tracks_dev/gold.json under {args.realdata}; pass --realdata "
                     "with the folder of the real-chat sets")
    encoder = SentenceEncoder(Embedder())
    real, demo = load_realdata(folder), load_demo()
    log.info("training data: %d persuader sentences (%d turns) of %d chats (train split), "
             "%d demo rows", len(real.sentences), len(real.turns),
             len({s[0] for s in real.sentences}), len(demo.sentences))
    probs = cross_validate([real, demo], encoder)
    real_ids, demo_ids = [t.id for t in real.tracks], [t.id for t in demo.tracks]
    grid = {t: turn_figures(probs[real.name], real.turns, real_ids, t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (grid[t]["f1"], -abs(t - 0.5)))
    cv = {"talk_tracks_dev_train_split": grid[threshold],
          "demo_rows_f1": row_f1(probs[demo.name], demo.turns, demo_ids, threshold)}
    for t in THRESHOLDS:
        log.info("threshold %.2f: turn F1 %.4f (P %.2f R %.2f), usage MRE %.3f", t,
                 grid[t]["f1"], grid[t]["precision"], grid[t]["recall"], grid[t]["usage_mre"])
    log.info("chosen threshold %.2f; cross-validated: %s", threshold, cv)
    everything = [(m, {s[0] for s in m.sentences}) for m in (real, demo)]
    model = fit(everything, encoder)
    model = TrackModel(model.W, model.a, model.Q, model.w0, model.b0, threshold)
    fitted = row_f1(turn_probabilities(model, encoder, demo, demo.turns), demo.turns, demo_ids,
                    threshold)
    log.info("demo rows F1 of the final model (its own training data): %.4f", fitted)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / TRACK_MODEL.name)
    report = {
        "threshold": threshold,
        "cross_validated": cv,
        "demo_rows_f1_fitted": fitted,
        "thresholds": {str(t): grid[t] for t in THRESHOLDS},
        "training": {"epochs": EPOCHS, "learning_rate": LEARNING_RATE,
                     "weight_decay": WEIGHT_DECAY, "balance": BALANCE, "folds": FOLDS,
                     "realdata_split": "talk_tracks_dev chats whose number % 3 != 0",
                     "sentences": {real.name: len(real.sentences), demo.name: len(demo.sentences)}},
        "data_sha256": {"talk_tracks.jsonl": _sha256(DATA),
                        "talk_tracks_dev/gold.json": _sha256(folder / "gold.json")},
    }
    (args.out / REPORT.name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log.info("wrote %s and %s", args.out / TRACK_MODEL.name, args.out / REPORT.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
