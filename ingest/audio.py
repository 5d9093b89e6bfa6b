"""Decoding call recordings into 16 kHz float32 channels with PyAV (FFmpeg, no system tools).

A stereo recording is kept as two channels (one speaker each, as dialers and meeting tools
record them); a stereo file whose channels carry the same signal (dual mono) becomes one, and
a file with more than two channels is down-mixed to one.

Example:
    >>> channels = load_channels(Path("demo/calls/larkspur-property-negotiation.m4a"))
    >>> len(channels), len(channels[0]) / SAMPLING_RATE   # a stereo call of 80 s
    (2, 80.016)
"""

from __future__ import annotations

import gc
import itertools
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import CorruptFileError, InputError

log = logging.getLogger(__name__)

SAMPLING_RATE = 16_000

AUDIO_EXTENSIONS = (
    ".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".webm", ".mp4", ".aac", ".wma"
)
"""Audio file suffixes callmine reads (all decoded by the FFmpeg inside PyAV)."""

DUAL_MONO_CORRELATION = 0.98
"""Channels whose normalised correlation exceeds this carry the same signal (dual mono).

Measured: dual mono through opus (16k/32k), vorbis, mp3 and aac stays above 0.9999, and
only aac adds any difference between the channels; two voices, one per channel, give 0.00-0.02,
and 30% cross-talk between them 0.56.
"""

MIN_SECONDS = 0.1
"""Less decoded audio than this is treated as no audio at all."""

TRUNCATED_RATIO = 0.9
"""Decoding less than this share of the duration the header announces means a cut file."""

WINDOW_SECONDS = 600.0
"""Transcription decodes a recording this many seconds at a time (a window of 16 kHz stereo is
77 MB), so memory stays the same for a 10-minute call and a 3-hour one."""

CUT_SEARCH_SECONDS = 10.0
"""A window ends at the quietest moment of its last this-many seconds."""

_FIX = "re-export it as WAV, MP3, M4A, FLAC or OGG"


def is_dual_mono(left: np.ndarray, right: np.ndarray) -> bool:
    """True when two channels carry the same signal, up to gain, polarity or codec noise.

    Example:
        >>> a = np.sin(np.arange(16000) / 10)
        >>> is_dual_mono(a, 0.5 * a), is_dual_mono(a, np.cos(np.arange(16000) / 7))
        (True, False)
    """
    n = min(len(left), len(right))
    dot = energy_a = energy_b = 0.0
    for start in range(0, n, 1 << 20):  # float64 sums, without float64 copies of an hour
        a = np.asarray(left[start:start + (1 << 20)], dtype=np.float64)
        b = np.asarray(right[start:start + (1 << 20)], dtype=np.float64)
        dot += float(a @ b)
        energy_a += float(a @ a)
        energy_b += float(b @ b)
    silent_a, silent_b = energy_a < 1e-9, energy_b < 1e-9
    if silent_a or silent_b:
        return silent_a and silent_b
    return abs(dot) / float(np.sqrt(energy_a * energy_b)) > DUAL_MONO_CORRELATION


def load_channels(path: Path, sampling_rate: int = SAMPLING_RATE) -> list[np.ndarray]:
    """Decode a whole recording into one float32 array per speaker channel.

    Holds the whole recording in memory (an hour of stereo is 460 MB); transcription reads
    long files a window at a time with :func:`audio_windows` instead.

    Args:
        path: An audio file in any format the bundled FFmpeg reads (see ``AUDIO_EXTENSIONS``);
            the audio track of a video file works too.
        sampling_rate: Rate to resample to (Whisper expects 16 kHz).

    Returns:
        One array for mono, dual-mono and multi-channel (down-mixed) files, two (left, right)
        for true stereo; all of the same length. A truncated file gives what could be
        decoded, with a warning in the log.

    Raises:
        InputError: the path is not a file.
        CorruptFileError: an empty file, a file that is not audio or has no audio track, or
            no decodable audio at all.
    """
    return next(audio_windows(path, math.inf, sampling_rate)).channels


@dataclass(slots=True)
class AudioWindow:
    """A stretch of a recording: its channels from ``start`` seconds on.

    ``channels`` holds one array per speaker channel, as :func:`load_channels` gives them;
    ``last`` is True for the stretch that ends the recording, and ``announced`` is the
    duration the file's header announces (None when it announces none).
    """

    start: float
    channels: list[np.ndarray]
    last: bool
    announced: float | None
    rate: int = SAMPLING_RATE

    @property
    def seconds(self) -> float:
        return len(self.channels[0]) / self.rate


LAST_SLACK_SECONDS = 30
"""How far past ``seconds`` the last window may run (about one decoded block) before the
rest of the recording is cut into another window."""


