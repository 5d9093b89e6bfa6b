"""Speaker diarization of one-channel recordings: who said each word, offline, on the CPU.

Most recordings a team already has mix both sides into one channel (local Zoom and Teams
recordings, dialers, meeting recorders). Stereo calls keep the per-channel path
(``ingest.transcribe``); a mono call goes through these steps:

1. **Voice activity**: faster-whisper's Silero VAD finds the speech (a pause of
   ``MIN_PAUSE`` seconds ends a region, so most turn changes fall between regions).
2. **Speaker embeddings**: each region is cut into ``WINDOW``-second windows every ``HOP``
   seconds; a GE2E voice encoder (the three-layer LSTM of Resemblyzer, whose weights come from
   the ``resemblyzer`` package or the ``speaker_model`` setting) turns each into a 256-d unit
   vector. Recordings arrive ten minutes at a time (``ingest.audio``) and only the vectors are
   kept, so memory does not grow with the length of the call.
3. **Clustering**: agglomerative clustering of the windows (average linkage, cosine
   distance) stopped at ``MERGE_DISTANCE`` finds the speakers, held between ``min_speakers``
   and ``max_speakers`` (``diarize_speakers`` fixes the count); one speaker when every
   window sounds alike (``ONE_SPEAKER``).
4. **Resegmentation**: every word takes the speaker whose voice is closest to the windows
   around it, windows nearer the word counting more and windows of its own speech region
   first; words are then grouped into turns.

Speakers are named ``speaker-1``, ``speaker-2``... in the order they first speak. Which one is
the rep is decided by :func:`identify_rep` (an enrolled voice, else a written rule).

Example (``Transcriber.run`` does this for every mono recording)::

    diarizer = Diarizer(Settings())
    diarizer.add(audio, offset=0.0)            # each ten-minute window of the call
    segments, info = diarizer.finish(segments)  # the transcribed segments, relabelled
    info.speakers                               # 2
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.audio import SAMPLING_RATE
from ingest.errors import InputError, ModelError
from ingest.records import Diarization, Segment, Word
from ingest.settings import Settings

log = logging.getLogger(__name__)

WINDOW = 1.5
"""Seconds of speech per speaker embedding."""
HOP = 0.75
"""Seconds between the starts of two windows of one speech region."""
MIN_REGION = 0.4
"""Speech regions shorter than this (seconds) get no window of their own; their words take
the speaker of the nearest windows."""
MIN_PAUSE = 0.25
"""A pause of this many seconds ends a VAD speech region."""
MAX_CLUSTERED = 1500
"""At most this many windows are clustered (evenly spaced over the call); the others join the
nearest speaker. Clustering is quadratic in memory and time: 1,500 windows is 19 minutes of
speech."""
ONE_SPEAKER = 0.70
"""When the 5th percentile of the cosine similarity between windows is above this, the call
has one voice. Measured on synthetic speech: one voice 0.74-0.79, two voices 0.64, three or
four 0.45-0.48 (real voices differ more than synthetic ones)."""

_N_FFT = 400  # 25 ms at 16 kHz
_STEP = 160  # 10 ms
_MELS = 40
_TARGET_DBFS = -30.0
_NO_SPACE_LANGUAGES = {"zh", "ja", "th", "lo", "my", "km", "bo", "yue"}


# -- the voice encoder ------------------------------------------------------------------------


def speaker_model_path(path: Path | None = None) -> Path:
    """The voice encoder's weights: ``path``, else ``pretrained.pt`` of the installed
    ``resemblyzer`` package (found without importing it: its import pulls librosa).

    Raises:
        ModelError: no such file, or the package is not installed.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelError(f"Speaker model {path} not found: give the path of a GE2E voice "
                             "encoder checkpoint (Resemblyzer's pretrained.pt).")
        return path
    spec = importlib.util.find_spec("resemblyzer")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        candidate = Path(folder) / "pretrained.pt"
        if candidate.is_file():
            return candidate
    raise ModelError(
        "The speaker model for mono diarization is not installed. Install its weights with "
        "`pip install --no-deps resemblyzer==0.1.4` (the Makefile does), point "
        "CALLMINE_SPEAKER_MODEL at a pretrained.pt, or set CALLMINE_DIARIZE=false.")


