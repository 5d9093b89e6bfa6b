"""``callmine recommend|gaps|ask``: contract JSON, text output and exit codes."""

from __future__ import annotations

import json

import pytest

from ui.cli import main

pytestmark = pytest.mark.slow

LUMIO_CALL = """\
[00:01] Rep: Thanks for joining.
[00:05] Dana Cole: Our data has to stay in the EU, that is a legal requirement for us.
[00:12] Rep: Understood.
[00:20] Dana Cole: And how do you encrypt our data?
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def ws_dir(tmp_path, capsys):
    from pathlib import Path

    lumio = Path(__file__).parent / "data" / "lumio"
    ws = tmp_path / "ws"
    code, _, err = run(capsys, "--workspace", ws, "-q", "ingest", "content", lumio,
                       "--manifest", lumio / "content.csv")
    assert code == 0, err
    return ws


def test_recommend_json(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "recommend", "How do you encrypt our data?",
                       "--top", "2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"query", "covered", "recommendations"}
    assert data["covered"] is True and len(data["recommendations"]) == 2
    first = data["recommendations"][0]
    assert set(first) >= {"asset_id", "title", "type", "source", "passage", "score", "why",
                          "location", "chunk_id"}
    assert first["asset_id"] == "lumio-security" and 0.0 <= first["score"] <= 1.0


def test_recommend_filters_and_text(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "recommend", "Is our data stored in the EU?",
                       "--type", "web_page", "--public-only", "--stage", "demo", "--audience", "it",
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["covered"] is False
    assert [r["asset_id"] for r in data["recommendations"]] == ["lumio-integrations"]
    code, out, _ = run(capsys, "--workspace", ws_dir, "recommend", "How much per user?")
    assert code == 0 and out.startswith("COVERED: an asset answers this.")
    assert "1. Lumio pricing  [web_page]  score" in out


def test_recommend_bad_type_exits_2_listing_types(ws_dir, capsys):
    code, out, err = run(capsys, "--workspace", ws_dir, "recommend", "x", "--type", "video",
                         "--format", "json")
    assert code == 2 and out == ""
    assert "Unknown asset type 'video'; use one of: case_study, one_pager, battle_card" in err


def test_empty_workspace_exits_2(tmp_path, capsys):
    for argv in (["recommend", "encryption"], ["gaps"], ["ask", "How do you encrypt data?"]):
        code, out, err = run(capsys, "--workspace", tmp_path / "empty", *argv, "--format", "json")
        assert code == 2 and out == ""
        assert "ingest content first: callmine ingest content" in err


def test_ask_json(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "ask", "How do you encrypt our data?",
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"answer", "citations"}
    assert "[1]" in data["answer"]
    assert data["citations"][0]["asset_id"] == "lumio-security"
    assert set(data["citations"][0]) >= {"asset_id", "passage"}


def test_gaps_json_text_and_exports(ws_dir, tmp_path, capsys):
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "eu.txt").write_text(LUMIO_CALL)
    code, _, err = run(capsys, "--workspace", ws_dir, "-q", "ingest", "calls", calls)
    assert code == 0, err
    md, table = tmp_path / "gaps.md", tmp_path / "gaps.csv"
    code, out, _ = run(capsys, "--workspace", ws_dir, "gaps", "--export-md", md,
                       "--export-csv", table, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"gaps", "covered", "unused_assets"}
    for item in data["gaps"] + data["covered"]:
        assert set(item) >= {"theme_id", "label", "category", "count", "lost", "coverage",
                             "priority", "best", "brief"}
    assert [g["priority"] for g in data["gaps"]] == sorted(
        (g["priority"] for g in data["gaps"]), reverse=True)
    assert all(set(a) == {"asset_id", "title"} for a in data["unused_assets"])
    assert md.read_text().startswith("# Content gap report")
    assert table.read_text().startswith("status,theme_id,label,category,count,lost,coverage")
    code, out, _ = run(capsys, "--workspace", ws_dir, "gaps")
    assert code == 0 and out.startswith("GAPS (coverage below 50%), highest priority first:")


def test_gaps_export_into_missing_folder_exits_2(ws_dir, tmp_path, capsys):
    code, _, err = run(capsys, "--workspace", ws_dir, "gaps", "--export-md",
                       tmp_path / "nope" / "gaps.md")
    assert code == 2 and "folder" in err and "does not exist" in err
