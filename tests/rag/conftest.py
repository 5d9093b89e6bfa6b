"""Fixtures of the rag tests: a small content library ("Lumio", a scheduling tool)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

LUMIO = Path(__file__).parent / "data" / "lumio"


def ingest_lumio(ws, folder: Path = LUMIO):
    """Ingest the Lumio documents with their manifest; every file must be stored."""
    from ingest.pipeline import ContentIngestor

    batch = ContentIngestor(ws).run([folder], folder / "content.csv")
    assert not batch.failed, [r.message for r in batch.failed]
    return batch


@pytest.fixture(scope="session")
def ingest():
    """``ingest(ws, folder=LUMIO)``: ingest a Lumio folder into a workspace."""
    return ingest_lumio


@pytest.fixture(scope="session")
def lumio_ws(tmp_path_factory, embedder):
    """A workspace holding the Lumio library, shared by read-only tests."""
    from ingest.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("lumio") / "ws", embedder)
    ingest_lumio(ws)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def fake_lumio_ws(tmp_path_factory, fake_embedder):
    """The Lumio library on the hashed fake embedder, for read-only tests that judge no
    similarity (filters, input checks)."""
    from ingest.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("fake-lumio") / "ws", fake_embedder)
    ingest_lumio(ws)
    yield ws
    ws.close()


@pytest.fixture()
def lumio_copy(tmp_path):
    """A writable copy of the Lumio documents (for re-ingest tests)."""
    target = tmp_path / "lumio"
    shutil.copytree(LUMIO, target)
    return target
