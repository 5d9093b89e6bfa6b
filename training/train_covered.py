"""Train the covered decision: ``python -m training.train_covered``.

Reproduces ``rag/covered.json`` from the labelled set (:mod:`training.labels`):

1. Each corpus is ingested into a workspace (a temporary folder, or ``--cache DIR``).
2. For every labelled query, the retriever finds candidates and :class:`rag.covered.
   FeatureBuilder` computes the features of the top :data:`rag.recommend.RERANK` assets and of
   every labelled asset.
3. On the training split, a logistic regression is fitted on the labelled pairs; its ``C`` is
   picked by 5-fold cross-validation grouped by query, the decision threshold by the
   out-of-fold query-level covered accuracy, and re-ordering candidates by probability is
   kept only if it does not lower the out-of-fold hit@1 against the fused order.
4. The model is evaluated on the held-out split and saved with those figures.

``bench/eval_retrieval.py`` prints the same evaluation for the shipped parameters.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from rag.covered import FEATURES, MODEL_PATH, CoveredModel, FeatureBuilder
from training.labels import LabelledQuery, build_corpus, load_labels, split
from rag.recommend import RERANK
from rag.records import AssetHit
from rag.retriever import Retriever
from rag.sentence_vectors import SentenceVectors

log = logging.getLogger(__name__)

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclass(slots=True)
class Row:
    """One candidate asset of one query, its features and label (``None``: unlabelled)."""

    query_id: str
    asset_id: str
    features: list[float]
    answers: bool | None
    fused_rank: int | None
    """1-based position in the fused list when among the top :data:`RERANK`, else None."""
    absent: bool = False
    """The passage lacks a rare query term (:data:`rag.covered.RARE_DF`)."""


def featurize(queries: list[LabelledQuery], root: Path) -> dict[str, list[Row]]:
    """Feature rows per query id, building (or reusing) one workspace per corpus in ``root``."""
    from ingest.embed import Embedder

    embedder = Embedder()
    out: dict[str, list[Row]] = {}
    for corpus in sorted({q.corpus for q in queries}):
        ws = build_corpus(corpus, root / corpus, embedder)
        retriever = Retriever(ws)
        builder = FeatureBuilder(retriever.lexical, SentenceVectors(ws), retriever.rrf_k)
        group = [q for q in queries if q.corpus == corpus]
        vectors = retriever.embed([q.query for q in group])
        for q, v in zip(group, vectors):
            found = retriever.run(q.query, top=None, vector=v)
            labels = {p.asset_id: p.answers for p in q.pairs}
            cands = list(found[:RERANK])
            have = {h.asset.asset_id for h in cands}
            by_id = {h.asset.asset_id: h for h in found}
            for asset_id in labels:
                if asset_id not in have:
                    hit = by_id.get(asset_id) or _fallback(retriever, asset_id, v)
                    if hit is None:
                        raise ValueError(f"{q.id}: asset {asset_id!r} is not in corpus {corpus}")
                    cands.append(hit)
            rank = {h.asset.asset_id: i for i, h in enumerate(found[:RERANK], 1)}
            out[q.id] = [Row(q.id, c.hit.asset.asset_id, c.vector,
                             labels.get(c.hit.asset.asset_id), rank.get(c.hit.asset.asset_id),
                             bool(c.absent))
                         for c in builder.build(q.query, v, found, cands)]
        ws.close()
    return out


def _fallback(retriever: Retriever, asset_id: str, vector: np.ndarray) -> AssetHit | None:
    """An asset no retrieval side found: all its passages, scored by cosine only."""
    from rag.records import PassageHit

    chunks = retriever.ws.chunks(asset_id=asset_id)
    metas = {a.asset_id: a for a in retriever.ws.assets()}
    if not chunks or asset_id not in metas:
        return None
    cos = retriever.cosines(vector, [c.chunk_id for c in chunks])
    hits = sorted((PassageHit(c, metas[asset_id], cos.get(c.chunk_id, 0.0), 0.0) for c in chunks),
                  key=lambda h: -h.cosine)
    return AssetHit(metas[asset_id], hits)


# -- evaluation ------------------------------------------------------------------------------


@dataclass(slots=True)
class Scores:
    """Held-out (or any split's) figures."""

    queries: int
    answered: int
    pairs: int
    hit1: float
    hit3: float
    mrr: float
    covered_accuracy: float
    pair_accuracy: float

    def line(self) -> str:
        return (f"hit@1 {self.hit1:.3f}  hit@3 {self.hit3:.3f}  MRR {self.mrr:.3f}  "
                f"covered accuracy {self.covered_accuracy:.3f}  pair accuracy "
                f"{self.pair_accuracy:.3f}  ({self.queries} queries, {self.answered} answered, "
                f"{self.pairs} pairs)")


def evaluate(queries: Iterable[LabelledQuery], rows: dict[str, list[Row]],
             probs: dict[str, np.ndarray], threshold: float, rerank: bool) -> Scores:
    """Ranking and covered figures of probabilities ``probs`` (per query, aligned to rows)."""
    queries = list(queries)
    hits1 = hits3 = rr = 0.0
    answered = covered_ok = pairs = pairs_ok = 0
    for q in queries:
        q_rows, p = rows[q.id], probs[q.id]
        top = [(r, pr) for r, pr in zip(q_rows, p) if r.fused_rank is not None]
        top.sort(key=(lambda t: (-t[1], t[0].fused_rank)) if rerank else
                 (lambda t: t[0].fused_rank))
        best = max((pr for _, pr in top), default=0.0)
        covered_ok += int((best >= threshold) == q.covered)
        for r, pr in zip(q_rows, p):
            if r.answers is not None:
                pairs += 1
                pairs_ok += int((pr >= threshold) == r.answers)
        if q.covered:
            answered += 1
            ranks = [i for i, (r, _) in enumerate(top, 1) if r.asset_id in q.answer]
            first = ranks[0] if ranks else None
            hits1 += first == 1
            hits3 += first is not None and first <= 3
            rr += 1.0 / first if first else 0.0
    n = max(answered, 1)
    return Scores(len(queries), answered, pairs, hits1 / n, hits3 / n, rr / n,
                  covered_ok / max(len(queries), 1), pairs_ok / max(pairs, 1))


def predict(model: CoveredModel, rows: dict[str, list[Row]]) -> dict[str, np.ndarray]:
    """Probabilities as the recommender scores them (:meth:`CoveredModel.score`: the absent-term
    rule applied)."""
    return {qid: model.probability([r.features for r in rs], [r.absent for r in rs])
            if rs else np.zeros(0) for qid, rs in rows.items()}


# -- fitting ---------------------------------------------------------------------------------


def _fit(queries: list[LabelledQuery], rows: dict[str, list[Row]], c: float) -> CoveredModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([r.features for q in queries for r in rows[q.id] if r.answers is not None])
    y = np.array([r.answers for q in queries for r in rows[q.id] if r.answers is not None])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / scale, y)
    return CoveredModel(mean.tolist(), scale.tolist(), lr.coef_[0].tolist(),
                        float(lr.intercept_[0]))


