"""Correctable data: `callmine remove call|asset`, and `ingest --force` (issue 11)."""

from __future__ import annotations

import json

import pytest

from ui.cli import main

OBJECTING = ("[00:01] Rep: Hi, thanks for the time.\n"
             "[00:05] Jordan Lee: Honestly the price is far too high for our budget this year.\n")
PAGE = "# Pricing\n\nVantora costs 40 dollars per user per month, billed yearly.\n"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_removing_a_call_removes_its_turns_objections_and_copy(capsys, tmp_path):
    ws = str(tmp_path / "ws")
    for name in ("c1", "c2"):
        (tmp_path / f"{name}.txt").write_text(OBJECTING.replace("Jordan", name))
    assert run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "c1.txt"),
               str(tmp_path / "c2.txt"))[0] == 0
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "objections")
    assert {o["call_id"] for o in json.loads(out)["objections"]} == {"c1", "c2"}
    copies = list((tmp_path / "ws" / "files").iterdir())
    assert len(copies) == 2

    code, out, err = run(capsys, "--workspace", ws, "--format", "json", "-q", "remove", "call",
                         "c1")
    assert code == 0, err
    assert json.loads(out) == {"removed": ["c1"], "what": "call"}
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "calls")
    assert [c["call_id"] for c in json.loads(out)["calls"]] == ["c2"]
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "objections")
    assert {o["call_id"] for o in json.loads(out)["objections"]} == {"c2"}
    assert len(list((tmp_path / "ws" / "files").iterdir())) == 1
    # ingesting the file again brings it back (nothing remembers it as unchanged)
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "-q", "ingest", "calls",
                    str(tmp_path / "c1.txt"))
    assert json.loads(out)["results"][0]["status"] == "stored"


@pytest.mark.slow
def test_removing_an_unknown_id_removes_nothing_and_exits_2(capsys, tmp_path):
    ws = str(tmp_path / "ws")
    (tmp_path / "c1.txt").write_text(OBJECTING)
    run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "c1.txt"))
    code, _, err = run(capsys, "--workspace", ws, "remove", "call", "c1", "nope")
    assert code == 2 and "No call 'nope'" in err and "Nothing was removed" in err
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "calls")
    assert [c["call_id"] for c in json.loads(out)["calls"]] == ["c1"]


@pytest.mark.slow
def test_removing_an_asset_takes_it_out_of_every_answer(capsys, tmp_path):
    ws = str(tmp_path / "ws")
    (tmp_path / "pricing.md").write_text(PAGE)
    (tmp_path / "security.md").write_text("# Security\n\nWe hold a SOC 2 Type II report.\n")
    run(capsys, "--workspace", ws, "-q", "ingest", "content", str(tmp_path / "pricing.md"),
        str(tmp_path / "security.md"))
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "recommend",
                    "how much does it cost per user?")
    assert json.loads(out)["recommendations"][0]["asset_id"] == "pricing"

    code, _, err = run(capsys, "--workspace", ws, "-q", "remove", "asset", "pricing")
    assert code == 0, err
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "assets")
    assert [a["asset_id"] for a in json.loads(out)["assets"]] == ["security"]
    _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "recommend",
                    "how much does it cost per user?")
    assert all(r["asset_id"] != "pricing" for r in json.loads(out)["recommendations"])
    from ingest.embed import Embedder
    from ingest.store import Workspace

    store = Workspace(tmp_path / "ws", Embedder())
    assert store.stats()["vectors"] == store.stats()["chunks"] == len(store.chunks("security"))
    lexical = store.db.execute("SELECT COUNT(*) FROM rag_fts_assets WHERE asset_id='pricing'")
    assert lexical.fetchone()[0] == 0


@pytest.mark.slow
def test_force_reads_an_unchanged_file_again(capsys, tmp_path):
    ws = str(tmp_path / "ws")
    (tmp_path / "c1.txt").write_text(OBJECTING)
    (tmp_path / "p.md").write_text(PAGE)
    for what, path in (("calls", "c1.txt"), ("content", "p.md")):
        run(capsys, "--workspace", ws, "-q", "ingest", what, str(tmp_path / path))
        _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "-q", "ingest", what,
                        str(tmp_path / path))
        assert json.loads(out)["results"][0]["status"] == "unchanged"
        _, out, _ = run(capsys, "--workspace", ws, "--format", "json", "-q", "ingest", what,
                        str(tmp_path / path), "--force")
        assert json.loads(out)["results"][0]["status"] == "replaced"
