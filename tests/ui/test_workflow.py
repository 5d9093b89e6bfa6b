"""The command line, the app and the demo run each user action through `ui.workflow`, so its
follow-up steps (analysis, indexes) are the same everywhere (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "ui"


@pytest.mark.parametrize("front", ["cli.py", "demo.py", "views/library.py"])
def test_front_ends_do_not_run_ingest_or_its_follow_ups_themselves(front):
    code = (UI / front).read_text()
    assert not re.search(r"\b(CallIngestor|ContentIngestor|Analyzer|index_content)\(", code)
    assert "workflow." in code


@pytest.mark.slow
def test_ingest_calls_then_messaging_updates_the_talk_tracks(workspace, settings, tmp_path):
    from insights.store import load_objections
    from ui import workflow

    repo = Path(__file__).resolve().parents[2]
    call = tmp_path / "c1.txt"
    call.write_text("[00:01] Rep: Customers recover the cost of Vantora within six months "
                    "through lower invoice processing costs.\n"
                    "[00:08] Kim Roe: Honestly the price is far too high for our budget.\n")
    steps: list[str] = []
    batch = workflow.ingest_calls(workspace, settings, [call], on_step=steps.append)
    assert batch.results[0].status == "stored" and steps  # the analysis ran
    assert any(o.call_id == "c1" for o in load_objections(workspace))
    uses = workspace.db.execute("SELECT COUNT(*) FROM track_uses").fetchone()[0]
    assert uses == 0  # no messaging yet: no talk track to find
    steps.clear()
    workflow.ingest_messaging(workspace, settings, repo / "demo" / "messaging.yaml",
                              on_step=steps.append)
    assert steps  # stored calls were analysed again with the talk tracks
    assert workspace.db.execute("SELECT COUNT(*) FROM track_uses").fetchone()[0] >= 1