class VoiceEncoder:
    """GE2E speaker encoder: 40 mel bands -> 3-layer LSTM (256) -> linear -> ReLU -> unit vector.

    Args:
        path: The checkpoint (``speaker_model_path``'s default when None).
    """

    _lock = threading.Lock()
    _cache: dict[Path, VoiceEncoder] = {}

    def __init__(self, path: Path | None = None) -> None:
        import torch

        self.path = speaker_model_path(path)
        try:
            checkpoint = torch.load(self.path, map_location="cpu", weights_only=True)
            state = checkpoint.get("model_state", checkpoint)
            self.lstm = torch.nn.LSTM(_MELS, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, 256)
            self.lstm.load_state_dict({k[5:]: v for k, v in state.items()
                                       if k.startswith("lstm.")})
            self.linear.load_state_dict({k[7:]: v for k, v in state.items()
                                         if k.startswith("linear.")})
        except Exception as exc:
            raise ModelError(f"Could not load the speaker model {self.path}: {exc}. Is it a "
                             "GE2E voice encoder checkpoint (Resemblyzer's pretrained.pt)?") from exc
        self.lstm.eval()
        self.linear.eval()
        self._filters = _mel_filters()
        self._window = np.hanning(_N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann

    @classmethod
    def shared(cls, path: Path | None = None) -> VoiceEncoder:
        """One loaded encoder per checkpoint per process."""
        key = speaker_model_path(path)
        with cls._lock:
            if key not in cls._cache:
                cls._cache[key] = cls(key)
            return cls._cache[key]

    def mels(self, audio: np.ndarray) -> np.ndarray:
        """(frames, 40) mel power spectrogram, 10 ms frames, loudness normalised to -30 dBFS."""
        audio = np.asarray(audio, dtype=np.float32)
        power = float(np.mean(audio ** 2)) if len(audio) else 0.0
        if power > 1e-10:
            audio = audio * np.float32(10 ** ((_TARGET_DBFS - 10 * np.log10(power)) / 20))
        pad = _N_FFT // 2
        mode = "reflect" if len(audio) > pad else "constant"
        padded = np.pad(audio, pad, mode=mode)
        if len(padded) < _N_FFT:
            return np.zeros((0, _MELS), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_STEP]
        spectrum = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        return (spectrum @ self._filters.T).astype(np.float32)

    def embed(self, batches: Sequence[np.ndarray]) -> np.ndarray:
        """Unit vectors (n, 256) of mel windows, each (frames, 40); equal lengths batch together."""
        import torch

        out = np.zeros((len(batches), 256), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for i, mel in enumerate(batches):
            by_length.setdefault(len(mel), []).append(i)
        with torch.inference_mode():
            for length, indices in by_length.items():
                if length == 0:
                    continue
                for lo in range(0, len(indices), 128):
                    chunk = indices[lo:lo + 128]
                    x = torch.from_numpy(np.stack([batches[i] for i in chunk]))
                    _, (hidden, _) = self.lstm(x)
                    raw = torch.relu(self.linear(hidden[-1]))
                    vectors = raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-8)
                    out[chunk] = vectors.numpy()
        return out

    def voice(self, audio: np.ndarray) -> tuple[np.ndarray, float]:
        """One voice print of a clip: the mean of its speech windows' vectors, made unit
        length; and the seconds of speech it was made from.

        Raises:
            InputError: less than 2 seconds of speech in the clip.
        """
        windows = speech_windows(audio, 0.0)
        seconds = sum(hi - lo for lo, hi in _region_spans(windows).values())
        if not windows or seconds < 2.0:
            raise InputError(f"The clip has {seconds:.1f} s of speech; a voice print needs at "
                             "least 2 s (10-30 s of the person talking alone is best).")
        vectors = self.embed([self.mels(w.audio) for w in windows])
        mean = vectors.mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-8), round(seconds, 1)


def _mel_filters() -> np.ndarray:
    """(40, 201) Slaney mel filters for a 400-point FFT at 16 kHz (librosa's defaults)."""
    from faster_whisper.feature_extractor import FeatureExtractor

    return np.asarray(FeatureExtractor.get_mel_filters(SAMPLING_RATE, _N_FFT, n_mels=_MELS),
                      dtype=np.float32)


# -- windows of speech -----------------------------------------------------------------------


