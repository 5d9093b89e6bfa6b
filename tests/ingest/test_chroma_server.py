"""A team's shared vector store: callmine against a real `chroma run` server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import ContentIngestor
from ingest.settings import Settings
from ingest.store import PASSAGES, Workspace

pytestmark = pytest.mark.slow

DOC = """# Security FAQ

## Where is our data hosted?

Customer data is hosted in two US data centres with encryption at rest (AES-256) and in
transit (TLS 1.2+). Backups are taken every hour and kept for 35 days.

## Certifications

We hold a SOC 2 Type II report and an ISO 27001 certificate, renewed every year.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = _free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server"), "--host",
                             "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma run exited at start")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start listening within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_ingest_and_query_through_a_chroma_server(chroma_server, tmp_path, embedder):
    settings = Settings(workspace=tmp_path / "ws", chroma_url=chroma_server)
    ws = Workspace.from_settings(settings, embedder=embedder)
    doc = tmp_path / "security.md"
    doc.write_text(DOC)
    assert ContentIngestor(ws).run([doc]).results[0].status == "stored"
    assert not (tmp_path / "ws" / "chroma").exists()  # vectors live on the server
    hits = ws.collection(PASSAGES).query(
        query_embeddings=embedder.embed(["Do you have SOC 2?"]), n_results=1)
    assert hits["metadatas"][0][0]["asset_id"] == "security"
    # a second client (a teammate) sees the same vectors
    teammate = Workspace.from_settings(settings.model_copy(update={"workspace": tmp_path / "ws2"}),
                                       embedder=embedder)
    assert teammate.collection(PASSAGES).count() == ws.collection(PASSAGES).count() > 0
