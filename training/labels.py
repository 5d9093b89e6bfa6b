"""The labelled set behind the covered model: queries, their answering assets, and the corpora.

``training/data/covered_labels.yaml`` holds one entry per buyer question or objection, with the
assets that answer it (``answer``), assets that mention its topic without answering it
(``near_miss``) and unrelated ones (``other``); each listed asset is one labelled pair. A query
with no answering asset is not covered by its corpus. The corpora are the demo content
(``demo/content``, Vantora) and a second, smaller one written for the set
(``training/data/corpora/corvid``).

:func:`split` is deterministic (by a hash of the query id), stratified by corpus and by
covered/not covered, so the held-out queries never change between runs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from ingest.embed import Embedder
    from ingest.store import Workspace

DATA = Path(__file__).resolve().parent / "data"
LABELS = DATA / "covered_labels.yaml"
REPO = Path(__file__).resolve().parents[1]
CORPORA = {
    "vantora": REPO / "demo" / "content",
    "corvid": DATA / "corpora" / "corvid",
}
"""Corpus name -> folder holding the documents and their ``content.csv`` manifest."""
HELD_OUT = 0.3


@dataclass(frozen=True, slots=True)
class Pair:
    """One labelled (query, asset) pair."""

    query_id: str
    asset_id: str
    answers: bool
    kind: str
    """``answer``, ``near_miss`` or ``other``."""


@dataclass(slots=True)
class LabelledQuery:
    """A buyer question or objection with its labelled assets."""

    id: str
    corpus: str
    query: str
    answer: list[str] = field(default_factory=list)
    near_miss: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        """Whether some asset of the corpus answers the query."""
        return bool(self.answer)

    @property
    def pairs(self) -> list[Pair]:
        return ([Pair(self.id, a, True, "answer") for a in self.answer]
                + [Pair(self.id, a, False, "near_miss") for a in self.near_miss]
                + [Pair(self.id, a, False, "other") for a in self.other])


def load_labels(path: Path = LABELS) -> list[LabelledQuery]:
    """The labelled queries; ``ValueError`` naming the entry for a malformed one."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out = []
    seen: set[str] = set()
    for i, e in enumerate(entries):
        unknown = set(e) - {"id", "corpus", "query", "answer", "near_miss", "other"}
        if unknown or not {"id", "corpus", "query"} <= set(e):
            raise ValueError(f"{path}: entry {i} ({e.get('id')}) has keys {sorted(e)}; expected "
                             "id, corpus, query and answer/near_miss/other lists")
        if e["id"] in seen:
            raise ValueError(f"{path}: duplicate query id {e['id']!r}")
        seen.add(e["id"])
        q = LabelledQuery(e["id"], e["corpus"], e["query"], list(e.get("answer", [])),
                          list(e.get("near_miss", [])), list(e.get("other", [])))
        overlap = set(q.answer) & (set(q.near_miss) | set(q.other))
        if overlap:
            raise ValueError(f"{path}: {q.id} labels {sorted(overlap)} both yes and no")
        out.append(q)
    return out


def split(queries: list[LabelledQuery], held_out: float = HELD_OUT
          ) -> tuple[list[LabelledQuery], list[LabelledQuery]]:
    """(train, held-out) queries: per corpus and covered/not covered, the ``held_out`` share
    with the smallest id hashes goes to the held-out split."""
    strata: dict[tuple[str, bool], list[LabelledQuery]] = defaultdict(list)
    for q in queries:
        strata[(q.corpus, q.covered)].append(q)
    train, test = [], []
    for group in strata.values():
        group.sort(key=lambda q: hashlib.sha1(q.id.encode()).hexdigest())
        n = round(len(group) * held_out)
        test += group[:n]
        train += group[n:]
    order = {q.id: i for i, q in enumerate(queries)}
    return sorted(train, key=lambda q: order[q.id]), sorted(test, key=lambda q: order[q.id])


def build_corpus(name: str, root: Path, embedder: Embedder) -> Workspace:
    """A workspace in ``root`` holding corpus ``name`` (ingested with its manifest; reused
    when already there, since ingest is idempotent)."""
    from ingest.errors import InputError
    from ingest.pipeline import ContentIngestor
    from ingest.store import Workspace

    folder = CORPORA.get(name)
    if folder is None or not (folder / "content.csv").is_file():
        raise InputError(f"Corpus {name!r} not found at {folder}; known: {', '.join(CORPORA)}.")
    ws = Workspace(Path(root), embedder)
    batch = ContentIngestor(ws).run([folder], folder / "content.csv")
    failed = [f"{r.path}: {r.message}" for r in batch.failed]
    if failed:
        raise InputError(f"Corpus {name!r}: some documents failed to ingest: {'; '.join(failed)}")
    return ws
