"""Local speech recognition with faster-whisper (CTranslate2, int8 on CPU).

Stereo calls are transcribed one channel at a time, one speaker per channel, keeping the
original timeline; ``run`` interleaves the segments of both channels by start time. VAD skips
the silence (and so the other speaker's turns on a split channel); word timestamps are kept.
A recording is decoded and transcribed ten minutes at a time (``ingest.audio.audio_windows``),
so memory does not grow with its length.

Example:
    >>> from itertools import islice
    >>> transcriber = Transcriber(Settings(whisper_model="tiny.en"))
    >>> segments = transcriber.segments(Path("demo/calls/larkspur-property-negotiation.m4a"))
    >>> for segment in islice(segments, 2):   # yielded as they are transcribed
    ...     print(f"{segment.start:5.1f} {segment.speaker}: {segment.text[:48]}")
      0.3 channel-0: Hi Olivia, thanks for making time. Did you get a
     15.8 channel-0: I understand. Most of our customers pay back the
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np
from tqdm import tqdm

from ingest.audio import WINDOW_SECONDS, AudioWindow, audio_windows
from ingest.diarize import Diarizer
from ingest.errors import ModelError
from ingest.models import whisper_model_dir
from ingest.records import Segment, Transcript, Word, source_name
from ingest.settings import Settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, float], None]
"""Called with (seconds of audio done, seconds of audio in all, summed over channels)."""

MAX_PAUSE = 1.5
"""A silence longer than this (seconds) between two words of a segment starts a new segment.

