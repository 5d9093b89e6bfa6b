"""Shared fixtures: one real embedding model per test session, and fresh workspaces.

``fake_embedder`` (the repository's conftest.py) is the hashed stand-in for tests that do
not judge what texts mean; ``fake_workspace`` is a fresh workspace on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import offline_environment

offline_environment()

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def embedder():
    """The bundled MiniLM, loaded once per session (a real model, never a fake)."""
    from ingest.embed import Embedder

    emb = Embedder()
    emb.warm_up()
    return emb


@pytest.fixture()
def workspace(tmp_path, embedder):
    """An empty workspace in a temporary folder."""
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", embedder)
    yield ws
    ws.close()


@pytest.fixture()
def fake_workspace(tmp_path, fake_embedder):
    """An empty workspace in a temporary folder, on the hashed fake embedder."""
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", fake_embedder)
    yield ws
    ws.close()


@pytest.fixture()
def settings(tmp_path):
    """Settings for a temporary workspace (tiny.en for speed where speech is involved)."""
    from ingest.settings import Settings

    return Settings(workspace=tmp_path / "ws", whisper_model="tiny.en")
