"""With CALLMINE_REDACT=true, planted personal data is in no byte of the workspace (database,
write-ahead log, Chroma, kept files) and in nothing callmine prints or exports, error messages
included (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui.cli import main

pytestmark = pytest.mark.slow

EMAIL = "jane.doe@example.com"
PHONES = ("+49 30 901820", "4155550145")
CARD = "4111 1111 1111 1111"
PLANTED = [EMAIL, "jane.doe", *PHONES, "901820", CARD, "4111111111111111", "1111 1111"]

CALL = (f"[00:01] Rep: Hi, thanks for the time. You can reach me at {EMAIL}.\n"
        f"[00:05] {EMAIL}: Call me at {PHONES[0]} or {PHONES[1]}; my card is {CARD}. "
        "Honestly the price is far too high for our budget.\n"
        "[00:12] Rep: Customers recover the cost within six months.\n")


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_no_planted_value_survives_anywhere(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLMINE_REDACT", "true")
    data = tmp_path / "data"
    data.mkdir()
    (data / "c1.txt").write_text(CALL)
    # a file callmine refuses: its error message quotes its first line
    (data / "broken.vtt").write_text(f"{EMAIL} {PHONES[1]}\n\n00:01 --> 00:02\nhi\n")
    (data / "calls.csv").write_text(
        f"file,call_id,rep,account\nc1.txt,c1,Rep,{EMAIL} Holdings\nbroken.vtt,b1,Rep,x\n")
    ws = str(tmp_path / "ws")
    printed = []
    code, out = run(capsys, "--workspace", ws, "-q", "ingest", "calls", str(data / "c1.txt"),
                    str(data / "broken.vtt"), "--manifest", str(data / "calls.csv"))
    assert code == 3, out  # the broken file failed, the call was stored
    printed.append(out)
    (data / "pricing.md").write_text("# Pricing\n\nVantora pays for itself within six months.\n")
    code, out = run(capsys, "--workspace", ws, "-q", "ingest", "content", str(data / "pricing.md"))
    assert code == 0, out
    printed.append(out)
    for argv in (["transcript", "c1"], ["calls"], ["objections"], ["themes"]):
        for fmt in ("text", "json"):
            code, out = run(capsys, "--workspace", ws, "--format", fmt, *argv)
            assert code == 0, out
            printed.append(out)
    export = tmp_path / "gaps.csv"
    code, out = run(capsys, "--workspace", ws, "-q", "gaps", "--export-csv", str(export),
                    "--export-md", str(tmp_path / "gaps.md"))
    assert code == 0, out
    printed += [out, export.read_text(), (tmp_path / "gaps.md").read_text()]
    objections = json.loads(printed[7])["objections"]
    assert any("price" in o["text"] for o in objections)  # the call was analysed

    for text in printed:
        for value in PLANTED:
            assert value not in text, (value, text[:300])
    files = [p for p in Path(ws).rglob("*") if p.is_file()]
    assert any(p.name == "callmine.db" for p in files)
    for path in files:
        raw = path.read_bytes()
        for value in PLANTED:
            for encoded in (value.encode(), value.encode("utf-16-le")):
                assert encoded not in raw, (value, path)