def audio_windows(path: Path, seconds: float = WINDOW_SECONDS,
                  sampling_rate: int = SAMPLING_RATE) -> Iterator[AudioWindow]:
    """Decode a recording a window of about ``seconds`` at a time, so memory does not grow
    with its length.

    Each window but the last ends at the quietest 20 ms (over all channels) of the last
    ``CUT_SEARCH_SECONDS`` before ``seconds``, so a cut rarely falls inside a word; the last
    one may run up to :data:`LAST_SLACK_SECONDS` (or ``seconds``, if shorter) past
    ``seconds``. Whether a stereo file is dual mono is decided on its first window and kept
    for the rest. The file is opened and the first window decoded before this returns, so bad
    input raises here.

    Example:
        >>> for window in audio_windows(Path("demo/calls/larkspur-property-negotiation.m4a"),
        ...                             seconds=30):
        ...     print(window.start, window.seconds, len(window.channels))
        0.0 20.66 2
        20.66 21.34 2
        42.0 20.0 2
        62.0 18.016 2

    Raises:
        InputError, CorruptFileError: as :func:`load_channels`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of an audio recording.")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path.name}: the file is empty.")
    windows = _windows(_Decoder(path, sampling_rate), seconds, sampling_rate)
    try:
        first = [next(windows)]
    except BaseException:
        windows.close()
        raise
    return _chain_first(first, windows)


def _chain_first(first: list[AudioWindow], rest: Iterator[AudioWindow]) -> Iterator[AudioWindow]:
    """The window in ``first``, then ``rest``; unlike ``itertools.chain`` it keeps no reference
    to a window it has handed out."""
    yield first.pop()
    yield from rest


def _windows(decoder: _Decoder, seconds: float, rate: int) -> Iterator[AudioWindow]:
    size = seconds * rate  # frames of a window (math.inf: the whole file)
    search = min(int(CUT_SEARCH_SECONDS * rate), int(size) // 2) if size < math.inf else 0
    if size < math.inf:
        capacity = int(size) + 64 * rate  # pages of np.empty are only used once written
    else:
        capacity = int(min(decoder.expected or 600, 3600) * 1.05 * rate) + rate  # grows past
    slack = min(LAST_SLACK_SECONDS * rate, size)  # how far the last window may run past
    blocks = decoder.blocks()
    buffer = _Buffer(decoder.width, capacity)
    start = 0
    stereo: bool | None = None  # decided on the first window
    exhausted = False
    try:
        while True:
            while not exhausted and buffer.frames < size:  # fill a window
                block = next(blocks, None)
                if block is None:
                    exhausted = True
                else:
                    buffer.append(block)
            if not exhausted and buffer.frames <= size + slack:  # it may be the last window
                ahead = next(blocks, None)
                if ahead is None:
                    exhausted = True
                else:
                    buffer.append(ahead)
            held = buffer.frames
            last = exhausted and held <= size + slack  # else the rest is cut again
            if last and start == 0 and held / rate < MIN_SECONDS:
                raise CorruptFileError(
                    f"{decoder.path.name}: holds no audio ({held / rate:.2f} s decoded). The "
                    f"recording is empty or cut off; {_FIX}."
                )
            audio = buffer.data[:, :held]
            buffer = None  # the window's arrays are views of it; the next window gets its own
            cut = held if last else _quiet_cut(audio, int(size) - search, int(size))
            carry = None if last else audio[:, cut:].copy()
            if last:
                decoder.check_length((start + held) / rate)
            peak = max(float(audio[:, :cut].max()), -float(audio[:, :cut].min())) if cut else 0.0
            if peak > 1.0:  # a down-mix of 3+ loud channels sums past full scale
                audio[:, :cut] /= peak
            if stereo is None:
                stereo = audio.shape[0] == 2 and not is_dual_mono(audio[0, :cut], audio[1, :cut])
                if audio.shape[0] == 2 and not stereo:
                    log.info("%s: both channels carry the same signal (dual mono); treating "
                             "it as mono", decoder.path.name)
            window = AudioWindow(start / rate, [audio[0, :cut], audio[1, :cut]] if stereo
                                 else [audio[0, :cut]], last, decoder.expected, rate)
            del audio
            yield window
            del window  # the consumer decides how long the window lives
            if last:
                return
            start += cut
            buffer = _Buffer(decoder.width, capacity)
            buffer.append(carry)
            del carry
    finally:
        blocks.close()


class _Buffer:
    """Decoded (channels x frames) blocks side by side in one array, grown when full."""

    def __init__(self, width: int, capacity: int) -> None:
        self.data = np.empty((width, capacity), dtype=np.float32)
        self.frames = 0

    def append(self, block: np.ndarray) -> None:
        n = block.shape[1]
        if self.frames + n > self.data.shape[1]:
            grown = np.empty((self.data.shape[0], max(2 * self.data.shape[1], self.frames + n)),
                             dtype=np.float32)
            grown[:, :self.frames] = self.data[:, :self.frames]
            self.data = grown
        self.data[:, self.frames:self.frames + n] = block
        self.frames += n


def _quiet_cut(audio: np.ndarray, lo: int, hi: int, step: int = 320) -> int:
    """The start of the quietest ``step`` frames (20 ms at 16 kHz) in ``[lo, hi)``."""
    lo = max(lo, 0)
    n = max((hi - lo) // step, 1)
    region = np.square(audio[:, lo:lo + n * step], dtype=np.float32)
    energy = region.reshape(audio.shape[0], n, -1).sum(axis=(0, 2))
    return lo + int(np.argmin(energy)) * step


class _Decoder:
    """The first audio track of a file as (channels x frames) float32 blocks at ``rate``.

    Opening checks the file holds an audio track; :meth:`blocks` decodes it, skipping damaged
    frames, and keeps what came before an error that stops decoding.
    """

    def __init__(self, path: Path, rate: int) -> None:
        import av

        self.path = path
        self.rate = rate
        try:
            self.container = av.open(str(path), mode="r", metadata_errors="ignore")
        except av.error.FFmpegError as exc:
            raise CorruptFileError(
                f"{path.name}: cannot be decoded as audio ({_reason(exc)}). The file may be "
                f"corrupt or not really audio; {_FIX}."
            ) from exc
        if not self.container.streams.audio:
            what = "video but no audio track" if self.container.streams.video else "no audio track"
            self.container.close()
            raise CorruptFileError(
                f"{path.name}: holds {what}. Give an audio recording (or a video with sound)."
            )
        self.stream = self.container.streams.audio[0]
        channels = self.stream.codec_context.channels or 1
        self.width = 2 if channels == 2 else 1  # FFmpeg down-mixes 3+ channels
        self.expected = _announced_seconds(self.container, self.stream)

    def blocks(self) -> Iterator[np.ndarray]:
        """Decoded blocks of about 500,000 frames; the file is closed when they end."""
        import av

        resampler = av.audio.resampler.AudioResampler(
            format="flt", layout="stereo" if self.width == 2 else "mono", rate=self.rate)
        skipped = [0]
        decoded = 0
        try:
            frames = _group(_valid_frames(self.container.decode(self.stream), skipped))
            for frame in itertools.chain.from_iterable(
                    resampler.resample(f) for f in itertools.chain(frames, [None])):
                samples = frame.to_ndarray().reshape(-1)
                samples = samples[: len(samples) - len(samples) % self.width]
                if len(samples):
                    decoded += len(samples)
                    yield np.ascontiguousarray(samples.reshape(-1, self.width).T)
        except (av.error.FFmpegError, ValueError) as exc:  # ValueError: a format change
            if not decoded:
                raise CorruptFileError(
                    f"{self.path.name}: cannot be decoded as audio ({_reason(exc)}). The file "
                    f"may be corrupt; {_FIX}."
                ) from exc
            log.warning("%s: decoding stopped early (%s); keeping the audio before it",
                        self.path.name, _reason(exc))
        finally:
            del resampler
            self.container.close()
            gc.collect()  # PyAV resamplers hold memory until collected (faster-whisper #390)
        if skipped[0]:
            log.warning("%s: skipped %d damaged audio frames", self.path.name, skipped[0])

    def check_length(self, seconds: float) -> None:
        """Warn when less than the header announces was decoded (a cut file)."""
        expected = self.expected
        if expected and seconds < TRUNCATED_RATIO * expected and expected - seconds > 0.5:
            log.warning("%s: truncated? decoded %.1f s of the %.1f s its header announces; "
                        "transcribing what could be decoded", self.path.name, seconds, expected)


def _valid_frames(frames: Iterable, skipped: list[int]) -> Iterator:
    """Frames of a decoder, counting and skipping the ones FFmpeg finds damaged."""
    import av

    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            skipped[0] += 1


def _group(frames: Iterable, samples: int = 500_000) -> Iterator:
    """Regroup decoded frames into large ones: far fewer resampler calls."""
    import av

    fifo = av.audio.fifo.AudioFifo()
    for frame in frames:
        frame.pts = None  # the FIFO checks timestamps; damaged files break them
        fifo.write(frame)
        if fifo.samples >= samples:
            yield fifo.read()
    if fifo.samples:
        yield fifo.read()


def _announced_seconds(container, stream) -> float | None:
    """The duration the file's header announces, when it announces one."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _reason(exc: Exception) -> str:
    """FFmpeg's reason without its errno and the full path, e.g. 'invalid data found ...'."""
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return text[0].lower() + text[1:]
