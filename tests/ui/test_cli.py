"""The command line: contract JSON, exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

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


# -- recommend --questions: a questionnaire in one go -------------------------------------------

LUMIO = __import__("pathlib").Path(__file__).resolve().parents[1] / "rag" / "data" / "lumio"


@pytest.fixture(scope="module")
def lumio_dir(tmp_path_factory):
    """A workspace with the Lumio library, ingested through the CLI (shared, read-only)."""
    ws = tmp_path_factory.mktemp("cli-lumio") / "ws"
    assert main(["--workspace", str(ws), "-q", "ingest", "content", str(LUMIO),
                 "--manifest", str(LUMIO / "content.csv")]) == 0
    return str(ws)


@pytest.mark.parametrize("argv, message", [
    (["recommend"], "Give the buyer's words, e.g. callmine recommend \"Where is our data "
                    "hosted?\", or a questionnaire with --questions FILE."),
    (["recommend", "hi", "--questions", "q.txt"],
     "Give either the buyer's words or --questions FILE, not both."),
    (["recommend", "hi", "--column", "Question"], "--column goes with --questions FILE."),
    (["recommend", "hi", "--output", "a.csv"], "--output goes with --questions FILE."),
    (["recommend", "--questions", "missing.csv"], "missing.csv: no such file or folder."),
    (["recommend", "--questions", "q.pdf"], "q.pdf: expected a questionnaire as .txt (one "
                                            "question a line), .csv, .tsv or .xlsx, got 'q.pdf'."),
    (["recommend", "--questions", "empty.txt"], "empty.txt: the file is empty."),
    (["recommend", "--questions", "rfp.csv", "--column", "Prompt"],
     "rfp.csv: no column named 'Prompt'; its columns are: 'Ref', 'Question', 'Answer'."),
    (["recommend", "--questions", "rfp.csv", "--output", "answers.json"],
     "Cannot write answers to 'answers.json': give a .csv or .xlsx file name"),
])
def test_questionnaire_input_errors_exit_2_before_any_model_loads(capsys, tmp_path,
                                                                  monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "rfp.csv").write_text("Ref,Question,Answer\nS-1,Is it SOC 2?,\n")
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), *argv)
    assert code == 2 and out == ""
    assert f"callmine: {message}" in err


@pytest.mark.slow
@pytest.mark.parametrize("command", ["recommend", "ask"])
def test_recommend_and_ask_load_no_torch_gradio_or_langchain(lumio_dir, command):
    """The query path of the command line stays light: a fresh process answers without
    importing torch, sentence-transformers, transformers, gradio, langchain or scikit-learn
    (importing them took 5-9 s of a 3 s budget)."""
    import subprocess
    import sys

    heavy = ("torch", "sentence_transformers", "transformers", "gradio", "langchain",
             "langchain_core", "sklearn", "scipy", "pandas")
    code = ("import sys\nfrom ui.cli import main\n"
            f"code = main(['--workspace', {lumio_dir!r}, '--format', 'json', {command!r}, "
            "'Where is our data hosted?'])\n"
            f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)\n"
            "sys.exit(code)\n")
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
    assert json.loads(proc.stdout)


@pytest.mark.slow
def test_questionnaire_json_lines_equal_single_recommendations(capsys, tmp_path, lumio_dir):
    questions = ["Where is our data hosted?", "Is our data stored in the EU?",
                 "How much per user?"]
    path = tmp_path / "q.txt"
    path.write_text("\n".join([questions[0], "", *questions[1:]]) + "\n")
    code, out, err = run(capsys, "--workspace", lumio_dir, "--format", "json", "recommend",
                         "--questions", str(path), "--top", "2")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["query"] for d in lines] == questions
    assert "3 question(s) from q.txt" in err and "question/s" in err  # the progress bar
    code, single, _ = run(capsys, "--workspace", lumio_dir, "--format", "json", "recommend",
                          questions[1], "--top", "2")
    assert code == 0 and json.loads(single) == lines[1]
    assert lines[0]["covered"] is True and lines[1]["covered"] is False


@pytest.mark.slow
def test_questionnaire_to_csv_and_xlsx(capsys, tmp_path, lumio_dir):
    import csv

    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Security"
    for row in (["Lumio security review"], [], ["Question ID", "Question", "Answer"],
                ["S-1", "Where is our data hosted?", None],
                ["S-2", "=HYPERLINK(\"http://evil.example\")", None]):
        sheet.append(row)
    book.save(tmp_path / "rfp.xlsx")
    code, out, err = run(capsys, "--workspace", lumio_dir, "-q", "recommend", "--questions",
                         str(tmp_path / "rfp.xlsx"), "--output", str(tmp_path / "a.csv"))
    assert code == 0, err
    assert "column 'Question', sheet 'Security'" in err and "wrote 1 answer(s)" in err
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # the formula cell of the workbook has no value, so only one question is read
    assert [(r["row"], r["question"], r["asset"], r["covered"]) for r in rows] == [
        ("4", "Where is our data hosted?", "lumio-security", "true")]
    assert "US data centres" in rows[0]["answer"] and rows[0]["url"]

    (tmp_path / "rfp.csv").write_text("Question\n=1+2\nWhere is our data hosted?\n")
    code, out, err = run(capsys, "--workspace", lumio_dir, "-q", "--format", "json",
                         "recommend", "--questions", str(tmp_path / "rfp.csv"), "--output",
                         str(tmp_path / "a.xlsx"))
    assert code == 0, err
    summary = json.loads(out)
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert summary == {"output": str(tmp_path / "a.xlsx"), "questions": 2, "failed": 0,
                       "covered": sum(1 for r in sheet.iter_rows(min_row=2) if r[7].value)}
    assert [c.value for c in sheet[1]][:3] == ["row", "question", "answer"]
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("=1+2", "s")
    assert (sheet["B3"].value, sheet["D3"].value) == ("Where is our data hosted?",
                                                      "lumio-security")


@pytest.mark.slow
def test_calls_lists_each_date(capsys, tmp_path):
    (tmp_path / "c1.txt").write_text(TXT)
    (tmp_path / "calls.csv").write_text("file,call_id,date,rep,account,outcome\n"
                                        "c1.txt,c1,2026-03-04,Rep,Acme,won\n")
    ws = str(tmp_path / "ws")
    code, _, err = run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "c1.txt"),
                       "--manifest", str(tmp_path / "calls.csv"))
    assert code == 0, err
    code, out, _ = run(capsys, "--workspace", ws, "calls")
    assert code == 0
    assert out.split()[:5] == ["c1", "2026-03-04", "won", "Rep", "Acme"]


def test_a_read_command_on_a_new_folder_says_it_created_an_empty_workspace(capsys, tmp_path):
    code, out, err = run(capsys, "--workspace", str(tmp_path / "typo"), "calls")
    assert code == 0 and "no calls yet" in out
    assert f"there was no workspace at {tmp_path / 'typo'}" in err and "--workspace" in err
    code, _, err = run(capsys, "--workspace", str(tmp_path / "typo"), "calls")
    assert code == 0 and "no workspace" not in err  # it exists now: nothing to say


def test_a_closed_pipe_ends_quietly(tmp_path, monkeypatch, capsys):
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "-q", "calls"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    code = main(["--workspace", ws, "-q", "calls"])
    monkeypatch.undo()
    assert code == 141
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_in_a_real_shell_pipeline(tmp_path):
    """`callmine calls --format json | head -c 1` ends with no traceback and no message."""
    import subprocess
    import sys

    lines = "".join(f"[00:{i % 60:02d}] Rep: line {i} of a long call about pricing.\n"
                    for i in range(1500))
    (tmp_path / "long.txt").write_text(lines)
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "long.txt")]) == 0
    code = (f"import sys; from ui.cli import main; "
            f"sys.exit(main(['--workspace', {ws!r}, 'transcript', 'long', '--format', 'json']))")
    script = f'{sys.executable} -c "{code}" | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}'
    proc = subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.strip() in ("0", "141"), proc
    assert "Error" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr


@pytest.mark.slow
def test_quiet_means_no_progress_bars_from_the_model_libraries(tmp_path):
    import subprocess
    import sys

    # long enough that the analysis loads sentence-transformers (and its "Loading weights")
    (tmp_path / "c1.txt").write_text("".join(
        f"[00:{i % 60:02d}] {'Rep' if i % 2 else 'Kim'}: point {i} about the price and the "
        "contract terms we discussed.\n" for i in range(600)))
    code = ("import sys; from ui.cli import main; sys.exit(main(['--workspace', "
            f"{str(tmp_path / 'ws')!r}, '-q', 'ingest', 'calls', {str(tmp_path / 'c1.txt')!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    assert "Loading weights" not in proc.stderr and "%|" not in proc.stderr, proc.stderr


@pytest.mark.slow
def test_text_output_carries_no_terminal_escapes_and_one_line_per_file(capsys, tmp_path):
    hostile = "Rep: Hello \x1b[2J\x1b]0;owned\x07there.\nKim Roe: The price\r is too high.\n"
    name = tmp_path / "odd\nname.txt"
    name.write_text(hostile)
    ws = str(tmp_path / "ws")
    code, out, err = run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(name))
    assert code == 0, err
    assert len(out.strip().splitlines()) == 2 and "odd\\nname.txt" in out  # result + summary
    code, out, _ = run(capsys, "--workspace", ws, "transcript", "odd\nname")
    assert code == 0 and "Hello there." in out
    assert not any(c in out for c in "\x1b\x07\r")
    code, out, _ = run(capsys, "--workspace", ws, "--format", "json", "transcript", "odd\nname")
    assert "\\u001b[2J" in out  # JSON keeps the text, escaped
