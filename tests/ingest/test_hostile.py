"""Hostile input: scripts in HTML, huge lines, deep nesting, decompression bombs, path tricks.

Each file is either read or refused with a clear :class:`~ingest.errors.InputError`, in bounded
time and memory, and nothing is ever written outside the workspace.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from ingest.content import MAX_DOCUMENT_CHARS, Chunker, read_document
from ingest.errors import CorruptFileError, InputError
from ingest.manifest import read_call_manifest
from ingest.messaging import load_messaging
from ingest.transcripts import read_transcript

REPO = Path(__file__).resolve().parents[2]
MB = 1 << 20

# -- scripts, styles, event handlers ----------------------------------------------------------

HOSTILE_HTML = """<!DOCTYPE html>
<html><head>
<title>Pricing <script>stealTitle()</script></title>
<style>body { background: url("javascript:styleAttack()") }</style>
<script type="text/javascript">var token = document.cookie; sendHome(token);</script>
<SCRIPT SRC="//evil.example/x.js">scriptUpper()</SCRIPT>
</head>
<body onload="bodyOnload()">
<h1 onclick="headingClick()">Pricing FAQ</h1>
<p>Plans start at <b onmouseover="hoverAttack()">$10</b> a seat.
<a href="javascript:linkAttack()">Read the terms</a> and
<a href="JaVaScRiPt:mixedCase()" onfocus="focusAttack()">the SLA</a>.</p>
<img src="x" onerror="imgOnerror()" alt="">
<div onclick="divClick()">Every plan includes support.</div>
<svg onload="svgOnload()"><script>svgScript()</script><text>svgText</text></svg>
<iframe src="javascript:iframeAttack()" srcdoc="<script>srcdocAttack()</script>"></iframe>
<noscript><img src="x" onerror="noscriptAttack()">noscriptText</noscript>
<template><script>templateScript()</script></template>
<form action="javascript:formAttack()"><button onclick="buttonClick()">Go</button></form>
<textarea><script>textareaScript()</script></textarea>
<!-- <script>commentScript()</script> -->
<object data="javascript:objectAttack()"></object>
<p>Contact sales for volume discounts.</p>
<script>unclosedScript()
</body></html>
"""
ATTACKS = ["stealTitle", "styleAttack", "sendHome", "document.cookie", "scriptUpper",
           "bodyOnload", "headingClick", "hoverAttack", "linkAttack", "mixedCase", "focusAttack",
           "imgOnerror", "divClick", "svgOnload", "svgScript", "iframeAttack", "srcdocAttack",
           "noscriptAttack", "templateScript", "formAttack", "buttonClick", "textareaScript",
           "commentScript", "objectAttack", "unclosedScript", "background"]
HANDLER_WORDS = ["onclick", "onerror", "onload", "onmouseover", "onfocus", "javascript:",
                 "<script", "</script", "<style", "href=", "src="]


def all_text(doc) -> str:
    return "\n".join([doc.title, *(" > ".join(s.heading_path) + "\n" + s.text
                                   for s in doc.sections)])


def test_html_text_holds_no_script_style_or_handlers(tmp_path):
    page = tmp_path / "pricing.html"
    page.write_text(HOSTILE_HTML, encoding="utf-8")
    doc = read_document(page)
    text = all_text(doc)
    assert doc.title == "Pricing"
    assert "Plans start at $10 a seat." in text
    assert "Every plan includes support." in text
    assert "Contact sales for volume discounts." in text
    leaked = [w for w in ATTACKS + HANDLER_WORDS if w.lower() in text.lower()]
    assert not leaked, f"script code or handlers in the text: {leaked}\n{text}"


def test_markdown_with_raw_html_holds_no_script_or_handlers(tmp_path):
    page = tmp_path / "pricing.md"
    page.write_text(
        "# Pricing\n\n"
        "Plans start at $10 a seat. <span onclick=\"spanClick()\">Really.</span>\n\n"
        "<script>\nvar token = document.cookie;\nsendHome(token);\n</script>\n\n"
        "<style>\nbody { background: red }\n</style>\n\n"
        "[Read the terms](javascript:linkAttack()) or <javascript:autolinkAttack()>.\n\n"
        "<img src=x onerror=imgOnerror()> <SCRIPT type=module>scriptUpper()</SCRIPT >\n\n"
        "Contact sales.\n\n<script>unclosedScript()\n", encoding="utf-8")
    text = all_text(read_document(page))
    assert "Plans start at $10 a seat. Really." in text and "Read the terms" in text
    assert "Contact sales." in text
    leaked = [w for w in ["spanClick", "document.cookie", "sendHome", "background", "linkAttack",
                          "autolinkAttack", "imgOnerror", "scriptUpper", "unclosedScript",
                          *HANDLER_WORDS] if w.lower() in text.lower()]
    assert not leaked, f"script code or handlers in the text: {leaked}\n{text}"


def test_vtt_cue_tags_and_handlers_are_not_speech(tmp_path):
    vtt = tmp_path / "call.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dana>Hello <b onclick=\"y()\">"
                   "there</b> <img src=x onerror=alert(1)>.\n", encoding="utf-8")
    seg = read_transcript(vtt).segments[0]
    assert (seg.speaker, seg.text) == ("Dana", "Hello there .")


# -- huge lines ---------------------------------------------------------------------------------

WORDS = ("Our pricing is **per seat** with [annual](https://x.io/terms) discounts and "
         "_volume_ tiers; the `API` is included. ")


def huge(prefix: str, body: str, size: int = 20 * MB, suffix: str = "") -> str:
    return prefix + body * (size // len(body)) + suffix


@pytest.mark.slow
@pytest.mark.parametrize(("name", "make", "reader"), [
    ("call.txt", lambda: huge("Dana Whitfield: ", WORDS), read_transcript),
    ("call.vtt", lambda: huge("WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Dana>", WORDS),
     read_transcript),
    ("call.srt", lambda: huge("1\n00:00:01,000 --> 00:00:09,000\nDana: ", WORDS),
     read_transcript),
    ("notes.md", lambda: huge("# Pricing\n\n", WORDS), read_document),
    ("notes.txt", lambda: huge("Pricing\n\n", WORDS), read_document),
    ("blob.txt", lambda: "x" * (20 * MB), read_document),  # one 20 MB word, no newline
])
def test_a_20_mb_line_is_read_in_bounded_time(tmp_path, name, make, reader):
    path = tmp_path / name
    path.write_text(make(), encoding="utf-8")
    started = time.monotonic()
    result = reader(path)
    if reader is read_document:  # cut to the cap, not dropped; and it splits into passages
        assert 4_900_000 < sum(len(s.text) for s in result.sections) <= MAX_DOCUMENT_CHARS
        assert Chunker().run(result, "a")
    else:
        assert len(result.segments[0].text) > 19_000_000
    assert time.monotonic() - started < 60


# Lines built to make a backtracking regex quadratic (or worse): each opener scans the rest
# of the line for a closer that never comes. 1 MB of them took minutes before the fix.
PATHOLOGICAL_MARKDOWN = ["<a", "![", "![x](", "[x](", "*a ", "_a ", "**a ", "~~a ", "<!--",
                         "<http:", "[^", "``a`", "> ", "<script>", "# a   "]
PATHOLOGICAL_CUES = ["<a", "<v.", "<v a", "<b ", "<1", "&amp", "Dana: "]


@pytest.mark.parametrize("unit", PATHOLOGICAL_MARKDOWN)
def test_markdown_line_of_unclosed_markup_is_linear(tmp_path, unit):
    path = tmp_path / "notes.md"
    path.write_text("# T\n\nx " + unit * (MB // len(unit)) + " end", encoding="utf-8")
    started = time.monotonic()
    try:
        read_document(path)
    except CorruptFileError as exc:
        assert "notes.md" in str(exc)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("unit", PATHOLOGICAL_CUES)
def test_cue_of_unclosed_tags_is_linear(tmp_path, unit):
    path = tmp_path / "call.vtt"
    path.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nDana: " + unit * (MB // len(unit)) + "\n",
                    encoding="utf-8")
    started = time.monotonic()
    assert read_transcript(path).segments
    assert time.monotonic() - started < 10


def test_catastrophic_voice_tag_is_fast(tmp_path):
    """``<v`` then dots: the old voice-tag pattern split the dots 2**n ways."""
    path = tmp_path / "call.vtt"
    path.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nDana: hi <v" + "." * 40 + "\n",
                    encoding="utf-8")
    started = time.monotonic()
    assert read_transcript(path).segments[0].text.startswith("hi")
    assert time.monotonic() - started < 2


def test_many_continuation_lines_are_linear(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Dana: hello\n" + "and then some more words\n" * 200_000, encoding="utf-8")
    started = time.monotonic()
    [seg] = read_transcript(path).segments
    assert seg.text.startswith("hello and then") and len(seg.text) > 4_000_000
    assert time.monotonic() - started < 10


# -- deep nesting -------------------------------------------------------------------------------


@pytest.mark.slow
def test_100k_nested_divs(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 100_000 + "Deep text." + "</div>" * 100_000
                    + "</body></html>", encoding="utf-8")
    doc = read_document(page)  # no RecursionError: the tree is walked with a stack
    assert doc.sections[0].text == "Deep text."


def test_deeply_nested_unclosed_inline_tags(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<p>" + "<b><i><span>" * 5_000 + "Deep text.", encoding="utf-8")
    assert read_document(page).sections[0].text == "Deep text."


def test_deeply_nested_json_transcript(tmp_path):
    path = tmp_path / "call.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CorruptFileError, match=r"^call\.json: JSON nested too deeply"):
        read_transcript(path)


def test_deeply_nested_yaml(tmp_path):
    path = tmp_path / "messaging.yaml"
    path.write_text("company: " + "[" * 5_000 + "]" * 5_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"^messaging\.yaml: nested too deeply"):
        load_messaging(path)


def test_markdown_front_matter_bomb_is_ignored(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("---\ntitle: " + "[" * 3_000 + "\nx: " + "9" * 5000 + "\n---\n# Real\n\n"
                    "Body.\n", encoding="utf-8")
    doc = read_document(path)
    assert (doc.title, doc.sections[0].text) == ("Real", "Body.")


# -- decompression bombs ------------------------------------------------------------------------


def deflated_zeros(size: int) -> tuple[bytes, int, int]:
    """Raw DEFLATE data of ``size`` zero bytes, built in well under a second (each 16 MB block
    is compressed once, after a full flush, and repeated); also its CRC-32 and Adler-32."""
    block = bytes(16 * MB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    crc, adler = 0, 1
    for _ in range(size // len(block)):
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    return first + again * (size // len(block) - 1) + comp.flush(), crc, adler


def pdf_bomb_objects(size: int, pages: int = 1) -> list[bytes]:
    """The objects of a PDF whose pages share one FlateDecode content stream inflating to
    ``size`` bytes."""
    raw, _, adler = deflated_zeros(size)
    data = b"\x78\xda" + raw + struct.pack(">I", adler)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages)).encode()
    return [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
            *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages]


def zip_with_bomb(kind: str, size: int, lie: bool = False) -> bytes:
    """A real DOCX/PPTX whose main XML part is replaced by ``size`` zero bytes, deflated.

    With ``lie`` the package declares the part 1 kB long (a bomb that hides its size).
    """
    buf = io.BytesIO()
    if kind == ".docx":
        import docx

        docx.Document().save(buf)
        target = "word/document.xml"
    else:
        from pptx import Presentation

        Presentation().save(buf)
        target = "ppt/presentation.xml"
    members: list[tuple[bytes, bytes, int, int]] = []  # name, deflated, crc, size
    with zipfile.ZipFile(buf) as src:
        for info in src.infolist():
            if info.filename == target:
                raw, crc, _ = deflated_zeros(size)
                members.append((info.filename.encode(), raw, crc, 1000 if lie else size))
            else:
                data = src.read(info)
                comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                members.append((info.filename.encode(), comp.compress(data) + comp.flush(),
                                zlib.crc32(data), len(data)))
    out, central = bytearray(), bytearray()
    for name, raw, crc, usize in members:
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                               len(raw), usize, len(name), 0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw), usize,
                           len(name), 0) + name + raw
    at = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                                 len(central), at, 0)
    return bytes(out)


CHILD = """
import json, resource, sys, time
from pathlib import Path
from ingest.content import MAX_DOCUMENT_CHARS, Chunker, read_document
from ingest.errors import CallmineError
started = time.monotonic()
try:
    read_document(Path(sys.argv[1]))
    outcome = "read"