@dataclass(slots=True)
class _Window:
    region: int  # index of the VAD region within its chunk of audio
    start: float  # seconds on the recording's timeline
    end: float
    audio: np.ndarray | None = None


def _region_spans(windows: Sequence[_Window]) -> dict[int, tuple[float, float]]:
    """(start, end) seconds of each speech region its windows cover, by region."""
    spans: dict[int, tuple[float, float]] = {}
    for w in windows:
        lo, hi = spans.get(w.region, (w.start, w.end))
        spans[w.region] = (min(lo, w.start), max(hi, w.end))
    return spans


def speech_regions(audio: np.ndarray) -> list[tuple[int, int]]:
    """(first sample, end sample) of each speech region (Silero VAD of faster-whisper)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=int(MIN_PAUSE * 1000), speech_pad_ms=30,
                         min_speech_duration_ms=150)
    return [(int(r["start"]), int(r["end"])) for r in get_speech_timestamps(audio, options)]


def speech_windows(audio: np.ndarray, offset: float, region_base: int = 0) -> list[_Window]:
    """The embedding windows of a chunk of audio that starts ``offset`` seconds into the call."""
    rate = SAMPLING_RATE
    size, hop = int(WINDOW * rate), int(HOP * rate)
    windows = []
    for index, (lo, hi) in enumerate(speech_regions(audio)):
        if hi - lo < MIN_REGION * rate:
            continue
        starts = list(range(lo, max(lo + 1, hi - size + 1), hop))
        if hi - lo > size and starts[-1] + size < hi:
            starts.append(hi - size)  # the region's end gets a window too
        for s in starts:
            e = min(s + size, hi)
            windows.append(_Window(region_base + index, offset + s / rate, offset + e / rate,
                                   audio[s:e]))
    return windows


# -- clustering ------------------------------------------------------------------------------


def cluster(vectors: np.ndarray, speakers: int | None = None, min_speakers: int = 2,
            max_speakers: int = 6) -> np.ndarray:
    """Speaker labels (0..k-1) of unit vectors.

    Agglomerative clustering with average linkage on cosine distance, stopped when the two
    closest groups are :data:`MERGE_DISTANCE` apart, finds the speakers; groups holding less
    than :data:`MIN_SHARE` of the windows (a cough, a laugh, cross-talk) join the nearest
    speaker. The count is then held between ``min_speakers`` and ``max_speakers`` (or fixed by
    ``speakers``), and each vector moves to its nearest speaker centroid. One speaker when
    every pair of vectors is alike (:data:`ONE_SPEAKER`), whatever ``min_speakers`` says.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a, b = rng.normal(size=(2, 8))
        >>> x = np.array([a + rng.normal(0, .1, 8) for _ in range(9)] +
        ...              [b + rng.normal(0, .1, 8) for _ in range(9)])
        >>> labels = cluster(x / np.linalg.norm(x, axis=1, keepdims=True))
        >>> len(set(labels[:9])), len(set(labels[9:])), bool(labels[0] != labels[-1])
        (1, 1, True)
    """
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    vectors = np.asarray(vectors, dtype=np.float64)
    if speakers is None:
        similarity = np.clip(vectors @ vectors.T, -1.0, 1.0)
        off = similarity[~np.eye(n, dtype=bool)]
        if n < 4 or float(np.percentile(off, 5)) > ONE_SPEAKER:
            return np.zeros(n, dtype=int)
    if speakers == 1 or n < 2:
        return np.zeros(n, dtype=int)
    if speakers:
        labels = _agglomerate(vectors, min(speakers, n))
    else:
        labels = _agglomerate(vectors, None)
        sizes = np.bincount(labels)
        big = np.flatnonzero(sizes >= max(2, MIN_SHARE * n))
        if len(big) == 0:
            return np.zeros(n, dtype=int)
        centroids = _centroids(vectors, labels)[big]
        labels = _renumber(np.argmax(vectors @ centroids.T, axis=1))  # small groups join
        k = int(labels.max()) + 1
        if k < min_speakers or k > max_speakers:
            labels = _agglomerate(vectors, min(max(k, min_speakers), max_speakers, n))
    k = int(labels.max()) + 1
    for _ in range(5):  # each vector to its nearest speaker centroid
        moved = np.argmax(vectors @ _centroids(vectors, labels).T, axis=1)
        if np.array_equal(moved, labels) or len(set(moved.tolist())) < k:
            break
        labels = moved
    return labels


MERGE_DISTANCE = 0.36
"""Average-linkage cosine distance at which two groups of windows are different speakers.
On the synthetic fixtures (tests/data/diarize) every value from 0.33 to 0.40 finds the right
count; on the real meeting excerpt (tests/data/diarize/real) 0.33-0.38 finds 3 of its 4
speakers (the fourth has almost no speech of their own) and 0.39 or more only 2: the middle
of the range that suits both. Real voices are closer than synthetic ones (centroid
similarity 0.67-0.78 against 0.54-0.71)."""
MIN_SHARE = 0.05
"""A group with less than this share of the windows is not a speaker of its own (a cough,
cross-talk, or someone who says one sentence in a long call: their words go to the nearest
voice)."""


def _agglomerate(vectors: np.ndarray, k: int | None) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=k, metric="cosine", linkage="average",
        distance_threshold=None if k else MERGE_DISTANCE)
    return _renumber(model.fit_predict(vectors))


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels 0..k-1 by first appearance, none missing."""
    order = {label: i for i, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[label] for label in labels.tolist()], dtype=int)


