"""Search across calls (keyword FTS5 + semantic turn vectors, fused) and the content library."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import InputError, WorkspaceError
from ingest.store import StoredTurn, TurnMatch
from rag.records import SearchFilters
from rag.search import (
    TURNS,
    CallSearch,
    TurnVectors,
    index_calls,
    search_calls,
    search_json,
    search_library,
    unmark,
)

CALLS = {
    "acme-1.txt": """[00:00:02] Dana Reyes: Thanks for making the time today. How do you approve invoices now?
[00:00:09] Priya Shah: Honestly, the price is too high for our budget this year.
[00:00:16] Dana Reyes: Customers recover the cost within six months through lower processing costs.
[00:00:31] Priya Shah: How long does implementation take? We can't run a six month project.
""",
    "globex-1.txt": """[00:00:01] Sam Ortiz: Thanks for joining. Where are you in your evaluation?
[00:00:07] Lee Chen: We are already talking to Paystream and they are cheaper.
[00:00:14] Sam Ortiz: Vantora integrates both ways with NetSuite and QuickBooks.
[00:00:22] Lee Chen: Our security team will block anything without SOC 2.
""",
    "initech-1.txt": """[00:00:03] Dana Reyes: Good to see you again.
[00:00:08] Mo Park: The price is more than we budgeted for.
[00:00:15] Dana Reyes: Understood, we can look at the terms.
[00:00:24] Mo Park: Does it have integrations with NetSuite? We can't re-key invoices.
""",
}
MANIFEST = """file,call_id,date,rep,account,stage,outcome,segment
acme-1.txt,acme-1,2026-01-14,Dana Reyes,Acme,discovery,won,mid-market
globex-1.txt,globex-1,2026-02-10,Sam Ortiz,Globex,evaluation,lost,enterprise
initech-1.txt,initech-1,2026-03-03,Dana Reyes,Initech,negotiation,open,mid-market
"""


def write_calls(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in CALLS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "calls.csv").write_text(MANIFEST, encoding="utf-8")
    return folder


def ingest_calls(ws, folder: Path, settings) -> None:
    from ingest.pipeline import CallIngestor

    batch = CallIngestor(ws, settings).run([folder], folder / "calls.csv")
    assert not batch.failed, [r.message for r in batch.failed]


@pytest.fixture()
def calls_ws(fake_workspace, tmp_path, settings):
    ingest_calls(fake_workspace, write_calls(tmp_path / "calls"), settings)
    return fake_workspace


def keys(hits):
    return [(h.call_id, h.turn) for h in hits]


# -- keyword side ------------------------------------------------------------------------------

def test_a_keyword_hit_says_where_it_is_and_marks_the_words(calls_ws):
    hits = search_calls(calls_ws, "approve invoices", limit=5)
    first = hits[0]
    assert (first.call_id, first.turn, first.start, first.side) == ("acme-1", 0, 2.0, "rep")
    assert first.speaker == "Dana Reyes" and first.keyword == 1
    assert first.text == "Thanks for making the time today. How do you approve invoices now?"
    assert [first.snippet[a:b] for a, b in first.marks] == ["approve", "invoices"]
    assert first.call.rep == "Dana Reyes" and first.call.outcome == "won"


def test_keywords_are_stemmed_and_any_word_counts_after_every_word(calls_ws):
    # "integrations" and "integrates" share a Porter stem
    assert {k for k in keys(search_calls(calls_ws, "integration", limit=10))} >= \
        {("globex-1", 2), ("initech-1", 3)}
    # both words in one turn first, then turns holding one of them
    words = CallSearch(calls_ws).keyword("netsuite invoices", None, None)
    assert [(m.call_id, m.turn_index) for m in words][:1] == [("initech-1", 3)]
    assert ("acme-1", 0) in [(m.call_id, m.turn_index) for m in words]


@pytest.mark.parametrize("query", ['"price', "AND", "price AND", "NEAR(price budget)", "price*",
                                   "text:price", "-price", "(price", "'", "^price"])
def test_fts_syntax_typed_by_a_user_is_searched_as_words(calls_ws, query):
    hits = search_calls(calls_ws, query, limit=10)
    if "price" in query:
        assert {("acme-1", 1), ("initech-1", 1)} <= set(keys(hits))


def test_the_store_escapes_what_it_is_given(calls_ws):
    assert calls_ws.search_turns('" OR 1', 5) == []  # "1" is no word of the calls
    assert {(m.call_id, m.turn_index) for m in calls_ws.search_turns('"budget', 5)} == \
        {("acme-1", 1), ("initech-1", 1)}  # "budgeted" too: Porter stems
    assert calls_ws.search_turns("   ", 5) == [] and calls_ws.search_turns("?!", 5) == []


# -- filters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("filters, calls", [
    (SearchFilters(reps=("dana reyes",)), {"acme-1", "initech-1"}),
    (SearchFilters(outcomes=("lost",)), {"globex-1"}),
    (SearchFilters(segments=("Mid-Market",)), {"acme-1", "initech-1"}),
    (SearchFilters(stages=("negotiation",)), {"initech-1"}),
    (SearchFilters(since=date(2026, 2, 1)), {"globex-1", "initech-1"}),
    (SearchFilters(until=date(2026, 2, 10)), {"acme-1", "globex-1"}),
    (SearchFilters(since=date(2026, 2, 1), until=date(2026, 2, 28)), {"globex-1"}),
])
def test_filters_on_calls(calls_ws, filters, calls):
    hits = search_calls(calls_ws, "thanks price netsuite security invoices", filters, limit=50)
    assert {h.call_id for h in hits} == calls


def test_the_side_filter_keeps_one_side_and_follows_renamed_speakers(calls_ws):
    hits = search_calls(calls_ws, "price cost", SearchFilters(side="buyer"), limit=50)
    assert hits and {h.side for h in hits} == {"buyer"}
    assert ("acme-1", 2) not in keys(hits)  # the rep's "cost" turn
    rep_hits = search_calls(calls_ws, "price cost", SearchFilters(side="rep"), limit=50)
    assert keys(rep_hits) == [("acme-1", 2)]

    # Priya Shah becomes the rep of acme-1: her turns move to the rep side at once
    calls_ws.rename_speakers("acme-1", {}, "Priya Shah", {})
    rep_hits = search_calls(calls_ws, "price", SearchFilters(side="rep"), limit=50)
    assert keys(rep_hits) == [("acme-1", 1)]


@pytest.mark.parametrize("filters, message", [
    (SearchFilters(side="seller"), "Speaker side must be buyer or rep, got 'seller'."),
    (SearchFilters(outcomes=("closed",)), "Outcome must be won, lost or open, got 'closed'."),
    (SearchFilters(since=date(2026, 3, 1), until=date(2026, 2, 1)),
     "The date range is empty: since 2026-03-01 is after until 2026-02-01."),
])
def test_wrong_filters_say_what_is_wrong(calls_ws, filters, message):
    with pytest.raises(InputError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        search_calls(calls_ws, "price", filters)


def test_an_empty_query_or_limit_is_refused(calls_ws):
    with pytest.raises(InputError, match="Give words to search for"):
        search_calls(calls_ws, "  ")
    with pytest.raises(InputError, match="The number of results must be 1 or more, got 0."):
        search_calls(calls_ws, "price", limit=0)


# -- fusion --------------------------------------------------------------------------------------

def test_fusion_puts_turns_found_both_ways_first(calls_ws):
    metas = {c.meta.call_id: c.meta for c in calls_ws.calls()}
    keyword = [TurnMatch("globex-1", 1, 7.0, "\x02cheaper\x03", -2.0, "buyer", "Lee Chen"),
               TurnMatch("acme-1", 1, 9.0, "the \x02price\x03", -1.0, "buyer", "Priya Shah")]
    said = "The price is more than we budgeted for."
    semantic = [(StoredTurn("initech-1", 1, 8.0, "buyer", "Mo Park", said), 0.7),
                (StoredTurn("acme-1", 1, 9.0, "buyer", "Priya Shah", "x"), 0.6)]
    hits = CallSearch(calls_ws).fuse(keyword, semantic, metas)
    # acme-1#1: keyword 2 + semantic 2 > globex-1#1: keyword 1 > initech-1#1: semantic 1 (ties
    # between one-side hits go to the higher cosine, then call id)
    assert keys(hits) == [("acme-1", 1), ("initech-1", 1), ("globex-1", 1)]
    assert (hits[0].keyword, hits[0].semantic, hits[0].cosine) == (2, 2, 0.6)
    assert hits[0].fused == pytest.approx(2 / 62)
    assert hits[0].snippet == "the price" and hits[0].marks == [(4, 9)]
    assert (hits[1].snippet, hits[1].marks, hits[1].text) == (said, [], said)
    assert hits[0].text == "Honestly, the price is too high for our budget this year."


def test_unmark_returns_plain_text_and_spans():
    assert unmark("\x02a\x03 b \x02cd\x03") == ("a b cd", [(0, 1), (4, 6)])


# -- kept in line ----------------------------------------------------------------------------------

def test_turn_vectors_follow_ingest_removal_and_reingest(calls_ws, tmp_path, settings):
    vectors = TurnVectors(calls_ws)
    assert vectors.sync() == 3 and vectors.sync() == 0
    collection = calls_ws.collection(TURNS)
    stored = collection.count()
    assert stored == sum(len(t.split(": ", 1)[1].split()) >= 3
                         for text in CALLS.values() for t in text.splitlines())

    calls_ws.remove_call("globex-1")
    assert all(h.call_id != "globex-1" for h in search_calls(calls_ws, "Paystream cheaper"))
    assert "globex-1" not in calls_ws.turn_vector_calls()  # the search synced
    assert not collection.get(where={"call_id": "globex-1"})["ids"]

    folder = tmp_path / "calls"
    (folder / "initech-1.txt").write_text(
        "[00:00:03] Dana Reyes: Good to see you again.\n"
        "[00:00:08] Mo Park: Our auditors want a full audit trail of every approval.\n",
        encoding="utf-8")
    ingest_calls(calls_ws, folder, settings)
    assert index_calls(calls_ws) == 2  # the changed call and the removed one, back again
    hits = search_calls(calls_ws, "audit trail", limit=3)
    assert keys(hits)[0] == ("initech-1", 1) and hits[0].keyword and hits[0].semantic
    assert all(h.call_id != "initech-1" or "NetSuite" not in h.text
               for h in search_calls(calls_ws, "NetSuite integrations", limit=20))
    assert calls_ws.turn_index_problems() == []


def test_a_stale_vector_is_never_returned(calls_ws):
    index_calls(calls_ws)
    calls_ws.save_call(calls_ws.call("acme-1"))  # re-ingested: its vectors are now stale
    search = CallSearch(calls_ws, min_cosine=-1.0)
    search.vectors.sync = lambda: 0  # the stale vectors stay in the collection
    found = search.semantic("price too high budget", None, None)
    assert found and all(row.call_id != "acme-1" for row, _ in found)


# -- JSON and the library ------------------------------------------------------------------------

def test_search_json(calls_ws):
    hits = search_calls(calls_ws, "SOC 2 security team", limit=1)
    data = search_json("SOC 2 security team", hits, library=False)
    assert data["query"] == "SOC 2 security team" and data["library"] is False
    hit = data["hits"][0]
    assert {k: hit[k] for k in ("call_id", "turn", "start", "side", "speaker", "date", "rep",
                                "outcome")} == {
        "call_id": "globex-1", "turn": 3, "start": 22.0, "side": "buyer", "speaker": "Lee Chen",
        "date": "2026-02-10", "rep": "Sam Ortiz", "outcome": "lost"}
    assert set(hit) >= {"text", "snippet", "marks", "score", "keyword_rank", "semantic_rank",
                        "cosine", "account", "stage", "segment"}


def test_library_search_returns_passages_best_first_and_public_only(fake_lumio_ws):
    hits = search_library(fake_lumio_ws, "calendar sync Outlook", limit=5)
    assert 0 < len(hits) <= 5
    assert [h.fused for h in hits] == sorted((h.fused for h in hits), reverse=True)
    public = search_library(fake_lumio_ws, "calendar sync Outlook", limit=50, public_only=True)
    assert public and all(h.asset.public for h in public)
    data = search_json("calendar", public[:1], library=True)
    assert data["library"] is True
    assert set(data["hits"][0]) >= {"asset_id", "title", "chunk_id", "passage", "score"}


def test_library_search_on_an_empty_workspace_says_to_ingest_content(fake_workspace):
    with pytest.raises(WorkspaceError, match="ingest content first"):
        search_library(fake_workspace, "security")


@pytest.mark.slow
def test_a_paraphrase_is_found_by_meaning(workspace, tmp_path, settings):
    ingest_calls(workspace, write_calls(tmp_path / "calls"), settings)
    hits = search_calls(workspace, "we cannot afford it", SearchFilters(side="buyer"), limit=3)
    assert keys(hits)[0] in {("acme-1", 1), ("initech-1", 1)}
    assert hits[0].semantic == 1 and hits[0].keyword is None
