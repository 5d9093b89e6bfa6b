"""Retrieval at scale: latency per query, peak memory and HNSW recall at 1k/10k/100k passages.

    .venv/bin/python bench/retrieval.py [--sizes 1000 10000 100000] [--queries 120]
                                        [--ef 32 64 128 256] [--rebuild]

The corpora are synthetic but made of realistic passages: the sentences of the demo content,
the second labelled corpus and the test corpus are varied (company, product, customer and
people names swapped from lists, numbers changed) and recombined into passages of 3-6
consecutive sentences of one source document, under a heading of that document; 20 passages
make one asset (type, stage, audience and public flag drawn at random).

Embeddings: every distinct varied *sentence* is embedded once with the real model (MiniLM),
and a passage's vector is the normalised mean of its sentences' vectors; embedding 100k whole
passages would take about 5 minutes on 2 free cores. The printout measures how far that is
from embedding whole passages on a 300-passage sample (mean cosine between the two), so the
shortcut is visible. Passages go into a real workspace through ``Workspace.save_asset``
(SQLite chunks + Chroma, cosine space); the FTS5 index is built by the first search. Each size
is cached in ``bench/out/retrieval-<size>`` (gitignored) and reused.

Per query (the labelled buyer questions and objections, cycled): ``Retriever.run`` end to end
(query embedding, Chroma, FTS5, fusion, chunk fetch) and ``Recommender.run`` (plus the covered
features), once the passage sentence vectors are indexed as ``callmine ingest content`` does
after ingest (``SentenceVectors.sync``, timed): the first time each query is asked and again. Recall@10 of Chroma's HNSW against exact
numpy search over the same vectors, for each ``hnsw:search_ef``. Target: p95 <= 150 ms at 100k
on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import offline_environment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
SOURCES = [ROOT / "demo" / "content", ROOT / "training" / "data" / "corpora" / "corvid",
           ROOT / "tests" / "rag" / "data" / "lumio"]
COMPANIES = ["Vantora", "Corvid", "Lumio", "Brightpath", "Quillon", "Meridex", "Tessaro",
             "Northwind", "Aurelia", "Kestrel", "Solvane", "Harbrook", "Ondara", "Pellucid",
             "Ravenna", "Stratton", "Veltrix", "Zephra", "Calloway", "Dunmore"]
PEOPLE = ["Dana Whitcombe", "Luis Ortega", "Marcus Bell", "Priya Raman", "Maria Lindqvist",
          "Sam Delgado", "Elena Marsh", "Jordan Reyes", "Ana Costa", "Ravi Menon", "Mei Tan",
          "Tom Hughes", "Olga Petrov", "Kofi Mensah", "Lea Fischer", "Noah Brooks"]
CUSTOMERS = ["Harbor Freightways", "Brightwater Health", "Northfield Dairy", "Birchwood Clinics",
             "Alder Logistics", "Cedar Foods", "Granite Works", "Summit Dental", "Lakeside Hotels",
             "Ironwood Energy", "Bluebird Retail", "Oakline Manufacturing"]
VARIANTS = 6
PASSAGES_PER_ASSET = 20
TYPES = ("case_study", "one_pager", "battle_card", "blog", "whitepaper", "deck", "faq",
         "web_page")


def rss_mb() -> float:
    """Current resident memory of this process (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- corpus ----------------------------------------------------------------------------------


def source_documents() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(title, [(heading, sentences)]) of every source document."""
    from ingest.content import CONTENT_EXTENSIONS, Chunker, read_document
    from rag.terms import sentences

    docs = []
    for folder in SOURCES:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in CONTENT_EXTENSIONS:
                continue
            doc = read_document(path)
            parts = []
            for chunk in Chunker().run(doc, path.stem):
                sents = [s for s in sentences(chunk.text) if len(s.split()) >= 4]
                if sents:
                    parts.append((" > ".join(chunk.heading_path) or doc.title, sents))
            if parts:
                docs.append((doc.title or path.stem, parts))
    return docs


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def vary(sentence: str, rng: random.Random) -> str:
    """The sentence with names and numbers swapped."""
    for pool in (COMPANIES, PEOPLE, CUSTOMERS):
        for name in pool:
            if name in sentence:
                sentence = sentence.replace(name, rng.choice(pool))

    def number(match: re.Match) -> str:
        text = match.group(0)
        if "." in text or "," in text:
            return text
        value = int(text)
        return str(max(1, int(value * rng.uniform(0.5, 1.8)))) if value > 3 else text

    return _NUMBER.sub(number, sentence)


def build_corpus(size: int, seed: int = 7):
    """``size`` passages: (asset title, heading, [sentence ids]) and the distinct sentences."""
    rng = random.Random(seed)
    docs = source_documents()
    variants: dict[str, list[str]] = {}
    for _, parts in docs:
        for _, sents in parts:
            for s in sents:
                if s not in variants:
                    variants[s] = list(dict.fromkeys([s] + [vary(s, rng) for _ in range(VARIANTS)]))
    pool = sorted({v for vs in variants.values() for v in vs})
    index = {s: i for i, s in enumerate(pool)}
    passages = []
    for _ in range(size):
        title, parts = rng.choice(docs)
        heading, sents = rng.choice(parts)
        n = min(len(sents), rng.randint(3, 6))
        start = rng.randint(0, len(sents) - n)
        ids = [index[rng.choice(variants[s])] for s in sents[start:start + n]]
        passages.append((vary(title, rng), heading, ids))
    return passages, pool


class TableEmbedder:
    """Looks up precomputed vectors of passage texts; embeds anything else with the model."""

    def __init__(self, real, table: dict[str, np.ndarray]) -> None:
        self.real = real
        self.table = table

    misses = 0
    memo = False  # keep what the model embedded (on while indexing, off for queries)

    def embed(self, texts, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        todo = [t for t in texts if t not in self.table]
        if not todo:
            return np.stack([self.table[t] for t in texts])
        todo = list(dict.fromkeys(todo))
        self.misses += len(todo)
        fresh = dict(zip(todo, self.real.embed(todo)))
        if self.memo:  # each distinct text embedded once
            self.table.update(fresh)
        return np.stack([self.table[t] if t in self.table else fresh[t] for t in texts])

    def warm_up(self) -> None:
        self.real.warm_up()

    @property
    def dimension(self) -> int:
        return self.real.dimension


def build_workspace(size: int, rebuild: bool):
    """The cached workspace of ``size`` passages, its passage vectors and build figures."""
    from ingest.embed import Embedder
    from ingest.records import Asset, AssetMeta, Chunk
    from ingest.store import Workspace, chunk_embedding_text

    root = OUT / f"retrieval-{size}"
    marker = root / "bench.json"
    real = Embedder()
    real.warm_up()
    if marker.exists() and (root / "sentences.npy").exists() and not rebuild:
        info = json.loads(marker.read_text())
        vectors = np.load(root / "vectors.npy")
        pool = json.loads((root / "sentences.json").read_text())
        ws = Workspace(root / "ws", TableEmbedder(real, {}))
        return ws, vectors, info, dict(zip(pool, np.load(root / "sentences.npy")))
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    passages, pool = build_corpus(size)
    sentence_vectors = real.embed(pool)
    t_embed = time.perf_counter() - t0
    rng = random.Random(size)
    ws = Workspace(root / "ws", TableEmbedder(real, {}))
    vectors = np.zeros((size, sentence_vectors.shape[1]), dtype=np.float32)
    t1 = time.perf_counter()
    for a in range(0, size, PASSAGES_PER_ASSET):
        group = passages[a:a + PASSAGES_PER_ASSET]
        asset_id = f"asset-{a // PASSAGES_PER_ASSET:05d}"
        meta = AssetMeta(asset_id, title=group[0][0], type=rng.choice(TYPES),
                         audience=rng.choice(["cfo", "it", "controller", None]),
                         stage=rng.choice(["discovery", "demo", "proposal", None]),
                         public=rng.random() < 0.7)
        chunks, table = [], {}
        for j, (_, heading, ids) in enumerate(group):
            text = " ".join(pool[i] for i in ids)
            chunk = Chunk(f"{asset_id}#{j}", asset_id, j, text, [heading])
            v = sentence_vectors[ids].mean(axis=0)
            v /= np.linalg.norm(v) or 1.0
            vectors[a + j] = v
            table[chunk_embedding_text(meta.title, chunk)] = v
            chunks.append(chunk)
        ws.embedder.table = table
        ws.save_asset(Asset(meta, f"synthetic/{asset_id}.md", f"hash-{asset_id}", chunks))
    t_store = time.perf_counter() - t1
    # how far is a mean of sentence vectors from embedding the whole passage?
    sample = random.Random(1).sample(range(size), min(300, size))
    texts = [chunk_embedding_text(passages[i][0], Chunk("x", "x", 0, " ".join(
        pool[k] for k in passages[i][2]), [passages[i][1]])) for i in sample]
    whole = real.embed(texts)
    agreement = float(np.mean(np.sum(whole * vectors[sample], axis=1)))
    info = {"size": size, "distinct_sentences": len(pool), "embed_s": round(t_embed, 1),
            "store_s": round(t_store, 1), "mean_vs_whole_cosine": round(agreement, 3)}
    np.save(root / "vectors.npy", vectors)
    np.save(root / "sentences.npy", sentence_vectors)
    (root / "sentences.json").write_text(json.dumps(pool))
    marker.write_text(json.dumps(info))
    return ws, vectors, info, dict(zip(pool, sentence_vectors))


# -- measurements ----------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def recall_at_10(ws, vectors: np.ndarray, queries: np.ndarray, efs: list[int]) -> dict:
    """Recall@10 of Chroma (HNSW) against exact search, and dense query time, per ef.

    Chroma reads ``ef_search`` when a process first loads the index, so each ef is set
    (persisted with ``collection.modify``) and measured in a fresh subprocess. A returned
    passage counts as a true neighbour when its exact similarity reaches the exact 10th best
    (recombined passages can repeat, so ties are common)."""
    import subprocess
    import tempfile

    from ingest.store import PASSAGES

    collection = ws.collection(PASSAGES)
    row = {f"asset-{i // PASSAGES_PER_ASSET:05d}#{i % PASSAGES_PER_ASSET}": i
           for i in range(len(vectors))}
    sims = queries @ vectors.T
    kth = -np.partition(-sims, 9, axis=1)[:, 9]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "q.npy", queries)
        for ef in efs:
            collection.modify(configuration={"hnsw": {"ef_search": ef}})
            probe = subprocess.run(
                [sys.executable, __file__, "_probe", str(ws.root / "chroma"),
                 str(Path(tmp) / "q.npy")], capture_output=True, text=True, check=True)
            got, times = json.loads(probe.stdout.strip().splitlines()[-1])
            hits = [sum(sims[q, row[c]] >= kth[q] - 1e-5 for c in g) / 10
                    for q, g in enumerate(got)]
            out[ef] = {"recall": float(np.mean(hits)), "p50_ms": pct(times, 50),
                       "p95_ms": pct(times, 95)}
    from ingest.store import COSINE

    collection.modify(configuration={"hnsw": {"ef_search": COSINE["hnsw:search_ef"]}})
    return out


def probe(chroma_dir: str, queries_file: str) -> None:
    """Subprocess: top-10 ids and query times of each query, as one JSON line."""
    import chromadb

    from ingest.store import PASSAGES

    client = chromadb.PersistentClient(path=chroma_dir,
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_collection(PASSAGES)
    queries = np.load(queries_file)
    collection.query(query_embeddings=[queries[0]], n_results=10, include=[])  # load the index
    got, times = [], []
    for q in queries:
        t = time.perf_counter()
        res = collection.query(query_embeddings=[q], n_results=10, include=[])
        times.append(time.perf_counter() - t)
        got.append(res["ids"][0])
    print(json.dumps([got, times]))


def run_size(size: int, texts: list[str], efs: list[int], rebuild: bool) -> dict:
    from rag import Recommender, Retriever

    t0 = time.perf_counter()
    ws, vectors, info, sentence_table = build_workspace(size, rebuild)
    build_s = time.perf_counter() - t0
    from ingest.store import COSINE, PASSAGES

    # latencies with the store's search_ef (read when this process first loads the index)
    ws.collection(PASSAGES).modify(
        configuration={"hnsw": {"ef_search": COSINE["hnsw:search_ef"]}})
    retriever = Retriever(ws)
    t = time.perf_counter()
    retriever.lexical.rebuild()  # timed from scratch, also when the corpus was cached
    fts_s = time.perf_counter() - t
    # the passage sentence vectors, as `callmine ingest content` indexes them after ingest
    # (SentenceVectors.sync), from scratch: sentences of the pool are looked up, any other
    # split is embedded by the model
    from rag.sentence_vectors import SentenceVectors

    done = ws.db.execute("SELECT name FROM sqlite_master WHERE name='rag_sentences'").fetchone()
    if rebuild or "sentences_s" not in info or done is None:
        with ws.transaction() as db:
            db.execute("DROP TABLE IF EXISTS rag_sentences")
        ws.embedder.table, ws.embedder.misses, ws.embedder.memo = dict(sentence_table), 0, True
        t = time.perf_counter()
        SentenceVectors(ws).sync()
        info["sentences_s"] = round(time.perf_counter() - t, 1)
        info["sentence_misses"] = ws.embedder.misses
        (OUT / f"retrieval-{size}" / "bench.json").write_text(json.dumps(info))
        ws.embedder.table, ws.embedder.memo = {}, False
    sentences_s, sentence_misses = info["sentences_s"], info["sentence_misses"]
    rss_open = rss_mb()
    retriever.run(texts[0])  # warm: model, collection, sqlite pages
    times, parts = [], {"embed": [], "search": []}
    for text in texts:
        t = time.perf_counter()
        retriever.run(text, top=3)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        v = retriever.embed([text])[0]
        t2 = time.perf_counter()
        retriever.run(text, top=3, vector=v)
        parts["embed"].append(t2 - t)
        parts["search"].append(time.perf_counter() - t2)
    recommender = Recommender(ws, retriever=retriever)
    cold, warm = [], []  # first time each query is asked, and asked again
    for text in texts:
        t = time.perf_counter()
        recommender.run(text)
        cold.append(time.perf_counter() - t)
    for text in texts:
        t = time.perf_counter()
        recommender.run(text)
        warm.append(time.perf_counter() - t)
    qv = retriever.embed(texts)
    recall = recall_at_10(ws, vectors, qv, efs)
    ws.close()
    return {**info, "open_or_build_s": round(build_s, 1), "fts_build_s": round(fts_s, 1),
            "sentences_s": sentences_s, "sentence_misses": sentence_misses,
            "rss_open_mb": round(rss_open),
            "retrieve_p50": pct(times, 50), "retrieve_p95": pct(times, 95),
            "embed_p50": pct(parts["embed"], 50), "search_p50": pct(parts["search"], 50),
            "search_p95": pct(parts["search"], 95),
            "recommend_cold_p50": pct(cold, 50), "recommend_cold_p95": pct(cold, 95),
            "recommend_warm_p50": pct(warm, 50), "recommend_warm_p95": pct(warm, 95),
            "recall": recall, "rss_mb": round(rss_mb()), "peak_rss_mb": round(peak_mb())}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_probe"]:
        probe(*argv[1:3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached corpora")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch intra-op threads (0: torch's default, one per core)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    offline_environment()
    import logging

    logging.basicConfig(level=logging.WARNING)
    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    from training.labels import load_labels

    base = [q.query for q in load_labels()]
    texts = [base[i % len(base)] for i in range(args.queries)]
    if not args.child:
        print(f"machine: {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
              f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    if args.child:  # one size in this process: its peak memory is that size's
        print(json.dumps(run_size(args.sizes[0], texts, args.ef, args.rebuild)))
        return 0
    import subprocess

    results = {}
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--child", "--sizes", str(size), "--queries",
               str(args.queries), "--torch-threads", str(args.torch_threads), "--ef",
               *map(str, args.ef)] + (["--rebuild"] if args.rebuild else [])
        child = subprocess.run(cmd, capture_output=True, text=True)
        if child.returncode:
            print(child.stderr[-3000:], file=sys.stderr)
            return child.returncode
        r = results[size] = json.loads(child.stdout.strip().splitlines()[-1])
        if args.json:
            continue
        print(f"\n== {size:,} passages ({size // PASSAGES_PER_ASSET:,} assets) ==")
        print(f"corpus: {r['distinct_sentences']:,} distinct varied sentences embedded with "
              f"MiniLM ({r['embed_s']} s when built); passage vector = normalised mean of its "
              f"sentence vectors (cosine to a whole-passage embedding, 300 sampled: "
              f"{r['mean_vs_whole_cosine']:.3f}); stored through Workspace.save_asset in "
              f"{r['store_s']} s when built; FTS5 index (re)built in {r['fts_build_s']} s; "
              f"passage sentence vectors indexed in {r['sentences_s']} s when built "
              f"({r['sentence_misses']:,} sentences embedded by the model, the rest looked up)")
        print(f"Retriever.run (query embedding + Chroma + FTS5 + RRF + chunks), {len(texts)} "
              f"queries: p50 {r['retrieve_p50']:.1f} ms  p95 {r['retrieve_p95']:.1f} ms  "
              f"[query embedding p50 {r['embed_p50']:.1f} ms; search alone p50 "
              f"{r['search_p50']:.1f} / p95 {r['search_p95']:.1f} ms]")
        print(f"Recommender.run (+ covered features, as served after ingest): first asking "
              f"p50 {r['recommend_cold_p50']:.1f} / p95 {r['recommend_cold_p95']:.1f} ms; "
              f"asked again p50 {r['recommend_warm_p50']:.1f} / p95 "
              f"{r['recommend_warm_p95']:.1f} ms  (target p95 <= 150 ms at 100k)")
        print("HNSW recall@10 vs exact numpy search (dense query time p50/p95):")
        for ef, s in r["recall"].items():
            print(f"  hnsw:search_ef {int(ef):>4}: recall {s['recall']:.3f}  "
                  f"({s['p50_ms']:.1f} / {s['p95_ms']:.1f} ms)")
        print(f"memory (this size's process): RSS {r['rss_open_mb']} MB once open, peak "
              f"{r['peak_rss_mb']} MB (model, vectors for the exact search, Chroma index)",
              flush=True)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    print(f"\nload average at end {os.getloadavg()[0]:.1f} (other work on this machine "
          "shifts the latencies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
