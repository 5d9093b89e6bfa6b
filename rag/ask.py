"""Ask: a follow-up draft a rep can send, from the content library, with citations.

The draft is built from **public** assets only (a buyer may receive anything in it). Internal
assets that may answer are listed beside it for the rep (``Answer.internal``, "internal, do not
send"), unless the question asks for public assets only.

Whether something covers the question is the recommender's decision
(:class:`~rag.recommend.Recommender`: ``Recommendation.covered`` and each asset's probability):

- **covered**: the draft quotes the answering sentence of the best public passage (the
  recommender's ``highlight``), the passage's next best sentence, and the answering sentence
  of any other public asset nearly as likely to answer, each followed by the number of its
  source (``[1]``), then the list of sources. With an LLM (``settings.llm``, or an injected
  chat model) the public passages and the fact book go into ``rag/prompts/ask.txt`` as
  delimited data; if the model fails, the extractive draft is returned with ``llm_error``.
- **not covered**: the draft says so plainly and offers the nearest public asset instead of
  stitching unrelated sentences together (``Answer.nearest``).

Every sentence of a draft is checked against the company's fact book
(:class:`~rag.consistency.guard.FactGuard`: numbers, certifications, capabilities, pricing
terms, places): a sentence that contradicts it is left out, the fact's own statement is used
instead, and a sentence that contradicts an earlier one of the draft is left out too
(``Answer.omitted`` says which and why). So a draft never says both "30 days" and "6 weeks".
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import InputError, LLMError
from rag.consistency.guard import FactGuard
from ingest.llm import chat_model, complete
from rag.prompt import build_prompt, data_block
from rag.recommend import Recommender
from rag.records import Answer, Citation, Filters, Omission, RecommendedAsset
from rag.terms import sentences as split_sentences

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace

log = logging.getLogger(__name__)

PASSAGES = 3
"""Public passages (one per asset) a draft may draw on, and internal assets listed beside it."""
SECOND_SHARE = 0.8
"""Another public asset is quoted when its probability of answering is at least this share of
the best one's."""
MIN_SENTENCE_COSINE = 0.3
"""Sentences less similar to the question than this are not quoted (the answering one always
is)."""
FALLBACK_NOTE = ("(The language model could not answer, so this answer is extracted from the "
                 "sources.)")
NOT_COVERED = "No document in our library answers this directly yet, so I would rather not guess."
FACT_BOOK = "fact book"
"""The ``asset_id`` of a citation that quotes the fact book (messaging.yaml) itself."""
_MARKER = re.compile(r"\[(\d+)\]")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
_INLINE_BULLET = re.compile(r"\s+[-•▪–]\s+")


