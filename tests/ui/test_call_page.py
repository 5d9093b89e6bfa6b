"""The call page: speaker names, header, timeline markers, the transcript's word spans and
marks, opening a call from another view, and (slow) the player in a real browser."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pytest

from ingest.records import Call, CallMeta, Turn, Word
from insights.records import Objection
from insights.talk_tracks import TrackUse
from ui.views.call_page import (EMPTY, Marker, call_duration, call_page_html, header_fields,
                                header_html, markers, render_call, speaker_names, turn_html)
from ui.views.navigate import CALL_TAB, Navigator, format_target, parse_target


def words(start: float, text: str, step: float = 0.5) -> list[Word]:
    """Whisper-like words (a leading space each), ``step`` seconds apart from ``start``."""
    return [Word(start + i * step, start + (i + 1) * step, f" {w}")
            for i, w in enumerate(text.split())]


REP_TEXT = "Customers recover the cost within six months."
BUYER_TEXT = "Honestly the price is too high for us."


def recorded_call() -> Call:
    turns = [Turn(0, "channel-0", "rep", REP_TEXT, 1.0, 4.5, words(1.0, REP_TEXT)),
             Turn(1, "channel-1", "buyer", BUYER_TEXT, 6.0, 10.0, words(6.0, BUYER_TEXT))]
    meta = CallMeta("rec-1", date=date(2026, 3, 25), rep="Sam Ortiz", account="Hooli",
                    stage="discovery", outcome="open", amount=48000.0)
    return Call(meta, "rec.mp3", "hash", "audio", turns, duration=15.0)


PRICE = Objection("o1", "rec-1", 1, "channel-1", "price is too high", "price", 0.9, start=7.0,
                  end=9.0, char_start=13, char_end=30)
PAYBACK = TrackUse("rec-1", 0, "payback", 0.8, "recover the cost", 1.5, None, None)


# -- speaker names ----------------------------------------------------------------------------

def test_channels_are_named_for_the_rep_and_the_buyer():
    assert speaker_names(recorded_call()) == {"channel-0": "Sam Ortiz",
                                              "channel-1": "Buyer (Hooli)"}


def test_people_keep_their_names_and_several_buyers_are_numbered():
    turns = [Turn(0, "Rep", "rep", "Hi."), Turn(1, "Buyer 1", "buyer", "Hello."),
             Turn(2, "Buyer 2", "buyer", "Hey."), Turn(3, "Priya Shah", "buyer", "Yes.")]
    call = Call(CallMeta("c", rep="Dana Reyes"), "c.mp3", "h", "audio", turns)
    assert speaker_names(call) == {"Rep": "Dana Reyes", "Buyer 1": "Buyer 1",
                                   "Buyer 2": "Buyer 2", "Priya Shah": "Priya Shah"}


def test_channels_without_a_rep_side_stay_apart_unnamed():
    turns = [Turn(0, "channel-0", "buyer", "Hi."), Turn(1, "channel-1", "buyer", "Hello.")]
    call = Call(CallMeta("c", rep="Sam Ortiz", account="Hooli"), "c.mp3", "h", "audio", turns)
    assert speaker_names(call) == {"channel-0": "Speaker 1", "channel-1": "Speaker 2"}


def test_a_rep_label_without_a_manifest_rep_reads_rep():
    turns = [Turn(0, "seller", "rep", "Hi."), Turn(1, "buyer", "buyer", "Hello.")]
    call = Call(CallMeta("c"), "c.txt", "h", "transcript", turns)
    assert speaker_names(call) == {"seller": "Rep", "buyer": "Buyer"}


# -- header ----------------------------------------------------------------------------------

def test_header_fields_in_order_without_empty_ones():
    assert header_fields(recorded_call()) == [
        ("date", "2026-03-25"), ("rep", "Sam Ortiz"), ("account", "Hooli"),
        ("stage", "discovery"), ("outcome", "open"), ("amount", "48,000"),
        ("duration", "00:15"), ("kind", "recording")]


def test_header_escapes_the_manifest_and_names_speakers():
    call = recorded_call()
    call.meta.account = "<script>alert(1)</script>"
    html = header_html(call)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert ("Speakers: Sam Ortiz (rep), Buyer (&lt;script&gt;alert(1)&lt;/script&gt;)</div>"
            in html)


def test_a_mono_call_says_how_sure_its_rep_is():
    call = recorded_call()
    call.speakers = {"method": "voice", "speakers": 2, "rep": "Sam Ortiz", "sure": False,
                     "why": "talks most"}
    assert ('<p class="cm-speakers cm-warn">Mono recording: 2 voice(s) told apart by voice. '
            "Rep: Sam Ortiz (talks most).") in header_html(call)


def test_duration_falls_back_to_the_last_turn():
    call = recorded_call()
    call.duration = None
    assert call_duration(call) == 10.0
    untimed = Call(CallMeta("t"), "t.txt", "h", "transcript", [Turn(0, "A", "buyer", "Hi.")])
    assert call_duration(untimed) is None


# -- timeline --------------------------------------------------------------------------------

def test_markers_sit_at_their_share_of_the_call_in_time_order():
    found = markers(recorded_call(), [PRICE], [PAYBACK], {"payback": "Payback in 6 months"})
    assert found == [
        Marker("track", 1.5, 10.0, "talk track Payback in 6 months: recover the cost", 0),
        Marker("objection", 7.0, 46.67, "price objection: price is too high", 1)]


def test_a_marker_without_its_own_time_takes_its_turns_and_untimed_calls_have_none():
    untimed_use = TrackUse("rec-1", 0, "payback", 0.8, "recover the cost", None, None, None)
    assert [m.seconds for m in markers(recorded_call(), [], [untimed_use])] == [1.0]
    call = Call(CallMeta("t"), "t.txt", "h", "transcript", [Turn(0, "A", "buyer", "Too pricey.")])
    o = Objection("o", "t", 0, "A", "Too pricey.", "price", 0.9)
    assert markers(call, [o], []) == []


# -- transcript ------------------------------------------------------------------------------

def test_words_are_timed_spans_and_an_objection_is_marked_around_whole_words():
    html = turn_html(recorded_call().turns[1], "Buyer (Hooli)", [PRICE])
    assert html == (
        '<div class="cm-turn cm-buyer" id="cm-turn-1" data-t="6.00"><span class="cm-who">00:06 '
        'Buyer (Hooli)</span><span class="cm-said"><span class="cm-w" data-t="6.00">Honestly'
        '</span> <span class="cm-w" data-t="6.50">the</span> <mark class="cm-obj" '
        'title="price objection"><span class="cm-w" data-t="7.00">price</span> '
        '<span class="cm-w" data-t="7.50">is</span> <span class="cm-w" data-t="8.00">too</span> '
        '<span class="cm-w" data-t="8.50">high</span><sup>price</sup></mark> '
        '<span class="cm-w" data-t="9.00">for</span> <span class="cm-w" data-t="9.50">us.</span>'
        "</span></div>")


def test_a_track_use_inside_a_word_grows_to_the_word_and_overlaps_are_dropped():
    turn = recorded_call().turns[0]
    partial = TrackUse("rec-1", 0, "payback", 0.8, "cover the co", 1.5, None, None)
    overlapping = TrackUse("rec-1", 0, "other", 0.7, "the cost within", 2.0, None, None)
    html = turn_html(turn, "Sam Ortiz", [], [partial, overlapping], {"payback": "Payback"})
    assert ('<mark class="cm-track" title="talk track: Payback"><span class="cm-w" '
            'data-t="1.50">recover</span> <span class="cm-w" data-t="2.00">the</span> '
            '<span class="cm-w" data-t="2.50">cost</span><sup>Payback</sup></mark>') in html
    assert html.count("<mark") == 1


def test_a_turn_without_word_timings_is_one_span_and_untimed_turns_have_none():
    timed = Turn(0, "Ann", "buyer", "Too <b>pricey</b>.", 12.0, 14.0)
    assert ('<span class="cm-said"><span class="cm-w" data-t="12.00">Too &lt;b&gt;pricey'
            '&lt;/b&gt;.</span></span>') in turn_html(timed, "Ann")
    untimed = Turn(0, "Ann", "buyer", "Too pricey.")
    html = turn_html(untimed, "Ann")
    assert "data-t" not in html and '<span class="cm-said">Too pricey.</span>' in html


def test_the_page_has_a_player_and_timeline_for_a_recording_and_opens_at_a_moment():
    html = call_page_html(recorded_call(), [PRICE], [PAYBACK], {}, "gradio_api/file=/a.mp3",
                          seconds=7.0, key="rec-1|7|1")
    assert html.startswith('<div class="cm-callpage" data-key="rec-1|7|1" data-seek="7.00">')
    assert ('<audio class="cm-call-audio" controls preload="metadata" '
            'src="gradio_api/file=/a.mp3"></audio>') in html
    assert '<span class="cm-marker cm-marker-obj" style="left:46.67%" data-t="7.00"' in html
    assert '<span class="cm-marker cm-marker-track" style="left:10.0%" data-t="1.50"' in html


def test_an_imported_transcript_has_no_player():
    call = recorded_call()
    call.kind = "transcript"
    html = call_page_html(call, [], [], {}, None)
    assert "<audio" not in html and "data-seek" not in html and "cm-timeline" not in html
    assert html.count('class="cm-turn ') == 2


# -- opening a call --------------------------------------------------------------------------

def test_targets_round_trip():
    assert format_target("acme-1", 12.5) == "acme-1|12.5"
    assert format_target("acme-1", None, 3) == "acme-1||3"
    assert parse_target("acme-1|12.5|3") == ("acme-1", 12.5)
    assert parse_target("acme-1||3") == ("acme-1", None)
    assert parse_target("acme-1|soon") == ("acme-1", None)
    assert parse_target(None) == (None, None)


def test_open_call_switches_to_the_call_tab_with_a_new_target_each_time():
    import gradio as gr

    with gr.Blocks():
        nav = Navigator()
        with pytest.raises(RuntimeError, match="Navigator.tabs is not set"):
            nav.call_outputs
        with gr.Tabs() as nav.tabs:
            with gr.Tab("Call", id=CALL_TAB):
                pass
    assert nav.call_outputs == [nav.target, nav.tabs]
    first, tabs = nav.open_call("acme-1", 9.25)
    second, _ = nav.open_call("acme-1", 9.25)
    assert parse_target(first) == parse_target(second) == ("acme-1", 9.25)
    assert first != second
    assert isinstance(tabs, gr.Tabs) and tabs.selected == CALL_TAB


# -- from the workspace ----------------------------------------------------------------------

def store_calls(ws) -> None:
    """The recorded call (tests/data/audio/stereo.mp3 as its recording), its analysis, and an
    imported transcript, saved straight into ``ws``."""
    from ingest.store_insights import CallAnalysis
    from tests.ui.conftest import STEREO

    call = recorded_call()
    kept = ws.keep_copy(STEREO, "stereohash0123456789abcdef", "audio")
    ws.save_call(call, file=kept)
    transcript = Call(CallMeta("txt-1", rep="Dana Reyes", account="Acme"), "t.txt", "th",
                      "transcript", [Turn(0, "Dana Reyes", "rep", "Hello there.", 1.0, 2.0),
                                     Turn(1, "Priya Shah", "buyer", "Hi.", 3.0, 4.0)])
    ws.save_call(transcript)
    ws.insights_store.replace_calls(
        [CallAnalysis("rec-1", call.content_hash, "test",
                      objections=[(PRICE, np.zeros(8, dtype=np.float32))],
                      track_uses=[PAYBACK])], time.time())


def test_render_call_reads_the_call_its_objections_uses_and_recording(fake_workspace):
    store_calls(fake_workspace)
    assert render_call(fake_workspace, None) == EMPTY
    html = render_call(fake_workspace, "rec-1", 7.0, key="k")
    assert 'data-seek="7.00"' in html and 'src="gradio_api/file=' in html
    assert html.count('class="cm-marker ') == 2
    assert '<mark class="cm-obj"' in html and '<mark class="cm-track"' in html
    assert "Sam Ortiz</span>" in html and "Buyer (Hooli)</span>" in html
    txt = render_call(fake_workspace, "txt-1")
    assert "<audio" not in txt and "Priya Shah" in txt


# -- in a browser ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def call_app(tmp_path_factory, fake_embedder):
    """The app on a workspace holding the calls of :func:`store_calls`."""
    from ingest.settings import Settings
    from ingest.store import Workspace
    from tests.ui.conftest import _free_port
    from ui.app import serve

    settings = Settings(workspace=tmp_path_factory.mktemp("callpage") / "ws")
    ws = Workspace(settings.workspace, fake_embedder)
    store_calls(ws)
    app, url = serve(ws, settings, port=_free_port(), block=False)
    yield url
    app.close()
    ws.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_call_page_plays_highlights_and_seeks_in_a_browser(call_app, tmp_path_factory):
    from tests.ui.test_browser import open_tab, start_chromium, wait_for

    browser = start_chromium(tmp_path_factory.mktemp("chromium-call"))
    from selenium.webdriver.common.by import By

    try:
        browser.get(call_app)
        # a click on a row of the calls table opens the call in the Call tab
        open_tab(browser, "Calls and library")
        cell = wait_for(lambda: next(td for td in browser.find_elements(
            By.CSS_SELECTOR, "#cm-tab-library [role=gridcell]") if td.text.strip() == "rec-1"),
            "the rec-1 row")
        cell.click()
        wait_for(lambda: any(b.text.strip() == "Call" and b.get_attribute("aria-selected")
                             == "true" for b in browser.find_elements(By.CSS_SELECTOR,
                                                                      "button[role=tab]")),
                 "the Call tab selected")
        wait_for(lambda: "rec-1" in browser.find_element(By.CSS_SELECTOR,
                                                         "#cm-callpage .cm-call-head").text,
                 "the call page header")
        assert "Buyer (Hooli)" in browser.find_element(By.ID, "cm-callpage").text
        audio = browser.find_element(By.CSS_SELECTOR, "#cm-callpage audio")
        wait_for(lambda: browser.execute_script("return arguments[0].readyState >= 1;", audio),
                 "the recording's metadata")

        def now() -> str:
            found = browser.find_elements(By.CSS_SELECTOR, "#cm-callpage .cm-w.cm-now")
            return found[0].text if found else ""

        # playing: the word at the current time is highlighted
        browser.execute_script("const a = arguments[0]; a.currentTime = 7.6;"
                               " a.dispatchEvent(new Event('timeupdate'));", audio)
        wait_for(lambda: now() == "is", "'is' highlighted at 7.6 s")
        # a click on a turn seeks to it
        browser.find_element(By.CSS_SELECTOR, "#cm-turn-0 .cm-who").click()
        wait_for(lambda: abs(browser.execute_script("return arguments[0].currentTime;",
                                                    audio) - 1.0) < 0.05, "a seek to 1.0 s")
        wait_for(lambda: now() == "Customers", "the turn's first word highlighted")
        # a click on the objection's marker seeks to the objection
        browser.find_element(By.CSS_SELECTOR, "#cm-callpage .cm-marker-obj").click()
        wait_for(lambda: abs(browser.execute_script("return arguments[0].currentTime;",
                                                    audio) - 7.0) < 0.05, "a seek to 7.0 s")
        assert now() == "price"
        # opening the page at a moment (what the quotes table and search do) seeks there
        browser.execute_script(
            "const box = document.querySelector('#cm-nav-target textarea, #cm-nav-target input');"
            "box.value = 'rec-1|9.1|x'; box.dispatchEvent(new Event('input', {bubbles: true}));")
        wait_for(lambda: browser.execute_script(
            "const a = document.querySelector('#cm-callpage audio');"
            " return a && a.readyState >= 1 && Math.abs(a.currentTime - 9.1) < 0.05;"),
            "a seek to 9.1 s on opening")
        wait_for(lambda: now() == "for", "'for' highlighted on opening")
    finally:
        browser.quit()
