"""Transcript importers (VTT, SRT, JSON, TXT) and the segments -> turns rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.errors import CorruptFileError, InputError, UnsupportedFileError
from ingest.records import Segment, Word
from ingest.transcripts import (
    TRANSCRIPT_EXTENSIONS,
    build_turns,
    parse_timestamp,
    read_transcript,
    split_speaker,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "transcripts"


def rows(transcript):
    return [(s.speaker, s.start, s.end, s.text) for s in transcript.segments]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# -- formats ----------------------------------------------------------------------------------


def test_extensions():
    assert TRANSCRIPT_EXTENSIONS == (".vtt", ".srt", ".json", ".txt")


def test_teams_vtt_voice_tags_notes_styles_and_markup():
    t = read_transcript(DATA / "teams.vtt")
    assert t.source == str(DATA / "teams.vtt")
    assert rows(t) == [
        ("Dana Whitfield", 1.0, 4.5,
         "Thanks for joining, everyone. Payback is usually within six months."),
        ("Alex Kim", 5.0, 7.25, "Honestly the price is too high for R&D this year."),
        # one cue, two <v> spans on two lines -> two segments with the cue's timing
        ("Alex Kim", 7.5, 9.0, "And we use SAP."),
        ("Dana Whitfield", 7.5, 9.0, "We integrate with SAP."),
        ("Unknown", 9.5, 10.0, "A cue with no speaker."),
    ]


def test_zoom_vtt_name_prefix_and_short_timings():
    t = read_transcript(DATA / "zoom.vtt")
    assert rows(t) == [
        ("Dana Whitfield", 1.0, 3.0, "Hi Alex, thanks for making time."),
        ("Alex Kim", 3.5, 6.0, "Sure. Our current process is: paper invoices."),
        ("Alex Kim", 3606.0, 3608.0, "It takes forever."),
    ]


def test_vtt_voice_tag_continues_over_lines_until_the_next_voice(tmp_path):
    path = write(tmp_path, "c.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ann>first line\n"
                                    "second line\n<v Bob>reply\n")
    assert rows(read_transcript(path)) == [("Ann", 0.0, 2.0, "first line second line"),
                                           ("Bob", 0.0, 2.0, "reply")]


def test_vtt_cue_right_under_the_header_is_read(tmp_path):
    path = write(tmp_path, "c.vtt", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nAnn: hello\n")
    assert rows(read_transcript(path)) == [("Ann", 1.0, 2.0, "hello")]


def test_srt_with_bom_crlf_brackets_caps_and_multiline(tmp_path):
    t = read_transcript(DATA / "call.srt")
    assert rows(t) == [
        ("REP", 1.0, 3.5, "Thanks for joining."),
        ("Alex Kim", 4.0, 6.0, "The price is high for our budget."),
        ("Alex Kim", 6.5, 8.0, "We also use SAP."),
    ]  # the "[Music]" cue holds no speech


def test_srt_without_blank_lines_between_cues(tmp_path):
    path = write(tmp_path, "c.srt", "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n2\n"
                                    "00:00:03,000 --> 00:00:04,000\nBob: hello\nthere")
    assert rows(read_transcript(path)) == [("Ann", 1.0, 2.0, "hi"),
                                           ("Bob", 3.0, 4.0, "hello there")]


def test_callmine_json_with_words():
    t = read_transcript(DATA / "callmine.json")
    assert (t.duration, t.language) == (12.5, "en")
    assert rows(t) == [
        ("channel-0", 0.0, 2.0, "Thanks for joining."),
        ("channel-1", 2.5, 5.0, "The price is too high."),
        ("channel-1", 5.0, 6.0, "We use SAP."),
    ]
    assert t.segments[0].words[0] == Word(0.0, 0.8, "Thanks", 0.98)
    assert [w.text for w in t.segments[2].words] == ["We", "use", "SAP."]


def test_utterances_json_with_clock_times_and_numeric_speakers():
    t = read_transcript(DATA / "utterances.json")
    assert rows(t) == [
        ("Buyer", 4.0, 6.5, "What about security?"),
        ("AE", 1.0, 3.0, "Let me show you the product."),
        ("Speaker 1", 7.0, 8.0, "We are SOC 2 certified."),
    ]


def test_generic_json_list_without_times():
    assert rows(read_transcript(DATA / "list.json")) == [
        ("Agent", None, None, "How can I help?"),
        ("Caller", None, None, "I want to cancel."),
        ("Caller", None, None, "It is too expensive."),
    ]


def test_txt_timestamps_continuations_and_ends(caplog):
    t = read_transcript(DATA / "call.txt")
    assert rows(t) == [
        ("Dana Whitfield", 5.0, 12.0, "Thanks for joining."),
        ("Alex Kim", 12.0, 30.0, "The price is too high for our budget this year."),
        ("Dana Whitfield", 30.0, None, "What budget did you plan for?"),
        ("Alex Kim", None, None, "About half of that."),
    ]
    assert "skipped 1 line(s) before the first 'Speaker: text' line" in caplog.text


def test_utf16_with_bom_is_accepted(tmp_path):
    path = write(tmp_path, "c.txt", "Ann: hello\nBob: hi\n".encode("utf-16"))
    assert [s.speaker for s in read_transcript(path).segments] == ["Ann", "Bob"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Dana Whitfield: Thanks.", ("Dana Whitfield", "Thanks.")),
    ("ALEX: ok", ("ALEX", "ok")),
    ("[Alex Kim] ok then", ("Alex Kim", "ok then")),
    ("Speaker 1: yes", ("Speaker 1", "yes")),
    ("So what we need most here is: speed", (None, "So what we need most here is: speed")),
    ("The deal is: we wait", (None, "The deal is: we wait")),
    ("VP of Finance: agreed", ("VP of Finance", "agreed")),
    ("see https://vantora.example", (None, "see https://vantora.example")),
    ("10:30 works for me", (None, "10:30 works for me")),
])
def test_split_speaker(text, expected):
    assert split_speaker(text) == expected


@pytest.mark.parametrize(("value", "seconds"), [
    ("00:00:01.000", 1.0), ("01:02:03,5", 3723.5), ("02:03.250", 123.25), ("1:05", 65.0)])
def test_parse_timestamp(value, seconds):
    assert parse_timestamp(value) == seconds


# -- errors -----------------------------------------------------------------------------------


def test_unknown_extension():
    with pytest.raises(UnsupportedFileError, match=r"^Expected a WAV/MP3/M4A/FLAC/OGG/OPUS/"
                       r"WEBM/MP4 audio file or a \.vtt/\.srt/\.json/\.txt transcript, "
                       r"got 'x\.xlsx'\.$"):
        read_transcript(Path("x.xlsx"))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.vtt: no such file or folder"):
        read_transcript(tmp_path / "nope.vtt")


@pytest.mark.parametrize("content", [b"", b"  \n\r\n"])
def test_empty_file(tmp_path, content):
    with pytest.raises(CorruptFileError, match=r"^e\.vtt: the file is empty\.$"):
        read_transcript(write(tmp_path, "e.vtt", content))


def test_latin1_file_is_reported_not_guessed(tmp_path):
    path = write(tmp_path, "l.txt", "Rep: caf\xe9 prices\n".encode("latin-1"))
    with pytest.raises(CorruptFileError, match=r"^l\.txt: not UTF-8 text \(byte 0xe9 at position "
                       r"8 is not valid UTF-8\)\. Re-save the file as UTF-8"):
        read_transcript(path)


def test_binary_file(tmp_path):
    with pytest.raises(CorruptFileError, match="l.txt: looks like a binary file"):
        read_transcript(write(tmp_path, "l.txt", b"Rep: a\x00b"))


def test_vtt_without_header(tmp_path):
    path = write(tmp_path, "n.vtt", "00:00:01.000 --> 00:00:02.000\nAnn: hi\n")
    with pytest.raises(CorruptFileError, match=r"^n\.vtt: not a WebVTT file: the first line must "
                       r"be 'WEBVTT', found '00:00:01\.000 --> 00:00:02\.000'\."):
        read_transcript(path)


def test_vtt_malformed_timing_names_the_line(tmp_path):
    path = write(tmp_path, "m.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n"
                                    "00:00:03 --> 00:00:xx\nBob: hey\n")
    with pytest.raises(CorruptFileError, match=r"^m\.vtt: line 6: malformed cue timing "
                       r"'00:00:03 --> 00:00:xx'; expected 'hh:mm:ss\.mmm --> hh:mm:ss\.mmm'"):
        read_transcript(path)


def test_vtt_block_without_timing_names_the_line(tmp_path):
    path = write(tmp_path, "m.vtt", "WEBVTT\n\nAnn: hi there\n")
    with pytest.raises(CorruptFileError, match=r"^m\.vtt: line 3: expected a cue timing like "
                       r"'00:00:01\.000 --> 00:00:04\.000', found 'Ann: hi there'"):
        read_transcript(path)


def test_vtt_cue_ending_before_it_starts(tmp_path):
    path = write(tmp_path, "m.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nAnn: hi\n")
    with pytest.raises(CorruptFileError, match=r"line 3: cue ends \(00:00:02\.000\) before it "
                       r"starts \(00:00:05\.000\)"):
        read_transcript(path)


def test_srt_malformed_timing_and_stray_text(tmp_path):
    bad = write(tmp_path, "b.srt", "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n\n2\n"
                                   "00:00:03,000 -> 00:00:04,000 --> 5\nBob: x\n")
    with pytest.raises(CorruptFileError, match=r"^b\.srt: line 6: malformed cue timing"):
        read_transcript(bad)
    stray = write(tmp_path, "s.srt",
                  "Transcript of the call\n1\n00:00:01,000 --> 00:00:02,000\nA: b")
    with pytest.raises(CorruptFileError, match=r"^s\.srt: line 1: expected a cue number, found "
                       r"'Transcript of the call'"):
        read_transcript(stray)
    plain = write(tmp_path, "p.srt", "Ann: hello\nBob: hi\n")
    with pytest.raises(CorruptFileError, match=r"^p\.srt: not an SRT file: no cue timings"):
        read_transcript(plain)


def test_json_that_does_not_parse(tmp_path):
    path = write(tmp_path, "j.json", '{"segments": [\n{"speaker": "A", "text": "hi"},\n]}')
    with pytest.raises(CorruptFileError, match=r"^j\.json: not valid JSON \(Expecting value at "
                       r"line 3, column 1\)\."):
        read_transcript(path)


@pytest.mark.parametrize(("content", "message"), [
    ('{"results": []}', r"j\.json: expected a list of segments, or an object with a 'segments' or "
                        r"'utterances' list; found an object with keys 'results'\."),
    ('{"segments": {"a": 1}}',
     r"j\.json: 'segments' must be a list of segments, found an object\."),
    ('"hello"', r"j\.json: expected a list of segments, or an object with a 'segments' list; "
                r"found text\."),
    ('[{"speaker": "A", "text": "hi"}, "oops"]',
     r"j\.json: \[1\]: expected an object with 'speaker' and 'text', found text\."),
    ('{"segments": [{"speaker": "A"}]}', r"j\.json: segments\[0\]: missing 'text'"),
    ('{"segments": [{"speaker": "A", "text": 3}]}',
     r"j\.json: segments\[0\]\.text: expected text, found a number\."),
    ('{"segments": [{"speaker": "A", "text": "x", "start": "soon"}]}',
     r"j\.json: segments\[0\]\.start: expected seconds \(a number >= 0\) or 'hh:mm:ss', "
     r"found \"soon\"\."),
    ('{"segments": [{"speaker": "A", "text": "x", "start": 5, "end": 2}]}',
     r"j\.json: segments\[0\]\.end: 2 is before start 5\."),
    ('{"segments": [{"speaker": "A", "text": "x", "words": [{"word": "x", "start": 1}]}]}',
     r"j\.json: segments\[0\]\.words\[0\]: a word needs both 'start' and 'end'\."),
    ('{"segments": [{"speaker": ["A"], "text": "x"}]}',
     r"j\.json: segments\[0\]\.speaker: expected a name, found a list\."),
])
def test_json_with_the_wrong_shape_names_the_item(tmp_path, content, message):
    with pytest.raises(CorruptFileError, match=f"^{message}"):
        read_transcript(write(tmp_path, "j.json", content))


def test_txt_without_speakers(tmp_path):
    path = write(tmp_path, "t.txt", "We talked about pricing.\nThen about security.\n")
    with pytest.raises(CorruptFileError, match=r"^t\.txt: no 'Speaker: text' lines found\. Write "
                       r"one turn per line, the speaker's name and a colon first"):
        read_transcript(path)


@pytest.mark.parametrize(("name", "content"), [
    ("s.vtt", "WEBVTT\n\nNOTE nothing said\n"),
    ("s.json", '{"segments": [{"speaker": "A", "text": "  "}]}'),
    ("s.srt", "1\n00:00:01,000 --> 00:00:02,000\n[Music]\n"),
])
def test_transcript_without_speech(tmp_path, name, content):
    with pytest.raises(CorruptFileError, match=f"^{name}: no speech found"):
        read_transcript(write(tmp_path, name, content))


# -- turns ------------------------------------------------------------------------------------


def seg(speaker, text, start=None, end=None, words=()):
    return Segment(speaker, text, start, end, list(words))


def test_turns_merge_consecutive_segments_and_number_from_zero():
    w1, w2 = Word(0, 1, "Hi."), Word(1, 2, "Ready?")
    turns = build_turns([seg("Dana", "Hi.", 0, 1, [w1]), seg("Dana", "Ready?", 1, 2, [w2]),
                         seg("Alex", "Yes.", 2, 3), seg("Dana", "Great.", 3, 4)], rep="Dana")
    assert [(t.index, t.speaker, t.side, t.text, t.start, t.end) for t in turns] == [
        (0, "Dana", "rep", "Hi. Ready?", 0, 2),
        (1, "Alex", "buyer", "Yes.", 2, 3),
        (2, "Dana", "rep", "Great.", 3, 4),
    ]
    assert turns[0].words == [w1, w2]


def test_turns_sort_by_start_when_all_have_one_stably():
    turns = build_turns([seg("B", "second", 5, 6), seg("A", "first", 1, 2), seg("C", "tie", 5, 7)])
    assert [t.text for t in turns] == ["first", "second", "tie"]


def test_turns_keep_file_order_when_some_lack_a_start():
    turns = build_turns([seg("B", "one", 5, 6), seg("A", "two"), seg("C", "three", 1, 2)])
    assert [t.text for t in turns] == ["one", "two", "three"]


def test_audio_channels_interleave_by_start_then_merge():
    segments = [seg("channel-0", "a", 0, 1), seg("channel-0", "c", 4, 5),
                seg("channel-1", "b", 2, 3), seg("channel-1", "d", 6, 7),
                seg("channel-1", "e", 8, 9)]
    turns = build_turns(segments, rep_speakers=["channel-0"])
    assert [(t.speaker, t.side, t.text) for t in turns] == [
        ("channel-0", "rep", "a"), ("channel-1", "buyer", "b"), ("channel-0", "rep", "c"),
        ("channel-1", "buyer", "d e")]


@pytest.mark.parametrize("label", ["Rep", "AE", "agent", "SALES", "Seller", " sdr "])
def test_rep_labels_are_on_the_rep_side(label):
    turns = build_turns([seg(label, "Hello."), seg("Alex Kim", "Hi.")])
    assert [t.side for t in turns] == ["rep", "buyer"]


def test_rep_by_manifest_name_is_case_insensitive_and_trimmed():
    segments = [seg("DANA  Whitfield", "Hello."), seg("Alex Kim", "Hi."), seg("Repper", "x")]
    turns = build_turns(segments, rep="  dana whitfield ")
    assert [(t.speaker, t.side) for t in turns] == [
        ("DANA Whitfield", "rep"), ("Alex Kim", "buyer"), ("Repper", "buyer")]
    assert [t.side for t in build_turns(segments)] == ["buyer", "buyer", "buyer"]


def test_same_speaker_in_other_case_merges_and_empty_text_is_dropped():
    turns = build_turns([seg("Alex", "One."), seg("alex", "Two."), seg("Dana", "  "),
                         seg("ALEX", "Three.")])
    assert [(t.index, t.speaker, t.text) for t in turns] == [(0, "Alex", "One. Two. Three.")]


def test_file_to_turns_end_to_end():
    t = read_transcript(DATA / "teams.vtt")
    turns = build_turns(t.segments, rep="Dana Whitfield")
    assert [(t.index, t.speaker, t.side) for t in turns] == [
        (0, "Dana Whitfield", "rep"), (1, "Alex Kim", "buyer"), (2, "Dana Whitfield", "rep"),
        (3, "Unknown", "buyer")]
    assert turns[1].text == "Honestly the price is too high for R&D this year. And we use SAP."
    assert (turns[1].start, turns[1].end) == (5.0, 9.0)


# -- robustness -------------------------------------------------------------------------------

_PIECES = ["WEBVTT\n\n", "00:00:01.000 --> 00:00:02.000\n", "1\n", "00:00:01,000 --> x\n",
           "<v Ann>", "</v>", "Dana: ", "[00:01] ", "[Bob] ", "hello ", "\n", "\n\n", "-->",
           '{"segments": [', '{"speaker": 1, "text": "x"}', "]}", "[", "<b>", "&amp;", ":"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join),
       st.sampled_from(TRANSCRIPT_EXTENSIONS))
def test_any_text_reads_or_fails_with_a_clear_error(tmp_path_factory, text, ext):
    path = tmp_path_factory.mktemp("fuzz") / f"t{ext}"
    path.write_text(text, encoding="utf-8")
    try:
        turns = build_turns(read_transcript(path).segments)
    except CorruptFileError as exc:
        assert str(exc).startswith(f"t{ext}: ")
    else:
        assert turns and [t.index for t in turns] == list(range(len(turns)))
        assert all(t.text.strip() and "<" not in t.speaker for t in turns)


def test_a_bracketed_tag_is_not_a_speaker_name():
    """Found by the fuzz test above: '[<v Ann>]}' made a speaker named '<v Ann>'."""
    assert split_speaker("[<v Ann>]}") == (None, "[<v Ann>]}")
    assert split_speaker("[Bob] hello") == ("Bob", "hello")
