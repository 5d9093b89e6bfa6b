"""Optional objection extraction with an LLM (any langchain chat model, ``settings.llm``).

The model answers against a pydantic schema (``with_structured_output`` when the provider
supports it, else JSON parsed and validated against the same schema). Every quote must be
found verbatim in the buyer turn it names, or it is dropped: the stored ``text`` is always the
transcript's own words. The transcript goes into the prompt as delimited data (see
``insights/prompts/objections.txt``); instructions inside it are not followed.

Any failure raises :class:`~ingest.errors.LLMError`; the analysis then falls back to the
default detector for that call and logs a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingest import llm as _llm
from ingest.records import Call, Turn
from insights.detector import objection_id, span_times
from insights.prompt import build_prompt
from insights.records import CATEGORIES, Objection

log = logging.getLogger(__name__)

Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class ExtractedObjection(BaseModel):
    """One objection as the LLM reports it."""

    turn: int = Field(description="Number of the buyer turn that holds the objection.")
    quote: str = Field(description="The objection, copied exactly from that turn.")
    category: Category = Field(description="One of the objection categories.")
    confidence: float = Field(0.8, ge=0, le=1, description="Probability it is right.")


class ExtractedObjections(BaseModel):
    """The LLM's answer: every objection in the transcript excerpt."""

    objections: list[ExtractedObjection] = Field(default_factory=list)


def render_transcript(turns: Sequence[Turn]) -> str:
    """Turns as ``[index] side speaker: text`` lines in a ``<transcript>`` data block
    (:func:`ingest.llm.data_block`: the turns cannot close it)."""
    return _llm.data_block("transcript", "\n".join(f"[{t.index}] {t.side} {t.speaker}: {t.text}"
                                                    for t in turns))


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text``: exactly, else ignoring case and spacing; else None."""
    quote = quote.strip().strip('"“”')
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = [re.escape(w) for w in quote.split()]
    match = re.search(r"\s+".join(words), text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


class LLMObjectionExtractor(_llm.ChatModelStage):
    """Finds objections with a chat model.

    Args:
        llm: ``"provider:model"`` for ``langchain.chat_models.init_chat_model``.
        model: An already built chat model (takes precedence over ``llm``; tests pass a fake).
        window: Turns per request; long calls are sent in windows of this many turns.

    Example:
        ``LLMObjectionExtractor("ollama:llama3.1")`` asks a local Ollama; here a fake model
        gives the answer:

        >>> from langchain_core.language_models import FakeListChatModel
        >>> from ingest.records import CallMeta
        >>> call = Call(CallMeta("c1"), "c1.txt", "h1", "transcript", [
        ...     Turn(0, "Rep", "rep", "The plan is 40 dollars per user a month."),
        ...     Turn(1, "Kim", "buyer", "Honestly, that is way more than we budgeted.")])
        >>> answer = ('{"objections": [{"turn": 1, "quote": "way more than we budgeted", '
        ...           '"category": "price"}]}')
        >>> extractor = LLMObjectionExtractor(model=FakeListChatModel(responses=[answer]))
        >>> [(o.turn, o.text, o.category) for o in extractor.run(call)]  # LLMError on failure
        [(1, 'way more than we budgeted', 'price')]
    """

    def __init__(self, llm: str | None = None, model: Any = None, window: int = 120) -> None:
        super().__init__(llm, model)
        self.window = window

    def run(self, call: Call) -> list[Objection]:
        """The call's objections, verbatim spans of buyer turns.

        Raises:
            LLMError: the model could not be created, failed, or answered off-schema.
        """
        by_index = {t.index: t for t in call.turns}
        found: dict[str, Objection] = {}
        for lo in range(0, len(call.turns), self.window):
            turns = call.turns[lo:lo + self.window]
            if not any(t.side == "buyer" for t in turns):
                continue
            messages = build_prompt("objections", categories=", ".join(CATEGORIES),
                                    call_id=call.call_id, transcript=render_transcript(turns))
            answer = _llm.structured(self.model, ExtractedObjections, messages,
                                     context=f"on call {call.call_id}")
            for item in answer.objections:
                o = self._objection(call.call_id, by_index.get(item.turn), item)
                if o is not None:
                    found.setdefault(o.id, o)
        return sorted(found.values(), key=lambda o: (o.turn, o.char_start or 0))

    @staticmethod
    def _objection(call_id: str, turn: Turn | None, item: ExtractedObjection) -> Objection | None:
        if turn is None or turn.side != "buyer":
            log.info("LLM objection dropped: turn %s is not a buyer turn", item.turn)
            return None
        where = locate(item.quote, turn.text)
        if where is None:
            log.info("LLM objection dropped: %r is not in turn %d", item.quote[:60], turn.index)
            return None
        a, b = where
        start, end = span_times(turn, a, b)
        return Objection(id=objection_id(call_id, turn.index, a, b), call_id=call_id,
                         turn=turn.index, speaker=turn.speaker, text=turn.text[a:b],
                         category=item.category, confidence=round(item.confidence, 4),
                         start=start, end=end, char_start=a, char_end=b, source="llm")
