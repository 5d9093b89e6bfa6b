"""Ask: a cited answer to a question, from the content library.

Without an LLM the answer is extractive: the sentences of the top passages closest to the
question, each followed by the number of the passage it comes from (``[1]``), then the list of
sources. With an LLM (``settings.llm``, or an injected chat model) the passages go into the
``rag/prompts/ask.txt`` prompt as delimited data (``<passage id=...>``), which the system prompt
says is never to be read as instructions; if the model fails, the extractive answer is returned
with ``llm_error`` saying why.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import InputError, LLMError
from rag.llm import chat_model, complete
from rag.prompt import build_prompt, data_block
from rag.recommend import Recommender
from rag.records import Answer, Citation, Filters
from rag.retriever import location, passage_text

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace
    from rag.covered import Candidate

log = logging.getLogger(__name__)

PASSAGES = 3
"""Passages (one per asset) an answer draws on."""
MIN_SENTENCE_COSINE = 0.3
"""Sentences less similar to the question than this are not quoted (the best one always is)."""
FALLBACK_NOTE = ("(The language model could not answer, so this answer is extracted from the "
                 "sources.)")
_MARKER = re.compile(r"\[(\d+)\]")


class Answerer:
    """Answers a question from the content library, with citations.

    Args:
        ws: The workspace.
        settings: callmine settings (``settings.llm`` turns the LLM answer on).
        llm: An already built chat model (takes precedence; tests pass a fake).
        recommender: An injected recommender (default: one on ``ws``).

    Example:
        >>> ans = Answerer(ws).run("How long does implementation take?")
        >>> ans.answer.splitlines()[0]
        'Implementation takes 30 days on average [1].'
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None, llm: Any = None,
                 recommender: Recommender | None = None) -> None:
        self.ws = ws
        self.settings = settings
        self._llm = llm
        self.recommender = recommender or Recommender(ws, settings)

    def run(self, question: str, filters: Filters | None = None) -> Answer:
        """Answer ``question`` from the top passages.

        Raises:
            InputError: for an empty question.
            WorkspaceError: when no content was ingested.
        """
        if not question or not question.strip():
            raise InputError("Give a question, e.g. \"How long does implementation take?\".")
        question = " ".join(question.split())
        retriever = self.recommender.retriever
        retriever.check_content()
        vector = retriever.embed([question])[0]
        scored = self.recommender.candidates(question, filters, vector)[:PASSAGES]
        covered = bool(scored) and scored[0].probability >= self.recommender.model.threshold
        citations = [self._citation(c, i) for i, c in enumerate(scored, 1)]
        extractive, used = self.extractive(question, vector, scored, citations, covered)
        try:
            model = chat_model(self.settings, self._llm)
        except LLMError as exc:
            log.warning("LLM unavailable, answering extractively: %s", exc)
            return Answer(question, f"{extractive}\n\n{FALLBACK_NOTE}", used, covered,
                          "extractive", str(exc))
        if model is None or not scored:
            return Answer(question, extractive, used, covered)
        try:
            text = complete(model, self.prompt(question, scored))
        except LLMError as exc:
            log.warning("LLM failed, answering extractively: %s", exc)
            return Answer(question, f"{extractive}\n\n{FALLBACK_NOTE}", used, covered,
                          "extractive", str(exc))
        said = {int(m) for m in _MARKER.findall(text)}
        cited = [c for c in citations if c.marker in said] or citations
        return Answer(question, text, cited, covered, "llm")

    @staticmethod
    def _citation(cand: Candidate, marker: int) -> Citation:
        chunk = cand.hit.best.chunk
        return Citation(asset_id=cand.hit.asset.asset_id, passage=passage_text(chunk),
                        title=cand.hit.asset.title or cand.hit.asset.asset_id, marker=marker,
                        chunk_id=chunk.chunk_id, location=location(chunk, cand.sentence))

    @staticmethod
    def prompt(question: str, scored: list[Candidate]) -> list[tuple[str, str]]:
        """The chat messages for the LLM answer: passages as delimited data."""
        blocks = "\n\n".join(
            data_block("passage", passage_text(c.hit.best.chunk), id=str(i),
                       asset=c.hit.asset.asset_id, title=c.hit.asset.title or "")
            for i, c in enumerate(scored, 1))
        return build_prompt("ask", question=question, passages=blocks)

    def extractive(self, question: str, vector: np.ndarray, scored: list[Candidate],
                   citations: list[Citation], covered: bool) -> tuple[str, list[Citation]]:
        """The best sentences of the top passages, each with the ``[n]`` marker of its source,
        then the sources; and the citations it uses (renumbered 1..n in order of use). Says
        plainly when no asset really answers."""
        if not scored:
            return "No passage in the content library matches this question.", []
        cached = self.recommender.features.sentences.get([c.hit.best.chunk for c in scored])
        picks: list[tuple[float, int, str]] = []
        for source, cand in enumerate(scored):
            sents, vecs = cached.get(cand.hit.best.chunk.chunk_id, ([], None))
            if not sents:
                continue
            found = sorted(statements(sents, vecs @ vector), key=lambda t: -t[0])
            picks += [(sim, source, text, at) for sim, text, at in found[:2 if source == 0 else 1]]
        picks.sort(key=lambda p: -p[0])
        chosen: list[tuple[float, int, str, int]] = []
        for pick in picks:
            key = _norm(pick[2])
            if any(key in _norm(c[2]) or _norm(c[2]) in key for c in chosen):
                continue
            if pick[0] >= MIN_SENTENCE_COSINE or not chosen:
                chosen.append(pick)
            if len(chosen) == 3:
                break
        chosen.sort(key=lambda p: (p[1], p[3]))  # by source (best first), then reading order
        used: list[Citation] = []
        markers: dict[int, int] = {}
        for _, source, _, _ in chosen:
            if source not in markers:
                markers[source] = len(markers) + 1
                c = citations[source]
                used.append(Citation(c.asset_id, c.passage, c.title, markers[source],
                                     c.chunk_id, c.location))
        body = " ".join(f"{_sentence(text)} [{markers[source]}]"
                        for _, source, text, _ in chosen)
        lead = "" if covered else "No asset clearly answers this yet; the closest passages say: "
        sources = "\n".join(
            f"[{c.marker}] {c.title} ({c.asset_id}{', ' + c.location if c.location else ''})"
            for c in used)
        return f"{lead}{body}\n\nSources:\n{sources}", used


_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")


def statements(sents: list[str], sims: np.ndarray) -> list[tuple[float, str, int]]:
    """The sentences of a passage that can be quoted as an answer, with their similarity to
    the question and position: bullets stripped, headings (short lines without a full stop)
    dropped, and a question (an FAQ heading) replaced by the sentence after it, which answers
    it."""
    out: list[tuple[float, str, int]] = []
    for i, sentence in enumerate(sents):
        sim = float(sims[i])
        if sentence.rstrip().endswith("?"):
            if i + 1 >= len(sents):
                continue
            i, sentence = i + 1, sents[i + 1]
        text = _BULLET.sub("", sentence).strip()
        full_stop = text.rstrip("\"'”’)")[-1:] in (".", "!", "…") and text[-1:] not in "\"”"
        heading = " > " in text or (not full_stop and len(text.split()) <= 6)
        if text and not heading and not text.endswith("?"):
            out.append((sim, text, i))
    best: dict[str, tuple[float, str, int]] = {}
    for item in out:  # a sentence reached twice keeps its best similarity
        if item[0] > best.get(item[1], (-2.0, "", 0))[0]:
            best[item[1]] = item
    return list(best.values())


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text[-1:] in ".!?…" else f"{text}."
