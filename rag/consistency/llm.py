"""Optional LLM check of claim pairs the rules cannot compare (``settings.llm``).

Some statements are about a fact's subject but say it in a way the rules do not parse ("four
nines of availability", "live before your next quarter-end"). With an LLM configured
(``CALLMINE_LLM="provider:model"``, any ``langchain.chat_models.init_chat_model`` model), each
such (fact, statement) pair is sent with the template ``prompts/compare.txt``; the fact and the
statement go in as delimited data. The answer is validated against :class:`Verdict`
(``with_structured_output`` when the model supports it, else JSON parsed against the same
schema).

Any failure raises :class:`~ingest.errors.LLMError`; the checker then logs a warning, notes it
in the report, and goes on with the rules alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingest import llm as _llm

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).resolve().parent / "prompts"


class Verdict(BaseModel):
    """The LLM's judgement of one (fact, statement) pair."""

    verdict: Literal["conflict", "consistent", "unrelated"] = Field(
        description="conflict, consistent or unrelated")
    found: str = Field("", description="The conflicting words, copied from the statement.")
    reason: str = Field("", description="One short sentence.")


def build_prompt(name: str, **variables: str) -> list[tuple[str, str]]:
    """Fill ``prompts/<name>.txt`` with ``variables`` (the one builder: ingest.llm).

    Raises:
        ValueError: when the variables given are not exactly the template's.

    Example:
        >>> [role for role, _ in build_prompt("compare", company="Acme", fact="<fact>f</fact>",
        ...                                   statement="<statement>s</statement>")]
        ['system', 'human']
    """
    return _llm.build_prompt(name, PROMPTS, **variables)


class LLMComparer(_llm.ChatModelStage):
    """Judges (fact, statement) pairs with a chat model.

    Args:
        company: The company's name (for the prompt).
        llm: ``"provider:model"`` for ``init_chat_model``.
        model: An already built chat model (takes precedence; tests pass a fake).
        max_pairs: At most this many pairs are sent per run.

    Example:
        >>> LLMComparer("Vantora", "ollama:llama3.1").compare(
        ...     "Vantora has a 99.9% uptime SLA.", "We run at four nines.").verdict  # doctest: +SKIP
        'conflict'
    """

    def __init__(self, company: str, llm: str | None = None, model: Any = None,
                 max_pairs: int = 40) -> None:
        super().__init__(llm, model)
        self.company = company
        self.max_pairs = max_pairs

    def compare(self, fact: str, statement: str) -> Verdict:
        """The verdict on one pair.

        Raises:
            LLMError: the model could not be created, failed, or answered off-schema.
        """
        messages = build_prompt("compare", company=self.company,
                                fact=_llm.data_block("fact", fact),
                                statement=_llm.data_block("statement", statement))
        verdict = _llm.structured(self.model, Verdict, messages)
        if verdict.verdict == "conflict" and verdict.found and verdict.found not in statement:
            log.info("LLM 'found' %r is not in the statement; quoting the statement",
                     verdict.found[:60])
            verdict.found = ""
        return verdict


__all__ = ["LLMComparer", "Verdict", "build_prompt"]