def _out_of_fold(queries: list[LabelledQuery], rows: dict[str, list[Row]], c: float,
                 folds: int = 5) -> dict[str, np.ndarray]:
    """Probabilities of each training query from a model fitted without its fold."""
    order = sorted(queries, key=lambda q: q.id)
    out: dict[str, np.ndarray] = {}
    for k in range(folds):
        held = [q for i, q in enumerate(order) if i % folds == k]
        model = _fit([q for q in order if q not in held], rows, c)
        out.update(predict(model, {q.id: rows[q.id] for q in held}))
    return out


def _log_loss(queries: list[LabelledQuery], rows: dict[str, list[Row]],
              probs: dict[str, np.ndarray]) -> float:
    losses = [-np.log(p if r.answers else 1 - p) for q in queries
              for r, p in zip(rows[q.id], np.clip(probs[q.id], 1e-6, 1 - 1e-6))
              if r.answers is not None]
    return float(np.mean(losses))


def train(queries: list[LabelledQuery], rows: dict[str, list[Row]]) -> CoveredModel:
    """Fit on ``queries``: pick ``C``, the threshold and re-ordering out of fold, then refit."""
    best_c = min(C_GRID, key=lambda c: _log_loss(queries, rows, _out_of_fold(queries, rows, c)))
    oof = _out_of_fold(queries, rows, best_c)
    grid = np.round(np.arange(0.2, 0.81, 0.02), 2)
    threshold = float(max(grid, key=lambda t: (
        evaluate(queries, rows, oof, t, True).covered_accuracy, -abs(t - 0.5))))
    fused = evaluate(queries, rows, oof, threshold, False)
    reranked = evaluate(queries, rows, oof, threshold, True)
    model = _fit(queries, rows, best_c)
    model.threshold = threshold
    model.info = {"C": best_c, "rerank": reranked.hit1 >= fused.hit1,
                  "out_of_fold": {"fused": fused.line(), "reranked": reranked.line()}}
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train_covered", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, help="keep the corpus workspaces in this folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from ingest.settings import offline_environment

    offline_environment()
    queries = load_labels()
    train_q, test_q = split(queries)
    with tempfile.TemporaryDirectory() as tmp:
        rows = featurize(queries, args.cache or Path(tmp))
    model = train(train_q, rows)
    held = evaluate(test_q, rows, predict(model, rows), model.threshold, model.info["rerank"])
    fused = evaluate(test_q, rows, predict(model, rows), model.threshold, False)
    n_pairs = lambda qs: sum(len(q.pairs) for q in qs)  # noqa: E731
    model.info.update({
        "trained": date.today().isoformat(), "features": list(FEATURES),
        "train": {"queries": len(train_q), "pairs": n_pairs(train_q)},
        "held_out": {"queries": len(test_q), "pairs": n_pairs(test_q), "ids": [q.id for q in test_q],
                     "scores": held.line(), "fused_order": fused.line()},
    })
    model.save(args.out)
    print(f"labelled set: {len(queries)} queries, {n_pairs(queries)} pairs; train "
          f"{len(train_q)} queries / {n_pairs(train_q)} pairs, held-out {len(test_q)} / "
          f"{n_pairs(test_q)}")
    print(f"C={model.info['C']}  threshold={model.threshold:.2f}  rerank={model.info['rerank']}")
    for name, coef in zip(FEATURES, model.coef):
        print(f"  {name:<16} {coef:+.3f}")
    print(f"out of fold (train), fused order:  {model.info['out_of_fold']['fused']}")
    print(f"out of fold (train), reranked:     {model.info['out_of_fold']['reranked']}")
    print(f"held-out: {held.line()}")
    print(f"held-out, fused order: {fused.line()}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
