"""Decoding call recordings into 16 kHz float32 channels (PyAV, through faster-whisper).

A stereo recording is kept as two channels (one speaker each, as dialers and meeting tools
record them); a stereo file whose channels carry the same signal (dual mono) becomes one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ingest.errors import CorruptFileError

log = logging.getLogger(__name__)

SAMPLING_RATE = 16_000
AUDIO_EXTENSIONS = (".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".webm", ".mp4", ".aac")

DUAL_MONO_CORRELATION = 0.98
"""Channels whose normalised correlation exceeds this are the same signal (dual mono)."""


def _channel_count(path: Path) -> int:
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise CorruptFileError(f"{path.name}: has no audio stream (a video-only or "
                                       "non-media file?). Give an audio recording.")
            stream = container.streams.audio[0]
            return int(stream.codec_context.channels or stream.channels or 1)
    except CorruptFileError:
        raise
    except Exception as exc:  # PyAV raises many InvalidDataError subclasses
        raise CorruptFileError(
            f"{path.name}: cannot be decoded as audio ({exc.__class__.__name__}: {exc}). The file "
            "may be corrupt or not really audio; re-export it as WAV, MP3, M4A, FLAC or OGG."
        ) from exc


def is_dual_mono(left: np.ndarray, right: np.ndarray) -> bool:
    """True when two channels carry the same signal (up to a small gain or codec noise)."""
    n = min(len(left), len(right))
    if n == 0:
        return True
    a = left[:n].astype(np.float64)
    b = right[:n].astype(np.float64)
    energy_a, energy_b = float(np.dot(a, a)), float(np.dot(b, b))
    if energy_a < 1e-9 or energy_b < 1e-9:
        return energy_a < 1e-9 and energy_b < 1e-9
    return float(np.dot(a, b)) / np.sqrt(energy_a * energy_b) > DUAL_MONO_CORRELATION


def load_channels(path: Path, sampling_rate: int = SAMPLING_RATE) -> list[np.ndarray]:
    """Decode a recording into one array per speaker channel.

    Returns one array for mono and dual-mono files (and files with more than two channels,
    which are down-mixed), two for true stereo.

    Raises:
        CorruptFileError: empty, truncated beyond use, not audio, or silent-length audio.
    """
    from faster_whisper.audio import decode_audio

    path = Path(path)
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path.name}: the file is empty.")
    channels = _channel_count(path)
    try:
        if channels == 2:
            left, right = decode_audio(str(path), sampling_rate=sampling_rate, split_stereo=True)
            decoded = [left] if is_dual_mono(left, right) else [left, right]
            if len(decoded) == 1:
                log.info("%s: both channels carry the same signal; treating it as mono", path.name)
                decoded = [(left + right) / 2]
        else:
            decoded = [decode_audio(str(path), sampling_rate=sampling_rate)]
    except Exception as exc:
        raise CorruptFileError(
            f"{path.name}: cannot be decoded as audio ({exc.__class__.__name__}: {exc}). The file "
            "may be corrupt or truncated; re-export it as WAV, MP3, M4A, FLAC or OGG."
        ) from exc
    if not len(decoded[0]) or len(decoded[0]) < sampling_rate // 10:
        raise CorruptFileError(f"{path.name}: holds no audio (0 seconds decoded); the file may "
                               "be truncated.")
    return [np.ascontiguousarray(c, dtype=np.float32) for c in decoded]