class Answerer:
    """Writes a follow-up draft for a question from the content library, with citations.

    Args:
        ws: The workspace.
        settings: callmine settings (``settings.llm`` turns the LLM answer on).
        llm: An already built chat model (takes precedence; tests pass a fake).
        recommender: An injected recommender (default: one on ``ws``).

    Example:
        >>> ans = Answerer(ws).run("How long does implementation take?")  # doctest: +SKIP
        >>> ans.answer.splitlines()[0]  # doctest: +SKIP
        'Implementation takes 30 days on average. [1]'
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None, llm: Any = None,
                 recommender: Recommender | None = None) -> None:
        self.ws = ws
        self.settings = settings
        self._llm = llm
        self.recommender = recommender or Recommender(ws, settings)
        self._guard: tuple[Any, FactGuard | None] | None = None

    @property
    def guard(self) -> FactGuard | None:
        """The fact book of the workspace's messaging as a guard, or None without messaging."""
        messaging = self.ws.messaging()
        if self._guard is None or self._guard[0] != messaging:
            self._guard = (messaging, FactGuard(messaging) if messaging is not None else None)
        return self._guard[1]

    def run(self, question: str, filters: Filters | None = None) -> Answer:
        """Write the draft for ``question``.

        Args:
            question: The buyer's question.
            filters: Which assets may be used; the draft always uses public ones, and
                ``public_only`` also leaves internal assets out of ``Answer.internal``.

        Raises:
            InputError: for an empty question.
            WorkspaceError: when no content was ingested.
        """
        if not question or not question.strip():
            raise InputError("Give a question, e.g. \"How long does implementation take?\".")
        question = " ".join(question.split())
        filters = filters or Filters()
        public = dataclasses.replace(filters, public_only=True)
        rec = self.recommender.run(question, top=PASSAGES, filters=public)
        items = rec.recommendations
        internal = [] if filters.public_only else self._internal(question, filters)
        answer = Answer(question, "", covered=rec.covered and bool(items), internal=internal,
                        public_only=filters.public_only)
        if not answer.covered:
            answer.answer, answer.citations, answer.nearest = self.not_covered(items)
            return answer
        answer.answer, answer.citations, answer.omitted = self.extractive(question, items)
        try:
            model = chat_model(self.settings, self._llm)
        except LLMError as exc:
            log.warning("LLM unavailable, answering extractively: %s", exc)
            answer.answer = f"{answer.answer}\n\n{FALLBACK_NOTE}"
            answer.llm_error = str(exc)
            return answer
        if model is None:
            return answer
        try:
            text = complete(model, self.prompt(question, items))
        except LLMError as exc:
            log.warning("LLM failed, answering extractively: %s", exc)
            answer.answer = f"{answer.answer}\n\n{FALLBACK_NOTE}"
            answer.llm_error = str(exc)
            return answer
        text, dropped = self._checked(text)
        if not text:
            answer.omitted += dropped
            return answer
        citations = [self._citation(r, i) for i, r in enumerate(items, 1)]
        said = {int(m) for m in _MARKER.findall(text)}
        answer.answer = text
        answer.citations = [c for c in citations if c.marker in said] or citations
        answer.omitted += dropped
        answer.mode = "llm"
        return answer

    # -- pieces ------------------------------------------------------------------------------

    def _internal(self, question: str, filters: Filters) -> list[Citation]:
        """Internal assets among the best answers with every asset allowed (for the rep)."""
        public = {a.asset_id: a.public for a in self.ws.assets()}
        rec = self.recommender.run(question, top=PASSAGES, filters=filters)
        return [dataclasses.replace(self._citation(r, 0), public=False)
                for r in rec.recommendations if not public.get(r.asset_id, False)]

    @staticmethod
    def _citation(item: RecommendedAsset, marker: int) -> Citation:
        return Citation(asset_id=item.asset_id, passage=item.passage, title=item.title,
                        marker=marker, chunk_id=item.chunk_id, location=item.location,
                        public=True, url=item.url, score=item.score)

    def prompt(self, question: str, items: list[RecommendedAsset]) -> list[tuple[str, str]]:
        """The chat messages for the LLM draft: public passages, then the fact book, as
        delimited data."""
        blocks = [data_block("passage", r.passage, id=str(i), asset=r.asset_id, title=r.title)
                  for i, r in enumerate(items, 1)]
        guard = self.guard
        if guard is not None:
            facts = guard.book.messaging.facts
            blocks += [data_block("fact", f.claim, id=f.id) for f in facts]
        return build_prompt("ask", question=question, passages="\n\n".join(blocks))

    def not_covered(self, items: list[RecommendedAsset]
                    ) -> tuple[str, list[Citation], Citation | None]:
        """The draft when nothing answers: says so, and offers the nearest public asset whose
        answering sentence does not contradict the fact book."""
        guard = self.guard
        usable = [r for r in items if guard is None or not guard.conflicts(r.highlight)]
        if not usable:
            return f"{NOT_COVERED} Let me check with the team and come back to you.", [], None
        nearest = self._citation(usable[0], 1)
        where = f", in the section \"{nearest.location}\"" if nearest.location else ""
        link = f" ({nearest.url})" if nearest.url else ""
        text = (f"{NOT_COVERED} The closest document we have is \"{nearest.title}\"{link}"
                f"{where}; it may help in the meantime. [1]")
        return f"{text}\n\nSources:\n{_source_line(nearest)}", [nearest], nearest

    def extractive(self, question: str, items: list[RecommendedAsset]
                   ) -> tuple[str, list[Citation], list[Omission]]:
        """The answering sentences of the best public passages, checked against the fact book
        and each other, each with the ``[n]`` marker of its source, then the sources; the
        citations it uses (numbered 1..n in order of use) and the sentences it left out."""
        best = items[0].score
        sources = [r for i, r in enumerate(items) if i == 0 or r.score >= SECOND_SHARE * best]
        picks = self._picks(question, sources)
        guard = self.guard
        kept: list[tuple[int, int, str]] = []
        omitted: list[Omission] = []
        facts: list[str] = []
        said: set[str] = set()
        for source, position, text in picks:
            asset = sources[source].asset_id
            conflicts = guard.conflicts(text) if guard is not None else []
            if conflicts:
                fact = conflicts[0].expected
                omitted.append(Omission(asset, text, f"the fact book says {fact!r}"))
                if fact not in facts and not fact.startswith("certifications in"):
                    facts.append(fact)
                continue
            clash = next((k for k in kept if guard is not None and guard.contradicts(text, k[2])),
                         None)
            if clash is not None:
                omitted.append(Omission(asset, text, f"{sources[clash[0]].asset_id} says "
                                                     f"{clash[2]!r}"))
                continue
            confirmed = guard.confirms(text) if guard is not None else set()
            if kept and confirmed and confirmed <= said:
                continue  # says again what the draft already says ("99.9% uptime SLA")
            said |= confirmed
            kept.append((source, position, text))
        kept.sort()
        used: list[Citation] = []
        markers: dict[int, int] = {}
        for source, _, _ in kept:
            if source not in markers:
                markers[source] = len(markers) + 1
                used.append(self._citation(sources[source], markers[source]))
        body = [f"{_sentence(text)} [{markers[source]}]" for source, _, text in kept]
        facts = [f for f in facts if f not in said]  # already said by a public passage
        if facts:
            body += [f"{_sentence(f)} [{len(used) + 1}]" for f in facts]
            used.append(Citation(asset_id=FACT_BOOK, passage=" ".join(facts),
                                 title="Fact book (messaging.yaml)", marker=len(used) + 1))
        if not body:
            text, cited, _ = self.not_covered(items)
            return text, cited, omitted
        lines = "\n".join(_source_line(c) for c in used)
        return f"{' '.join(body)}\n\nSources:\n{lines}", used, omitted

    def _picks(self, question: str, sources: list[RecommendedAsset]
               ) -> list[tuple[int, int, str]]:
        """``(source, position, sentence)`` to quote, most relevant first: each source's
        answering sentence, and the best other sentence of the first source."""
        per_source = [statements(r.passage) for r in sources]
        flat = [s for group in per_source for s in group]
        if not flat:
            return []
        vectors = np.asarray(self.ws.embedder.embed([question, *flat]), dtype=np.float32)
        sims = vectors[1:] @ vectors[0]
        picks: list[tuple[float, int, int, str]] = []
        at = 0
        for source, (r, group) in enumerate(zip(sources, per_source)):
            scored = sorted(((float(sims[at + i]), i, s) for i, s in enumerate(group)),
                            key=lambda t: -t[0])
            at += len(group)
            answer = _norm(r.highlight)
            first = next((t for t in scored if answer and _norm(t[2]) in answer), None) or \
                (scored[0] if scored else None)
            if first is None:
                continue
            picks.append((first[0] + 1.0, source, first[1], first[2]))  # the answer comes first
            if source == 0:
                extra = next((t for t in scored if t is not first
                              and t[0] >= MIN_SENTENCE_COSINE), None)
                if extra is not None:
                    picks.append((extra[0], source, extra[1], extra[2]))
        picks.sort(key=lambda p: (p[1], -p[0]))
        out: list[tuple[int, int, str]] = []
        for _, source, position, text in picks:
            if any(_norm(text) in _norm(t) or _norm(t) in _norm(text) for _, _, t in out):
                continue
            out.append((source, position, text))
        return out[:PASSAGES]

    def _checked(self, text: str) -> tuple[str, list[Omission]]:
        """An LLM draft with its sentences that contradict the fact book or each other left
        out (the sources list, if any, kept as written)."""
        guard = self.guard
        if guard is None:
            return text, []
        body, _, tail = text.partition("\n\nSources:")
        kept: list[str] = []
        dropped: list[Omission] = []
        for sentence in split_sentences(body, min_chars=1):
            conflicts = guard.conflicts(_MARKER.sub("", sentence))
            if conflicts:
                dropped.append(Omission("llm", sentence,
                                        f"the fact book says {conflicts[0].expected!r}"))
            elif any(guard.contradicts(sentence, k) for k in kept):
                dropped.append(Omission("llm", sentence, "it contradicts an earlier sentence"))
            else:
                kept.append(sentence)
        if not dropped:
            return text, []
        if not kept:
            return "", dropped
        return " ".join(kept) + (f"\n\nSources:{tail}" if tail else ""), dropped


