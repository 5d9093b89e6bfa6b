"""Talk-track use in rep turns, and how the buyer reacted.

A rep sentence uses a talk track from ``messaging.yaml`` when its embedding is close enough to
the track's (cosine similarity at or above a threshold calibrated on ``talk_tracks.jsonl`` by
``python -m insights.train``). The buyer's reaction is read from the buyer turn(s) right after
the rep's turn: positive, neutral or objection, by a small head trained on
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
from insights.sentences import split_sentences, word_count

log = logging.getLogger(__name__)

MIN_TRACK_WORDS = 5
"""Rep sentences shorter than this are not compared with the tracks (not even embedded): every
talk-track use in ``talk_tracks.jsonl`` has at least 8 words, and short rep sentences ("Does
that make sense?") are a large share of what reps say."""

MAX_REACTION_TURNS = 2
"""How many consecutive buyer turns after the rep's turn make up the reaction."""


@dataclass(slots=True)
class TrackMatch:
    """A sentence close to a talk track."""

    track_id: str
    similarity: float
    start: int
    end: int
    text: str


@dataclass(slots=True)
class TrackUse:
    """A rep turn that used a talk track, and the buyer's reaction after it."""

    call_id: str
    turn: int
    track_id: str
    similarity: float
    text: str
    """The matching sentence, verbatim."""
    start: float | None
    reaction: Reaction | None
    reaction_text: str | None


class TrackMatcher:
    """Finds sentences that use a talk track.

    Args:
        encoder: Embeds sentences and track texts.
        tracks: The talk tracks of the messaging.
        threshold: Minimum cosine similarity for a use.
        mode: How a track is represented: ``"statement"`` (its statement), ``"joined"``
            (name and statement embedded together) or ``"max"`` (the better of name and
            statement similarities).
    """

    MODES = ("statement", "joined", "max")

    def __init__(self, encoder: SentenceEncoder, tracks: Sequence[TalkTrack], threshold: float,
                 mode: str = "statement") -> None:
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        self.encoder = encoder
        self.tracks = list(tracks)
        self.threshold = threshold
        self.mode = mode
        self._vectors: np.ndarray | None = None

    @property
    def vectors(self) -> np.ndarray:
        """``(views, tracks, dim)`` track embeddings (one or two views per track)."""
        if self._vectors is None:
            if self.mode == "statement":
                views = [[t.statement for t in self.tracks]]
            elif self.mode == "joined":
                views = [[f"{t.name}. {t.statement}" for t in self.tracks]]
            else:
                views = [[t.statement for t in self.tracks], [t.name for t in self.tracks]]
            self._vectors = np.stack([self.encoder.encode(v) for v in views])
        return self._vectors

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        """``(n, tracks)`` similarity of each sentence embedding to each track."""
        if not self.tracks or len(embeddings) == 0:
            return np.zeros((len(embeddings), len(self.tracks)))
        return np.einsum("nd,vtd->vnt", embeddings, self.vectors).max(axis=0)

    def match_text(self, text: str) -> list[TrackMatch]:
        """The sentences of ``text`` that use a track (their best track each)."""
        return self.match_texts([text])[0]

    def match_texts(self, texts: Sequence[str]) -> list[list[TrackMatch]]:
        """Like :meth:`match_text` for many texts, embedding all sentences in one batch."""
        split = [[s for s in split_sentences(t) if word_count(s.text) >= MIN_TRACK_WORDS]
                 for t in texts]
        sentences = [s.text for ss in split for s in ss]
        sims = self.similarities(self.encoder.encode(sentences)) if sentences else None
        out: list[list[TrackMatch]] = []
        at = 0
        for ss in split:
            matches = []
            for s in ss:
                row = sims[at]
                at += 1
                k = int(np.argmax(row))
                if row[k] >= self.threshold:
                    matches.append(TrackMatch(self.tracks[k].id, float(row[k]), s.start, s.end,
                                              s.text))
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


def find_uses(calls: Sequence[Call], matcher: TrackMatcher, reactions: ReactionClassifier,
              buyer_turns: dict[tuple[str, int], TurnAnalysis]) -> list[TrackUse]:
    """Every talk-track use in the calls' rep turns, with the buyer's reaction.

    A rep turn counts once per track however many of its sentences match it (the best one is
    kept as the example).

    Args:
        calls: Calls with their turns.
        matcher: Finds track uses in rep sentences.
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
            if m.track_id not in best or m.similarity > best[m.track_id].similarity:
                best[m.track_id] = m
        after = _reaction_turns(call.turns, turn.index)
        analysed = [buyer_turns[(call.call_id, t.index)] for t in after
                    if (call.call_id, t.index) in buyer_turns]
        reaction = reactions.classify(analysed) if analysed else None
        reaction_text = " ".join(t.text for t in after) or None
        for m in best.values():
            uses.append(TrackUse(call.call_id, turn.index, m.track_id, round(m.similarity, 4),
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
