"""Transcription with the real bundled Whisper models (tiny.en, base) on the audio fixtures."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from ingest.audio import SAMPLING_RATE, load_channels
from ingest.errors import CorruptFileError, ModelError
from ingest.records import Segment, Word
from ingest.settings import Settings
from ingest.transcribe import Transcriber, split_on_pauses
from ingest.wer import word_error_rate

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
MONO_REFERENCE = (AUDIO / "mono.txt").read_text()
STEREO_REFERENCE = json.loads((AUDIO / "stereo.json").read_text())

_transcribers: dict[tuple, Transcriber] = {}


def transcriber(model: str = "tiny.en", batch: int = 1, **settings) -> Transcriber:
    """One loaded model per configuration for the whole module (loading takes 0.5-1 s)."""
    key = (model, batch, repr(sorted(settings.items())))
    if key not in _transcribers:
        _transcribers[key] = Transcriber(Settings(whisper_model=model, whisper_batch_size=batch,
                                                  **settings))
    return _transcribers[key]


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLING_RATE)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


def check_words(segments: list[Segment]) -> None:
    for segment in segments:
        assert segment.words, segment
        assert segment.start <= segment.words[0].start and segment.words[-1].end <= segment.end
        assert all(a.start <= b.start for a, b in zip(segment.words, segment.words[1:]))
        assert all(w.text == w.text.strip() and 0 <= w.probability <= 1 for w in segment.words)
        assert all(type(t) is float for w in segment.words for t in (w.start, w.end))
    assert all(type(t) is float for s in segments for t in (s.start, s.end))


def test_long_pauses_split_segments():
    words = [Word(0.0, 0.4, "Thanks."), Word(0.5, 0.9, "Really."), Word(6.0, 6.3, "Next."),
             Word(6.4, 6.8, "point.")]
    parts = split_on_pauses(Segment("channel-0", "Thanks. Really. Next. point.", 0.0, 6.8, words))
    assert [(p.text, p.start, p.end, len(p.words)) for p in parts] == [
        ("Thanks. Really.", 0.0, 0.9, 2), ("Next. point.", 6.0, 6.8, 2)]
    one = Segment("channel-0", "Thanks. Really.", 0.0, 0.9, words[:2])
    assert split_on_pauses(one) == [one]


def test_an_unknown_model_is_a_model_error_before_any_download():
    with pytest.raises(ModelError, match=r"^Whisper model 'small' not found: expected 'base'"):
        Transcriber(Settings(whisper_model="small")).warm_up()


def test_a_folder_that_is_not_a_model_is_a_model_error(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"not a model")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"^Could not load the Whisper model from .*Is it a "
                                         r"CTranslate2 Whisper model folder\?$"):
        Transcriber(Settings(whisper_model=str(tmp_path))).warm_up()


def test_bad_audio_fails_when_segments_is_called_not_later():
    t = Transcriber(Settings(whisper_model="tiny.en"))
    with pytest.raises(CorruptFileError, match=r"^empty\.wav: the file is empty\.$"):
        t.segments(AUDIO / "empty.wav")
    assert t._model is None  # bad input is refused before the model loads


@pytest.mark.slow
@pytest.mark.parametrize("model, batch, bound", [
    ("tiny.en", 1, 0.16), ("tiny.en", 4, 0.16), ("base", 1, 0.16), ("base", 4, 0.16)])
def test_mono_clip_within_a_wer_bound(model, batch, bound):
    transcript = transcriber(model, batch).run(AUDIO / "mono.ogg", progress=False)
    assert word_error_rate(MONO_REFERENCE, transcript.text) <= bound  # measured 1 error of 13
    assert {s.speaker for s in transcript.segments} == {"speaker-1"}  # one voice, by voice
    assert transcript.diarization.speakers == 1
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(5.56, abs=0.01)
    assert transcript.source == str(AUDIO / "mono.ogg")
    check_words(transcript.segments)


@pytest.mark.slow
@pytest.mark.parametrize("model, batch", [("tiny.en", 1), ("tiny.en", 4), ("base", 4)])
def test_stereo_clip_two_speakers_on_the_original_timeline(model, batch):
    transcript = transcriber(model, batch).run(AUDIO / "stereo.mp3", progress=False)
    segments = transcript.segments
    assert [s.speaker for s in segments] == [r["speaker"] for r in STEREO_REFERENCE]
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    for segment, reference in zip(segments, STEREO_REFERENCE):
        assert abs(segment.start - reference["start"]) < 0.7, (segment, reference)
        assert abs(segment.end - reference["end"]) < 0.7, (segment, reference)
        assert word_error_rate(reference["text"], segment.text) <= 0.25, segment.text
    check_words(segments)


@pytest.mark.slow
def test_segments_stream_channel_by_channel_with_progress():
    reports: list[tuple[float, float]] = []
    stream = transcriber().segments(AUDIO / "stereo.mp3", progress=False,
                                    on_progress=lambda done, total: reports.append((done, total)))
    segments = list(stream)
    assert [s.speaker for s in segments] == ["channel-0", "channel-0", "channel-1"]
    total = 2 * 15.418
    assert all(t == pytest.approx(total, abs=0.01) for _, t in reports)
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == pytest.approx(total, abs=0.01)
    assert done[0] < 15.418 < done[-2]  # moves inside the channels, not only between them


@pytest.mark.slow
def test_channel_roles_name_the_speakers():
    t = transcriber(channel_roles=["Rep", "Buyer"])
    assert [s.speaker for s in t.run(AUDIO / "stereo.mp3", progress=False).segments] == [
        "Rep", "Buyer", "Rep"]
    # roles name channels; a mono recording's speakers are found by voice instead
    assert {s.speaker for s in t.run(AUDIO / "mono.ogg", progress=False).segments} == {
        "speaker-1"}


@pytest.mark.slow
def test_dual_mono_is_one_speaker():
    transcript = transcriber().run(AUDIO / "dual-mono.ogg", progress=False)
    assert {s.speaker for s in transcript.segments} == {"speaker-1"}
    assert transcript.diarization.speakers == 1
    assert word_error_rate(MONO_REFERENCE, transcript.text) <= 0.16


@pytest.mark.slow
def test_a_truncated_file_gives_the_words_before_the_cut():
    text = transcriber().run(AUDIO / "truncated.mp3", progress=False).text
    assert re.match(r"Our finance team approve", text), text
    assert "too long" not in text


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 4])
def test_silence_gives_no_segments(batch, tmp_path):
    path = write_wav(tmp_path / "silence.wav", np.zeros(3 * SAMPLING_RATE))
    transcript = transcriber(batch=batch).run(path, progress=False)
    assert transcript.segments == [] and transcript.duration == 3.0
    assert transcript.language is None


@pytest.mark.slow
def test_without_vad_audio_longer_than_a_window_loses_no_words(tmp_path):
    (mono,) = load_channels(AUDIO / "mono.ogg")
    left, right = load_channels(AUDIO / "stereo.mp3")
    path = write_wav(tmp_path / "long.wav", np.concatenate([left + right, mono, left + right]))
    reference = " ".join([*(r["text"] for r in STEREO_REFERENCE), MONO_REFERENCE,
                          *(r["text"] for r in STEREO_REFERENCE)])
    transcript = transcriber(batch=4, vad=False).run(path, progress=False)  # 36 s, sequential
    assert word_error_rate(reference, transcript.text) <= 0.16
    assert transcript.segments[-1].end > 33


@pytest.mark.slow
def test_base_forced_language():
    transcript = transcriber("base", 4, language="en").run(AUDIO / "mono.ogg", progress=False)
    assert transcript.language == "en"
    assert word_error_rate(MONO_REFERENCE, transcript.text) <= 0.16
