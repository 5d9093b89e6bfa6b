"""The workspace store: atomic calls, two-phase assets, recovery, SQLite and Chroma in step."""

from __future__ import annotations

import pytest

from ingest.errors import InputError, WorkspaceError
from ingest.records import Asset, AssetMeta, Call, CallMeta, Chunk, Turn, Word
from ingest.store import PASSAGES, Workspace, http_chroma_client


@pytest.fixture()
def workspace(fake_workspace):
    """Storage judges no similarity: the hashed fake embedder stands in for MiniLM."""
    return fake_workspace


def _call(call_id="c1", digest="h1", texts=("Hello there.", "Too expensive for us.")):
    turns = [Turn(index=i, speaker="Rep" if i % 2 == 0 else "Buyer",
                  side="rep" if i % 2 == 0 else "buyer", text=t, start=float(i), end=i + 0.9,
                  words=[Word(float(i), i + 0.5, t.split()[0], 0.9)])
             for i, t in enumerate(texts)]
    return Call(meta=CallMeta(call_id=call_id, rep="Dana", outcome="lost"), source="x.vtt",
                content_hash=digest, kind="transcript", turns=turns)


def _asset(asset_id="a1", digest="h1", texts=("SOC 2 Type II report available.",
                                               "Pricing starts at $1,500 per month.")):
    chunks = [Chunk(chunk_id=f"{asset_id}#{i}", asset_id=asset_id, index=i, text=t,
                    heading_path=["Security"], page=i + 1) for i, t in enumerate(texts)]
    return Asset(AssetMeta(asset_id=asset_id, title="Doc", type="faq", public=True), "d.md",
                 digest, chunks)


def _consistent(ws: Workspace) -> None:
    sql_ids = {c.chunk_id for c in ws.chunks()}
    chroma_ids = set(ws.collection(PASSAGES).get(include=[])["ids"])
    assert sql_ids == chroma_ids


def test_save_call_then_replace_keeps_one_version(workspace):
    assert workspace.save_call(_call()) == "stored"
    assert workspace.save_call(_call(digest="h2", texts=("Hi.", "No budget.", "Ok."))) == "replaced"
    call = workspace.call("c1", with_words=True)
    assert [t.text for t in call.turns] == ["Hi.", "No budget.", "Ok."]
    assert call.content_hash == "h2"
    assert call.turns[0].words == [Word(0.0, 0.5, "Hi.", 0.9)]
    assert workspace.stats()["turns"] == 3


def test_unknown_call_is_a_clear_error(workspace):
    with pytest.raises(WorkspaceError, match="No call 'nope'"):
        workspace.call("nope")


def test_asset_vectors_and_rows_agree_after_replacement(workspace):
    workspace.save_asset(_asset(texts=("one passage", "two passage", "three passage")))
    assert workspace.save_asset(_asset(digest="h2", texts=("only passage",))) == "replaced"
    _consistent(workspace)
    assert workspace.stats()["vectors"] == 1
    meta = workspace.collection(PASSAGES).get(ids=["a1#0"])["metadatas"][0]
    assert meta["asset_id"] == "a1" and meta["public"] is True and meta["heading"] == "Security"


def test_crash_between_phases_is_recovered(workspace, monkeypatch):
    workspace.save_asset(_asset())
    original = workspace.transaction
    calls = {"n": 0}

    def dying_transaction():
        calls["n"] += 1
        if calls["n"] == 2:  # the second phase: passages + status 'complete'
            raise KeyboardInterrupt("killed")
        return original()

    monkeypatch.setattr(workspace, "transaction", dying_transaction)
    with pytest.raises(KeyboardInterrupt):
        workspace.save_asset(_asset(digest="h2", texts=("new text",)))
    monkeypatch.undo()
    assert workspace.asset_hash("a1") is None  # pending: not counted as stored
    assert workspace.recover() == ["a1"]
    assert workspace.stats()["assets"] == 0
    _consistent(workspace)
    workspace.save_asset(_asset(digest="h2", texts=("new text",)))
    _consistent(workspace)
    assert workspace.asset_hash("a1") == "h2"


def test_workspace_path_that_is_a_file_is_refused(tmp_path, fake_embedder):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file; give a folder path"):
        Workspace(f, fake_embedder)


def test_chroma_url_must_be_http():
    with pytest.raises(InputError, match="must look like http://host:8000"):
        http_chroma_client("localhost:8000")


def _fts(ws: Workspace) -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in ws.db.execute(
        "SELECT chunk_id, asset_id, title FROM rag_fts")}


def test_keyword_index_rows_are_written_with_the_passages(workspace):
    """No search (so no lazy sync) in between: the rows come with the asset's transaction."""
    workspace.save_asset(_asset())
    assert _fts(workspace) == {"a1#0": ("a1", "Doc"), "a1#1": ("a1", "Doc")}
    fingerprint = workspace.db.execute(
        "SELECT content_hash || '|' || ingested_at FROM assets").fetchone()[0]
    assert workspace.db.execute("SELECT fingerprint FROM rag_fts_assets").fetchone()[0] \
        == fingerprint

    workspace.save_asset(_asset(digest="h2", texts=("Only one passage now.",)))
    assert _fts(workspace) == {"a1#0": ("a1", "Doc")}

    meta = AssetMeta(asset_id="a1", title="Security FAQ", type="faq", public=True)
    workspace.update_asset_meta(meta)
    assert _fts(workspace) == {"a1#0": ("a1", "Security FAQ")}

    workspace.remove_asset("a1")
    assert _fts(workspace) == {}
    assert workspace.db.execute("SELECT COUNT(*) FROM rag_fts_assets").fetchone()[0] == 0


def test_a_pending_asset_is_out_of_the_keyword_index_and_recovered(workspace, monkeypatch):
    workspace.save_asset(_asset())
    collection = workspace.collection(PASSAGES)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(collection), "add", killed)
    with pytest.raises(KeyboardInterrupt):
        workspace.save_asset(_asset(digest="h2"))
    assert _fts(workspace) == {}  # pending: not searchable by keyword
    monkeypatch.undo()
    assert workspace.recover() == ["a1"]
    assert _fts(workspace) == {}
    from rag.lexical import LexicalIndex

    assert LexicalIndex(workspace).verify() == []


def test_threads_opening_the_vector_store_at_once_share_one_client(workspace):
    """The app's warm-up thread and a view opened the embedded Chroma together and two systems
    raced for one tenant ("Could not connect to tenant default_tenant")."""
    import threading

    barrier = threading.Barrier(6)
    clients, errors = [], []

    def open_it():
        barrier.wait()
        try:
            clients.append(workspace.chroma)
        except Exception as exc:  # noqa: BLE001 - the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({id(c) for c in clients}) == 1