def statements(passage: str) -> list[str]:
    """The sentences of a passage that can be quoted in a draft, in order: lines split at
    sentence ends and at list bullets written inline (" - "), bullets stripped, headings (short
    lines without a full stop) and questions (FAQ headings) dropped, each once.

    Example:
        >>> statements("Security\\nWe are SOC 2 certified. Is it encrypted?\\nFacts - 99.9% uptime")
        ['We are SOC 2 certified.', '99.9% uptime']
    """
    out: list[str] = []
    for line in passage.splitlines():
        items = _INLINE_BULLET.split(line)
        for k, item in enumerate(items):
            for sentence in split_sentences(item, min_chars=1):
                text = _BULLET.sub("", sentence).strip()
                full_stop = text.rstrip("\"'”’)")[-1:] in (".", "!", "…") and \
                    text[-1:] not in "\"”"
                listed = len(items) > 1 and k > 0  # a list item, not a heading
                heading = " > " in text or (not full_stop and not listed
                                            and len(text.split()) <= 6)
                if text and not heading and not text.endswith("?") and text not in out:
                    out.append(text)
    return out


def _source_line(c: Citation) -> str:
    where = f", {c.location}" if c.location else ""
    link = f" {c.url}" if c.url else ""
    return f"[{c.marker}] {c.title} ({c.asset_id}{where}){link}"


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text[-1:] in ".!?…" else f"{text}."


__all__ = ["FACT_BOOK", "FALLBACK_NOTE", "MIN_SENTENCE_COSINE", "NOT_COVERED", "PASSAGES",
           "SECOND_SHARE", "Answerer", "statements"]