def _centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    out = []
    for k in range(int(labels.max()) + 1 if len(labels) else 0):
        mean = vectors[labels == k].mean(axis=0)
        out.append(mean / max(float(np.linalg.norm(mean)), 1e-8))
    return np.array(out).reshape(-1, vectors.shape[1] if len(vectors) else 256)


# -- the diarizer ----------------------------------------------------------------------------


class Diarizer:
    """Collects speaker vectors of a mono call chunk by chunk, then labels its words.

    Args:
        settings: Reads ``speaker_model``, ``diarize_speakers``, ``diarize_min_speakers`` and
            ``diarize_max_speakers``.
        encoder: An injected :class:`VoiceEncoder` (the shared one otherwise).
    """

    def __init__(self, settings: Settings | None = None, encoder: VoiceEncoder | None = None):
        self.settings = settings or Settings()
        self._encoder = encoder
        self._windows: list[_Window] = []
        self._vectors: list[np.ndarray] = []
        self._chunks = 0
        self.seconds = 0.0  # wall time spent so far

    @property
    def encoder(self) -> VoiceEncoder:
        if self._encoder is None:
            self._encoder = VoiceEncoder.shared(self.settings.speaker_model)
        return self._encoder

    def warm_up(self) -> None:
        """Load the voice encoder now (raises ``ModelError`` when it is missing)."""
        _ = self.encoder

    def add(self, audio: np.ndarray, offset: float) -> None:
        """Embed the speech of one chunk of the call (``offset`` seconds into it)."""
        began = time.perf_counter()
        windows = speech_windows(audio, offset, self._chunks * 1_000_000)
        self._chunks += 1
        if windows:
            vectors = self.encoder.embed([self.encoder.mels(w.audio) for w in windows])
            for w in windows:
                w.audio = None  # keep the vectors, not the audio
            self._windows.extend(windows)
            self._vectors.extend(vectors)
        self.seconds += time.perf_counter() - began

    def finish(self, segments: list[Segment], language: str | None = None
               ) -> tuple[list[Segment], Diarization]:
        """The segments re-cut into one speaker each (``speaker-1``...), and what was found."""
        began = time.perf_counter()
        s = self.settings
        vectors = np.array(self._vectors, dtype=np.float32).reshape(-1, 256)
        n = len(vectors)
        sample = vectors  # a long call: windows evenly spaced over it
        if n > MAX_CLUSTERED:
            sample = vectors[np.linspace(0, n - 1, MAX_CLUSTERED).round().astype(int)]
        labels = cluster(sample, s.diarize_speakers, s.diarize_min_speakers,
                         s.diarize_max_speakers)
        centroids = _centroids(sample, labels)
        similarity = vectors @ centroids.T if len(centroids) else np.zeros((n, 0))
        words = [w for seg in segments for w in (seg.words or [_pseudo_word(seg)]) if w.text]
        word_labels = self._label_words(words, similarity)
        result, names = _rebuild(words, word_labels, language)
        speech: dict[str, float] = {}
        for seg in result:
            speech[seg.speaker] = round(speech.get(seg.speaker, 0.0) + (seg.end or 0)
                                        - (seg.start or 0), 3)
        self.seconds += time.perf_counter() - began
        info = Diarization(
            speakers=len(speech), windows=n, seconds=round(self.seconds, 3),
            voices={names[k]: [round(float(x), 5) for x in centroids[k]]
                    for k in names if k < len(centroids)},
            speech=speech)
        return result, info

    def _label_words(self, words: list[Word], similarity: np.ndarray) -> list[int]:
        """Each word's speaker: per word, the similarity of the windows around it to each
        speaker (nearer windows, and windows of its own speech region, count more), then the
        best path through the words (Viterbi) where changing speaker costs
        :data:`SWITCH_COST` inside continuous speech and :data:`SWITCH_COST_AT_PAUSE` at a
        pause: turns change at pauses, rarely in the middle of a phrase."""
        if not len(words) or not len(similarity) or similarity.shape[1] < 2:
            return [0] * len(words)
        centres = np.array([(w.start + w.end) / 2 for w in self._windows])
        regions = np.array([w.region for w in self._windows])
        spans = _region_spans(self._windows)
        order = np.argsort(centres)
        sorted_centres = centres[order]
        scores = np.zeros((len(words), similarity.shape[1]))
        for i, word in enumerate(words):
            mid = (word.start + word.end) / 2
            near = order[np.searchsorted(sorted_centres, mid - WINDOW):
                         np.searchsorted(sorted_centres, mid + WINDOW)]
            if len(near):
                own = [j for j in near
                       if spans[regions[j]][0] - 0.05 <= mid <= spans[regions[j]][1] + 0.05]
                near = np.array(own) if own else near
                weights = np.maximum(1.0 - np.abs(centres[near] - mid) / WINDOW, 0.05)
                score = weights @ similarity[near] / weights.sum()
            else:
                nearest = order[min(np.searchsorted(sorted_centres, mid), len(order) - 1)]
                score = similarity[nearest]
            scores[i] = score * max(word.end - word.start, 0.05)
        return _viterbi(scores, [max(0.0, b.start - a.end) for a, b in zip(words, words[1:])])


