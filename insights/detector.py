"""The default objection detector: no LLM, trained heads over sentence embeddings.

Resistance is a reaction, so the decision is made per buyer turn, with the rep turn before it:

1. each buyer turn is split into sentences (offsets kept) and every distinct sentence is
   embedded once (batched across calls, see :class:`~insights.encoding.SentenceEncoder`);
   the sentence head (:class:`~insights.heads.ObjectionHead`) gives each sentence a
   probability of being an objection on its own;
2. the turn model (:class:`~insights.turn_head.TurnHead`) reads the turn as a whole with the
   previous rep turn (their sentence embeddings, the sentence probabilities, cue words) and a
   vote of the most similar labelled turns, and decides whether the turn holds an objection;
3. in an objection turn, the sentences that carry it (sentence probability close to the turn's
   best) form the span(s); adjacent ones merge, and a span's ``text`` is the turn's text between
   its first and last sentence, verbatim. Its category comes from the turn model's category
   head over the span.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.records import Call, Turn
from insights.encoding import SentenceEncoder
from insights.heads import OBJECTION_HEAD, ObjectionHead
from insights.records import Objection
from insights.sentences import (
    Sentence,
    join_fragments,
    model_text,
    split_sentences,
    word_count,
)
from insights.turn_head import TURN_HEAD, TurnHead, TurnInput

log = logging.getLogger(__name__)

MIN_WORDS = 2
"""Sentences shorter than this are joined to the next one, or never an objection alone."""
CONTEXT_TURNS = 3
"""How far back (in turns) the rep turn a buyer turn answers may be."""
CONTEXT_CHARS = 600
"""Only the end of a long rep turn is read as the context."""
TURN_CATEGORY_SHARE = 0.3
"""Weight of the whole turn in the category of each objection sentence."""


@dataclass(slots=True)
class Span:
    """An objection found in a text: ``text[start:end]`` of the text it was found in."""

    start: int
    end: int
    text: str
    category: str
    confidence: float
    """P(the turn holds an objection) x P(category | objection)."""
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
    """``(n,)`` probability that each sentence, read alone, is an objection."""
    p_category: np.ndarray
    """``(n, k)`` probability of each category, per sentence (sentence head)."""
    spans: list[Span]
    p_turn: float = 0.0
    """Probability that the turn, read with the rep turn before it, holds an objection."""
    context: str = ""
    """The rep turn it answers ("" when none)."""
    sentences: list[Sentence] = field(default_factory=list)

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
    """Objection spans of one text from its sentences' scores (the sentence head alone).

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


def carrying_sentences(p_objection: np.ndarray, share: float) -> list[int]:
    """The sentences of an objection turn that carry the objection: those whose sentence
    probability reaches ``share`` of the turn's best (always at least the best one).

    Example:
        >>> carrying_sentences(np.array([0.1, 0.8, 0.6]), 0.6)
        [1, 2]
    """
    if len(p_objection) == 0:
        return []
    best = float(p_objection.max())
    if best <= 0:
        return list(range(len(p_objection)))  # nothing stands out: the whole turn
    return [i for i, p in enumerate(p_objection) if p >= share * best]


def context_turn(turns: Sequence[Turn], position: int) -> Turn | None:
    """The rep turn that buyer turn ``turns[position]`` answers: the nearest rep turn at most
    :data:`CONTEXT_TURNS` turns back, or None."""
    for back in range(1, CONTEXT_TURNS + 1):
        if position - back < 0:
            break
        turn = turns[position - back]
        if turn.side == "rep":
            return turn
    return None


