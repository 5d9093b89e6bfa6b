"""The demo's data is package data of ``ui``: found in a checkout and in an installed wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from ingest.errors import WorkspaceError
from ingest.settings import Settings
from ui.demo import BUNDLED_DEMO, demo_dir

REPO = Path(__file__).resolve().parents[2]


def test_bundled_demo_is_read_through_the_ui_package(tmp_path):
    data = files("ui") / "demo_data"
    assert (data / "messaging.yaml").read_text(encoding="utf-8") == \
        (REPO / "demo" / "messaging.yaml").read_text(encoding="utf-8")
    assert demo_dir(Settings(workspace=tmp_path / "ws")) == BUNDLED_DEMO
    assert sorted(p.name for p in (BUNDLED_DEMO / "crm").glob("*.csv")) == [
        "hubspot-deals.csv", "salesforce-opportunities.csv"]


def test_a_demo_folder_without_messaging_is_refused(tmp_path):
    settings = Settings(workspace=tmp_path / "ws", demo_dir=tmp_path)
    with pytest.raises(WorkspaceError, match=rf"^No demo data at {tmp_path} \(expected "
                                             r"messaging\.yaml, calls/, content/\)\.$"):
        demo_dir(settings)


@pytest.mark.slow
def test_the_wheel_ships_the_demo_and_not_the_training_code(tmp_path):
    src = tmp_path / "src"  # a copy, so that the build's files land outside the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("ingest", "insights", "rag", "ui", "demo", "training"):
        shutil.copytree(REPO / name, src / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path / "whl")],
                   check=True, cwd=src, capture_output=True)
    wheel, = (tmp_path / "whl").glob("callmine-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    demo = sorted(p.relative_to(REPO / "demo").as_posix() for p in (REPO / "demo").rglob("*")
                  if p.is_file() and p.parts[len(REPO.parts) + 1] in ("calls", "content", "crm"))
    assert demo and {f"ui/demo_data/{name}" for name in demo} <= names
    assert "ui/demo_data/messaging.yaml" in names and "ui/demo.py" in names
    assert not [n for n in names if n.startswith(("training/", "ui/demo_data/tools"))]
    assert "insights/model/turn_head.npz" in names and "rag/covered.json" in names
