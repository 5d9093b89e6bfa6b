"""Decoding a recording a window at a time (``audio_windows``) and putting each window's
segments back on the recording's timeline (``_to_segments``, ``_clip``); no Whisper model.

The rules the expected windows below are worked out from, for ``seconds`` = S:

* a window but the last ends at the quietest 20 ms (320 frames, summed over the channels) of
  the search stretch ``[start + S - min(10 s, S/2), start + S)``, on a 320-frame grid from its
  beginning; the first of equally quiet slots wins, so a planted silence is cut at its start;
* a window is the last only when the decoder is exhausted and what it holds is at most
  ``S + min(LAST_SLACK_SECONDS, S)``; otherwise it is cut again.

The decoder hands out blocks of about 500,000 frames (31.3 s at 16 kHz) and reads one block
ahead of a full window before it can know the file has ended, so a window longer than that
bound is cut even when it will turn out to be the rest of the file. With windows of a few
seconds the read-ahead has decoded the whole file long before the rest fits in one window, so
there the last window is simply the first whose rest is within the bound.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ingest.audio import LAST_SLACK_SECONDS
from ingest.audio import SAMPLING_RATE as RATE
from ingest.audio import AudioWindow, audio_windows, load_channels
from ingest.errors import CorruptFileError, InputError
from ingest.records import Segment, Word
from ingest.settings import Settings
from ingest.transcribe import Transcriber, _clip, _Job, _to_segments

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
FIX = "re-export it as WAV, MP3, M4A, FLAC or OGG."
BLOCK = 500_736  # frames of one decoded block of a 16 kHz WAV
STEP = 320  # frames of the quiet slot a cut is looked for in


def write_wav(path: Path, channels: np.ndarray, rate: int = RATE) -> Path:
    """channels x samples floats in [-1, 1] as 16-bit PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.round(channels.T * 32767).astype("<i2").tobytes())
    return path


def noise(n_channels: int, seconds: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    """Independent loud noise per channel (never dual mono), within [-0.3, 0.3]."""
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal((n_channels, int(seconds * rate)))).clip(-0.3, 0.3)


def silence(signal: np.ndarray, start: float, end: float, channels=slice(None)) -> np.ndarray:
    signal[channels, int(start * RATE):int(end * RATE)] = 0.0
    return signal


def gaps(signal: np.ndarray, *starts: float, length: float = 0.2) -> np.ndarray:
    """Both-channel silences of ``length`` seconds at each of ``starts``."""
    for start in starts:
        silence(signal, start, start + length)
    return signal


def windows_of(path: Path, seconds: float, **kwargs) -> list[AudioWindow]:
    return list(audio_windows(path, seconds, **kwargs))


def layout(windows: list[AudioWindow]) -> list[tuple[float, float, bool]]:
    return [(w.start, w.seconds, w.last) for w in windows]