SWITCH_COST = 0.15
"""Cost (similarity x seconds) of a speaker change between two words with no pause."""
SWITCH_COST_AT_PAUSE = 0.01
"""Cost of a speaker change at a pause of :data:`PAUSE` seconds or more."""
PAUSE = 0.15


def _viterbi(scores: np.ndarray, gaps: Sequence[float]) -> list[int]:
    """The label path maximising summed scores minus the cost of each change."""
    n, k = scores.shape
    total = scores[0].copy()
    back = np.zeros((n, k), dtype=int)
    for i in range(1, n):
        cost = SWITCH_COST_AT_PAUSE if gaps[i - 1] >= PAUSE else SWITCH_COST
        stay = total
        best_other = np.argmax(total)
        switch = total[best_other] - cost
        take_switch = switch > stay
        back[i] = np.where(take_switch, best_other, np.arange(k))
        total = np.where(take_switch, switch, stay) + scores[i]
    path = [int(np.argmax(total))]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def _pseudo_word(segment: Segment) -> Word:
    """A segment without word timings labelled as one word."""
    start = segment.start or 0.0
    return Word(start, segment.end if segment.end is not None else start, segment.text)


def _rebuild(words: list[Word], labels: list[int], language: str | None
             ) -> tuple[list[Segment], dict[int, str]]:
    """Segments of consecutive words of one speaker, cut at long pauses as transcription cuts
    them (``ingest.transcribe.MAX_PAUSE``); speakers named by first appearance."""
    from itertools import groupby

    from ingest.transcribe import MAX_PAUSE, _pause_groups  # transcribe imports this module

    names: dict[int, str] = {}
    for label in labels:
        names.setdefault(label, f"speaker-{len(names) + 1}")
    joiner = "" if (language or "") in _NO_SPACE_LANGUAGES else " "
    segments = [_segment(names[label], group, joiner)
                for label, run in groupby(zip(words, labels), key=lambda pair: pair[1])
                for group in _pause_groups([word for word, _ in run], MAX_PAUSE)]
    return segments, names


def _segment(speaker: str, words: list[Word], joiner: str) -> Segment:
    return Segment(speaker=speaker, text=join_words([w.text for w in words], joiner),
                   start=words[0].start, end=words[-1].end, words=list(words))


