"""The Search tab's pure functions: result rows, the passage shown in its asset, selection."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ingest.errors import InputError
from ingest.records import Chunk
from rag.search import search_calls
from tests.rag.test_search import ingest_calls, write_calls
from ui.views.search import (
    call_rows,
    found_by,
    passage_context_html,
    picked,
    search_filters,
    turn_html,
)


@pytest.fixture()
def calls_ws(fake_workspace, tmp_path, settings):
    ingest_calls(fake_workspace, write_calls(tmp_path / "calls"), settings)
    return fake_workspace


def test_call_rows_and_the_turn_shown(calls_ws):
    hits = search_calls(calls_ws, "security", search_filters(None, None, None, ["lost"], "", "",
                                                             "Buyer"), limit=1)
    assert call_rows(hits) == [["globex-1", "00:22", 3, "2026-02-10", "Sam Ortiz", "lost",
                                "Lee Chen", "buyer",
                                "Our security team will block anything without SOC 2.",
                                "words and meaning"]]
    assert turn_html(hits[0]) == ("<p><b>globex-1</b> at 00:22, Lee Chen (buyer)</p><p>Our "
                                  "<mark>security</mark> team will block anything without SOC "
                                  "2.</p>")


def test_found_by():
    assert (found_by(1, None), found_by(None, 3), found_by(2, 5)) == \
        ("words", "meaning", "words and meaning")


def test_a_bad_date_names_its_field():
    with pytest.raises(InputError, match="^To date must be a date such as 2026-03-31, got "
                                         "'31/03/2026'.$"):
        search_filters(None, None, None, None, "", "31/03/2026", "Both sides")


def test_the_passage_is_shown_marked_among_its_neighbours_and_escaped():
    chunks = [Chunk(f"a#{i}", "a", i, f"Passage {i} <b>x</b>", ["Security"]) for i in range(6)]
    html = passage_context_html("Sec <script>", chunks, "a#4", around=1)
    assert html.splitlines() == [
        "<h3>Sec &lt;script&gt;</h3>",
        "<p class='cm-search-where'>Passage 5 of 6, Security</p>",
        "<p>…</p>",
        "<div>Passage 3 &lt;b&gt;x&lt;/b&gt;</div>",
        "<div class='cm-search-hit'><mark>Passage 4 &lt;b&gt;x&lt;/b&gt;</mark></div>",
        "<div>Passage 5 &lt;b&gt;x&lt;/b&gt;</div>"]
    assert "no longer in the library" in passage_context_html("T", chunks, "gone#1")


def test_picked_follows_the_selected_row():
    keys = [["c1", 0, 1.0], ["c2", 3, 9.5]]
    assert picked(keys, SimpleNamespace(index=[1, 4])) == ["c2", 3, 9.5]
    assert picked(keys, SimpleNamespace(index=[2, 0])) is None
    assert picked([], SimpleNamespace(index=[0, 0])) is None