def expected_layout(path: Path, seconds: float,
                    rate: int = RATE) -> list[tuple[float, float, bool]]:
    """The windows the rules give, worked out on ``load_channels``' audio: only for windows
    short enough that the whole file is decoded before the rest fits in one (see above)."""
    whole = np.stack(load_channels(path, rate)).astype(np.float64)
    total, size = whole.shape[1], int(seconds * rate)
    search, slack = min(10 * rate, size // 2), min(LAST_SLACK_SECONDS * rate, size)
    start, windows = 0, []
    while total - start > size + slack:
        lo = start + size - search
        slots = whole[:, lo:lo + search // STEP * STEP].reshape(len(whole), -1, STEP)
        energy = np.square(slots).sum(axis=(0, 2))  # whole slots only
        cut = lo + int(np.argmin(energy)) * STEP
        windows.append((start / rate, (cut - start) / rate, False))
        start = cut
    return windows + [(start / rate, (total - start) / rate, True)]


GAPPED_LAYOUT = [(4.0 * k, 4.0, False) for k in range(23)] + [(92.0, 8.0, True)]


@pytest.fixture(scope="module")
def gapped(tmp_path_factory):
    """100 s files (mono and stereo) with both-channel silences of 0.2 s every 4 s (4.0, 8.0,
    ..., 96.0 s): with 5 s windows each search stretch [start + 2.5 s, start + 5 s) holds one,
    so every cut falls exactly on one (``GAPPED_LAYOUT``) until the last 8 s, which fit in
    5 s + 5 s of slack."""
    folder = tmp_path_factory.mktemp("gapped")
    files = {}
    for n in (1, 2):
        signal = gaps(noise(n, 100.0, seed=n), *np.arange(4.0, 100.0, 4.0))
        files[n] = write_wav(folder / f"gapped-{n}.wav", signal)
    return files


# (1) the windows put together are load_channels()

@pytest.mark.parametrize("n_channels", [1, 2], ids=["mono", "stereo"])
def test_windows_concatenate_to_load_channels_exactly(gapped, n_channels):
    windows = windows_of(gapped[n_channels], 5.0)
    whole = load_channels(gapped[n_channels])
    assert len(windows) == len(GAPPED_LAYOUT) == 24 and len(whole) == n_channels
    for window in windows:
        assert len(window.channels) == n_channels
        assert all(c.dtype == np.float32 and c.ndim == 1 for c in window.channels)
        assert len({len(c) for c in window.channels}) == 1  # channels of a window: same length
    for channel in range(n_channels):
        joined = np.concatenate([w.channels[channel] for w in windows])
        assert joined.dtype == np.float32 and len(joined) == 100 * RATE
        assert np.array_equal(joined, whole[channel])


@pytest.mark.parametrize("n_channels", [1, 2], ids=["mono", "stereo"])
def test_noise_windows_concatenate_to_load_channels_exactly(tmp_path, n_channels):
    path = write_wav(tmp_path / "noise.wav", noise(n_channels, 70.0, seed=7))
    windows = windows_of(path, 5.0)
    assert layout(windows) == expected_layout(path, 5.0)  # three decoded blocks, cut to 5 s
    assert len(windows) > 14
    whole = load_channels(path)
    for channel in range(n_channels):
        assert np.array_equal(np.concatenate([w.channels[channel] for w in windows]),
                              whole[channel])


# (2) starts increase, windows are contiguous, the last one is flagged

@pytest.mark.parametrize("n_channels", [1, 2], ids=["mono", "stereo"])
def test_windows_are_contiguous_and_the_last_is_flagged(gapped, n_channels):
    windows = windows_of(gapped[n_channels], 5.0)
    assert layout(windows) == GAPPED_LAYOUT
    assert [w.announced for w in windows] == [100.0] * 24
    assert [w.rate for w in windows] == [RATE] * 24


def test_noise_windows_are_contiguous_and_cut_in_the_search_region(tmp_path):
    path = write_wav(tmp_path / "noise.wav", noise(2, 100.0, seed=3))
    windows = windows_of(path, 5.0)
    assert layout(windows) == expected_layout(path, 5.0)
    assert windows[0].start == 0.0
    assert [w.last for w in windows] == [False] * (len(windows) - 1) + [True]
    frames = 0
    for window, following in zip(windows, windows[1:]):
        frames += len(window.channels[0])
        assert following.start > window.start
        assert following.start == frames / RATE  # exact: a whole number of frames
        assert round(window.start * RATE) + len(window.channels[0]) == frames
        # start + seconds is a float sum: equal up to rounding (52.84 + 2.64 != 55.48)
        assert window.start + window.seconds == pytest.approx(following.start, rel=0, abs=1e-9)
        # a window but the last ends in the last half of its 5 s (search = min(10 s, 2.5 s))
        assert 2.5 * RATE <= len(window.channels[0]) < 5.0 * RATE
        assert (len(window.channels[0]) - int(2.5 * RATE)) % STEP == 0  # on the 20 ms grid
    # the last window holds more than the slack (the one before was cut as it held more than
    # 5 s + 5 s) and at most 5 s past the window
    assert 5.0 < windows[-1].seconds <= 10.0
    assert windows[-1].start + windows[-1].seconds == 100.0


# (3) a cut falls in a quiet stretch

def test_cut_lands_at_the_start_of_a_silent_gap(tmp_path):
    path = write_wav(tmp_path / "gap.wav", silence(noise(1, 12.0), 3.5, 3.8))
    windows = windows_of(path, 5.0)
    assert layout(windows) == [(0.0, 3.5, False), (3.5, 8.5, True)]
    assert np.abs(windows[1].channels[0][:int(0.3 * RATE)]).max() == 0.0  # begins in the gap
    assert np.abs(windows[0].channels[0][-STEP:]).min() > 0.0  # ends before it


def test_cut_picks_the_quietest_20_ms_not_just_silence(tmp_path):
    signal = noise(1, 12.0)
    signal[0, int(4.5 * RATE):int(4.6 * RATE)] = 0.01  # a faint stretch, no digital silence
    windows = windows_of(write_wav(tmp_path / "faint.wav", signal), 5.0)
    assert layout(windows) == [(0.0, 4.5, False), (4.5, 7.5, True)]


def test_silence_outside_the_last_stretch_of_the_window_is_not_a_cut(tmp_path):
    # silences before the search region (1-2 s) and past the window (5.2-6 s) are ignored;
    # the faint stretch at 3.0-3.1 s is the quietest place inside [2.5 s, 5 s)
    signal = silence(silence(noise(1, 12.0), 1.0, 2.0), 5.2, 6.0)
    signal[0, int(3.0 * RATE):int(3.1 * RATE)] = 0.01
    windows = windows_of(write_wav(tmp_path / "outside.wav", signal), 5.0)
    assert layout(windows) == [(0.0, 3.0, False), (3.0, 9.0, True)]


def test_a_cut_needs_quiet_on_every_channel(tmp_path):
    signal = silence(noise(2, 12.0), 3.0, 3.3, channels=0)  # only the left side pauses
    signal = silence(signal, 4.0, 4.2)  # both sides pause
    windows = windows_of(write_wav(tmp_path / "two-sides.wav", signal), 5.0)
    assert layout(windows) == [(0.0, 4.0, False), (4.0, 8.0, True)]
    assert len(windows[0].channels) == 2


def test_long_windows_search_their_last_10_seconds(tmp_path):
    # a 25 s window searches [15 s, 25 s): the silence at 14 s is outside, the one at 20 s in;
    # the next, from 20 s, searches [35 s, 45 s). That one holds 20-70 s, within 25 s + 25 s,
    # but is cut at 40 s: the block it read ahead ended the file, which the decoder only
    # learns on the next read. The last 30 s then fit.
    signal = gaps(silence(noise(1, 70.0), 14.0, 14.4), 20.0, 40.0)
    windows = windows_of(write_wav(tmp_path / "long.wav", signal), 25.0)
    assert layout(windows) == [(0.0, 20.0, False), (20.0, 20.0, False), (40.0, 30.0, True)]


# (4) the last window: at most min(LAST_SLACK_SECONDS, seconds) past `seconds`

def test_a_file_shorter_than_a_window_is_one_window(tmp_path):
    path = write_wav(tmp_path / "short.wav", noise(2, 3.0))
    windows = windows_of(path, 5.0)
    assert layout(windows) == [(0.0, 3.0, True)]
    assert windows[0].announced == 3.0
    whole = load_channels(path)
    assert len(windows[0].channels) == len(whole) == 2
    assert all(np.array_equal(a, b) for a, b in zip(windows[0].channels, whole))


@pytest.mark.parametrize("seconds, expected", [
    (10.0, [(0.0, 10.0, True)]),  # exactly 5 s + 5 s of slack: one window
    (10.02, [(0.0, 4.0, False), (4.0, 6.02, True)]),  # 20 ms more: cut
    (20.0, [(0.0, 4.0, False), (4.0, 4.0, False), (8.0, 4.0, False), (12.0, 8.0, True)]),
], ids=["at the bound", "past the bound", "one block, four windows"])
def test_the_last_window_runs_at_most_the_window_past_a_short_window(tmp_path, seconds,
                                                                     expected):
    # files within one decoded block: the decoder is exhausted on the first window
    signal = gaps(noise(1, seconds), *np.arange(4.0, seconds, 4.0))
    assert layout(windows_of(write_wav(tmp_path / "block.wav", signal), 5.0)) == expected


@pytest.mark.parametrize("frames, expected", [
    (90 * RATE, [(0.0, 25.0, False), (25.0, 65.0, True)]),  # the rest: 35 s + 30 s exactly
    (90 * RATE + STEP, [(0.0, 25.0, False), (25.0, 30.0, False), (55.0, 35.02, True)]),
], ids=["at the bound", "past the bound"])
def test_the_last_window_runs_at_most_30_seconds_past_a_long_window(tmp_path, frames,
                                                                    expected):
    # 35 s windows: the slack is LAST_SLACK_SECONDS (30 s), not 35 s. The first window reads
    # two blocks and one ahead (90 s < three blocks: the whole file) and is cut at 25 s; the
    # second then finds the decoder exhausted. Search stretches: [25 s, 35 s), [50 s, 60 s).
    assert LAST_SLACK_SECONDS == 30 and frames <= 3 * BLOCK
    signal = gaps(noise(1, frames / RATE), 25.0, 55.0)
    assert signal.shape[1] == frames
    assert layout(windows_of(write_wav(tmp_path / "long.wav", signal), 35.0)) == expected


def test_the_default_window_takes_a_short_call_whole(gapped):
    windows = list(audio_windows(gapped[2]))
    assert layout(windows) == [(0.0, 100.0, True)]


# (5) segments of a window on the recording's timeline

def word(start, end, text, probability=0.9):
    return SimpleNamespace(start=start, end=end, word=text, probability=probability)


def piece(start, end, text, words=None):
    return SimpleNamespace(start=start, end=end, text=text, words=words)


def test_clip_moves_to_the_recording_and_clips_to_the_window():
    assert _clip(12.3456, 30.0, 600.0) == 612.346
    assert _clip(-0.2, 30.0, 600.0) == 600.0
    assert _clip(31.0, 30.0, 600.0) == 630.0
    assert _clip(30.0, 30.0, 595.02) == 625.02
    assert _clip(1.5, 30.0) == 1.5
    value = _clip(np.float32(2.25), 30.0, 4.0)
    assert value == 6.25 and type(value) is float


def test_segment_words_are_shifted_by_the_window_start_and_clipped():
    seg = piece(-0.1, 30.5, " Hello there friend.", [
        word(np.float32(-0.1), np.float32(0.4), " Hello", np.float32(0.75)),
        word(0.5, 0.9, " there", 0.123456),
        word(29.0, 30.5, " friend."),  # runs past the 30 s window
    ])
    # words 0.9 -> 29.0 s apart: split at the pause, text from the raw words
    assert _to_segments(seg, "agent", 30.0, 600.0) == [
        Segment("agent", "Hello there", 600.0, 600.9,
                [Word(600.0, 600.4, "Hello", 0.75), Word(600.5, 600.9, "there", 0.1235)]),
        Segment("agent", "friend.", 629.0, 630.0, [Word(629.0, 630.0, "friend.", 0.9)]),
    ]


def test_one_group_keeps_the_segment_text_and_drops_blank_words():
    seg = piece(1.0, 2.0, "  Yes, sure. ", [word(1.0, 1.2, " Yes,"), word(1.2, 1.25, " "),
                                            word(1.3, 2.0, " sure.")])
    (segment,) = _to_segments(seg, "channel-1", 10.0, 8.0)
    assert segment == Segment("channel-1", "Yes, sure.", 9.0, 10.0,
                              [Word(9.0, 9.2, "Yes,", 0.9), Word(9.3, 10.0, "sure.", 0.9)])
    assert all(type(v) is float for w in segment.words for v in (w.start, w.end))


def test_a_segment_without_words_is_shifted_and_clipped():
    assert _to_segments(piece(3.25, 12.0, " Okay. "), "customer", 10.0, 1200.0) == [
        Segment("customer", "Okay.", 1203.25, 1210.0)]
    assert _to_segments(piece(3.25, 4.0, "  ", []), "customer", 10.0, 1200.0) == []
    assert _to_segments(piece(3.25, 4.0, "Hi", [word(3.3, 3.5, "  ")]), "c", 10.0, 5.0) == [
        Segment("c", "Hi", 8.25, 9.0)]


def test_transcription_puts_every_window_on_the_recording_timeline(gapped, monkeypatch):
    """Transcriber._generate over 5 s windows, with a fake decoder in place of Whisper."""
    transcriber = Transcriber(Settings())
    seen = []

    def decode(job, audio):
        seen.append(len(audio))
        return [piece(0.5, 1.0, " hi", [word(0.5, 1.0, " hi")]),
                piece(3.0, 99.0, " long")]  # ends past every window

    monkeypatch.setattr(transcriber, "_decode_channel", decode)
    job = _Job(source="gapped-2.wav", windows=audio_windows(gapped[2], 5.0), language="en")
    progress = []
    segments = list(transcriber._generate(job, False, lambda *a: progress.append(a)))
    assert seen == [int(seconds * RATE) for _, seconds, _ in GAPPED_LAYOUT for _ in "lr"]
    assert [(s.speaker, s.start, s.end) for s in segments] == [
        (speaker, start + offset, end)
        for start, seconds, _ in GAPPED_LAYOUT
        for speaker in ("channel-0", "channel-1")
        for offset, end in ((0.5, start + 1.0), (3.0, start + seconds))  # clipped to the window
    ]
    assert segments[-1].end == 100.0 and segments[-1].start == 95.0
    assert [w.start for s in segments for w in s.words] == [
        start + 0.5 for start, _, _ in GAPPED_LAYOUT for _ in "lr"]
    assert job.duration == 100.0
    assert progress[-1] == (200.0, 200.0)
    assert [p[1] for p in progress] == [200.0] * len(progress)
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)


# (6) bad input: the same errors as load_channels, raised when audio_windows is called

def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, error, message", [
    (lambda d: _write(d / "empty.wav", b""), CorruptFileError, "empty.wav: the file is empty."),
    (lambda d: _write(d / "notes.mp3", b"not audio at all\n" * 200), CorruptFileError,
     "notes.mp3: cannot be decoded as audio (invalid data found when processing input). The "
     f"file may be corrupt or not really audio; {FIX}"),
    (lambda d: write_wav(d / "header.wav", np.zeros((1, 0))), CorruptFileError,
     f"header.wav: holds no audio (0.00 s decoded). The recording is empty or cut off; {FIX}"),
    (lambda d: write_wav(d / "blip.wav", noise(2, 0.05)), CorruptFileError,
     f"blip.wav: holds no audio (0.05 s decoded). The recording is empty or cut off; {FIX}"),
    (lambda d: AUDIO / "video-only.mp4", CorruptFileError,
     "video-only.mp4: holds video but no audio track. Give an audio recording (or a video "
     "with sound)."),
    (lambda d: AUDIO / "text.webm", CorruptFileError,
     "text.webm: cannot be decoded as audio (invalid data found when processing input). The "
     f"file may be corrupt or not really audio; {FIX}"),
    (lambda d: d / "missing.wav", InputError,
     "missing.wav: no such file. Give the path of an audio recording."),
    (lambda d: d, InputError, "no such file. Give the path of an audio recording."),
], ids=["empty", "text", "no samples", "too short", "video only", "text webm", "missing",
        "folder"])
