"""Local speech recognition with faster-whisper (CTranslate2, int8 on CPU).

Stereo calls are transcribed one channel at a time, one speaker per channel, keeping the
original timeline; segments of both channels are interleaved by start time. VAD skips the
silence (and the other speaker's turns on a split channel); word timestamps are kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from ingest.audio import SAMPLING_RATE, load_channels
from ingest.errors import ModelError
from ingest.models import whisper_model_dir
from ingest.records import Segment, Transcript, Word
from ingest.settings import Settings

log = logging.getLogger(__name__)

MAX_PAUSE = 1.5
"""A silence longer than this (seconds) inside a recognised segment starts a new segment.

Batched inference decodes up to 30 s of speech at once; on a split channel that window can
span the other speaker's turn, so segments are cut again at long pauses between words.
"""

ProgressCallback = Callable[[float, float], None]
"""Called with (seconds of audio done, seconds of audio in all) as transcription goes."""


def split_on_pauses(segment: Segment, max_pause: float = MAX_PAUSE) -> list[Segment]:
    """Cut a segment where its words are more than ``max_pause`` seconds apart."""
    words = [w for w in segment.words if w.text]
    if len(words) < 2:
        return [segment]
    groups: list[list[Word]] = [[words[0]]]
    for previous, word in zip(words, words[1:]):
        if word.start - previous.end > max_pause:
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [segment]
    return [Segment(speaker=segment.speaker, text=" ".join(w.text for w in group),
                    start=group[0].start, end=group[-1].end, words=group) for group in groups]


class Transcriber:
    """Transcribes recordings into speaker-labelled segments.

    Args:
        settings: ``whisper_model`` (``base``, ``tiny.en`` or a CTranslate2 folder),
            ``beam_size``, ``whisper_batch_size`` (batched inference when > 1), ``cpu_threads``,
            ``vad``, ``language``, ``channel_roles`` and ``model_cache``.

    Example:
        >>> t = Transcriber(Settings(whisper_model="tiny.en"))
        >>> for segment in t.segments(Path("call.ogg")):
        ...     print(segment.speaker, segment.text)
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model = None
        self._pipeline = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now (otherwise it is loaded on first use)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            folder = whisper_model_dir(self.settings.whisper_model, self.settings.model_cache)
            try:
                from faster_whisper import BatchedInferencePipeline, WhisperModel

                model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                     cpu_threads=self.settings.cpu_threads, local_files_only=True)
            except Exception as exc:
                raise ModelError(f"Could not load the Whisper model from {folder}: {exc}") from exc
            self._pipeline = (BatchedInferencePipeline(model)
                              if self.settings.whisper_batch_size > 1 else None)
            self._model = model
            log.info("Whisper model loaded from %s", folder)

    def speaker_name(self, channel: int) -> str:
        roles = self.settings.channel_roles
        return roles[channel] if roles else f"channel-{channel}"

    def _transcribe_channel(self, audio):
        s = self.settings
        options = dict(beam_size=s.beam_size, language=s.language, word_timestamps=True,
                       vad_filter=s.vad, condition_on_previous_text=False)
        if self._pipeline is not None:
            return self._pipeline.transcribe(audio, batch_size=s.whisper_batch_size, **options)
        return self._model.transcribe(audio, **options)

    def transcribe(
        self, path: Path, progress: bool = True, on_progress: ProgressCallback | None = None
    ) -> tuple[Iterator[Segment], dict]:
        """Start transcribing; returns a segment generator and an info dict.

        The info dict has ``duration`` at once and ``language`` once the first channel has
        started. Segments come channel by channel, each channel in time order.
        """
        channels = load_channels(Path(path))
        self.warm_up()
        duration = len(channels[0]) / SAMPLING_RATE
        total = duration * len(channels)
        info: dict = {"duration": duration, "language": self.settings.language,
                      "channels": len(channels)}

        def generate() -> Iterator[Segment]:
            bar = tqdm(total=round(total, 1), unit="s", desc=Path(path).name, disable=not progress,
                       leave=False, bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s audio "
                       "[{elapsed}<{remaining}]")
            done_before = 0.0
            try:
                for channel, audio in enumerate(channels):
                    pieces, channel_info = self._transcribe_channel(audio)
                    info["language"] = info["language"] or channel_info.language
                    speaker = self.speaker_name(channel)
                    for piece in pieces:
                        text = piece.text.strip()
                        done = done_before + min(piece.end, duration)
                        bar.update(max(0.0, round(done - bar.n, 1)))
                        if on_progress:
                            on_progress(done, total)
                        if not text:
                            continue
                        words = [Word(round(w.start, 3), round(w.end, 3), w.word.strip(),
                                      round(w.probability, 4)) for w in (piece.words or [])]
                        segment = Segment(speaker=speaker, text=text, start=round(piece.start, 3),
                                          end=round(piece.end, 3), words=words)
                        yield from split_on_pauses(segment)
                    done_before += duration
                    bar.update(max(0.0, round(done_before - bar.n, 1)))
                    if on_progress:
                        on_progress(done_before, total)
            finally:
                bar.close()

        return generate(), info

    def segments(self, path: Path, progress: bool = True,
                 on_progress: ProgressCallback | None = None) -> Iterator[Segment]:
        """Yield segments as they are transcribed (channel by channel)."""
        pieces, _ = self.transcribe(path, progress, on_progress)
        yield from pieces

    def run(self, path: Path, progress: bool = True,
            on_progress: ProgressCallback | None = None) -> Transcript:
        """Transcribe a whole file: segments of all channels sorted by start time."""
        pieces, info = self.transcribe(path, progress, on_progress)
        segments = sorted(pieces, key=lambda s: (s.start, s.speaker))
        return Transcript(source=str(path), segments=segments, duration=round(info["duration"], 3),
                          language=info["language"])
