"""Speaker diarization of mono recordings.

The recordings in tests/data/diarize are SYNTHETIC (espeak-ng and flite voices, made by
demo/tools/make_diarize_fixtures.py) with reference turns; they test the mechanics and guard
against regressions, they do not measure quality on real calls.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from ingest.audio import SAMPLING_RATE, load_channels
from ingest.diarize import (
    Diarizer,
    VoiceEncoder,
    _viterbi,
    cluster,
    enroll_rep,
    identify_rep,
    name_speakers,
    speaker_model_path,
)
from ingest.errors import InputError, ModelError
from ingest.pipeline import CallIngestor
from ingest.records import Diarization, Segment
from ingest.settings import Settings

DIARIZE = Path(__file__).resolve().parents[1] / "data" / "diarize"
AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
REPO = Path(__file__).resolve().parents[2]


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def voices(*counts: int, spread: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of len(counts) made-up voices, ``counts[i]`` windows each, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(counts), 32))
    x = np.concatenate([c + rng.normal(0, spread, (n, 32)) for c, n in zip(centres, counts)])
    return unit(x), np.repeat(np.arange(len(counts)), counts)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


# -- clustering and resegmentation (no model) ----------------------------------------------


@pytest.mark.parametrize("counts", [(30, 12), (20, 20, 8), (15, 15, 15, 6), (10,) * 6])
def test_cluster_finds_the_number_of_voices(counts):
    x, truth = voices(*counts)
    labels = cluster(x)
    assert same_partition(labels, truth)


def test_cluster_one_voice_is_one_speaker_and_a_fixed_count_is_kept():
    x, _ = voices(40, spread=0.02)
    assert set(cluster(x).tolist()) == {0}
    assert set(cluster(x, speakers=1).tolist()) == {0}
    y, truth = voices(20, 20, 20)
    assert len(set(cluster(y, speakers=2).tolist())) == 2
    assert same_partition(cluster(y, speakers=3), truth)


def test_cluster_holds_the_count_within_the_bounds():
    x, _ = voices(10, 10, 10, 10, 10)
    assert len(set(cluster(x, max_speakers=3).tolist())) == 3
    assert len(set(cluster(voices(30, 30)[0], min_speakers=3).tolist())) == 3
    assert cluster(np.zeros((0, 32))).tolist() == []


def test_cluster_a_few_stray_windows_are_not_a_speaker():
    x, truth = voices(40, 40, 1, seed=3)  # one window of a cough or cross-talk
    labels = cluster(x)
    assert len(set(labels.tolist())) == 2
    assert same_partition(labels[:80], truth[:80])


def test_viterbi_keeps_changes_at_pauses_not_mid_phrase():
    # (similarity x seconds) per word; the 3rd word leans slightly to speaker 1, the last two
    # lean to speaker 1 a little more
    scores = np.array([[.3, 0], [.3, 0], [.13, .15], [.3, 0], [0, .06], [0, .06]])
    assert _viterbi(scores, [0.0] * 5) == [0, 0, 0, 0, 0, 0]  # weak flips mid-phrase: noise
    assert _viterbi(scores, [0.0, 0.0, 0.0, 0.6, 0.0]) == [0, 0, 0, 0, 1, 1]  # at a pause: a turn
    strong = scores.copy()
    strong[2] = [0, 0.9]
    assert _viterbi(strong, [0.0] * 5)[2] == 1  # a clear other voice changes even mid-phrase


# -- the rep ----------------------------------------------------------------------------------


def info(speech: dict[str, float], voices_: dict | None = None) -> Diarization:
    return Diarization(speakers=len(speech), windows=10, seconds=0.1, voices=voices_ or {},
                       speech=speech)


def test_the_rep_is_the_first_speaker_sure_when_they_also_talk_most_at_the_start():
    segs = [Segment("speaker-1", "Hi, thanks for joining.", 0.0, 20.0),
            Segment("speaker-2", "Sure.", 21.0, 25.0), Segment("speaker-1", "So.", 26.0, 50.0)]
    choice = identify_rep(segs, info({"speaker-1": 44.0, "speaker-2": 4.0}))
    assert (choice.speaker, choice.rule, choice.sure) == ("speaker-1", "first speaker", True)
    segs = [Segment("speaker-1", "Hello?", 0.0, 1.0),
            Segment("speaker-2", "Hi, this is Dana from Vantora...", 1.5, 55.0)]
    choice = identify_rep(segs, info({"speaker-1": 1.0, "speaker-2": 53.5}))
    assert (choice.speaker, choice.sure) == ("speaker-1", False)
    assert "another speaker talked more" in choice.why


def test_a_speaker_who_introduces_themselves_with_the_reps_name_is_the_rep():
    segs = [Segment("speaker-1", "Hello, Gareth Lloyd speaking.", 0.0, 2.0),
            Segment("speaker-2", "Hi Gareth, this is Emira from Northgate.", 2.5, 5.0),
            Segment("speaker-1", "Thanks Amira. We signed last week and need it soon.", 5.5, 40.0)]
    speech = info({"speaker-1": 37.0, "speaker-2": 2.5})
    choice = identify_rep(segs, speech, rep="Amira Khan")  # Whisper heard "Emira"
    assert (choice.speaker, choice.rule, choice.sure) == (
        "speaker-2", "introduced themselves", True)
    # without the rep's name the rule takes the opener, and says it is unsure
    assert identify_rep(segs, speech).speaker == "speaker-1"
    # two speakers saying the name as an intro: no decision from names
    both = segs + [Segment("speaker-1", "And I'm Amira too, funnily.", 41.0, 43.0)]
    assert identify_rep(both, speech, rep="Amira Khan").rule == "first speaker"


def test_the_opener_who_greets_the_rep_by_name_is_not_sure():
    segs = [Segment("speaker-1", "Hi Owen, good to hear from you. So what is new?", 0.0, 30.0),
            Segment("speaker-2", "Not much.", 31.0, 32.0)]
    choice = identify_rep(segs, info({"speaker-1": 30.0, "speaker-2": 1.0}), rep="Owen Price")
    assert choice.speaker == "speaker-1" and not choice.sure
    assert "called someone Owen" in choice.why


def test_an_enrolled_voice_decides_the_rep_and_says_when_it_is_too_close():
    a, b = unit(np.eye(4)[0] + 0.2), unit(np.eye(4)[1] + 0.2)
    segs = [Segment("speaker-1", "Hello?", 0.0, 1.0), Segment("speaker-2", "Hi.", 1.5, 5.0)]
    both = info({"speaker-1": 1.0, "speaker-2": 3.5},
                {"speaker-1": a.tolist(), "speaker-2": b.tolist()})
    choice = identify_rep(segs, both, voice=b)
    assert (choice.speaker, choice.rule, choice.sure) == ("speaker-2", "enrolled voice", True)
    between = unit(a + b)  # equally close to both: not sure
    choice = identify_rep(segs, both, voice=between)
    assert choice.rule == "enrolled voice" and not choice.sure and "too close" in choice.why


def test_name_speakers_gives_people_names_and_one_voice_is_flagged():
    segs = [Segment("speaker-1", "Hi.", 0.0, 2.0), Segment("speaker-2", "Hello.", 2.5, 3.0),
            Segment("speaker-3", "Hi all.", 3.5, 4.0), Segment("speaker-1", "So.", 4.5, 6.0)]
    named, note = name_speakers(segs, info({"speaker-1": 3.5, "speaker-2": 0.5,
                                            "speaker-3": 0.5}), rep="  Dana  Whitfield ")
    assert [s.speaker for s in named] == ["Dana Whitfield", "Buyer 1", "Buyer 2",
                                          "Dana Whitfield"]
    assert note["rep"] == "Dana Whitfield" and note["labels"]["Buyer 2"] == "speaker-3"
    named, note = name_speakers(segs[:1], info({"speaker-1": 2.0}))
    assert [s.speaker for s in named] == ["Speaker"]
    assert note["rep"] is None and note["sure"] is False


# -- the voice encoder and the whole path (real models) ---------------------------------------


def reference(name: str) -> dict:
    return json.loads((DIARIZE / f"{name}.json").read_text())


def word_accuracy(segments: list[Segment], ref: dict) -> float:
    """Share of words whose speaker maps to the reference speaker (best one-to-one map)."""
    from scipy.optimize import linear_sum_assignment

    pairs = []
    for seg in segments:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            turn = next((t for t in ref["turns"] if t["start"] <= mid < t["end"]), None)
            if turn is not None:
                pairs.append((turn["speaker"], seg.speaker))
    refs = sorted({r for r, _ in pairs})
    hyps = sorted({h for _, h in pairs})
    counts = np.zeros((len(refs), len(hyps)))
    for r, h in pairs:
        counts[refs.index(r), hyps.index(h)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return counts[rows, cols].sum() / len(pairs)


@pytest.fixture(scope="module")
def transcriber():
    from ingest.transcribe import Transcriber

    return Transcriber(Settings(whisper_model="tiny.en"))


@pytest.mark.slow
def test_voice_prints_of_one_voice_are_closer_than_of_two():
    encoder = VoiceEncoder.shared()
    rep, seconds = encoder.voice(load_channels(DIARIZE / "rep-enroll.ogg")[0])
    assert seconds > 5 and np.linalg.norm(rep) == pytest.approx(1.0, abs=1e-5)
    call = load_channels(DIARIZE / "2spk-discovery.ogg")[0]
    ref = reference("2spk-discovery")
    prints = {}
    for speaker in ("rep", "buyer"):
        turn = next(t for t in ref["turns"] if t["speaker"] == speaker)
        clip = call[int(turn["start"] * SAMPLING_RATE):int(turn["end"] * SAMPLING_RATE)]
        prints[speaker], _ = encoder.voice(clip)
    assert float(rep @ prints["rep"]) > float(rep @ prints["buyer"]) + 0.2


@pytest.mark.slow
def test_too_little_speech_for_a_voice_print_is_refused():
    with pytest.raises(InputError, match="at least 2 s"):
        VoiceEncoder.shared().voice(np.zeros(SAMPLING_RATE * 3, dtype=np.float32))


@pytest.mark.slow
@pytest.mark.parametrize("name, speakers, bound", [
    ("2spk-discovery", 2, 0.97), ("2spk-backchannel", 2, 0.95),
    ("3spk-security-review", 3, 0.95), ("4spk-commercials", 4, 0.95)])
def test_mono_calls_are_split_by_voice(transcriber, name, speakers, bound):
    transcript = transcriber.run(DIARIZE / f"{name}.ogg", progress=False)
    assert transcript.diarization.speakers == speakers
    assert {s.speaker for s in transcript.segments} == {
        f"speaker-{i}" for i in range(1, speakers + 1)}
    assert transcript.segments[0].speaker == "speaker-1"  # named in order of first speech
    assert word_accuracy(transcript.segments, reference(name)) >= bound  # measured 0.98-1.00
    for seg in transcript.segments:  # every word has one speaker; words in time order
        assert seg.words and seg.start == seg.words[0].start and seg.end == seg.words[-1].end
    assert sum(len(s.words) for s in transcript.segments) > 150


@pytest.mark.slow
def test_diarization_off_keeps_one_speaker(transcriber):
    from ingest.transcribe import Transcriber

    off = Transcriber(Settings(whisper_model="tiny.en", diarize=False))
    transcript = off.run(DIARIZE / "2spk-discovery.ogg", progress=False)
    assert transcript.diarization is None
    assert {s.speaker for s in transcript.segments} == {"channel-0"}


@pytest.mark.slow
def test_a_fixed_speaker_count_is_used(transcriber):
    from ingest.transcribe import Transcriber

    three = Transcriber(Settings(whisper_model="tiny.en", diarize_speakers=3))
    transcript = three.run(DIARIZE / "4spk-commercials.ogg", progress=False)
    assert transcript.diarization.speakers == 3


def test_a_missing_speaker_model_says_how_to_install_it(monkeypatch, tmp_path):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install --no-deps resemblyzer"):
        speaker_model_path()
    with pytest.raises(ModelError, match="not found"):
        speaker_model_path(tmp_path / "nope.pt")
    diarizer = Diarizer(Settings(speaker_model=tmp_path / "nope.pt"))
    with pytest.raises(ModelError):
        diarizer.warm_up()


# -- ingest, names, enrolment -----------------------------------------------------------------


def write_wav(path: Path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLING_RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


@pytest.mark.slow
def test_ingest_names_the_rep_and_the_buyer_of_a_mono_call(workspace, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(DIARIZE / "2spk-discovery.ogg", calls / "d.ogg")
    (calls / "calls.csv").write_text("file,call_id,rep,account\nd.ogg,d1,Marcus Reed,Dana Co\n")
    settings = Settings(workspace=tmp_path / "ws", whisper_model="tiny.en")
    batch = CallIngestor(workspace, settings).run([calls / "d.ogg"], calls / "calls.csv")
    assert batch.results[0].status == "stored"
    assert "NOTE" not in batch.results[0].message  # the rule was sure
    call = workspace.call("d1")
    assert {(t.speaker, t.side) for t in call.turns} == {("Marcus Reed", "rep"),
                                                        ("Buyer", "buyer")}
    ref = reference("2spk-discovery")
    for turn in call.turns:  # each turn's middle is said by the right person
        mid = (turn.start + turn.end) / 2
        said = next(t for t in ref["turns"] if t["start"] - 0.5 <= mid <= t["end"] + 0.5)
        assert (said["speaker"] == "rep") == (turn.side == "rep"), turn
    assert call.speakers["method"] == "voice" and call.speakers["sure"] is True
    assert call.speakers["rule"] == "introduced themselves"  # "This is Marcus from..."
    assert workspace.calls()[0].speakers["rep"] == "Marcus Reed"  # the list carries it too
    assert "voices" not in call.speakers  # kept apart: only enrolment reads them
    assert sorted(workspace.call_voices("d1")) == ["speaker-1", "speaker-2"]


@pytest.mark.slow
def test_a_redacting_workspace_keeps_no_voice_print_of_a_call(workspace, tmp_path):
    shutil.copy(DIARIZE / "2spk-discovery.ogg", tmp_path / "d.ogg")
    settings = Settings(workspace=tmp_path / "ws", whisper_model="tiny.en", redact=True)
    CallIngestor(workspace, settings).run([tmp_path / "d.ogg"])
    call = workspace.call("d")
    assert call.speakers["method"] == "voice" and {t.side for t in call.turns} == {"rep", "buyer"}
    assert workspace.call_voices("d") == {}
    row = workspace.db.execute("SELECT voices FROM calls WHERE call_id='d'").fetchone()
    assert row[0] is None


@pytest.mark.slow
def test_a_buyer_who_opens_the_call_is_flagged_and_enrolment_corrects_it(workspace, tmp_path):
    """The buyer speaks first (the rep's greeting is cut off): the written rule takes the
    buyer for the rep and says it is unsure; enrolling the rep's voice corrects the stored
    call."""
    ref = reference("2spk-discovery")
    first_buyer = next(t for t in ref["turns"] if t["speaker"] == "buyer")
    audio = load_channels(DIARIZE / "2spk-discovery.ogg")[0]
    cut = tmp_path / "cut.wav"
    write_wav(cut, audio[int((first_buyer["start"] - 0.2) * SAMPLING_RATE):])
    settings = Settings(workspace=tmp_path / "ws", whisper_model="tiny.en")
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,call_id,rep\ncut.wav,c1,Marcus Reed\n")
    batch = CallIngestor(workspace, settings).run([cut], manifest)
    assert "NOTE: the speakers of this mono recording" in batch.results[0].message
    assert "callmine reps enroll" in batch.results[0].message
    call = workspace.call("c1")
    assert call.speakers["sure"] is False
    assert call.turns[0].speaker == "Marcus Reed"  # the buyer's words, taken as the rep's

    result = enroll_rep(workspace, "marcus reed", DIARIZE / "rep-enroll.ogg", settings)
    assert result.status == "stored" and result.seconds > 5
    assert result.checked == ["c1"] and result.corrected == ["c1"]
    call = workspace.call("c1")
    assert (call.turns[0].speaker, call.turns[0].side) == ("Buyer", "buyer")
    assert call.turns[1].side == "rep"
    assert call.speakers["rule"] == "enrolled voice" and call.speakers["sure"] is True
    again = enroll_rep(workspace, "Marcus Reed", DIARIZE / "rep-enroll.ogg", settings)
    assert again.status == "replaced" and again.corrected == []


@pytest.mark.slow
def test_a_call_ingested_after_enrolment_uses_the_voice(workspace, tmp_path):
    settings = Settings(workspace=tmp_path / "ws", whisper_model="tiny.en")
    enroll_rep(workspace, "Marcus Reed", DIARIZE / "rep-enroll.ogg", settings)
    manifest = tmp_path / "calls.csv"
    shutil.copy(DIARIZE / "2spk-discovery.ogg", tmp_path / "d.ogg")
    manifest.write_text("file,call_id,rep\nd.ogg,d1,Marcus Reed\n")
    CallIngestor(workspace, settings).run([tmp_path / "d.ogg"], manifest)
    note = workspace.call("d1").speakers
    assert note["rule"] == "enrolled voice" and note["sure"] is True


def test_enrolling_a_missing_clip_is_refused(workspace, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        enroll_rep(workspace, "Dana", tmp_path / "missing.wav")
    with pytest.raises(InputError, match="rep's name"):
        workspace.save_rep_voice("  ", [0.1] * 4, 3.0)


def test_rep_voices_are_kept_listed_and_removed(workspace):
    assert workspace.save_rep_voice("Dana  Whitfield", [0.5, 0.5], 12.0, "dana.wav") == "stored"
    assert workspace.rep_voice("dana whitfield") == [0.5, 0.5]
    assert workspace.rep_voices()[0]["name"] == "Dana Whitfield"
    assert workspace.remove_rep_voice("DANA WHITFIELD")
    assert workspace.rep_voice("Dana Whitfield") is None and workspace.rep_voices() == []


def test_an_older_workspace_gains_the_speakers_column(tmp_path, embedder):
    import sqlite3

    from ingest.store import Workspace

    root = tmp_path / "old"
    root.mkdir()
    db = sqlite3.connect(root / "callmine.db")
    db.execute("CREATE TABLE calls (call_id TEXT PRIMARY KEY, source TEXT NOT NULL,"
               " content_hash TEXT NOT NULL, kind TEXT NOT NULL, file TEXT, date TEXT, rep TEXT,"
               " account TEXT, stage TEXT, outcome TEXT, segment TEXT, duration REAL,"
               " language TEXT, ingested_at REAL NOT NULL)")
    db.execute("INSERT INTO calls VALUES ('old-1', 'x.vtt', 'h', 'transcript', NULL, NULL,"
               " 'Dana', NULL, NULL, NULL, NULL, 10.0, 'en', 0)")
    db.commit()
    db.close()
    ws = Workspace(root, embedder)
    (call,) = ws.calls()
    assert call.call_id == "old-1" and call.speakers is None


@pytest.mark.slow
def test_cli_reps_enroll_list_remove_and_transcribe_json(tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "CALLMINE_WHISPER_MODEL": "tiny.en", "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "ui.cli", "--workspace", str(tmp_path / "ws")]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], capture_output=True, text=True, cwd=REPO, env=env,
                              timeout=300)

    done = run("reps", "enroll", "Marcus Reed", str(DIARIZE / "rep-enroll.ogg"), "--format",
               "json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "stored"
    listed = run("reps", "--format", "json")
    assert [r["name"] for r in json.loads(listed.stdout)["reps"]] == ["Marcus Reed"]
    bad = run("reps", "enroll", "Marcus Reed", str(tmp_path / "none.wav"))
    assert bad.returncode == 2 and "no such file" in bad.stderr
    assert run("reps", "remove", "marcus reed").returncode == 0
    assert run("reps", "remove", "marcus reed").returncode == 2
    out = run("transcribe", str(DIARIZE / "2spk-discovery.ogg"), "--format", "json", "-q")
    data = json.loads(out.stdout)
    assert data["diarization"]["speakers"] == 2
    assert {s["speaker"] for s in data["segments"]} == {"speaker-1", "speaker-2"}


@pytest.mark.slow
def test_every_demo_audio_call_has_its_rep_right(workspace, tmp_path):
    """The demo's recordings (three stereo, one mono; synthetic) with the demo manifest: each
    turn's side is the side that said it in the reference, and the mono call's speakers carry
    the rep's name and Buyer."""
    calls = REPO / "demo" / "calls"
    audio = sorted(p for p in calls.iterdir() if p.suffix in (".ogg", ".mp3", ".m4a"))
    settings = Settings(workspace=tmp_path / "ws", whisper_model="tiny.en")
    batch = CallIngestor(workspace, settings).run(audio, calls / "calls.csv")
    assert [r.status for r in batch.results] == ["stored"] * len(audio)
    assert not any("NOTE" in r.message or "WARNING" in r.message for r in batch.results)
    mono = 0
    for result in batch.results:
        call = workspace.call(result.record_id)
        ref = json.loads((REPO / "demo" / "reference" / f"{Path(result.path).stem}.json")
                         .read_text())
        for turn in call.turns:
            mid = (turn.start + turn.end) / 2
            said = min(ref, key=lambda r: 0 if r["start"] <= mid <= r["end"]
                       else min(abs(mid - r["start"]), abs(mid - r["end"])))
            rep_said = said["speaker"] in ("rep", "channel-0")
            assert rep_said == (turn.side == "rep"), (call.call_id, turn)
        if call.speakers["method"] == "voice":
            mono += 1
            assert {t.speaker for t in call.turns} == {call.meta.rep, "Buyer"}
            assert call.speakers["sure"] is True
        else:
            assert {t.speaker for t in call.turns} == {call.meta.rep, "Buyer"}
    assert mono == 1
