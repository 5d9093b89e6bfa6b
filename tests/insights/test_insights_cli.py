"""``callmine objections|themes|messages``: contract JSON, text output and exit codes."""

from __future__ import annotations

import json

import pytest

from ui.cli import main

CALL_A = """\
[00:01] Rep: Thanks for joining. Customers recover the cost of Vantora within six months.
[00:09] Dana Cole: That makes sense.
[00:15] Rep: Pricing starts at fifteen hundred a month.
[00:21] Dana Cole: Honestly, that's way more than we budgeted for this.
"""
CALL_B = """\
[00:01] Rep: Most customers recover the cost within six months.
[00:07] Sam Ortiz: Hmm. That is way more than we budgeted for a team our size.
[00:15] Rep: I understand.
[00:20] Sam Ortiz: We would also need our CFO to approve this first.
"""
MANIFEST = "file,call_id,date,outcome\na.txt,call-a,2026-03-02,won\nb.txt,call-b,2026-04-10,lost\n"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def ingest_calls(capsys, tmp_path, ws: str) -> None:
    """Ingest CALL_A and CALL_B with their manifest into ``ws``."""
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "a.txt").write_text(CALL_A)
    (calls / "b.txt").write_text(CALL_B)
    (calls / "calls.csv").write_text(MANIFEST)
    code, _, err = run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(calls),
                       "--manifest", str(calls / "calls.csv"))
    assert code == 0, err


@pytest.fixture()
def ws_dir(tmp_path, messaging_file, capsys):
    ws = str(tmp_path / "ws")
    assert run(capsys, "--workspace", ws, "-q", "ingest", "messaging", str(messaging_file))[0] == 0
    ingest_calls(capsys, tmp_path, ws)
    return ws


@pytest.mark.slow
def test_objections_json(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "objections", "--format", "json")
    assert code == 0
    rows = json.loads(out)["objections"]
    assert {"id", "call_id", "turn", "speaker", "start", "end", "text", "category", "theme_id",
            "confidence"} <= set(rows[0])
    assert [(o["call_id"], o["turn"], o["speaker"], o["category"], o["text"]) for o in rows] == [
        ("call-a", 3, "Dana Cole", "price",
         "Honestly, that's way more than we budgeted for this."),
        ("call-b", 1, "Sam Ortiz", "price",
         "Hmm. That is way more than we budgeted for a team our size."),
        ("call-b", 3, "Sam Ortiz", "authority",
         "We would also need our CFO to approve this first."),
    ]
    assert rows[0]["start"] == 21.0 and rows[0]["theme_id"].startswith("t-")
    code, out, _ = run(capsys, "--workspace", ws_dir, "--format", "json", "objections",
                       "--call", "call-b", "--category", "Authority")
    assert [o["turn"] for o in json.loads(out)["objections"]] == [3]


@pytest.mark.slow
def test_themes_and_messages_json(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "themes", "--format", "json")
    themes = json.loads(out)["themes"]
    assert code == 0
    assert {"id", "label", "category", "count", "calls", "won", "lost", "open", "examples",
            "keywords", "trend"} <= set(themes[0])
    price = next(t for t in themes if t["category"] == "price")
    assert (price["count"], price["calls"], price["won"], price["lost"]) == (2, 2, 1, 1)
    assert price["trend"] == {"2026-03": 1, "2026-04": 1}
    assert set(price["examples"][0]) == {"call_id", "turn", "text"}

    code, out, _ = run(capsys, "--workspace", ws_dir, "messages", "--format", "json")
    messages = json.loads(out)["messages"]
    assert code == 0 and [m["id"] for m in messages] == ["payback", "erp_native"]
    m = messages[0]
    assert {"id", "name", "uses", "calls", "positive_reaction_rate", "objection_rate",
            "win_rate_with", "win_rate_without", "lift", "lift_ci", "examples",
            "occurrences", "verdict"} <= set(m)
    assert (m["uses"], m["calls"], m["win_rate_with"]) == (2, 2, 0.5)
    assert m["occurrences"] == [{"call_id": "call-a", "turn": 0}, {"call_id": "call-b", "turn": 0}]
    assert m["win_rate_without"] is None and m["lift"] is None and m["lift_ci"] is None
    assert m["verdict"] == "not enough calls to tell"
    assert "Too few closed deals" in m["warning"]
    assert {"call_id", "turn", "start", "text", "reaction"} <= set(m["examples"][0])
    assert messages[1]["occurrences"] == [] and messages[1]["uses"] == 0


@pytest.mark.slow
def test_text_output(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "objections")
    assert code == 0
    assert out.splitlines()[0].split() == ["call", "turn", "time", "category", "conf", "text"]
    assert "call-a    3 00:21  price" in out and out.rstrip().endswith("3 objection(s)")
    code, out, _ = run(capsys, "--workspace", ws_dir, "themes")
    assert code == 0 and "#" * 20 in out and "keywords:" in out
    code, out, _ = run(capsys, "--workspace", ws_dir, "messages")
    assert code == 0 and "Payback in six months" in out and "! Too few closed deals" in out
    payback = next(line for line in out.splitlines() if line.startswith("Payback in six months"))
    assert payback.rstrip().endswith("not enough calls to tell")
    assert out.splitlines()[0].rstrip().endswith("95% CI         verdict")


def test_bad_category_exits_2_with_the_valid_ones(tmp_path, capsys):
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "objections",
                         "--category", "weather")
    assert code == 2 and out == ""
    assert ("Unknown objection category 'weather'; use one of: price, timing, competitor, "
            "authority, need, feature, integration, security, implementation, trust, "
            "contract, other.") in err


@pytest.mark.parametrize(("command", "key", "hint"), [
    ("objections", "objections", "no objections found (no calls yet"),
    ("themes", "themes", "no themes yet (no calls yet"),
    ("messages", "messages", "no talk tracks: ingest the messaging first"),
])
def test_empty_workspace_gives_empty_list_and_a_hint(tmp_path, capsys, command, key, hint):
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), command, "--format", "json")
    assert code == 0 and json.loads(out) == {key: []}
    assert hint in err


def test_unknown_call_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "--workspace", str(tmp_path / "ws"), "objections", "--call", "x")
    assert code == 2 and "No call 'x'" in err


@pytest.mark.slow
def test_messaging_ingested_after_the_calls_counts_their_talk_tracks(tmp_path, messaging_file,
                                                                     capsys):
    ws = str(tmp_path / "ws")
    ingest_calls(capsys, tmp_path, ws)  # calls first, then the messaging
    assert run(capsys, "--workspace", ws, "-q", "ingest", "messaging", str(messaging_file))[0] == 0
    code, out, _ = run(capsys, "--workspace", ws, "messages", "--format", "json")
    payback = json.loads(out)["messages"][0]
    assert code == 0 and (payback["id"], payback["uses"], payback["calls"]) == ("payback", 2, 2)
