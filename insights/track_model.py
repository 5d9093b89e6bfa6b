"""The learned talk-track matcher: does a rep sentence make the argument of a talk track?

A talk track in a messaging file is a name and one statement. A rep rarely repeats the
statement; they make the same kind of argument in their own words ("It has helped children in
over 100 countries for a century" is a credibility appeal whatever the statement says). So the
matcher is not a cosine threshold but a small model over sentence embeddings, trained on real
labelled persuasion chats and on the demo's paraphrases (``python -m training.train_tracks``),
that reads a sentence against every track of the messaging at once:

- ``logit_k(s) = max over the track's views v of (s W v + a0 cos(s, v)) + a1 cos(s, name_k)
  + voice(s) Q voice(statement_k)``: ``W`` is a learned bilinear form (which directions of a
  sentence matter for which directions of a statement), the views are the statement and any
  ``examples`` phrasings the messaging gives, and ``voice`` reads who speaks to whom (I, we,
  you, a question), so "I am giving part of my pay too" meets a first-person statement;
- ``logit_none(s) = s w0 + b0``: the sentence is no talk track at all (greetings, thanks,
  questions, logistics), whatever the tracks are;
- a softmax over the tracks and "none" gives each track's probability; a sentence uses a
  track when that probability reaches ``threshold`` (chosen by cross-validation).

Everything is plain arrays in ``insights/model/track_matcher.npz``; inference is NumPy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import ModelError

TRACK_MODEL = Path(__file__).parent / "model" / "track_matcher.npz"

_VOICE = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:i|i'm|i've|i'll|i'd|me|my|mine|myself)\b",
    r"\b(?:we|we're|we've|we'll|our|ours|us)\b",
    r"\b(?:you|you're|you've|you'll|you'd|your|yours|yourself)\b",
)]
VOICE_DIM = len(_VOICE) + 1


def voice(text: str) -> np.ndarray:
    """Who speaks to whom in a text: first person singular, first person plural, second
    person (each 0, 0.5 or 1 for none, one, several words) and whether it asks a question.

    Example:
        >>> voice("I gave my share; will you?").tolist()
        [1.0, 0.0, 0.5, 1.0]
    """
    counts = [min(len(p.findall(text)), 2) / 2 for p in _VOICE]
    return np.array(counts + [float("?" in text)], dtype=np.float32)


def voices(texts: Sequence[str]) -> np.ndarray:
    """``(n, VOICE_DIM)`` :func:`voice` of each text."""
    return np.stack([voice(t) for t in texts]) if texts else np.zeros((0, VOICE_DIM),
                                                                     dtype=np.float32)


@dataclass(frozen=True, slots=True)
class TrackViews:
    """The embedded tracks of one messaging, as the model reads them.

    Attributes:
        statements: ``(k, d)`` unit embeddings of the statements.
        names: ``(k, d)`` unit embeddings of the names.
        voices: ``(k, VOICE_DIM)`` :func:`voice` of the statements.
        examples: Per track, ``(m, d)`` embeddings of its example phrasings (``m`` may be 0).
    """

    statements: np.ndarray
    names: np.ndarray
    voices: np.ndarray
    examples: tuple[np.ndarray, ...]


@dataclass(frozen=True, slots=True)
class TrackModel:
    """The matcher's weights (see the module docstring for the formula).

    Attributes:
        W: ``(d, d)`` bilinear form between sentence and track view embeddings.
        a: ``(2,)`` weights of cos(sentence, view) and cos(sentence, name).
        Q: ``(VOICE_DIM, VOICE_DIM)`` voice agreement between sentence and statement.
        w0: ``(d,)`` and b0: the "no talk track" logit.
        threshold: Probability at which a sentence counts as a use.
    """

    W: np.ndarray
    a: np.ndarray
    Q: np.ndarray
    w0: np.ndarray
    b0: float
    threshold: float

    @property
    def dim(self) -> int:
        return int(self.W.shape[0])

    @classmethod
    def load(cls, path: Path = TRACK_MODEL) -> TrackModel:
        """Read the arrays written by :meth:`save` (no pickle).

        Raises:
            ModelError: when the file is missing or not a track model.
        """
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(W=z["W"].astype(np.float32), a=z["a"].astype(np.float32),
                           Q=z["Q"].astype(np.float32), w0=z["w0"].astype(np.float32),
                           b0=float(z["b0"]), threshold=float(z["threshold"]))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"Could not read the talk-track model {path}: {exc}. Reinstall "
                             "callmine or retrain it with `python -m training.train_tracks`."
                             ) from exc

    def save(self, path: Path) -> None:
        np.savez(path, W=self.W.astype(np.float32), a=self.a.astype(np.float32),
                 Q=self.Q.astype(np.float32), w0=self.w0.astype(np.float32),
                 b0=np.float32(self.b0), threshold=np.float32(self.threshold))

    def check_dim(self, dim: int) -> None:
        """Raise :class:`ModelError` when the embeddings are not the ones it was trained on."""
        if dim != self.dim:
            raise ModelError(
                f"The talk-track model was trained on {self.dim}-dimensional sentence "
                f"embeddings (the bundled all-MiniLM-L6-v2), but the embedding model gives "
                f"{dim}. Unset CALLMINE_EMBEDDING_MODEL, or retrain the matcher on your "
                "model with `python -m training.train_tracks`.")

    def logits(self, sentences: np.ndarray, sentence_voices: np.ndarray,
               views: TrackViews) -> np.ndarray:
        """``(n, k + 1)`` logits of each sentence for each track, then for "none"."""
        n, k = len(sentences), len(views.statements)
        projected = sentences @ self.W
        out = projected @ views.statements.T + self.a[0] * (sentences @ views.statements.T)
        for j, examples in enumerate(views.examples):
            if len(examples):
                by_example = projected @ examples.T + self.a[0] * (sentences @ examples.T)
                out[:, j] = np.maximum(out[:, j], by_example.max(axis=1))
        out = out + self.a[1] * (sentences @ views.names.T)
        out = out + sentence_voices @ self.Q @ views.voices.T
        none = sentences @ self.w0 + self.b0
        return np.concatenate([out.reshape(n, k), none[:, None]], axis=1)

    def probabilities(self, sentences: np.ndarray, sentence_voices: np.ndarray,
                      views: TrackViews) -> np.ndarray:
        """``(n, k)`` probability that each sentence makes each track's argument."""
        if len(sentences) == 0 or len(views.statements) == 0:
            return np.zeros((len(sentences), len(views.statements)), dtype=np.float32)
        z = self.logits(sentences, sentence_voices, views)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return (z / z.sum(axis=1, keepdims=True))[:, :-1]
