"""calls.csv / content.csv manifests: lookup by path or name, validation with row numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import ManifestError
from ingest.manifest import read_call_manifest, read_content_manifest
from ingest.records import AssetMeta, CallMeta


def manifest(folder: Path, text: str | bytes, name: str = "calls.csv") -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


CALLS = (
    "file,call_id,date,rep,account,stage,outcome,segment\n"
    "call-a.vtt,A-1,2026-05-01,Dana Whitfield,Globex,demo,Lost,mid_market\n"
    "sub/call-b.srt,,2026-05-02,,,,won,\n"
    " ./call-c.txt , C-3 , , , , , OPEN , \n"
)


def test_call_manifest_values_and_lookup_by_relative_path(tmp_path):
    m = read_call_manifest(manifest(tmp_path, CALLS))
    assert len(m) == 3
    assert m.lookup(tmp_path / "call-a.vtt") == CallMeta(
        call_id="A-1", date=date(2026, 5, 1), rep="Dana Whitfield", account="Globex",
        stage="demo", outcome="lost", segment="mid_market")
    # no call_id: the file's stem; empty cells are None
    assert m.lookup(tmp_path / "sub" / "call-b.srt") == CallMeta(
        call_id="call-b", date=date(2026, 5, 2), outcome="won")
    assert m.lookup(tmp_path / "call-c.txt") == CallMeta(call_id="C-3", outcome="open")
    assert m.lookup(tmp_path / "other.vtt") is None


def test_lookup_by_bare_name_and_relative_cwd(tmp_path, monkeypatch):
    m = read_call_manifest(manifest(tmp_path, CALLS))
    elsewhere = tmp_path / "uploads" / "call-b.srt"
    assert m.lookup(elsewhere).call_id == "call-b"  # a file name matches a row's file name
    monkeypatch.chdir(tmp_path)
    assert m.lookup(Path("call-a.vtt")).call_id == "A-1"
    assert m.lookup(Path("sub/../call-a.vtt")).call_id == "A-1"


def test_lookup_returns_a_copy(tmp_path):
    m = read_content_manifest(manifest(tmp_path, "file,title\na.md,\n", "content.csv"))
    meta = m.lookup(tmp_path / "a.md")
    meta.title = "changed"
    assert m.lookup(tmp_path / "a.md").title is None


def test_ambiguous_bare_name_matches_nothing(tmp_path):
    m = read_call_manifest(manifest(tmp_path, "file,call_id\nx/call.vtt,X\ny/call.vtt,Y\n"))
    assert m.lookup(tmp_path / "x" / "call.vtt").call_id == "X"
    assert m.lookup(tmp_path / "z" / "call.vtt") is None


def test_content_manifest_values(tmp_path):
    path = manifest(tmp_path, (
        "\ufeffFile;Asset_ID;Title;Type;URL;Audience;Stage;Public;Published\n"
        "docs/globex.html;globex;Globex story;Case Study;https://v.example/globex;CFO;decision;yes;"
        "2026-01-15\n"
        "deck.pptx;;;;;;;0;\n"), "content.csv")
    m = read_content_manifest(path)
    assert m.lookup(tmp_path / "docs" / "globex.html") == AssetMeta(
        asset_id="globex", title="Globex story", type="case_study", url="https://v.example/globex",
        audience="CFO", stage="decision", public=True, published=date(2026, 1, 15))
    assert m.lookup(tmp_path / "deck.pptx") == AssetMeta(asset_id="deck", type="other",
                                                         public=False)


def test_blank_rows_and_crlf_are_fine(tmp_path):
    m = read_call_manifest(manifest(tmp_path, b"file,outcome\r\n\r\na.vtt,won\r\n,\r\n"))
    assert m.lookup(tmp_path / "a.vtt").outcome == "won"


# -- errors -----------------------------------------------------------------------------------


def test_missing_file_column(tmp_path):
    path = manifest(tmp_path, "path,call_id\na.vtt,A\n")
    with pytest.raises(ManifestError, match=r"^calls\.csv: no 'file' column; found columns 'path', "
                       r"'call_id'\. Add a 'file' column with each file's path relative to the "
                       r"manifest's folder\.$"):
        read_call_manifest(path)


@pytest.mark.parametrize(("row", "message"), [
    ("a.vtt,maybe,", r"calls\.csv: row 3: outcome 'maybe' is not one of won, lost, open\. Fix that "
                     r"cell \(or leave it empty\)\.$"),
    ("a.vtt,,05/01/2026", r"calls\.csv: row 3: date '05/01/2026' is not a date in YYYY-MM-DD form "
                          r"\(e\.g\. 2026-05-01\)\."),
    ("a.vtt,,2026-02-30", r"calls\.csv: row 3: date '2026-02-30' is not a date in YYYY-MM-DD form"),
])
def test_bad_call_values_name_the_row_and_value(tmp_path, row, message):
    path = manifest(tmp_path, f"file,outcome,date\nok.vtt,won,2026-01-01\n{row}\n")
    with pytest.raises(ManifestError, match=f"^{message}"):
        read_call_manifest(path)


@pytest.mark.parametrize(("row", "message"), [
    ("a.md,brochure,,", r"content\.csv: row 2: type 'brochure' is not one of case_study, "
                        r"one_pager, battle_card, blog, whitepaper, deck, faq, web_page, "
                        r"press_release, other\."),
    ("a.md,,maybe,", r"content\.csv: row 2: public 'maybe' is not true or false \(also yes/no, "
                     r"1/0\)\."),
    ("a.md,,,2026/01/01", r"content\.csv: row 2: published '2026/01/01' is not a date in "
                          r"YYYY-MM-DD form"),
])
def test_bad_content_values_name_the_row_and_value(tmp_path, row, message):
    path = manifest(tmp_path, f"file,type,public,published\n{row}\n", "content.csv")
    with pytest.raises(ManifestError, match=f"^{message}"):
        read_content_manifest(path)


def test_duplicate_files_and_ids(tmp_path):
    dup_file = manifest(tmp_path, "file,call_id\na.vtt,A\nb.vtt,B\n./a.vtt,C\n")
    with pytest.raises(ManifestError, match=r"^calls\.csv: row 4: file '\./a\.vtt' is listed twice "
                       r"\(also row 2\)\. Keep one row per file\.$"):
        read_call_manifest(dup_file)
    dup_id = manifest(tmp_path, "file,call_id\na.vtt,A\nb.vtt,A\n")
    with pytest.raises(ManifestError, match=r"^calls\.csv: row 3: call_id 'A' is used twice \(also "
                       r"row 2\)\. Give each file its own call_id\.$"):
        read_call_manifest(dup_id)


def test_empty_file_cell_and_extra_cells(tmp_path):
    with pytest.raises(ManifestError, match=r"^calls\.csv: row 2: the 'file' cell is empty\."):
        read_call_manifest(manifest(tmp_path, "file,call_id\n,A\n"))
    with pytest.raises(ManifestError, match=r"^calls\.csv: row 2: 4 cells but the header has 2 "
                       r"columns\. Quote values that hold a ','\.$"):
        read_call_manifest(manifest(tmp_path, "file,account\na.vtt,Globex, Inc,x\n"))


def test_empty_missing_and_non_utf8_manifests(tmp_path):
    with pytest.raises(ManifestError, match=r"^calls\.csv: the file is empty\.$"):
        read_call_manifest(manifest(tmp_path, ""))
    with pytest.raises(ManifestError, match=r"nope\.csv: no such manifest file"):
        read_call_manifest(tmp_path / "nope.csv")
    with pytest.raises(ManifestError, match=r"^calls\.csv: not UTF-8 text"):
        latin = "file,account\na.vtt,Soci\xe9t\xe9\n".encode("cp1252")
        read_call_manifest(manifest(tmp_path, latin))


@pytest.mark.parametrize("text, message", [
    # an unclosed quote to the end of the file: every later row would be swallowed
    ('file,call_id,rep\na.txt,a1,"Dana\nb.txt,b1,Sam\nc.txt,c1,Lee\n',
     r"^calls\.csv: line 2: not valid CSV \(unexpected end of data\); is a quote left open\?"),
    # an unclosed quote closed rows later: the rows in between would be one value
    ('file,call_id,rep\na.txt,a1,"Dana\nb.txt,b1,Sam"\nc.txt,c1,Lee\n',
     r"^calls\.csv: line 2: a quoted value runs over several lines \(through line 3\)"),
])
def test_a_manifest_with_an_open_quote_is_refused_with_its_line(tmp_path, text, message):
    manifest = tmp_path / "calls.csv"
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=message):
        read_call_manifest(manifest)


def test_a_quoted_value_with_a_comma_is_still_read(tmp_path):
    manifest = tmp_path / "calls.csv"
    manifest.write_text('file,call_id,account\na.txt,a1,"Acme, Inc."\nb.txt,b1,Globex\n')
    table = read_call_manifest(manifest)
    assert table.lookup(tmp_path / "a.txt").account == "Acme, Inc."
    assert table.lookup(tmp_path / "b.txt").call_id == "b1"