VAD drops silence before decoding, so one decoded window (up to 30 s of speech) can join
speech from either side of the other speaker's turn on a split channel; cutting at long
pauses restores the turns.
"""

_LANGUAGE_CONFIDENCE = 0.5
"""A language detected on one channel with at least this probability is used for the next."""


class _Timed(Protocol):
    start: float
    end: float


_T = TypeVar("_T", bound=_Timed)


@dataclass(slots=True)
class _Job:
    """One file being transcribed: its windows and what transcription has learnt so far."""

    source: str
    windows: Iterator[AudioWindow]
    language: str | None
    duration: float = 0.0  # seconds transcribed so far (the whole recording once done)
    speech: dict[str, float] = field(default_factory=dict)  # language -> seconds of speech
    diarizer: Diarizer | None = None  # collects speaker vectors of a mono recording
    channels: int = 0  # channels of the recording (known after its first window)


def split_on_pauses(segment: Segment, max_pause: float = MAX_PAUSE) -> list[Segment]:
    """Cut a segment where its words are more than ``max_pause`` seconds apart.

    Example:
        >>> words = [Word(0.0, 0.4, "Thanks."), Word(6.0, 6.3, "Next.")]
        >>> [s.text for s in split_on_pauses(Segment("channel-0", "Thanks. Next.", 0, 6.3, words))]
        ['Thanks.', 'Next.']
    """
    groups = _pause_groups([w for w in segment.words if w.text], max_pause)
    if len(groups) < 2:
        return [segment]
    return [Segment(speaker=segment.speaker, text=" ".join(w.text for w in group),
                    start=group[0].start, end=group[-1].end, words=group) for group in groups]


def _pause_groups(words: Sequence[_T], max_pause: float) -> list[list[_T]]:
    groups: list[list[_T]] = []
    for word in words:
        if not groups or word.start - groups[-1][-1].end > max_pause:
            groups.append([])
        groups[-1].append(word)
    return groups


class Transcriber:
    """Transcribes recordings into speaker-labelled, word-timed segments.

    Args:
        settings: Reads ``whisper_model`` (``base``, ``tiny.en`` or a CTranslate2 folder),
            ``model_cache``, ``beam_size``, ``whisper_batch_size`` (batched inference when
            > 1, the main speed lever on CPU), ``cpu_threads``, ``vad``, ``language`` (None
            detects it) and ``channel_roles`` (speaker names of channels 0 and 1).
            Default: ``Settings()``.

    The model is loaded by ``warm_up()`` or on first use. One instance can serve several
    threads (each call decodes with its own pipeline object).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the Whisper model now (0.4-0.6 s for the bundled ones).

        Raises:
            ModelError: the model cannot be found, assembled or loaded.
        """
        with self._lock:
            if self._model is not None:
                return
            s = self.settings
            folder = whisper_model_dir(s.whisper_model, s.model_cache)
            try:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                           cpu_threads=s.cpu_threads, local_files_only=True)
            except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError on bad files
                raise ModelError(f"Could not load the Whisper model from {folder}: {exc}. Is it "
                                 "a CTranslate2 Whisper model folder?") from exc
            log.info("Whisper model %s loaded from %s", s.whisper_model, folder)

    def speaker_name(self, channel: int) -> str:
        """``channel_roles[channel]`` when configured, else ``"channel-<n>"``."""
        roles = self.settings.channel_roles
        return roles[channel] if roles else f"channel-{channel}"

    def segments(self, path: Path, progress: bool = True,
                 on_progress: ProgressCallback | None = None) -> Iterator[Segment]:
        """Yield segments as they are transcribed: channel by channel, each in time order,
        within each ten-minute window of the recording (one window up to ten minutes).

        The file is opened, its first window decoded and the model loaded before this
        returns, so bad input raises here, not at the first ``next()``. Speakers of a mono
        recording are known only once all of it is heard: here it is one speaker
        (``channel-0``); ``run`` diarizes it.

        Args:
            path: An audio file (see ``ingest.audio.AUDIO_EXTENSIONS``).
            progress: Show a progress bar over seconds of audio on stderr (when a terminal).
            on_progress: Also called with (seconds done, seconds in all) as segments come.

        Raises:
            InputError, CorruptFileError: the file is missing or not decodable audio.
            ModelError: the model cannot be loaded.
        """
        job = self._start(path)
        return self._generate(job, progress, on_progress)

    def run(self, path: Path, progress: bool = True,
            on_progress: ProgressCallback | None = None) -> Transcript:
        """Transcribe a whole file; segments of all channels sorted by start time.

        ``language`` is the configured one, or the one detected on most of the speech (None
        when nothing was said). A mono recording is diarized (``settings.diarize``): its
        segments are re-cut by voice into ``speaker-1``, ``speaker-2``... and
        ``diarization`` says what was found.
        """
        job = self._start(path, diarize=self.settings.diarize)
        segments = sorted(self._generate(job, progress, on_progress),
                          key=lambda s: (s.start, s.end, s.speaker))
        heard = {lang: seconds for lang, seconds in job.speech.items() if seconds > 0}
        language = self.settings.language or max(heard, key=heard.__getitem__, default=None)
        info = None
        if job.diarizer is not None and job.channels == 1:
            segments, info = job.diarizer.finish(segments, language)
            log.info("%s: %d speakers found by voice in %.1f s", job.source, info.speakers,
                     info.seconds)
        return Transcript(source=job.source, segments=segments,
                          duration=round(job.duration, 3), language=language,
                          diarization=info)

    def _start(self, path: Path, diarize: bool = False) -> _Job:
        windows = audio_windows(Path(path), WINDOW_SECONDS)  # decodes the first window
        self.warm_up()
        return _Job(source=str(path), windows=windows, language=self.settings.language,
                    diarizer=Diarizer(self.settings) if diarize else None)

    def _generate(self, job: _Job, progress: bool,
                  on_progress: ProgressCallback | None) -> Iterator[Segment]:
        bar = None
        total = 0.0

        def report(done: float) -> None:
            done = min(done, total)
            if done > bar.n:
                bar.update(done - bar.n)
            if on_progress:
                on_progress(round(done, 3), round(total, 3))

        try:
            for window in job.windows:
                start, seconds, n = window.start, window.seconds, len(window.channels)
                end = (start + seconds) * n
                if bar is None:  # in all: exact for one window, else what the header says
                    total = end if window.last else max((window.announced or 0.0) * n, end)
                    bar = tqdm(total=round(total, 1), unit="s", desc=source_name(job.source),
                               disable=None if progress else True, leave=False,
                               dynamic_ncols=True,
                               bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s of audio "
                                          "[{elapsed}<{remaining}]")
                elif window.last or end > total:
                    total = end
                    bar.total = round(total, 1)
                channels, window = window.channels, None  # each channel goes once it is done
                job.channels = n
                if n == 1 and job.diarizer is not None:
                    job.diarizer.add(channels[0], start)  # ModelError when it is missing
                for channel in range(n):
                    audio, channels[channel] = channels[channel], None
                    speaker = self.speaker_name(channel)
                    done = start * n + channel * seconds
                    for piece in self._decode_channel(job, audio):
                        yield from _to_segments(piece, speaker, seconds, start)
                        report(done + min(float(piece.end), seconds))
                    del audio
                    report(done + seconds)
                job.duration = start + seconds
        finally:
            if bar is not None:
                bar.close()

    def _decode_channel(self, job: _Job, audio: np.ndarray) -> Iterable:
        """faster-whisper segments of one channel; learns the language for the next one."""
        from faster_whisper import BatchedInferencePipeline

        s = self.settings
        assert self._model is not None
        options = dict(language=job.language, beam_size=s.beam_size, word_timestamps=True,
                       vad_filter=s.vad, condition_on_previous_text=False)
        if s.whisper_batch_size > 1 and s.vad:
            # Batches need VAD to cut the audio at pauses (fixed 30 s clips cut words in two).
            # A pipeline per call: it keeps per-run state (last_speech_timestamp).
            pipeline = BatchedInferencePipeline(self._model)
            pieces, info = pipeline.transcribe(audio, batch_size=s.whisper_batch_size,
                                               **options)
        else:
            pieces, info = self._model.transcribe(audio, **options)
        job.speech[info.language] = job.speech.get(info.language, 0.0) + info.duration_after_vad
        if (job.language is None and info.duration_after_vad > 0
                and info.language_probability >= _LANGUAGE_CONFIDENCE):
            job.language = info.language  # the other side of the call speaks it too
        return pieces


def _to_segments(piece, speaker: str, duration: float, offset: float = 0.0) -> list[Segment]:
    """One faster-whisper segment of a window (``duration`` seconds, starting ``offset``
    seconds into the recording) as callmine segments on the recording's timeline, cut at long
    pauses."""
    def clip(seconds: float) -> float:
        return _clip(seconds, duration, offset)

    words = [w for w in (piece.words or []) if w.word.strip()]
    if not words:
        text = piece.text.strip()
        if not text:
            return []
        return [Segment(speaker=speaker, text=text, start=clip(piece.start), end=clip(piece.end))]
    groups = _pause_groups(words, MAX_PAUSE)
    segments = []
    for group in groups:
        # Rejoin the raw words (leading spaces included): right for languages without spaces.
        text = piece.text.strip() if len(groups) == 1 else "".join(w.word for w in group).strip()
        segments.append(Segment(
            speaker=speaker, text=text, start=clip(group[0].start), end=clip(group[-1].end),
            words=[Word(clip(w.start), clip(w.end), w.word.strip(),
                        round(float(w.probability), 4)) for w in group]))
    return segments


def _clip(seconds: float, duration: float, offset: float = 0.0) -> float:
    """Seconds inside a window of ``duration`` seconds, moved ``offset`` seconds on, to the
    millisecond, as a plain float (not numpy's)."""
    return round(offset + float(min(max(seconds, 0.0), duration)), 3)
