"""Faults: ``callmine ingest`` killed with SIGKILL at random points, then run again.

Each run ingests 20 files into a fresh workspace (10 call transcripts in WebVTT, SRT and
plain text with a calls manifest, and 10 Markdown, HTML and text documents) and kills the
``ingest calls`` / ``ingest content`` process two or three times at points drawn from a
seeded RNG. Content is killed after a random number of newly stored documents plus a random
fraction of the next one (so the kill lands while a document is parsed, embedded or written
to Chroma); calls are killed a random delay after the batch was logged (their transcripts
store in milliseconds, so that is while the analysis that follows loads its model). Then both
commands run again, side by side, to completion.

After that every file is stored exactly once, SQLite and Chroma hold the same passages,
every call has exactly its file's utterances, and every call was analysed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
N_CALLS = N_DOCS = 10
TURNS = 8
REP = "Dana Reyes"
BUYERS = ("Priya Shah", "Lee Chen", "Mo Park", "Ana Silva", "Tom Becker", "Ines Wolf",
          "Raj Malhotra", "Kim Novak", "Omar Haddad", "Lena Marsh")

BUYER_LINES = (
    "Honestly, the price is too high for our budget this year.",
    "How long does implementation take? We can't run a six month project.",
    "We are locked into a contract with Paystream until next spring.",
    "Our security team will block anything without SOC 2.",
    "Does it integrate with NetSuite? We can't re-key invoices.",
    "I need my CFO to sign off before we go further.",
    "That sounds good, send me the case study.",
    "We tried a tool like this before and nobody used it.",
)
REP_LINES = (
    "Thanks for making the time today. How do you approve invoices now?",
    "A typical customer is live in 30 days with a named implementation manager.",
    "Customers recover the cost within six months through lower processing costs.",
    "We are SOC 2 Type II certified and answer questionnaires within two days.",
    "Connect syncs both ways with NetSuite, Sage Intacct and QuickBooks.",
    "I can put together a business case for your CFO this week.",
)


def _stamp(seconds: int, sep: str = ".") -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}{sep}000"


def call_turns(i: int) -> list[tuple[str, str]]:
    """(speaker, text) of call ``i``: rep and buyer alternate, so one line is one turn."""
    buyer = BUYERS[i]
    return [(REP, f"{REP_LINES[(i + k) % len(REP_LINES)]} (call {i}, turn {k})") if k % 2 == 0
            else (buyer, f"{BUYER_LINES[(i + k) % len(BUYER_LINES)]} (call {i}, turn {k})")
            for k in range(TURNS)]


def write_call(folder: Path, i: int) -> Path:
    turns = call_turns(i)
    kind = ("vtt", "srt", "txt")[i % 3]
    if kind == "vtt":
        text = "WEBVTT\n\n" + "".join(
            f"{_stamp(6 * k)} --> {_stamp(6 * k + 5)}\n<v {who}>{said}</v>\n\n"
            for k, (who, said) in enumerate(turns))
    elif kind == "srt":
        text = "".join(f"{k + 1}\n{_stamp(6 * k, ',')} --> {_stamp(6 * k + 5, ',')}\n"
                       f"{who}: {said}\n\n" for k, (who, said) in enumerate(turns))
    else:
        text = "".join(f"[{_stamp(6 * k)[3:8]}] {who}: {said}\n"
                       for k, (who, said) in enumerate(turns))
    path = folder / f"call{i:02d}.{kind}"
    path.write_text(text, encoding="utf-8")
    return path


def write_doc(folder: Path, i: int) -> Path:
    topic = ("implementation", "pricing", "security", "integrations", "payback")[i % 5]
    body = [" ".join(f"Sentence {j} of part {p} says how document {i} handles {topic}."
                     for j in range(25)) for p in range(4)]
    kind = ("md", "html", "txt")[i % 3]
    if kind == "md":
        text = f"# Document {i} on {topic}\n\n" + "".join(
            f"## Part {p}\n\n{para}\n\n" for p, para in enumerate(body))
    elif kind == "html":
        text = (f"<html><head><title>Document {i} on {topic}</title></head><body>"
                f"<h1>Document {i} on {topic}</h1>" + "".join(
                    f"<h2>Part {p}</h2><p>{para}</p>" for p, para in enumerate(body))
                + "</body></html>")
    else:
        text = f"Document {i} on {topic}\n\n" + "\n\n".join(body) + "\n"
    path = folder / f"doc{i:02d}.{kind}"
    path.write_text(text, encoding="utf-8")
    return path


class Ingest:
    """The two ingest commands on one workspace, and what its database says so far."""

    def __init__(self, root: Path, calls: Path, docs: Path) -> None:
        self.db = root / "ws" / "callmine.db"
        base = [sys.executable, "-m", "ui.cli", "--workspace", str(root / "ws"), "-q",
                "--format", "json", "ingest"]
        self.cmd = {
            "calls": base + ["calls", str(calls), "--manifest", str(calls / "calls.csv")],
            "content": base + ["content", str(docs)],
        }
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}

    def count(self, sql: str) -> int:
        if not self.db.exists():
            return 0
        try:
            with sqlite3.connect(self.db, timeout=1) as conn:
                return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # schema not there yet, or locked for a moment
            return 0

    def kill(self, kind: str, rng: random.Random) -> str:
        """Start ``ingest <kind>``, SIGKILL it at a random point; returns where it was."""
        if kind == "content":
            sql = "SELECT COUNT(*) FROM assets WHERE status='complete'"
            target = self.count(sql) + rng.randint(1, 3)
            delay = rng.uniform(0.0, 0.3)  # about one document's time
        else:
            sql = "SELECT COUNT(*) FROM ingest_log WHERE kind='calls'"
            target = self.count(sql) + N_CALLS
            delay = rng.uniform(0.0, 1.5)  # the analysis loads its model for seconds
        proc = subprocess.Popen(self.cmd[kind], cwd=REPO, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while self.count(sql) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"ingest {kind} ended before the kill"
        return f"{kind}@{target}+{delay:.2f}s"

    def finish(self) -> dict[str, dict]:
        """Run both commands to completion, at the same time (as two users could); their
        JSON reports by kind."""
        procs = {kind: subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                 for kind, cmd in self.cmd.items()}
        reports = {}
        try:
            for kind, proc in procs.items():
                out, err = proc.communicate(timeout=120)
                assert proc.returncode == 0, err
                reports[kind] = json.loads(out)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        return reports


# the seeds' kills: calls, content / content, calls / content, content, calls
@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4, 7])
def test_sigkilled_ingest_of_calls_and_content_is_finished_by_a_rerun(tmp_path, seed):
    from ingest.content import Chunker, read_document
    from ingest.store import PASSAGES

    rng = random.Random(seed)
    calls, docs = tmp_path / "calls", tmp_path / "docs"
    calls.mkdir()
    docs.mkdir()
    call_files = {f"call-{i:02d}": write_call(calls, i) for i in range(N_CALLS)}
    (calls / "calls.csv").write_text("file,call_id,date,rep,account\n" + "".join(
        f"{p.name},{cid},2026-03-{i + 1:02d},{REP},Account {i}\n"
        for i, (cid, p) in enumerate(call_files.items())), encoding="utf-8")
    doc_files = {f"doc{i:02d}": write_doc(docs, i) for i in range(N_DOCS)}
    ingest = Ingest(tmp_path, calls, docs)

    plan = ["content", "calls"] + rng.sample(["content", "calls"], rng.randint(0, 1))
    rng.shuffle(plan)
    kills = [ingest.kill(kind, rng) for kind in plan]
    finals = ingest.finish()

    for kind, files in (("calls", call_files), ("content", doc_files)):
        results = finals[kind]["results"]
        assert sorted(r["path"] for r in results) == sorted(str(p) for p in files.values())
        assert {r["status"] for r in results} <= {"stored", "replaced", "unchanged"}, kills
        assert {r["id"] for r in results} == set(files)

    conn = sqlite3.connect(ingest.db)
    # every call once, with exactly its file's utterances, numbered 0..n-1, and analysed
    rows = conn.execute("SELECT call_id, COUNT(*) FROM calls GROUP BY call_id").fetchall()
    assert dict(rows) == {cid: 1 for cid in call_files}, kills
    turns = conn.execute("SELECT call_id, COUNT(*), MIN(idx), MAX(idx) FROM turns"
                         " GROUP BY call_id").fetchall()
    assert {r[0]: r[1:] for r in turns} == {cid: (TURNS, 0, TURNS - 1) for cid in call_files}
    stored = dict(conn.execute("SELECT call_id || '/' || idx, text FROM turns").fetchall())
    for i, cid in enumerate(call_files):
        for k, (_, said) in enumerate(call_turns(i)):
            assert stored[f"{cid}/{k}"] == said
    analysed = conn.execute("SELECT i.call_id FROM insights_calls i JOIN calls c"
                            " ON c.call_id = i.call_id AND c.content_hash = i.content_hash")
    assert sorted(r[0] for r in analysed) == sorted(call_files), kills

    # every document once, complete, with exactly its passages; nothing left pending
    rows = conn.execute("SELECT asset_id, status, COUNT(*) FROM assets GROUP BY asset_id")
    assert {r[0]: r[1:] for r in rows} == {aid: ("complete", 1) for aid in doc_files}, kills
    expected = {aid: [c.chunk_id for c in Chunker().run(read_document(p), aid)]
                for aid, p in doc_files.items()}
    chunks = conn.execute("SELECT asset_id, chunk_id FROM chunks ORDER BY asset_id, idx")
    in_sqlite: dict[str, list[str]] = {}
    for aid, chunk_id in chunks:
        in_sqlite.setdefault(aid, []).append(chunk_id)
    assert in_sqlite == expected, kills
    conn.close()

    # Chroma holds exactly the passages SQLite holds, and its index answers a query
    import chromadb

    client = chromadb.PersistentClient(path=str(tmp_path / "ws" / "chroma"),
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_collection(PASSAGES)
    got = collection.get(include=["metadatas", "embeddings"])
    in_chroma: dict[str, set[str]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        in_chroma.setdefault(meta["asset_id"], set()).add(chunk_id)
    assert collection.count() == sum(map(len, expected.values())) == len(got["ids"]), kills
    assert in_chroma == {aid: set(ids) for aid, ids in expected.items()}, kills
    hit = collection.query(query_embeddings=[got["embeddings"][0]], n_results=1)
    assert hit["ids"][0] == [got["ids"][0]]