_ATTACHED = tuple(",.!?;:%)]}'’")


def join_words(words: Sequence[str], joiner: str = " ") -> str:
    """Words as text: no space before punctuation Whisper gives as its own word.

    Example:
        >>> join_words(["about", "4", ",000", "invoices", "(roughly)", "we're", "'s", "done", "."])
        "about 4,000 invoices (roughly) we're's done."
    """
    text = ""
    for word in words:
        if not word:
            continue
        text += word if not text or word.startswith(_ATTACHED) else joiner + word
    return text.strip()


# -- which speaker is the rep ----------------------------------------------------------------

OPENING = 60.0
"""Seconds at the start of a call read by the first-speaker rule."""
VOICE_MATCH = 0.70
"""An enrolled voice print matches a speaker at this cosine similarity or more..."""
VOICE_MARGIN = 0.05
"""...and at least this much more than any other speaker."""


@dataclass(slots=True)
class RepChoice:
    """The speaker taken as the rep, how, and whether the rule was sure."""

    speaker: str | None
    rule: str  # "enrolled voice" | "first speaker" | "one speaker"
    sure: bool
    why: str


def identify_rep(segments: Sequence[Segment], info: Diarization,
                 voice: Sequence[float] | None = None, rep: str | None = None) -> RepChoice:
    """Which diarized speaker is the rep.

    1. With an enrolled voice print of the call's rep (``callmine reps enroll``), the speaker
       whose voice is closest, sure when the similarity is at least :data:`VOICE_MATCH` and
       :data:`VOICE_MARGIN` above the next speaker.
    2. Else, when exactly one speaker introduces themselves with the rep's first name ("this
       is Marcus", "it's Marcus from...", "I'm Marcus", "Marcus here", "my name is Marcus";
       a slightly misheard name counts), that speaker, sure.
    3. Else the written rule: **the rep is the first speaker**, the one who opens the call
       (reps open the calls they run); sure only when that speaker also talks most in the
       opening minute (:data:`OPENING`) and does not call someone by the rep's first name
       (buyers greet the rep by name: "Hi Marcus").

    One speaker: that speaker, never sure.
    """
    speakers = [s for s in info.speech if info.speech[s] > 0]
    if not speakers:
        return RepChoice(None, "one speaker", False, "no speech was attributed to a speaker")
    if len(speakers) == 1:
        return RepChoice(speakers[0], "one speaker", False,
                         "one voice was heard, so the rep and the buyer cannot be told apart")
    if voice is not None and info.voices:
        v = np.asarray(voice, dtype=np.float32)
        scores = sorted(((float(np.dot(v, np.asarray(info.voices[s], dtype=np.float32))), s)
                         for s in speakers if s in info.voices), reverse=True)
        if scores:
            (top, speaker), second = scores[0], (scores[1][0] if len(scores) > 1 else -1.0)
            sure = top >= VOICE_MATCH and top - second >= VOICE_MARGIN
            why = (f"closest to the rep's enrolled voice (similarity {top:.2f}, next "
                   f"{second:.2f})")
            if not sure:
                why += "; too close to call, check it"
            return RepChoice(speaker, "enrolled voice", sure, why)
    first_name = (rep or "").split()[0] if (rep or "").split() else ""
    intro, address = _name_cues(segments, first_name)
    introduced = [sp for sp in speakers if intro.get(sp)]
    if len(introduced) == 1:
        return RepChoice(introduced[0], "introduced themselves", True,
                         f"introduced themselves as {first_name}")
    timed = [s for s in segments if s.start is not None and s.speaker in speakers]
    if not timed:
        return RepChoice(speakers[0], "first speaker", False, "no timings to read the opening")
    first = min(timed, key=lambda s: s.start).speaker
    start = min(s.start for s in timed)
    opening: dict[str, float] = {}
    for seg in timed:
        lo, hi = seg.start, min(seg.end or seg.start, start + OPENING)
        if hi > lo:
            opening[seg.speaker] = opening.get(seg.speaker, 0.0) + hi - lo
    most = max(opening, key=opening.__getitem__) if opening else first
    if most != first:
        return RepChoice(first, "first speaker", False,
                         "opened the call, but another speaker talked more in its first minute")
    if address.get(first):
        return RepChoice(first, "first speaker", False,
                         f"opened the call, but called someone {first_name}, the rep's name")
    return RepChoice(first, "first speaker", True,
                     "opened the call and talked most in its first minute")


