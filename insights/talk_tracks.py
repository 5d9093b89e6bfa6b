"""Talk-track use in rep turns, and how the buyer reacted.

A rep turn uses a talk track from ``messaging.yaml`` when one of its sentences makes the
track's argument, as a person reading it would say, not when it is lexically close to the
statement: :class:`TrackDetector` reads every sentence against all the tracks of the messaging
with the learned matcher of :mod:`insights.track_model` (trained by
``python -m training.train_tracks`` on real labelled persuasion chats and the demo's
paraphrases). A turn counts once per track. The buyer's reaction is read from the buyer turn(s)
right after the rep's turn: positive, neutral or objection, by a small head trained on
``reactions.jsonl``, with the objection detector's vote when that measurably helped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.messaging import TalkTrack
from ingest.records import Call, Turn
from insights.detector import TurnAnalysis
from insights.encoding import SentenceEncoder
from insights.heads import LinearHead
from insights.records import Reaction
from insights.sentences import Sentence, split_sentences, word_count
from insights.track_model import TrackModel, TrackViews, voices

log = logging.getLogger(__name__)

MIN_TRACK_WORDS = 3
"""Rep sentences shorter than this are not read against the tracks (not even embedded): "Sure."
or "Thank you!" make no argument, and they are a large share of what reps say. In the real
persuasion chats 1% of the labelled track uses are in sentences of one or two words only."""

MAX_REACTION_TURNS = 2
"""How many consecutive buyer turns after the rep's turn make up the reaction."""


@dataclass(slots=True)
class TrackMatch:
    """A sentence that uses a talk track."""

    track_id: str
    confidence: float
    """The matcher's probability that the sentence makes the track's argument."""
    start: int
    end: int
    text: str


@dataclass(slots=True)
class TrackUse:
    """A rep turn that used a talk track, and the buyer's reaction after it."""

    call_id: str
    turn: int
    track_id: str
    confidence: float
    text: str
    """The matching sentence, verbatim."""
    start: float | None
    reaction: Reaction | None
    reaction_text: str | None


def track_sentences(text: str) -> list[Sentence]:
    """The sentences of a rep turn that are read against the tracks (offsets kept)."""
    return [s for s in split_sentences(text) if word_count(s.text) >= MIN_TRACK_WORDS]


class TrackDetector:
    """Finds the sentences of rep turns that use a talk track, with the learned matcher.

    Args:
        encoder: Embeds sentences and track texts (the analysis' shared encoder, so rep
            sentences embedded for the objection detector's context are not embedded again).
        tracks: The talk tracks of the messaging. A track may carry ``examples`` (other
            phrasings of its argument); each is read as one more view of the track.
        model: The matcher's weights; by default the shipped ``insights/model`` ones.
        threshold: Overrides the model's decision threshold (a probability).

    Example:
        >>> from ingest.embed import Embedder
        >>> from ingest.messaging import load_messaging
        >>> messaging = load_messaging(Path("demo/messaging.yaml"))
        >>> detector = TrackDetector(SentenceEncoder(Embedder()), messaging.talk_tracks)
        >>> [(m.track_id, m.text) for m in detector.match_text(
        ...     "Honestly, most teams have paid us back by month six. Any questions?")]
        [('payback', 'Honestly, most teams have paid us back by month six.')]
    """

    def __init__(self, encoder: SentenceEncoder, tracks: Sequence[TalkTrack],
                 model: TrackModel | None = None, threshold: float | None = None) -> None:
        self.encoder = encoder
        self.tracks = list(tracks)
        self._model = model
        self._threshold = threshold
        self._views: TrackViews | None = None

    @property
    def model(self) -> TrackModel:
        if self._model is None:
            self._model = TrackModel.load()
        return self._model

    @property
    def threshold(self) -> float:
        return self.model.threshold if self._threshold is None else self._threshold

    @property
    def views(self) -> TrackViews:
        """The tracks embedded as the model reads them (computed once)."""
        if self._views is None:
            statements = [t.statement for t in self.tracks]
            embedded = self.encoder.encode(statements + [t.name for t in self.tracks])
            self.model.check_dim(embedded.shape[1])
            examples = []
            for t in self.tracks:
                phrasings = [e for e in getattr(t, "examples", None) or [] if e.strip()]
                examples.append(self.encoder.encode(phrasings) if phrasings
                                else np.zeros((0, embedded.shape[1]), dtype=np.float32))
            k = len(self.tracks)
            self._views = TrackViews(embedded[:k], embedded[k:], voices(statements),
                                     tuple(examples))
        return self._views

    def probabilities(self, sentences: Sequence[str]) -> np.ndarray:
        """``(n, tracks)`` probability that each sentence makes each track's argument."""
        if not self.tracks or not sentences:
            return np.zeros((len(sentences), len(self.tracks)), dtype=np.float32)
        distinct = list(dict.fromkeys(sentences))  # reps repeat themselves: score each once
        p = self.model.probabilities(self.encoder.encode(distinct), voices(distinct), self.views)
        if len(distinct) == len(sentences):
            return p
        row = {s: i for i, s in enumerate(distinct)}
        return p[[row[s] for s in sentences]]

    def turn_probabilities(self, text: str) -> np.ndarray:
        """``(tracks,)`` the best sentence's probability for each track in one rep turn."""
        p = self.probabilities([s.text for s in track_sentences(text)])
        return p.max(axis=0) if len(p) else np.zeros(len(self.tracks), dtype=np.float32)

    def match_text(self, text: str) -> list[TrackMatch]:
        """The tracks one text uses: for each, its best sentence (at most one per track)."""
        return self.match_texts([text])[0]

    def match_texts(self, texts: Sequence[str]) -> list[list[TrackMatch]]:
        """Like :meth:`match_text` for many texts, embedding all sentences in one batch."""
        split = [track_sentences(t) for t in texts]
        probs = self.probabilities([s.text for ss in split for s in ss])
        out: list[list[TrackMatch]] = []
        at = 0
        for ss in split:
            p = probs[at:at + len(ss)]
            at += len(ss)
            matches = []
            for k in (np.flatnonzero(p.max(axis=0) >= self.threshold) if len(ss) else []):
                best = int(np.argmax(p[:, k]))
                s = ss[best]
                matches.append(TrackMatch(self.tracks[k].id, float(p[best, k]), s.start,
                                          s.end, s.text))
            out.append(matches)
        return out


