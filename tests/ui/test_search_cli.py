"""``callmine search``: JSON, text, filters and bad input (exit 2), on the hashed fake embedder."""

from __future__ import annotations

import json

import pytest

from tests.rag.test_search import ingest_calls, write_calls
from ui.cli import main


@pytest.fixture()
def ws_dir(tmp_path, fake_embedder, settings, monkeypatch):
    """A workspace folder holding three small calls; the CLI opens it on the fake embedder."""
    import ingest.embed
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", fake_embedder)
    ingest_calls(ws, write_calls(tmp_path / "calls"), settings)
    ws.close()
    monkeypatch.setattr(ingest.embed, "Embedder", lambda *a, **k: fake_embedder)
    return str(tmp_path / "ws")


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_search_json_with_filters(capsys, ws_dir):
    code, out, err = run(capsys, "--workspace", ws_dir, "search", "price budget", "--rep",
                         "Dana Reyes", "--side", "buyer", "--since", "2026-01-01", "--limit",
                         "2", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["query"] == "price budget" and data["library"] is False
    assert {(h["call_id"], h["turn"]) for h in data["hits"]} == {("acme-1", 1), ("initech-1", 1)}
    assert all(h["side"] == "buyer" and h["rep"] == "Dana Reyes" for h in data["hits"])


def test_search_text_marks_the_words_and_says_where(capsys, ws_dir):
    code, out, _ = run(capsys, "--workspace", ws_dir, "search", "SOC", "--outcome", "lost",
                       "--limit", "1")
    assert code == 0
    assert out.splitlines() == [
        " 1. globex-1 at 0:22, turn 3, buyer Lee Chen (2026-02-10, Sam Ortiz, lost)",
        "    Our security team will block anything without [SOC] 2."]


def test_no_hit_says_so(capsys, ws_dir):
    code, out, _ = run(capsys, "--workspace", ws_dir, "search", "price", "--outcome", "won",
                       "--stage", "evaluation")
    assert (code, out) == (0, "No turns match 'price'.\n")


@pytest.mark.parametrize("argv, message", [
    (["search", "price", "--since", "2026-13-01"],
     "callmine: --since must be a date such as 2026-03-31, got '2026-13-01'."),
    (["search", "price", "--library", "--rep", "Dana"],
     "callmine: --rep filter calls, not the content library (it takes --public-only): drop "
     "them or drop --library."),
    (["search", "price", "--public-only"],
     "callmine: --public-only goes with --library (it filters assets, not calls)."),
    (["search", " "], 'callmine: Give words to search for, e.g. callmine search "too expensive".'),
    (["search", "price", "--limit", "0"],
     "callmine: The number of results must be 1 or more, got 0."),
    (["search", "price", "--library"], "ingest content first"),
])
def test_bad_input_exits_2_with_a_message(capsys, ws_dir, argv, message):
    code, out, err = run(capsys, "--workspace", ws_dir, *argv)
    assert code == 2 and out == ""
    assert message in err
