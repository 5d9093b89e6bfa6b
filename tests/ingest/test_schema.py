"""Numbered schema migrations: fresh workspaces, a workspace written by an earlier release
(committed fixture), older and newer databases, and a migration that fails."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ingest import schema
from ingest.errors import WorkspaceError
from ingest.schema import MIGRATIONS, VERSION, migrate, version
from ingest.store import Workspace

RELEASE = Path(__file__).resolve().parents[1] / "data" / "workspaces" / "pre-numbering"


class _NoEmbedder:
    """Nothing here embeds: any call is a test failure."""

    def __getattr__(self, name):
        raise AssertionError(f"embedder.{name} used")


def _tables(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_new_workspace_has_every_table_at_the_current_version(tmp_path):
    ws = Workspace(tmp_path / "ws", _NoEmbedder())
    assert version(ws.db) == VERSION == len(MIGRATIONS)
    assert {"calls", "turns", "assets", "chunks", "messaging", "rep_voices", "ingest_log",
            "insights_calls", "objections", "track_uses", "themes", "insights_state",
            "theme_vectors", "rag_fts", "rag_fts_assets", "rag_sentences"} <= _tables(ws.db)
    ws.close()
    assert migrate(sqlite3.connect(tmp_path / "ws" / "callmine.db", isolation_level=None)) == []


def test_a_workspace_of_the_previous_release_opens_upgraded_with_its_records(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(RELEASE, root)
    raw = sqlite3.connect(root / "callmine.db")
    assert version(raw) == 0
    before = {t: raw.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("calls", "turns", "assets", "chunks", "objections", "themes")}
    raw.close()
    assert before["calls"] == 2 and before["objections"] > 0

    ws = Workspace(root, _NoEmbedder())
    assert version(ws.db) == VERSION
    after = {t: ws.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before
    calls = {c.call_id: c.meta for c in ws.calls()}
    assert calls["01_halvorsen_logistics"].rep == "Dana Whitfield"
    assert calls["09_ashgrove_manufacturing"].outcome == "lost"
    assert [a.asset_id for a in ws.assets()] == ["case-study-harbor-freightways"]

    from rag.lexical import LexicalIndex

    index = LexicalIndex(ws)
    assert index.sync() == 0  # the release's index is still in line with its passages
    assert index.verify() == []
    assert index.doc_freq(["freightways"]) == {"freightways": before["chunks"]}


def test_a_database_before_the_added_columns_gets_them_and_keeps_its_rows(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    db = sqlite3.connect(root / "callmine.db", isolation_level=None)
    MIGRATIONS[0].apply(db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO calls (call_id, source, content_hash, kind, rep, ingested_at) "
               "VALUES ('c1', 'c1.txt', 'h', 'transcript', 'Dana', 1.0)")
    assert "amount" not in {r[1] for r in db.execute("PRAGMA table_info(calls)")}
    db.close()

    ws = Workspace(root, _NoEmbedder())
    assert version(ws.db) == VERSION
    columns = {r[1] for r in ws.db.execute("PRAGMA table_info(calls)")}
    assert {"speakers", "voices", "amount", "deal"} <= columns
    assert "rep_voices" in _tables(ws.db)
    assert [c.meta.rep for c in ws.calls()] == ["Dana"]


def test_a_database_of_a_newer_release_is_refused(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    db = sqlite3.connect(root / "callmine.db")
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(WorkspaceError, match="newer callmine"):
        Workspace(root, _NoEmbedder())


def test_a_failing_migration_leaves_the_previous_version_whole(tmp_path, monkeypatch):
    def boom(db):
        raise sqlite3.OperationalError("disk I/O error")

    broken = schema.Migration(VERSION + 1, "broken", ("CREATE TABLE half_done (x)",), boom)
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(schema, "VERSION", VERSION + 1)
    db = sqlite3.connect(tmp_path / "callmine.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(db)
    assert version(db) == VERSION
    assert "half_done" not in _tables(db)


def test_a_workspace_before_turn_search_gets_its_turns_indexed_and_kept_in_line(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(RELEASE, root)
    ws = Workspace(root, _NoEmbedder())
    turns = ws.db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
    assert turns > 0
    assert ws.db.execute("SELECT COUNT(*) FROM turn_fts").fetchone()[0] == turns
    assert ws.turn_index_problems() == []
    assert {m.call_id for m in ws.search_turns("invoices", 50)} <= \
        {"01_halvorsen_logistics", "09_ashgrove_manufacturing"}

    call = ws.call("09_ashgrove_manufacturing", with_words=True)
    ws.remove_call(call.call_id)  # the call's turns leave the index with it (cascade)
    assert ws.turn_index_problems() == []
    assert all(m.call_id != call.call_id for m in ws.search_turns(call.turns[0].text, 50))
    ws.save_call(call)
    assert ws.turn_index_problems() == []
    ws.save_call(call)  # replaced: old rows out, new rows in, in the same transaction
    assert ws.db.execute("SELECT COUNT(*) FROM turn_fts").fetchone()[0] == turns
