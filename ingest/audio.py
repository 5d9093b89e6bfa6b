"""Decoding call recordings into 16 kHz float32 channels with PyAV (FFmpeg, no system tools).

A stereo recording is kept as two channels (one speaker each, as dialers and meeting tools
record them); a stereo file whose channels carry the same signal (dual mono) becomes one, and
a file with more than two channels is down-mixed to one.

Example:
    >>> channels = load_channels(Path("call.mp3"))
    >>> len(channels), len(channels[0]) / SAMPLING_RATE   # (2, 312.4) for a stereo call
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Iterable, Iterator
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
    """Decode a recording into one float32 array per speaker channel.

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
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of an audio recording.")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path.name}: the file is empty.")
    audio, expected = _decode(path, sampling_rate)
    seconds = audio.shape[1] / sampling_rate
    if seconds < MIN_SECONDS:
        raise CorruptFileError(
            f"{path.name}: holds no audio ({seconds:.2f} s decoded). The recording is empty or "
            f"cut off; {_FIX}."
        )
    if expected and seconds < TRUNCATED_RATIO * expected and expected - seconds > 0.5:
        log.warning("%s: truncated? decoded %.1f s of the %.1f s its header announces; "
                    "transcribing what could be decoded", path.name, seconds, expected)
    if audio.shape[0] == 2:
        left, right = audio
        if not is_dual_mono(left, right):
            return [np.ascontiguousarray(left), np.ascontiguousarray(right)]
        log.info("%s: both channels carry the same signal (dual mono); treating it as mono",
                 path.name)
    return [np.ascontiguousarray(audio[0])]


def _decode(path: Path, sampling_rate: int) -> tuple[np.ndarray, float | None]:
    """Decode the first audio track: (channels x samples float32, announced seconds or None)."""
    import av

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise CorruptFileError(
            f"{path.name}: cannot be decoded as audio ({_reason(exc)}). The file may be corrupt "
            f"or not really audio; {_FIX}."
        ) from exc
    with container:
        if not container.streams.audio:
            what = "video but no audio track" if container.streams.video else "no audio track"
            raise CorruptFileError(
                f"{path.name}: holds {what}. Give an audio recording (or a video with sound)."
            )
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels or 1
        layout = "stereo" if channels == 2 else "mono"  # FFmpeg down-mixes 3+ channels
        expected = _announced_seconds(container, stream)
        resampler = av.audio.resampler.AudioResampler(format="flt", layout=layout,
                                                      rate=sampling_rate)
        skipped = [0]
        pieces: list[np.ndarray] = []
        try:
            frames = _group(_valid_frames(container.decode(stream), skipped))
            for frame in itertools.chain.from_iterable(
                    resampler.resample(f) for f in itertools.chain(frames, [None])):
                pieces.append(frame.to_ndarray().reshape(-1))
        except (av.error.FFmpegError, ValueError) as exc:  # ValueError: a format change
            if not pieces:
                raise CorruptFileError(
                    f"{path.name}: cannot be decoded as audio ({_reason(exc)}). The file may be "
                    f"corrupt; {_FIX}."
                ) from exc
            log.warning("%s: decoding stopped early (%s); keeping the audio before it",
                        path.name, _reason(exc))
        del resampler
        gc.collect()  # PyAV resamplers hold memory until collected (faster-whisper #390)
    if skipped[0]:
        log.warning("%s: skipped %d damaged audio frames", path.name, skipped[0])
    width = 2 if layout == "stereo" else 1
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    pieces.clear()  # an hour of stereo is 460 MB per copy
    samples = samples[: len(samples) - len(samples) % width]
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    if peak > 1.0:  # a down-mix of 3+ loud channels sums past full scale; float keeps it
        samples /= peak
    return samples.reshape(-1, width).T.astype(np.float32, copy=False), expected


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
