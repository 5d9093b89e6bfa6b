"""Batch ingestion: idempotency, replacement without orphans, bad files that never stop a batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.errors import InputError
from ingest.pipeline import CallIngestor, ContentIngestor, expand_paths, ingest_messaging
from ingest.store import PASSAGES, Workspace

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Dana Whitfield>Thanks for joining. Payback is usually within six months.

00:00:04.500 --> 00:00:08.000
<v Alex Kim>Honestly the price is too high for our budget this year.

00:00:08.500 --> 00:00:10.000
<v Alex Kim>And we use SAP.
"""

MD = """# Pricing FAQ

## How much does it cost?

Pricing starts at $1,500 per month for up to three entities. Annual plans include
implementation, training and support. Most customers recover the cost within six months
because invoice processing cost drops by 70 percent.
"""


@pytest.fixture()
def workspace(fake_workspace):
    """Ingest bookkeeping judges no similarity: the hashed fake embedder stands in for MiniLM."""
    return fake_workspace


@pytest.fixture()
def calls_dir(tmp_path):
    d = tmp_path / "calls"
    d.mkdir()
    (d / "call-a.vtt").write_text(VTT)
    (d / "calls.csv").write_text(
        "file,call_id,date,rep,account,stage,outcome,segment\n"
        "call-a.vtt,A-1,2026-05-01,Dana Whitfield,Globex,demo,lost,mid_market\n")
    return d


def test_transcript_call_is_stored_with_metadata_sides_and_turns(workspace, settings, calls_dir):
    batch = CallIngestor(workspace, settings).run([calls_dir], calls_dir / "calls.csv")
    assert [(r.status, r.record_id) for r in batch.results] == [("stored", "A-1")]
    call = workspace.call("A-1")
    assert call.meta.outcome == "lost" and call.meta.account == "Globex"
    # the two consecutive Alex Kim cues merge into one turn
    assert [(t.index, t.speaker, t.side) for t in call.turns] == [
        (0, "Dana Whitfield", "rep"), (1, "Alex Kim", "buyer")]
    assert call.turns[1].text.endswith("And we use SAP.")
    assert (workspace.root / "files").iterdir()


def test_reingest_is_a_noop_and_a_changed_file_replaces(workspace, settings, calls_dir):
    ingestor = CallIngestor(workspace, settings)
    ingestor.run([calls_dir / "call-a.vtt"], calls_dir / "calls.csv")
    again = ingestor.run([calls_dir / "call-a.vtt"], calls_dir / "calls.csv")
    assert [r.status for r in again.results] == ["unchanged"]
    copy = calls_dir / "copy-of-a.vtt"
    shutil.copy(calls_dir / "call-a.vtt", copy)
    dup = ingestor.run([copy])
    assert dup.results[0].status == "unchanged" and "already stored as call 'A-1'" in dup.results[0].message
    (calls_dir / "call-a.vtt").write_text(VTT.replace("SAP", "Oracle"))
    changed = ingestor.run([calls_dir / "call-a.vtt"], calls_dir / "calls.csv")
    assert [r.status for r in changed.results] == ["replaced"]
    assert workspace.stats()["calls"] == 1
    assert "Oracle" in workspace.call("A-1").turns[1].text


def test_content_is_chunked_embedded_and_idempotent(workspace, tmp_path):
    doc = tmp_path / "pricing.md"
    doc.write_text(MD)
    ingestor = ContentIngestor(workspace)
    first = ingestor.run([doc])
    assert first.results[0].status == "stored"
    asset = workspace.asset("pricing")
    assert asset.meta.title == "Pricing FAQ"
    assert asset.chunks and asset.chunks[0].heading_path[-1] == "How much does it cost?"
    assert ingestor.run([doc]).results[0].status == "unchanged"
    doc.write_text(MD.replace("$1,500", "$1,900"))
    assert ingestor.run([doc]).results[0].status == "replaced"
    stats = workspace.stats()
    assert stats["chunks"] == stats["vectors"] == len(workspace.chunks())
    ids = set(workspace.collection(PASSAGES).get(include=[])["ids"])
    assert ids == {c.chunk_id for c in workspace.chunks()}
    assert "$1,900" in " ".join(c.text for c in workspace.chunks())


