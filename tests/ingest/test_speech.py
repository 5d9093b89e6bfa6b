"""Audio decoding, model resolution and transcription with the real bundled Whisper models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.audio import is_dual_mono, load_channels
from ingest.errors import CorruptFileError, ModelError
from ingest.models import BASE_SHA256, assemble_whisper_base, whisper_model_dir
from ingest.records import Segment, Word
from ingest.settings import Settings
from ingest.transcribe import Transcriber, split_on_pauses
from ingest.wer import word_error_rate

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"


def test_wer_counts_substitutions_deletions_insertions():
    assert word_error_rate("the price is too high", "the price is too high") == 0.0
    assert word_error_rate("the price is too high", "The prize is high!") == pytest.approx(0.4)
    assert word_error_rate("a b", "a b c d") == pytest.approx(1.0)
    assert word_error_rate("", "") == 0.0


def test_channels_stereo_dual_mono_and_mono():
    stereo = load_channels(AUDIO / "stereo.mp3")
    assert len(stereo) == 2 and abs(len(stereo[0]) / 16000 - 15.5) < 0.3
    assert len(load_channels(AUDIO / "dual-mono.ogg")) == 1
    assert len(load_channels(AUDIO / "mono.ogg")) == 1
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16000), rng.standard_normal(16000)
    assert is_dual_mono(a, 0.5 * a + 1e-4 * b)
    assert not is_dual_mono(a, b)


@pytest.mark.parametrize("name, message", [
    ("empty.wav", r"^empty\.wav: the file is empty\.$"),
    ("noise.mp3", r"^noise\.mp3: cannot be decoded as audio .*re-export it as WAV"),
])
def test_bad_audio_is_a_clear_error(name, message):
    with pytest.raises(CorruptFileError, match=message):
        load_channels(AUDIO / name)


def test_unknown_model_name_is_refused_without_download(tmp_path):
    with pytest.raises(ModelError, match="expected 'base', 'tiny.en' or the path of a CTranslate2"):
        whisper_model_dir("large-v3", tmp_path)
    with pytest.raises(ModelError, match="holding model.bin and config.json"):
        whisper_model_dir(str(tmp_path), tmp_path)


@pytest.mark.slow
def test_base_is_assembled_once_verified_and_rebuilt_when_corrupt(tmp_path):
    folder = assemble_whisper_base(tmp_path)
    assert (folder / "model.bin").stat().st_size == 145_217_532
    assert (folder / "model.bin.sha256").read_text().strip() == BASE_SHA256
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert assemble_whisper_base(tmp_path) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # not rebuilt
    with (folder / "model.bin").open("r+b") as fh:  # truncate: a corrupt cache
        fh.truncate(1000)
    assemble_whisper_base(tmp_path)
    assert (folder / "model.bin").stat().st_size == 145_217_532


def test_long_pauses_split_segments():
    words = [Word(0.0, 0.4, "Thanks."), Word(0.5, 0.9, "Really."), Word(6.0, 6.3, "Next."),
             Word(6.4, 6.8, "point.")]
    parts = split_on_pauses(Segment("channel-0", "Thanks. Really. Next. point.", 0.0, 6.8, words))
    assert [(p.text, p.start, p.end) for p in parts] == [
        ("Thanks. Really.", 0.0, 0.9), ("Next. point.", 6.0, 6.8)]


@pytest.mark.slow
@pytest.mark.parametrize("model, bound", [("tiny.en", 0.25), ("base", 0.15)])
def test_mono_clip_transcribes_within_a_wer_bound(model, bound, tmp_path):
    settings = Settings(whisper_model=model)
    transcript = Transcriber(settings).run(AUDIO / "mono.ogg", progress=False)
    assert {s.speaker for s in transcript.segments} == {"channel-0"}
    reference = (AUDIO / "mono.txt").read_text()
    assert word_error_rate(reference, transcript.text) <= bound
    words = [w for s in transcript.segments for w in s.words]
    assert words and all(a.start <= b.start for a, b in zip(words, words[1:]))


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 4])
def test_stereo_clip_two_speakers_on_the_original_timeline(batch):
    reference = json.loads((AUDIO / "stereo.json").read_text())
    settings = Settings(whisper_model="tiny.en", whisper_batch_size=batch)
    transcript = Transcriber(settings).run(AUDIO / "stereo.mp3", progress=False)
    got = [(s.speaker, s.start) for s in transcript.segments]
    assert [g[0] for g in got] == [r["speaker"] for r in reference]
    for (_, start), ref in zip(got, reference):
        assert abs(start - ref["start"]) < 0.7
    assert [s.start for s in transcript.segments] == sorted(s.start for s in transcript.segments)
    for seg, ref in zip(transcript.segments, reference):
        assert word_error_rate(ref["text"], seg.text) <= 0.25


@pytest.mark.slow
def test_channel_roles_name_the_speakers():
    settings = Settings(whisper_model="tiny.en", channel_roles=["Rep", "Buyer"])
    transcript = Transcriber(settings).run(AUDIO / "stereo.mp3", progress=False)
    assert [s.speaker for s in transcript.segments] == ["Rep", "Buyer", "Rep"]
    assert transcript.duration == pytest.approx(15.5, abs=0.2)  # mp3 padding