class ReactionClassifier:
    """Positive, neutral or objection, from the buyer turn(s) after a talk-track use.

    Args:
        head: The reaction head (classes positive/neutral/objection) over the unit mean of the
            turns' sentence embeddings.
        use_detector_vote: Call it an objection whenever the detector found one in the turns.
    """

    def __init__(self, head: LinearHead, use_detector_vote: bool = True) -> None:
        self.head = head
        self.use_detector_vote = use_detector_vote

    def classify(self, analyses: Sequence[TurnAnalysis]) -> Reaction | None:
        """The reaction expressed in these (analysed) buyer turns, or None if they are empty."""
        vectors = [a.embeddings for a in analyses if len(a.embeddings)]
        if not vectors:
            return None
        if self.use_detector_vote and any(a.spans for a in analyses):
            return "objection"
        v = np.vstack(vectors).mean(axis=0)
        v = v / (np.linalg.norm(v) or 1.0)
        text = " ".join(a.turn.text for a in analyses)
        p = self.head.predict_proba(v[None, :].astype(np.float32), [text])[0]
        return self.head.classes[int(np.argmax(p))]  # type: ignore[return-value]


def find_uses(calls: Sequence[Call], matcher: TrackDetector, reactions: ReactionClassifier,
              buyer_turns: dict[tuple[str, int], TurnAnalysis]) -> list[TrackUse]:
    """Every talk-track use in the calls' rep turns, with the buyer's reaction.

    A rep turn counts once per track however many of its sentences match it (the best one is
    kept as the example).

    Args:
        calls: Calls with their turns.
        matcher: Finds track uses in rep turns (a :class:`TrackDetector`).
        reactions: Classifies the reaction.
        buyer_turns: The detector's analysis of every buyer turn, by ``(call_id, turn)``.
    """
    rep = [(c, t) for c in calls for t in c.turns if t.side == "rep"]
    matches = matcher.match_texts([t.text for _, t in rep])
    uses: list[TrackUse] = []
    for (call, turn), found in zip(rep, matches, strict=True):
        if not found:
            continue
        best: dict[str, TrackMatch] = {}
        for m in found:
            if m.track_id not in best or m.confidence > best[m.track_id].confidence:
                best[m.track_id] = m
        after = _reaction_turns(call.turns, turn.index)
        analysed = [buyer_turns[(call.call_id, t.index)] for t in after
                    if (call.call_id, t.index) in buyer_turns]
        reaction = reactions.classify(analysed) if analysed else None
        reaction_text = " ".join(t.text for t in after) or None
        for m in best.values():
            uses.append(TrackUse(call.call_id, turn.index, m.track_id, round(m.confidence, 4),
                                 m.text, turn.start, reaction, reaction_text))
    return uses


def _reaction_turns(turns: Sequence[Turn], index: int) -> list[Turn]:
    """The consecutive buyer turns right after turn ``index`` (at most MAX_REACTION_TURNS)."""
    out: list[Turn] = []
    position = next((i for i, t in enumerate(turns) if t.index == index), None)
    if position is None:
        return out
    for t in turns[position + 1:]:
        if t.side != "buyer" or len(out) == MAX_REACTION_TURNS:
            break
        out.append(t)
    return out