_INTRO_BEFORE = r"(?:this is|it's|it is|i'm|i am|my name is|name's|name is)"
_INTRO_AFTER = r"(?:here|speaking|from)"


def _name_cues(segments: Sequence[Segment], first_name: str
               ) -> tuple[dict[str, int], dict[str, int]]:
    """Per speaker: how often they introduce themselves with ``first_name`` ("this is Dana",
    "Dana here", "it's Dana from..."; the name may be misheard a little: Whisper writes
    "Hannah" for "Hana"), and how often they say the name otherwise (addressing someone)."""
    import re

    intro: dict[str, int] = {}
    address: dict[str, int] = {}
    name = first_name.lower().strip(".,")
    if len(name) < 2:
        return intro, address
    before = re.compile(_INTRO_BEFORE + r"\s+([\w'-]+)")
    after = re.compile(r"([\w'-]+)\s+" + _INTRO_AFTER + r"\b")
    said = re.compile(rf"\b{re.escape(name)}\b")
    for seg in segments:
        text = " ".join(seg.text.lower().replace("\u2019", "'").split())
        spots = {m.start(1) for pattern in (before, after) for m in pattern.finditer(text)
                 if _same_name(m.group(1), name)}  # where the name is said as an intro
        n_intro = len(spots)
        n_said = len(said.findall(text))
        if n_intro:
            intro[seg.speaker] = intro.get(seg.speaker, 0) + n_intro
        if n_said > n_intro:
            address[seg.speaker] = address.get(seg.speaker, 0) + n_said - n_intro
    return intro, address


def _same_name(word: str, name: str) -> bool:
    """A heard word is the name: equal, or close enough for a mishearing: a similarity ratio
    of 0.8 or more with the same first sound ("hannah"/"hana", "emira"/"amira"), or the same
    Soundex code ("rise"/"rhys").

    Example:
        >>> [_same_name(w, n) for w, n in [("hannah", "hana"), ("emira", "amira"),
        ...                                ("rise", "rhys"), ("data", "dana"), ("sam", "dana")]]
        [True, True, True, False, False]
    """
    from difflib import SequenceMatcher

    word = word.strip(".,'-")
    if word == name:
        return True
    if len(word) < 3 or len(name) < 3:
        return False
    vowels = "aeiouy"
    same_start = word[0] == name[0] or (word[0] in vowels and name[0] in vowels)
    return (same_start and SequenceMatcher(None, word, name).ratio() >= 0.8) or \
        _soundex(word) == _soundex(name)


def _soundex(word: str) -> str:
    """American Soundex code of a word ("rhys" -> "R200")."""
    codes = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"),
             **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}
    letters = [c for c in word.lower() if c.isalpha()]
    if not letters:
        return ""
    out, last = letters[0].upper(), codes.get(letters[0], "")
    for c in letters[1:]:
        code = codes.get(c, "")
        if code and code != last:
            out += code
        if c not in "hw":
            last = code
    return (out + "000")[:4]


def name_speakers(segments: Sequence[Segment], info: Diarization, rep: str | None = None,
                  voice: Sequence[float] | None = None) -> tuple[list[Segment], dict]:
    """Diarized segments with people's names, and the note kept with the call.

    The rep's speaker (:func:`identify_rep`) takes the manifest's rep name (``Rep`` without
    one); the others are ``Buyer``, or ``Buyer 1``, ``Buyer 2``... in the order they first
    speak. With one voice nobody is named the rep (``Speaker``), so the call is flagged rather
    than silently read as all rep or all buyer.

    Example:
        >>> segs = [Segment("speaker-1", "Hi, thanks for joining.", 0.0, 2.0),
        ...         Segment("speaker-2", "Sure.", 2.5, 3.0)]
        >>> info = Diarization(2, 4, 0.1, speech={"speaker-1": 2.0, "speaker-2": 0.5})
        >>> named, note = name_speakers(segs, info, rep="Dana Whitfield")
        >>> [s.speaker for s in named], note["rule"], note["sure"]
        (['Dana Whitfield', 'Buyer'], 'first speaker', True)
    """
    from dataclasses import replace

    choice = identify_rep(segments, info, voice, rep)
    order = list(dict.fromkeys(s.speaker for s in segments))
    rep_label = " ".join((rep or "").split()) or "Rep"
    names: dict[str, str] = {}
    if len(order) == 1:
        names[order[0]] = "Speaker"
    else:
        if choice.speaker is not None:
            names[choice.speaker] = rep_label
        others = [sp for sp in order if sp not in names]
        for i, sp in enumerate(others, 1):
            names[sp] = "Buyer" if len(others) == 1 else f"Buyer {i}"
    named = [replace(seg, speaker=names.get(seg.speaker, seg.speaker)) for seg in segments]
    note = {"method": "voice", "speakers": len(order),
            "rep": names.get(choice.speaker) if len(order) > 1 else None,
            "rule": choice.rule, "sure": choice.sure and len(order) > 1, "why": choice.why,
            "labels": {names.get(k, k): k for k in order},
            "speech": {k: info.speech.get(k, 0.0) for k in order},
            "voices": {k: info.voices[k] for k in order if k in info.voices}}
    return named, note


