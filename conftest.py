"""Fixtures shared by the tests and the doctests of the packages: the hashed fake embedder, and
the namespace and working folder of the doctests.

``pytest`` collects the docstring examples of ``ingest``, ``insights``, ``rag`` and ``ui``
(``--doctest-modules`` in pyproject.toml). Each runs in a temporary folder that links the
repository's ``demo/`` (so ``Path("demo/messaging.yaml")`` reads the shipped demo data). Where
an example names ``ws`` or ``settings``, they are a workspace holding the demo's messaging and
content (no calls), on the fake embedder, and its settings.
"""

from __future__ import annotations

import doctest
import gc
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent

collect_ignore = ["tests/data"]  # generator scripts of the fixtures, not modules to import

DOCTEST_MODELS = (
    "ingest.embed",        # the bundled MiniLM
    "ingest.models",       # assembles Whisper base
    "ingest.numpy_bert",   # the bundled MiniLM
    "ingest.parallel",     # Whisper tiny.en in two worker processes
    "ingest.transcribe",   # Whisper tiny.en
    "insights.detector",   # MiniLM and the objection heads
    "insights.talk_tracks",  # MiniLM and the track matcher
)
"""Modules whose examples load real models: their doctests are marked ``slow``."""

NEEDS_DEMO = {
    "rag.recommend.Recommender": "needs the built demo workspace (make demo)",
    "ui.workflow": "needs the built demo workspace (make demo)",
}
"""Examples that need the built demo workspace, in modules whose docstrings carry no
``+SKIP`` of their own: skipped with that reason."""


class HashEmbedder:
    """A deterministic stand-in for :class:`ingest.embed.Embedder`, for tests that store and
    find passages without judging how well they match.

    Each text is a bag of its lower-cased words and of the character trigrams of each word,
    hashed into ``dimension`` signed buckets and L2-normalised: texts that share words are
    closer than texts that do not, and the same text always gives the same vector, in any
    process. It imports neither torch nor sentence-transformers, and has the methods of the
    real embedder that callmine calls (``embed``, ``dimension``, ``warm_up`` and langchain's
    ``embed_documents``/``embed_query``), so it is handed to a ``Workspace`` the same way.
    """

    encoder = "hash"
    model_path = None
    batch_size = 64

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self._buckets: dict[str, tuple[int, float]] = {}

    def warm_up(self, bulk: bool = False) -> None:
        """Nothing to load."""

    def _bucket(self, feature: str) -> tuple[int, float]:
        """The bucket and sign of one feature (a stable hash, unlike ``hash()``)."""
        if feature not in self._buckets:
            digest = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"),
                                                    digest_size=8).digest(), "little")
            self._buckets[feature] = (digest % self.dimension,
                                      1.0 if digest >> 63 else -1.0)
        return self._buckets[feature]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        words = re.findall(r"\w+", text.lower())
        for word in words:
            index, sign = self._bucket("w:" + word)
            vector[index] += sign
            marked = f"<{word}>"
            for i in range(len(marked) - 2):
                index, sign = self._bucket("c:" + marked[i:i + 3])
                vector[index] += 0.5 * sign
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # no word at all (punctuation, blank): one bucket of the raw text
            index, sign = self._bucket("t:" + text)
            vector[index], norm = sign, 1.0
        return vector / norm

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed texts into a ``(len(texts), dimension)`` float32 array of unit vectors."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


@pytest.fixture(scope="session")
def fake_embedder() -> HashEmbedder:
    """The hashed fake embedder: for tests whose assertions do not depend on what the texts
    mean (storage, bookkeeping, lexical search, plumbing). Tests that judge retrieval, objection
    or clustering quality use the real ``embedder``."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def doctest_settings(tmp_path_factory):
    """The ``settings`` of the doctests: Whisper tiny.en, the workspace of ``doctest_ws``."""
    from ingest.settings import Settings

    return Settings(workspace=tmp_path_factory.mktemp("doctest") / "ws", whisper_model="tiny.en")


@pytest.fixture(scope="session")
def doctest_ws(doctest_settings, fake_embedder):
    """The ``ws`` of the doctests: the demo's messaging and content (no calls), on the fake
    embedder. Read only."""
    from ingest.pipeline import ContentIngestor, ingest_messaging
    from ingest.store import Workspace

    demo = REPO / "demo"
    ws = Workspace(doctest_settings.workspace, fake_embedder)
    ingest_messaging(ws, demo / "messaging.yaml")
    batch = ContentIngestor(ws).run([demo / "content"], demo / "content" / "content.csv")
    assert not batch.failed, [r.message for r in batch.failed]
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def doctest_namespace(doctest_namespace):
    """``Path`` in every doctest, as most examples read a file."""
    doctest_namespace["Path"] = Path
    return doctest_namespace


@pytest.fixture(autouse=True)
def _doctest_folder(request):
    """A doctest runs in a temporary folder linking ``demo/``; ``ws`` and ``settings`` are
    defined where its examples name them."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    folder = request.getfixturevalue("tmp_path")
    (folder / "demo").symlink_to(REPO / "demo", target_is_directory=True)
    request.getfixturevalue("monkeypatch").chdir(folder)
    namespace = request.getfixturevalue("doctest_namespace")
    namespace["settings"] = request.getfixturevalue("doctest_settings")
    if any(re.search(r"\bws\b", example.source) and not example.options.get(doctest.SKIP)
           for example in request.node.dtest.examples):
        namespace["ws"] = request.getfixturevalue("doctest_ws")


def pytest_collection_modifyitems(items):
    """Doctests of modules that load real models are ``slow``; those that need the built demo
    workspace are skipped with that reason."""
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        name = item.dtest.name
        if name in NEEDS_DEMO:
            item.add_marker(pytest.mark.skip(reason=NEEDS_DEMO[name]))
        elif any(name == module or name.startswith(module + ".") for module in DOCTEST_MODELS):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session):
    """Keep what collection built (the imported modules, the test items) out of the garbage
    collector's sight: ``ingest.audio`` collects after every decode (PyAV resamplers), and a
    full collection over the whole test process took about 0.2 s a file."""
    gc.freeze()
