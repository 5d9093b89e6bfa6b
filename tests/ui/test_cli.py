"""The command line: contract JSON, exit codes and messages."""

from __future__ import annotations

import json

import pytest

from ui.cli import main

TXT = "[00:01] Rep: Hi, thanks for the time.\n[00:05] Jordan Lee: We are locked into a contract with Paystream.\n"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ingest"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_ingest_calls_json_and_idempotency(capsys, tmp_path):
    (tmp_path / "c1.txt").write_text(TXT)
    ws = str(tmp_path / "ws")
    code, out, err = run(capsys, "--workspace", ws, "ingest", "calls", str(tmp_path / "c1.txt"),
                         "--format", "json", "-q")
    assert code == 0, err
    data = json.loads(out)
    assert data["results"][0]["status"] == "stored" and data["results"][0]["id"] == "c1"
    code, out, _ = run(capsys, "--workspace", ws, "--format", "json", "-q", "ingest", "calls",
                       str(tmp_path / "c1.txt"))
    assert code == 0 and json.loads(out)["results"][0]["status"] == "unchanged"


@pytest.mark.slow
def test_partial_batch_exits_3_and_lists_each_failure(capsys, tmp_path):
    (tmp_path / "good.txt").write_text(TXT)
    (tmp_path / "empty.srt").write_text("")
    (tmp_path / "deck.key").write_text("x")
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "ingest", "calls", "-q",
                         str(tmp_path / "good.txt"), str(tmp_path / "empty.srt"),
                         str(tmp_path / "deck.key"))
    assert code == 3
    assert "callmine: empty.srt: the file is empty." in err
    assert "got 'deck.key'" in err
    assert "1 stored" in out and "2 failed" in out


@pytest.mark.slow
def test_all_bad_input_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "--workspace", str(tmp_path / "ws"), "ingest", "content",
                       str(tmp_path / "nothing.md"))
    assert code == 2
    assert "nothing.md: no such file or folder." in err


@pytest.mark.slow
def test_bad_messaging_names_the_field(capsys, tmp_path):
    bad = tmp_path / "messaging.yaml"
    bad.write_text("company: {name: Acme}\ntalk_tracks:\n  - {id: roi, name: ROI}\n")
    code, _, err = run(capsys, "--workspace", str(tmp_path / "ws"), "ingest", "messaging", str(bad))
    assert code == 2
    assert "talk_tracks[0].statement" in err


@pytest.mark.slow
def test_workspace_from_environment(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLMINE_WORKSPACE", str(tmp_path / "envws"))
    (tmp_path / "c.txt").write_text(TXT)
    code, _, _ = run(capsys, "-q", "ingest", "calls", str(tmp_path / "c.txt"))
    assert code == 0
    assert (tmp_path / "envws" / "callmine.db").is_file()


def test_bad_setting_exits_2(capsys, monkeypatch):
    monkeypatch.setenv("CALLMINE_REP_CHANNEL", "7")
    code, _, err = run(capsys, "ingest", "messaging", "x.yaml")
    assert code == 2 and "rep_channel must be 0, 1 or empty" in err


def test_ui_refuses_public_address_without_auth(capsys, tmp_path):
    code, _, err = run(capsys, "--workspace", str(tmp_path / "ws"), "ui", "--host", "0.0.0.0")
    assert code == 2
    assert "Refusing to serve on 0.0.0.0 without authentication" in err