def recheck_rep(note: dict, turns: Sequence, rep: str | None,
                voice: Sequence[float]) -> dict[str, str] | None:
    """After a rep's voice is enrolled: the new names of a stored diarized call's speakers
    (``{old name: new name}``, empty when the rep stays the same), updating ``note`` in place;
    None when the call was not diarized into two or more voices.

    ``turns`` are the stored turns (speaker, start, end, text); ``note`` the call's speakers
    note from :func:`name_speakers`.
    """
    labels = note.get("labels") or {}
    if note.get("method") != "voice" or len(labels) < 2 or not note.get("voices"):
        return None
    segments = [Segment(labels.get(t.speaker, t.speaker), t.text, t.start, t.end)
                for t in turns]
    info = Diarization(speakers=len(labels), windows=0, seconds=0.0,
                       voices=note["voices"], speech=note.get("speech") or {})
    _, new_note = name_speakers(segments, info, rep, voice)
    old_names = {label: name for name, label in labels.items()}
    renames = {old_names[label]: name for name, label in new_note["labels"].items()
               if old_names.get(label) != name}
    note.update({k: new_note[k] for k in ("rep", "rule", "sure", "why", "labels")})
    return renames


@dataclass(slots=True)
class Enrolment:
    """What ``callmine reps enroll`` did."""

    name: str
    status: str  # stored | replaced
    seconds: float  # seconds of speech in the clip
    checked: list[str]  # diarized calls of this rep looked at again
    corrected: list[str]  # ... whose rep speaker changed


def enroll_rep(workspace, name: str, clip: Path, settings: Settings | None = None
               ) -> Enrolment:
    """Keep a rep's voice print from a clip of them talking (10-30 s alone is best) and
    re-check the rep of their diarized calls already stored.

    Raises:
        InputError: no such clip, not audio, or less than 2 s of speech in it.
        ModelError: the speaker model is missing.
    """
    from ingest.audio import load_channels

    settings = settings or Settings()
    clip = Path(clip)
    if not clip.is_file():
        raise InputError(f"{clip}: no such file. Give an audio clip of the rep talking.")
    channels = load_channels(clip)
    audio = channels[0] if len(channels) == 1 else np.mean(channels, axis=0)
    vector, seconds = VoiceEncoder.shared(settings.speaker_model).voice(audio)
    name = " ".join(name.split())
    status = workspace.save_rep_voice(name, vector.tolist(), seconds, clip.name)
    checked, corrected = [], []
    for call in workspace.calls():
        note = call.speakers or {}
        if note.get("method") != "voice" or (call.meta.rep or "").lower() != name.lower():
            continue
        turns = workspace.turns(call.call_id)
        note["voices"] = workspace.call_voices(call.call_id)
        renames = recheck_rep(note, turns, call.meta.rep, vector)
        if renames is None:
            continue
        checked.append(call.call_id)
        note.pop("voices")  # read to re-check; the stored ones stay as they are
        workspace.rename_speakers(call.call_id, renames, note.get("rep"), note)
        if renames:
            corrected.append(call.call_id)
    return Enrolment(name, status, seconds, checked, corrected)


__all__ = ["Diarizer", "Enrolment", "RepChoice", "VoiceEncoder", "cluster", "enroll_rep",
           "identify_rep", "name_speakers", "speaker_model_path", "speech_regions",
           "speech_windows"]
