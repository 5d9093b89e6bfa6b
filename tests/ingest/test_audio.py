"""Decoding recordings into speaker channels, and clear errors for files that are not audio."""

from __future__ import annotations

import json
import logging
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from ingest.audio import AUDIO_EXTENSIONS, SAMPLING_RATE, is_dual_mono, load_channels
from ingest.errors import CorruptFileError, InputError

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
FIX = "re-export it as WAV, MP3, M4A, FLAC or OGG."


def write_wav(path: Path, channels: np.ndarray, rate: int = SAMPLING_RATE) -> Path:
    """channels x samples floats in [-1, 1] as 16-bit PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((channels.T * 32767).astype("<i2").tobytes())
    return path


def seconds(channel: np.ndarray) -> float:
    return len(channel) / SAMPLING_RATE


def rms(channel: np.ndarray, start: float, end: float) -> float:
    part = channel[int(start * SAMPLING_RATE):int(end * SAMPLING_RATE)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2)))


def test_mono_clip_is_one_16k_float32_channel():
    (mono,) = load_channels(AUDIO / "mono.ogg")
    assert mono.dtype == np.float32 and mono.ndim == 1 and mono.flags["C_CONTIGUOUS"]
    assert seconds(mono) == pytest.approx(5.56, abs=0.05)
    assert 0.05 < np.abs(mono).max() <= 1.0


def test_stereo_clip_keeps_left_and_right_apart():
    reference = json.loads((AUDIO / "stereo.json").read_text())
    left, right = load_channels(AUDIO / "stereo.mp3")
    assert len(left) == len(right) and seconds(left) == pytest.approx(15.42, abs=0.05)
    for turn in reference:  # the speaker's channel is loud, the other one silent
        speaking, silent = (left, right) if turn["speaker"] == "channel-0" else (right, left)
        assert rms(speaking, turn["start"], turn["end"]) > 0.02
        assert rms(silent, turn["start"], turn["end"]) < 0.001


def test_dual_mono_becomes_one_channel(caplog):
    with caplog.at_level(logging.INFO, logger="ingest.audio"):
        channels = load_channels(AUDIO / "dual-mono.ogg")
    assert len(channels) == 1 and seconds(channels[0]) == pytest.approx(5.56, abs=0.05)
    assert "dual-mono.ogg: both channels carry the same signal (dual mono)" in caplog.text


def test_stereo_with_one_silent_side_stays_stereo(tmp_path):
    (mono,) = load_channels(AUDIO / "mono.ogg")
    path = write_wav(tmp_path / "one-sided.wav", np.stack([np.zeros_like(mono), mono]))
    left, right = load_channels(path)
    assert np.abs(left).max() == 0 and np.abs(right).max() > 0.05


def test_more_than_two_channels_are_down_mixed_to_one(tmp_path):
    t = np.arange(SAMPLING_RATE) / SAMPLING_RATE
    six = np.stack([0.9 * np.sin(2 * np.pi * 440 * t)] * 6)
    (mixed,) = load_channels(write_wav(tmp_path / "surround.wav", six))
    assert seconds(mixed) == pytest.approx(1.0, abs=0.01)
    assert 0.5 < np.abs(mixed).max() <= 1.0  # a loud down-mix is scaled, never clipped


@pytest.mark.parametrize("other, same", [
    (lambda a, noise: 0.5 * a, True),  # gain
    (lambda a, noise: -a, True),  # polarity
    (lambda a, noise: a + 0.01 * noise, True),  # codec noise
    (lambda a, noise: noise, False),  # two speakers
    (lambda a, noise: 0.3 * a + noise, False),  # cross-talk
    (lambda a, noise: np.zeros_like(a), False),  # one silent side
], ids=["gain", "polarity", "codec noise", "two speakers", "cross-talk", "one silent side"])
def test_is_dual_mono(other, same):
    rng = np.random.default_rng(0)
    a, noise = rng.standard_normal(16000), rng.standard_normal(16000)
    assert is_dual_mono(a, other(a, noise)) is same
    assert is_dual_mono(np.zeros(10), np.zeros(10))


def test_truncated_file_keeps_what_decodes_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="ingest.audio"):
        (audio,) = load_channels(AUDIO / "truncated.mp3")
    assert 2.0 < seconds(audio) < 3.5  # the first half of a 5.6 s clip
    assert re.search(r"truncated\.mp3: truncated\? decoded 2\.\d s of the 5\.\d s its header "
                     r"announces; transcribing what could be decoded", caplog.text)


@pytest.mark.parametrize("name, message", [
    ("empty.wav", "empty.wav: the file is empty."),
    ("noise.mp3", "noise.mp3: cannot be decoded as audio (invalid data found when processing "
                  f"input). The file may be corrupt or not really audio; {FIX}"),
    ("text.webm", "text.webm: cannot be decoded as audio (invalid data found when processing "
                  f"input). The file may be corrupt or not really audio; {FIX}"),
    ("video-only.mp4", "video-only.mp4: holds video but no audio track. Give an audio "
                       "recording (or a video with sound)."),
    ("no-samples.wav", "no-samples.wav: holds no audio (0.00 s decoded). The recording is "
                       f"empty or cut off; {FIX}"),
])
def test_bad_audio_is_a_clear_error(name, message):
    with pytest.raises(CorruptFileError, match="^" + re.escape(message) + "$"):
        load_channels(AUDIO / name)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"missing\.wav: no such file\. Give the path of an "
                                         r"audio recording\.$"):
        load_channels(tmp_path / "missing.wav")


_ENCODERS = {  # suffix -> (container, codec, rate) as PyAV's own FFmpeg writes them
    ".wav": ("wav", "pcm_s16le", 16000), ".mp3": ("mp3", "libmp3lame", 16000),
    ".m4a": ("ipod", "aac", 16000), ".flac": ("flac", "flac", 16000),
    ".ogg": ("ogg", "libopus", 48000), ".opus": ("opus", "libopus", 48000),
    ".webm": ("webm", "libopus", 48000), ".mp4": ("mp4", "aac", 16000),
    ".aac": ("adts", "aac", 16000), ".wma": ("asf", "wmav2", 16000),
}


def encode(samples: np.ndarray, path: Path) -> Path:
    import av

    container, codec, rate = _ENCODERS[path.suffix]
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = 32000
        frame = av.AudioFrame.from_ndarray((samples[None, :] * 32767).astype(np.int16),
                                           format="s16", layout="mono")
        frame.sample_rate = SAMPLING_RATE
        resampler = av.AudioResampler(format=stream.codec_context.codec.audio_formats[0].name,
                                      layout="mono", rate=rate)
        for piece in resampler.resample(frame) + resampler.resample(None) + [None]:
            for packet in stream.encode(piece):
                out.mux(packet)
    return path


@pytest.mark.parametrize("suffix", AUDIO_EXTENSIONS)
def test_every_listed_format_decodes(suffix, tmp_path):
    (mono,) = load_channels(AUDIO / "mono.ogg")
    (decoded,) = load_channels(encode(mono, tmp_path / f"clip{suffix}"))
    assert seconds(decoded) == pytest.approx(seconds(mono), abs=0.1)  # AAC adds 64 ms priming
    assert rms(decoded, 0.5, 5.0) == pytest.approx(rms(mono, 0.5, 5.0), rel=0.2)
