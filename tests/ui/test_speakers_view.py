"""How the app shows the speakers of a recording (library view helpers, no server)."""

from __future__ import annotations

from ingest.records import Turn
from ui.views.library import speakers_banner, speakers_label, transcript_html

SURE = {"method": "voice", "speakers": 2, "rep": "Dana Whitfield", "rule": "first speaker",
        "sure": True, "why": "opened the call and talked most in its first minute"}


def test_a_sure_diarized_call_names_the_rep_and_how():
    html = transcript_html([Turn(0, "Dana Whitfield", "rep", "Hi.", 0.0, 1.0)], [], SURE)
    assert html.startswith('<p class="cm-speakers">Mono recording: 2 voice(s)')
    assert "Rep: Dana Whitfield (opened the call" in html and "cm-warn" not in html
    assert speakers_label(SURE) == "2 by voice"


def test_an_unsure_rep_is_flagged_and_escaped():
    unsure = dict(SURE, sure=False, rep="<b>Dana</b>", why="one voice")
    banner = speakers_banner(unsure)
    assert "cm-warn" in banner and "callmine reps enroll" in banner
    assert "<b>Dana</b>" not in banner and "&lt;b&gt;Dana&lt;/b&gt;" in banner
    assert speakers_label(unsure) == "2 by voice, rep unsure"


def test_transcripts_and_stereo_calls_get_no_banner():
    assert speakers_banner(None) == "" and speakers_label(None) == ""
    channels = {"method": "channels", "speakers": 2, "rep": "Dana", "sure": True}
    assert speakers_banner(channels) == "" and speakers_label(channels) == "one per channel"


def test_a_call_with_nobody_on_the_rep_side_is_marked_in_the_call_list(workspace, tmp_path):
    from ingest.pipeline import CallIngestor
    from ingest.settings import Settings
    from ui.views.library import NO_REP_LABEL, call_rows

    (tmp_path / "anon.txt").write_text("[00:01] Dana: Hi.\n[00:04] Kim: The price is high.\n")
    (tmp_path / "named.txt").write_text("[00:01] Rep: Hi.\n[00:04] Kim: The price is high.\n")
    CallIngestor(workspace, Settings(workspace=tmp_path / "ws")).run(
        [tmp_path / "anon.txt", tmp_path / "named.txt"])
    rows = {r[0]: r[-1] for r in call_rows(workspace)}
    assert rows == {"anon": NO_REP_LABEL, "named": ""}
