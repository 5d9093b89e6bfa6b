"""The default objection detector: no LLM, a trained head over sentence embeddings.

Buyer turns are split into sentences (offsets kept); each sentence is embedded once (batched
across calls, see :class:`~insights.encoding.SentenceEncoder`) and scored by the
:class:`~insights.heads.ObjectionHead`: the calibrated probability that it is an objection,
and of each category. Adjacent objection sentences of one category in one turn merge into one
span, and a span's ``text`` is the turn's text between its first and last sentence, verbatim.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.records import Call, Turn
from insights.encoding import SentenceEncoder
from insights.heads import OBJECTION_HEAD, ObjectionHead
from insights.records import Objection
from insights.sentences import join_fragments, split_sentences, word_count

log = logging.getLogger(__name__)

MIN_WORDS = 2
"""Sentences shorter than this are joined to the next one, or never an objection alone."""


@dataclass(slots=True)
class Span:
    """An objection found in a text: ``text[start:end]`` of the text it was found in."""

    start: int
    end: int
    text: str
    category: str
    confidence: float
    """P(objection) x P(category | objection), the highest over the span's sentences."""
    embedding: np.ndarray
    """Unit-norm mean of the span's sentence embeddings."""


@dataclass(slots=True)
class TurnAnalysis:
    """A buyer turn's sentences, their embeddings and the objection spans found in it."""

    call_id: str
    turn: Turn
    embeddings: np.ndarray
    """``(n, d)`` embeddings of the turn's ``n`` sentences."""
    p_objection: np.ndarray
    """``(n,)`` calibrated probability that each sentence is an objection."""
    p_category: np.ndarray
    """``(n, k)`` probability of each category, per sentence."""
    spans: list[Span]

    @property
    def vector(self) -> np.ndarray:
        """Unit-norm mean of the turn's sentence embeddings (the turn as one vector)."""
        return _unit(self.embeddings.mean(axis=0)) if len(self.embeddings) else self.embeddings


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


def objection_id(call_id: str, turn: int, start: int, end: int) -> str:
    """A stable id for a span: the same call, turn and offsets give the same id."""
    return hashlib.sha1(f"{call_id}\x1f{turn}\x1f{start}\x1f{end}".encode()).hexdigest()[:16]


def merge_spans(text: str, starts: Sequence[int], ends: Sequence[int], p_objection: np.ndarray,
                p_category: np.ndarray, classes: Sequence[str], threshold: float,
                embeddings: np.ndarray) -> list[Span]:
    """Objection spans of one text from its sentences' scores.

    A sentence is an objection when ``p_objection >= threshold``; its category is the most
    probable one. Runs of adjacent objection sentences with the same category become one span.

    Args:
        text: The text the offsets refer to.
        starts: Each sentence's start offset in ``text``.
        ends: Each sentence's end offset in ``text``.
        p_objection: ``(n,)`` calibrated objection probabilities.
        p_category: ``(n, k)`` category probabilities.
        classes: The ``k`` category names.
        threshold: Decision threshold on ``p_objection``.
        embeddings: ``(n, d)`` sentence embeddings.

    Returns:
        The spans, in text order.
    """
    spans: list[Span] = []
    run: list[int] = []
    run_category: str | None = None

    def close() -> None:
        if not run:
            return
        a, b = starts[run[0]], ends[run[-1]]
        k = classes.index(run_category)
        confidence = max(float(p_objection[i] * p_category[i, k]) for i in run)
        spans.append(Span(a, b, text[a:b], run_category, round(confidence, 4),
                          _unit(embeddings[run].mean(axis=0))))

    for i in range(len(starts)):
        if p_objection[i] < threshold:
            close()
            run, run_category = [], None
            continue
        category = classes[int(np.argmax(p_category[i]))]
        if run and category == run_category:
            run.append(i)
        else:
            close()
            run, run_category = [i], category
    close()
    return spans