def test_bad_files_are_reported_and_the_batch_goes_on(workspace, settings, tmp_path, calls_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.vtt").write_text("")
    (bad / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (bad / "latin1.txt").write_bytes("Rep: caf\xe9 prices are too high\n".encode("latin-1"))
    (bad / "noise.mp3").write_bytes(os.urandom(2048))
    batch = CallIngestor(workspace, settings).run(
        [calls_dir / "call-a.vtt", bad / "empty.vtt", bad / "sheet.xlsx", bad / "latin1.txt",
         bad / "noise.mp3", bad / "missing.vtt"])
    status = {os.path.basename(r.path): (r.status, r.message) for r in batch.results}
    assert status["call-a.vtt"][0] == "stored"
    assert status["empty.vtt"] == ("failed", "empty.vtt: the file is empty.")
    assert status["sheet.xlsx"][1].startswith("Expected a WAV/MP3/M4A/FLAC/OGG/OPUS/WEBM/MP4 audio "
                                              "file or a .vtt/.srt/.json/.txt transcript, got 'sheet.xlsx'")
    assert status["latin1.txt"][0] == "failed" and "UTF-8" in status["latin1.txt"][1]
    assert status["noise.mp3"][0] == "failed" and "noise.mp3" in status["noise.mp3"][1]
    assert status["missing.vtt"][1].endswith("no such file or folder.")
    assert batch.exit_code == 3
    assert workspace.stats()["calls"] == 1


def test_folders_expand_to_known_files_only(tmp_path):
    (tmp_path / "a.vtt").write_text("x")
    (tmp_path / "notes.docx").write_text("x")
    (tmp_path / "calls.csv").write_text("file\n")
    (tmp_path / ".hidden.vtt").write_text("x")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.mp3").write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path], (".vtt", ".mp3"))] == ["a.vtt", "b.mp3"]


def test_messaging_is_stored_once(workspace, tmp_path):
    src = Path(__file__).resolve().parents[2] / "demo" / "messaging.yaml"
    assert ingest_messaging(workspace, src).status == "stored"
    assert ingest_messaging(workspace, src).status == "unchanged"
    assert workspace.messaging().company.name == "Vantora"
    with pytest.raises(InputError, match="no such file"):
        ingest_messaging(workspace, tmp_path / "nope.yaml")


def test_a_call_with_nobody_on_the_rep_side_is_stored_with_a_warning(workspace, settings,
                                                                      tmp_path):
    (tmp_path / "anon.txt").write_text("Alice: We could start next month.\n"
                                       "Bob: The price is too high for us.\n")
    (tmp_path / "labelled.txt").write_text("Rep: We could start next month.\n"
                                           "Bob: The price is too high for us.\n")
    batch = CallIngestor(workspace, settings).run([tmp_path / "anon.txt",
                                                   tmp_path / "labelled.txt"])
    anon, labelled = batch.results
    assert anon.status == "stored" and anon.message.startswith("2 turns; WARNING: no speaker")
    assert "manifest's rep column" in anon.message
    assert labelled.status == "stored" and labelled.message == "2 turns"


def test_links_leaving_the_folder_and_empty_folders_get_a_failed_line(workspace, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nroot:x:0:0:root:/root:/bin/bash\n")
    docs = tmp_path / "docs"
    (docs / "adir.md").mkdir(parents=True)  # a folder named like a document
    (docs / "ok.md").write_text("# Pricing\n\nPlans start at $39 a month.\n")
    (docs / "link.md").symlink_to(outside)
    (docs / "sub").mkdir()
    (docs / "sub" / "faq.md").symlink_to(docs / "ok.md")  # stays inside: followed (same file)
    empty = tmp_path / "empty"
    empty.mkdir()
    batch = ContentIngestor(workspace).run([docs, empty])
    lines = {Path(r.path).name: (r.status, r.message) for r in batch.results}
    assert lines["ok.md"][0] == "stored" and "faq.md" not in lines  # the same file, once
    assert lines["link.md"][0] == "failed" and "outside" in lines["link.md"][1]
    assert lines["empty"][0] == "failed" and "a folder with no" in lines["empty"][1]
    assert "secret" not in {a.asset_id for a in workspace.assets()}


def test_two_files_that_would_share_an_id_in_one_batch_do_not_replace_each_other(
        workspace, settings, tmp_path):
    for team in ("team-a", "team-b"):
        (tmp_path / team).mkdir()
        (tmp_path / team / "discovery.txt").write_text(f"Rep: Hello from {team}.\nKim: Hi.\n")
    batch = CallIngestor(workspace, settings).run([tmp_path / "team-a", tmp_path / "team-b"])
    (first, second) = batch.results
    assert (first.status, first.record_id) == ("stored", "discovery")
    assert second.status == "failed" and "already given to" in second.message
    assert "call_id" in second.message and batch.exit_code == 3
    assert "team-a" in workspace.call("discovery").turns[0].text

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text("# Pricing\n\nPlans start at $39 a month.\n")
    (docs / "pricing.txt").write_text("Pricing, the old page.\n")
    results = ContentIngestor(workspace).run([docs]).results
    assert [r.status for r in results] == ["stored", "failed"]
    assert "asset id 'pricing'" in results[1].message and "asset_id" in results[1].message


@pytest.mark.slow
def test_a_corrected_manifest_updates_the_calls_metadata_and_sides(embedder, settings, tmp_path):
    from insights.analysis import Analyzer
    from insights.store import load_objections

    workspace = Workspace(tmp_path / "ws", embedder)  # the analysis needs the real model
    (tmp_path / "c.txt").write_text(
        "Dana Cole: Honestly, our price is far too high for most teams.\n"
        "Kim Roe: Yes, that is way over our budget this year.\n")
    (tmp_path / "calls.csv").write_text("file,call_id,outcome\nc.txt,c,open\n")
    ingest = CallIngestor(workspace, settings)
    assert ingest.run([tmp_path / "c.txt"], tmp_path / "calls.csv").results[0].status == "stored"
    Analyzer(workspace, settings).run()
    assert {o.speaker for o in load_objections(workspace)} == {"Dana Cole", "Kim Roe"}

    (tmp_path / "calls.csv").write_text("file,call_id,outcome,date\nc.txt,c,won,2026-03-04\n")
    [r] = ingest.run([tmp_path / "c.txt"], tmp_path / "calls.csv").results
    assert (r.status, r.message) == ("replaced", "metadata updated: date, outcome")
    meta = workspace.call_meta("c")
    assert (meta.outcome, str(meta.date)) == ("won", "2026-03-04")
    assert ingest.run([tmp_path / "c.txt"], tmp_path / "calls.csv").results[0].status == \
        "unchanged"

    # naming the rep moves Dana's lines to the rep side; the analysis follows
    (tmp_path / "calls.csv").write_text("file,call_id,rep,outcome\nc.txt,c,Dana Cole,won\n")
    [r] = ingest.run([tmp_path / "c.txt"], tmp_path / "calls.csv").results
    assert r.status == "replaced"
    assert [t.side for t in workspace.call("c").turns] == ["rep", "buyer"]
    assert Analyzer(workspace, settings).run().analysed == 1
    assert {o.speaker for o in load_objections(workspace)} == {"Kim Roe"}
    # a file without a manifest row keeps what is stored
    assert ingest.run([tmp_path / "c.txt"]).results[0].status == "unchanged"
    assert workspace.call_meta("c").rep == "Dana Cole"


def test_a_corrected_content_manifest_updates_the_assets_details(workspace, tmp_path):
    (tmp_path / "pricing.md").write_text("# Pricing\n\nPlans start at 40 dollars a user.\n")
    manifest = tmp_path / "content.csv"
    manifest.write_text("file,asset_id,type,public\npricing.md,pricing,other,false\n")
    ContentIngestor(workspace).run([tmp_path / "pricing.md"], manifest)
    manifest.write_text("file,asset_id,type,public,url\n"
                        "pricing.md,pricing,web_page,true,https://vantora.example/pricing\n")
    result = ContentIngestor(workspace).run([tmp_path / "pricing.md"], manifest).results[0]
    assert (result.status, result.message) == ("replaced", "metadata updated: type, url, public")
    meta = workspace.asset("pricing").meta
    assert (meta.type, meta.public, meta.url, meta.title) == (
        "web_page", True, "https://vantora.example/pricing", "Pricing")
    got = workspace.collection(PASSAGES).get(where={"asset_id": "pricing"})
    assert got["metadatas"] and all(m["public"] is True and m["type"] == "web_page"
                                    for m in got["metadatas"])
    again = ContentIngestor(workspace).run([tmp_path / "pricing.md"], manifest).results[0]
    assert again.status == "unchanged"
