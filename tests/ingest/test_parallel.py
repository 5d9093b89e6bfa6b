"""Parallel transcription: local worker processes give the same calls as one process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import CallIngestor

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"

pytestmark = pytest.mark.slow


def test_workers_store_the_same_calls_as_sequential(workspace, settings, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(AUDIO / "stereo.mp3", calls / "call-1.mp3")
    shutil.copy(AUDIO / "mono.ogg", calls / "call-2.ogg")
    (calls / "broken.mp3").write_bytes(b"not audio at all" * 100)
    parallel = settings.model_copy(update={"workers": 2})
    batch = CallIngestor(workspace, parallel).run([calls])
    status = {Path(r.path).name: r.status for r in batch.results}
    assert status == {"broken.mp3": "failed", "call-1.mp3": "stored", "call-2.ogg": "stored"}
    stereo = workspace.call("call-1")
    assert [(t.speaker, t.side) for t in stereo.turns] == [  # no manifest: no rep's name
        ("Rep", "rep"), ("Buyer", "buyer"), ("Rep", "rep")]
    mono = workspace.call("call-2")  # diarized in the worker: one voice
    assert mono.speakers["method"] == "voice" and mono.speakers["speakers"] == 1
    assert CallIngestor(workspace, parallel).run([calls]).results[1].status == "unchanged"


def test_the_same_function_runs_on_a_dask_cluster(workspace, settings, tmp_path):
    """A LocalCluster stands in for a real one: same scheduler protocol, same workers."""
    pytest.importorskip("distributed")
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(AUDIO / "stereo.mp3", calls / "d-1.mp3")
    shutil.copy(AUDIO / "mono.ogg", calls / "d-2.ogg")
    on_dask = settings.model_copy(update={"dask_scheduler": "local", "workers": 1})
    batch = CallIngestor(workspace, on_dask).run([calls])
    assert [r.status for r in batch.results] == ["stored", "stored"]
    assert [t.speaker for t in workspace.call("d-1").turns] == ["Rep", "Buyer", "Rep"]