class ObjectionDetector:
    """Finds buyer objections in calls with the shipped embedding head (no LLM).

    Args:
        encoder: Embeds sentences (wraps ``ws.embedder``; shares its cache with other steps).
        head: The objection head; by default the one shipped in ``insights/model``.
        threshold: Overrides the head's decision threshold.
        for_calls: Use objection probabilities corrected to the prior of objections in calls
            (see :class:`~insights.heads.ObjectionHead`); False: at the labelled set's prior.

    Example:
        >>> detector = ObjectionDetector(SentenceEncoder(ws.embedder))
        >>> [o.category for o in detector.run([ws.call("c1")])]
        ['price']
    """

    def __init__(self, encoder: SentenceEncoder, head: ObjectionHead | None = None,
                 threshold: float | None = None, for_calls: bool = True) -> None:
        self.encoder = encoder
        self._head = head
        self._threshold = threshold
        self.for_calls = for_calls

    @property
    def head(self) -> ObjectionHead:
        if self._head is None:
            self._head = ObjectionHead.load(OBJECTION_HEAD)
        return self._head

    @property
    def threshold(self) -> float:
        if self._threshold is not None:
            return self._threshold
        return self.head.threshold_for(self.for_calls)

    def analyse_texts(self, texts: Sequence[str]) -> list[TurnAnalysis]:
        """Each text analysed as one buyer turn (all sentences embedded at once)."""
        return self._analyse([(t, None) for t in texts])

    def analyse_turns(self, calls: Sequence[Call]) -> list[TurnAnalysis]:
        """Every buyer turn of the calls, with its sentence embeddings and objection spans."""
        items = [(t.text, (c.call_id, t)) for c in calls for t in c.turns if t.side == "buyer"]
        return self._analyse(items)

    def run(self, calls: Sequence[Call]) -> list[Objection]:
        """The objections of the calls, in call and turn order."""
        return [o for o, _ in objections_of(self.analyse_turns(calls))]

    def _analyse(self, items: list[tuple[str, tuple[str, Turn] | None]]) -> list[TurnAnalysis]:
        split = [join_fragments(split_sentences(text), text) for text, _ in items]
        sentences = [s.text for ss in split for s in ss]
        unique = list(dict.fromkeys(sentences))  # score each distinct sentence once
        position = {text: i for i, text in enumerate(unique)}
        rows = np.array([position[s] for s in sentences], dtype=int)
        head = self.head
        u_vectors = self.encoder.encode(unique)
        u_obj, u_cat = head.predict(u_vectors, unique, for_calls=self.for_calls)
        # a lone fragment ("Hmm.", "No.") cannot carry an objection we could categorise
        u_obj = np.where([word_count(s) >= MIN_WORDS for s in unique], u_obj, 0.0)
        vectors, p_obj, p_cat = u_vectors[rows], u_obj[rows], u_cat[rows]
        classes = list(head.category.classes)
        out: list[TurnAnalysis] = []
        at = 0
        for (text, where), ss in zip(items, split, strict=True):
            n = len(ss)
            sl = slice(at, at + n)
            at += n
            spans = merge_spans(text, [s.start for s in ss], [s.end for s in ss], p_obj[sl],
                                p_cat[sl], classes, self.threshold, vectors[sl])
            call_id, turn = where if where else ("", Turn(-1, "", "buyer", text))
            out.append(TurnAnalysis(call_id, turn, vectors[sl], p_obj[sl], p_cat[sl], spans))
        return out


def objections_of(analyses: Sequence[TurnAnalysis]) -> list[tuple[Objection, np.ndarray]]:
    """Objection records (with their span embeddings) from analysed buyer turns."""
    out: list[tuple[Objection, np.ndarray]] = []
    for a in analyses:
        for span in a.spans:
            start, end = span_times(a.turn, span.start, span.end)
            out.append((Objection(
                id=objection_id(a.call_id, a.turn.index, span.start, span.end),
                call_id=a.call_id, turn=a.turn.index, speaker=a.turn.speaker, text=span.text,
                category=span.category, confidence=span.confidence, start=start, end=end,
                char_start=span.start, char_end=span.end,
            ), span.embedding))
    return out


def span_times(turn: Turn, start: int, end: int) -> tuple[float | None, float | None]:
    """Start and end time of ``turn.text[start:end]``: from word timings when the turn has
    them, else the turn's own start and end."""
    if not turn.words:
        return turn.start, turn.end
    times: list[tuple[float, float]] = []
    pos = 0
    for word in turn.words:
        token = word.text.strip()
        if not token:
            continue
        at = turn.text.find(token, pos)
        if at < 0:
            continue
        pos = at + len(token)
        if at < end and pos > start:
            times.append((word.start, word.end))
    if not times:
        return turn.start, turn.end
    return times[0][0], times[-1][1]