except CallmineError as exc:
    outcome = str(exc)
# VmHWM, not ru_maxrss: a child forked from a big test process inherits its ru_maxrss
hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
           if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - started,
                  "peak_mb": hwm / 1024}))
"""


def read_in_child(path: Path) -> dict:
    """Read ``path`` in a child process limited to 1.5 GB of address space; report the outcome,
    the time taken and the peak resident memory."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * MB, 1536 * MB))

    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=REPO, preexec_fn=limit,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("pages", [1, 2000])
def test_pdf_decompression_bomb_is_refused_in_bounded_memory(tmp_path, pages, pdf_from_objects):
    """A 1 MB PDF whose content inflates to 1 GB (shared by 2000 pages in the second case)."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_from_objects(pdf_bomb_objects(1024 * MB, pages)))
    assert bomb.stat().st_size < 2 * MB
    report = read_in_child(bomb)
    assert report["outcome"].startswith("bomb.pdf: refused: its content decompresses to more "
                                        "than 20 MB"), report
    assert report["peak_mb"] < 500, report
    assert report["seconds"] < 30, report


@pytest.mark.slow
@pytest.mark.parametrize("kind", [".docx", ".pptx"])
@pytest.mark.parametrize("lie", [False, True], ids=["declared", "hidden"])
def test_office_zip_bomb_is_refused_in_bounded_memory(tmp_path, kind, lie):
    """A DOCX/PPTX whose main part inflates to 1 GB; declared honestly, or hidden behind a
    1 kB declared size (zipfile stops at the declared size, and the CRC check fails)."""
    bomb = tmp_path / f"bomb{kind}"
    bomb.write_bytes(zip_with_bomb(kind, 1024 * MB, lie))
    assert bomb.stat().st_size < 2 * MB
    report = read_in_child(bomb)
    expected = "not a readable" if lie else "refused: its part"
    assert report["outcome"].startswith(f"bomb{kind}: {expected}"), report
    assert report["peak_mb"] < 500, report
    assert report["seconds"] < 30, report


def test_pdf_over_the_stream_limit_is_refused_in_process(tmp_path, pdf_from_objects):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_from_objects(pdf_bomb_objects(64 * MB)))
    with pytest.raises(CorruptFileError, match=r"^bomb\.pdf: refused: its content decompresses "
                                               r"to more than 20 MB in one stream"):
        read_document(bomb)


def test_office_zip_bomb_is_refused_in_process(tmp_path):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_with_bomb(".docx", 64 * MB))
    with pytest.raises(CorruptFileError, match=r"^bomb\.docx: refused: its part "
                                               r"word/document\.xml unzips to 67 MB, more than "
                                               r"the 50 MB"):
        read_document(bomb)


def test_yaml_alias_bomb_is_refused(tmp_path):
    lines = ["a: &a [" + ", ".join(["x"] * 100) + "]",
             "b: &b [" + ", ".join(["*a"] * 100) + "]",
             "c: [" + ", ".join(["*b"] * 100) + "]", "company: {name: Acme}"]
    path = tmp_path / "messaging.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"^messaging\.yaml: .*aliases \(\*a\) are not allowed"):
        load_messaging(path)


def test_yaml_merge_key_bomb_is_refused_at_once(tmp_path):
    import time

    lines = ["a: &a {" + ", ".join(f"k{i}: x" for i in range(50)) + "}"]
    lines += [f"m{i}: &m{i}\n  <<: [*a{', *m' + str(i - 1) if i else ''}]\n  z{i}: 1"
              for i in range(30)]
    path = tmp_path / "messaging.yaml"
    path.write_text("company: {name: Acme}\n" + "\n".join(lines), encoding="utf-8")
    t = time.perf_counter()
    with pytest.raises(InputError, match="aliases .* are not allowed"):
        load_messaging(path)
    assert time.perf_counter() - t < 1.0


# -- file names: ../ and NUL bytes --------------------------------------------------------------


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


NUL_NAMES = ["a\x00b.vtt", "a\x00b.md", "x.txt\x00.pdf"]


@pytest.mark.parametrize("name", NUL_NAMES)
def test_nul_in_a_file_name_is_a_clear_input_error(tmp_path, name):
    reader = read_transcript if name.endswith(".vtt") else read_document
    with pytest.raises(InputError, match=r"the file name holds a NUL byte \(\\x00\)"):
        reader(tmp_path / name)


def test_nul_in_a_messaging_or_manifest_name_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match=r"NUL byte"):
        load_messaging(tmp_path / "messaging\x00.yaml")
    with pytest.raises(InputError, match=r"no such manifest file"):
        read_call_manifest(tmp_path / "calls\x00.csv")


def test_dot_dot_paths_are_read_where_they_point(tmp_path):
    (tmp_path / "calls").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "faq.md").write_text("# FAQ\n\nYes.\n", encoding="utf-8")
    before = listing(tmp_path)
    doc = read_document(tmp_path / "calls" / ".." / "docs" / "faq.md")
    assert doc.title == "FAQ"
    with pytest.raises(InputError, match=r"no such file or folder"):
        read_document(tmp_path / "calls" / ".." / ".." / "nowhere.md")
    assert listing(tmp_path) == before


@pytest.mark.slow
def test_ingest_api_writes_nothing_outside_the_workspace(tmp_path, workspace, settings):
    """Files reached through ``../``, ids with ``../`` from a manifest, and NUL names: only
    the workspace changes, and a NUL name is a failed row with a clear message."""
    from ingest.pipeline import CallIngestor, ContentIngestor

    inbox = tmp_path / "inbox" / "sub"
    inbox.mkdir(parents=True)
    (tmp_path / "inbox" / "call.txt").write_text("Dana: Hello.\nAda: The price is high.\n",
                                                 encoding="utf-8")
    (tmp_path / "inbox" / "faq.md").write_text("# FAQ\n\nPlans start at $10.\n", encoding="utf-8")
    (tmp_path / "inbox" / "calls.csv").write_text(
        "file,call_id\nsub/../call.txt,../../../escaped-call\n", encoding="utf-8")
    (tmp_path / "inbox" / "content.csv").write_text(
        "file,asset_id\n../inbox/faq.md,../../escaped-asset\n", encoding="utf-8")
    outside = {p for p in listing(tmp_path) if not p.startswith("ws")}

    calls = CallIngestor(workspace, settings).run(
        [inbox / ".." / "call.txt", tmp_path / "inbox" / "a\x00b.txt"],
        tmp_path / "inbox" / "calls.csv")
    content = ContentIngestor(workspace).run(
        [inbox / ".." / "faq.md", tmp_path / "inbox" / "a\x00b.md"],
        tmp_path / "inbox" / "content.csv")

    assert [r.status for r in calls.results] == ["stored", "failed"]
    assert calls.results[0].record_id == "../../../escaped-call"
    assert [r.status for r in content.results] == ["stored", "failed"]
    for failed in (calls.results[1], content.results[1]):
        assert "Error" not in failed.message
        assert "the file name holds a NUL byte (\\x00)" in failed.message
    assert {p for p in listing(tmp_path) if not p.startswith("ws")} == outside
    kept = sorted(p.name for p in (workspace.root / "files").iterdir())
    assert len(kept) == 2 and all(len(Path(n).stem) == 20 for n in kept)  # named by hash


@pytest.mark.slow
def test_upload_with_hostile_names_stays_in_the_upload_and_workspace_folders(
        tmp_path, workspace, settings, monkeypatch):
    """The app's real upload route (the Calls and library view alone) with ``../`` and NUL
    names: files land in the upload folder under clean names and are ingested from there."""
    import socket

    import gradio as gr
    import httpx
    from gradio_client import Client

    from ui.views import library

    uploads = tmp_path / "uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    before = listing(tmp_path)
    with gr.Blocks() as page:
        library.build(workspace, settings, page)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _, url, _ = page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                            quiet=True)
    try:
        names = ["../../../escape.md", "..\\..\\escape2.md", "a\x00b.md", "/etc/escape3.md"]
        uploaded = []
        for i, name in enumerate(names):
            reply = httpx.post(f"{url.rstrip('/')}/gradio_api/upload", files={
                "files": (name, f"# Doc {i}\n\nPlans start at ${i}0.\n".encode(), "text/markdown")})
            assert reply.status_code == 200, reply.text
            uploaded.append(reply.json()[0])
        refused = httpx.post(f"{url.rstrip('/')}/gradio_api/upload",
                             files={"files": ("..", b"# x\n\ny\n", "text/markdown")})
        assert refused.status_code == 400
        for path in uploaded:
            assert Path(path).resolve().parent.parent == uploads.resolve()
            assert "\x00" not in path and Path(path).is_file()
        client = Client(url, verbose=False, download_files=False)
        summary, results, *_ = client.predict(
            [{"path": p, "meta": {"_type": "gradio.FileData"}} for p in uploaded], None,
            api_name="/ingest_content")
        # the view's handlers, given NUL paths directly (not through an upload)
        handlers = {fn.api_name: fn.fn for fn in page.fns.values()}
        for api, name in (("ingest_calls", "a\x00b.vtt"), ("ingest_content", "a\x00b.md")):
            with pytest.raises(gr.Error, match=r"Nothing was ingested\. .*NUL byte"):
                handlers[api]([str(tmp_path / name)], None)
    finally:
        page.close()
    assert summary == "Content: 4 stored", results
    new = listing(tmp_path) - before
    assert all(p.startswith(("ws", "uploads")) for p in new), new
    assert len(list((workspace.root / "files").iterdir())) == 4