def test_bad_input_raises_like_load_channels(tmp_path, make, error, message):
    path = make(tmp_path)
    with pytest.raises(error) as from_windows:
        audio_windows(path, 5.0)  # raises on the call itself, before any next()
    with pytest.raises(error) as from_load:
        load_channels(path)
    assert type(from_windows.value) is type(from_load.value) is error
    assert str(from_windows.value) == str(from_load.value)
    assert re.search(re.escape(message) + "$", str(from_windows.value))


# (7) the two bugs these tests once held as strict xfails, fixed

def test_windows_at_another_rate_are_contiguous(tmp_path):
    signal = noise(1, 100.0, rate=8000)
    signal[0, 32_000:33_600] = 0.0  # 4.0-4.2 s; the 40 ms grid from 2.5 s first fits at 4.02
    path = write_wav(tmp_path / "8k.wav", signal, 8000)
    windows = windows_of(path, 5.0, sampling_rate=8000)
    assert len(windows[0].channels[0]) == 32_160
    assert windows[0].rate == 8000
    assert windows[0].seconds == 4.02  # frames / 8,000 (was frames / 16,000: 2.01)
    assert windows[0].start + windows[0].seconds == windows[1].start == 4.02
    assert layout(windows) == expected_layout(path, 5.0, rate=8000)
    frames = 0
    for window in windows:
        assert window.start == frames / 8000
        frames += len(window.channels[0])
    assert frames == 800_000 and windows[-1].start + windows[-1].seconds == 100.0
    assert np.array_equal(np.concatenate([w.channels[0] for w in windows]),
                          load_channels(path, 8000)[0])


@pytest.mark.parametrize("n_channels", [1, 2], ids=["mono", "stereo"])
def test_the_last_window_runs_at_most_the_slack_past_the_window(gapped, n_channels):
    # 5 s windows on a 100 s file: the rest is cut again until it fits in 5 s + 5 s (it used
    # to be left whole: a last window of 92 s)
    windows = windows_of(gapped[n_channels], 5.0)
    assert windows[-1].seconds == 8.0 <= 5.0 + min(LAST_SLACK_SECONDS, 5.0)
    assert all(w.seconds < 5.0 for w in windows[:-1])