class ObjectionDetector:
    """Finds buyer objections in calls with the shipped heads (no LLM).

    Args:
        encoder: Embeds sentences (wraps ``ws.embedder``; shares its cache with other steps).
        head: The sentence head; by default the one shipped in ``insights/model``.
        turn_head: The turn model; by default the shipped one. ``False`` decides per sentence
            with the sentence head alone (how ``python -m training.train`` cross-validates it).
        threshold: Overrides the decision threshold (of the turn model, or of the sentence
            head when ``turn_head`` is False).

    Example:
        >>> from ingest.embed import Embedder
        >>> detector = ObjectionDetector(SentenceEncoder(Embedder()))
        >>> [(s.category, s.text) for s in detector.analyse_texts(
        ...     ["Honestly, that is way more than we budgeted for this year."],
        ...     ["The plan is 40 dollars per user a month."])[0].spans]
        [('price', 'Honestly, that is way more than we budgeted for this year.')]
    """

    def __init__(self, encoder: SentenceEncoder, head: ObjectionHead | None = None,
                 turn_head: TurnHead | None | bool = None,
                 threshold: float | None = None) -> None:
        self.encoder = encoder
        self._head = head
        self._turn_head = turn_head
        self._threshold = threshold

    @property
    def head(self) -> ObjectionHead:
        if self._head is None:
            self._head = ObjectionHead.load(OBJECTION_HEAD)
        return self._head

    @property
    def turn_head(self) -> TurnHead | None:
        if self._turn_head is False:
            return None
        if self._turn_head is None or self._turn_head is True:
            self._turn_head = TurnHead.load(TURN_HEAD)
        return self._turn_head

    @property
    def threshold(self) -> float:
        if self._threshold is not None:
            return self._threshold
        turn_head = self.turn_head
        return turn_head.threshold if turn_head is not None else self.head.threshold

    @property
    def classes(self) -> list[str]:
        """The categories spans are given."""
        turn_head = self.turn_head
        return list((turn_head.category if turn_head is not None else self.head.category).classes)

    def analyse_texts(self, texts: Sequence[str],
                      contexts: Sequence[str] | None = None) -> list[TurnAnalysis]:
        """Each text analysed as one buyer turn (after the rep's ``contexts``, if given)."""
        contexts = contexts or [""] * len(texts)
        return self._analyse([(t, None, c) for t, c in zip(texts, contexts, strict=True)])

    def analyse_turns(self, calls: Sequence[Call]) -> list[TurnAnalysis]:
        """Every buyer turn of the calls, with its sentence embeddings and objection spans."""
        items = []
        for c in calls:
            for position, t in enumerate(c.turns):
                if t.side != "buyer":
                    continue
                rep = context_turn(c.turns, position)
                items.append((t.text, (c.call_id, t), rep.text if rep is not None else ""))
        return self._analyse(items)

    def run(self, calls: Sequence[Call]) -> list[Objection]:
        """The objections of the calls, in call and turn order."""
        return [o for o, _ in objections_of(self.analyse_turns(calls))]

    def turn_inputs(self, texts: Sequence[str], contexts: Sequence[str]) -> list[TurnInput]:
        """What the turn model reads of each buyer text after its rep context (for training)."""
        return self._score([(t, None, c) for t, c in zip(texts, contexts, strict=True)],
                           with_turns=True)[-1]

    def _score(self, items: list[tuple[str, tuple[str, Turn] | None, str]], with_turns: bool):
        """Sentences, their embeddings and sentence-head scores, and the turn model's inputs."""
        split = [join_fragments(split_sentences(text), text) for text, _, _ in items]
        contexts = [context[-CONTEXT_CHARS:] for _, _, context in items]
        context_split = [[model_text(s.text) for s in split_sentences(c)] for c in contexts] \
            if with_turns else [[] for _ in contexts]
        sentences = [model_text(s.text) for ss in split for s in ss]
        unique = list(dict.fromkeys(sentences))  # score each distinct sentence once
        position = {text: i for i, text in enumerate(unique)}
        rows = np.array([position[s] for s in sentences], dtype=int)
        self.encoder.prime(unique + [s for cs in context_split for s in cs])
        u_vectors = self.encoder.encode(unique)
        u_obj, u_cat = self.head.predict(u_vectors, unique, for_calls=False)
        # a lone fragment ("Hmm.", "No.") cannot carry an objection we could categorise
        u_obj = np.where([word_count(s) >= MIN_WORDS for s in unique], u_obj, 0.0)
        vectors, p_obj, p_cat = u_vectors[rows], u_obj[rows], u_cat[rows]
        bounds, at = [], 0
        for ss in split:
            bounds.append(slice(at, at + len(ss)))
            at += len(ss)
        inputs: list[TurnInput] = []
        if with_turns and items:
            dim = u_vectors.shape[1] if len(unique) else self.encoder.encode(["."]).shape[1]
            inputs = [self._turn_input(model_text(text), vectors[sl], p_obj[sl],
                                       model_text(contexts[i]), context_split[i], dim)
                      for i, ((text, _, _), sl) in enumerate(zip(items, bounds, strict=True))]
        return split, contexts, bounds, vectors, p_obj, p_cat, inputs

    def _analyse(self, items: list[tuple[str, tuple[str, Turn] | None, str]]
                 ) -> list[TurnAnalysis]:
        turn_head = self.turn_head
        split, contexts, bounds, vectors, p_obj, p_cat, inputs = self._score(
            items, with_turns=turn_head is not None)
        p_turn = turn_head.probability(inputs) if turn_head is not None and items \
            else np.zeros(len(items), dtype=np.float32)
        found = [i for i, ss in enumerate(split) if ss and p_turn[i] >= self.threshold] \
            if turn_head is not None else []
        turn_spans = dict(zip(found, self._turn_spans(
            [(items[i][0], split[i], vectors[bounds[i]], p_obj[bounds[i]], float(p_turn[i]),
              inputs[i]) for i in found]), strict=True))
        out: list[TurnAnalysis] = []
        for i, ((text, where, _), ss, sl) in enumerate(zip(items, split, bounds, strict=True)):
            starts, ends = [s.start for s in ss], [s.end for s in ss]
            if turn_head is None:
                spans = merge_spans(text, starts, ends, p_obj[sl], p_cat[sl], self.classes,
                                    self.threshold, vectors[sl])
            else:
                spans = turn_spans.get(i, [])
            call_id, turn = where if where else ("", Turn(-1, "", "buyer", text))
            out.append(TurnAnalysis(call_id, turn, vectors[sl], p_obj[sl], p_cat[sl], spans,
                                    float(p_turn[i]), contexts[i], list(ss)))
        return out

    def _turn_input(self, text: str, vectors: np.ndarray, p_obj: np.ndarray, context: str,
                    context_sentences: list[str], dim: int) -> TurnInput:
        if context_sentences:
            context_vector = _unit(self.encoder.encode(context_sentences).mean(axis=0))
        else:
            context_vector = np.zeros(dim, dtype=np.float32)
        vector = _unit(vectors.mean(axis=0)) if len(vectors) else np.zeros(dim, np.float32)
        return TurnInput(text, vector, float(p_obj.max()) if len(p_obj) else 0.0,
                         float(p_obj.mean()) if len(p_obj) else 0.0, len(p_obj), context,
                         context_vector)

    def _turn_spans(self, turns: Sequence[tuple[str, Sequence[Sentence], np.ndarray, np.ndarray,
                                              float, TurnInput]]) -> list[list[Span]]:
        """The spans of objection turns, each given as ``(text, sentences, their vectors, their
        sentence-head probabilities, turn probability, turn input)``; the model is called once
        for all of them.

        Each sentence of a turn of several is read by the turn model as if it were the whole
        reply (same rep turn before it); the sentences that carry the objection are those
        whose probability is close to the best one's (:func:`carrying_sentences`). Each gets a
        category from the turn model's category head, read mostly from the sentence and partly
        (:data:`TURN_CATEGORY_SHARE`) from the whole turn, which often names the topic the
        objection sentence leaves out ("Does it integrate with NetSuite? We can't re-key
        invoices."). Adjacent carrying sentences of one category form one span."""
        if not turns:
            return []
        turn_head = self.turn_head
        assert turn_head is not None
        alone_inputs, alone_at = [], []
        for text, sentences, vectors, p_obj, _, turn in turns:
            alone_at.append(len(alone_inputs))
            if len(sentences) > 1:
                alone_inputs += [TurnInput(model_text(sent.text), vectors[i], float(p_obj[i]),
                                           float(p_obj[i]), 1, turn.context, turn.context_vector)
                                 for i, sent in enumerate(sentences)]
        alone = turn_head.probability(alone_inputs)
        chosen_of, texts, units, unit_at = [], [], [], []
        for (text, sentences, vectors, _, _, _), at in zip(turns, alone_at, strict=True):
            chosen = carrying_sentences(alone[at:at + len(sentences)], turn_head.span_share) \
                if len(sentences) > 1 else [0]
            chosen_of.append(chosen)
            unit_at.append(len(texts))
            texts += [model_text(sentences[i].text) for i in chosen] + [model_text(text)]
            units += [vectors[i] for i in chosen] + [_unit(vectors.mean(axis=0))]
        probs = turn_head.categories(np.vstack(units), texts)
        classes = turn_head.category.classes
        out = []
        for (text, sentences, vectors, _, p_turn, _), chosen, at in zip(
                turns, chosen_of, unit_at, strict=True):
            part = probs[at:at + len(chosen) + 1]
            mixed = (1 - TURN_CATEGORY_SHARE) * part[:-1] + TURN_CATEGORY_SHARE * part[-1]
            best = np.argmax(mixed, axis=1)
            runs: list[list[int]] = []  # positions in ``chosen``
            for j, i in enumerate(chosen):
                if runs and chosen[runs[-1][-1]] == i - 1 and best[runs[-1][-1]] == best[j]:
                    runs[-1].append(j)
                else:
                    runs.append([j])
            spans = []
            for run in runs:
                first, last = sentences[chosen[run[0]]], sentences[chosen[run[-1]]]
                p = mixed[run].mean(axis=0)
                k = int(np.argmax(p))
                spans.append(Span(first.start, last.end, text[first.start:last.end], classes[k],
                                  round(p_turn * float(p[k]), 4),
                                  _unit(vectors[[chosen[j] for j in run]].mean(axis=0))))
            out.append(spans)
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
