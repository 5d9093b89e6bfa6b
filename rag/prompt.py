"""The rag stage's prompt templates (``rag/prompts/*.txt``), filled by the one builder,
:func:`ingest.llm.build_prompt`. Retrieved passages and buyer quotes always go into a prompt
through :func:`ingest.llm.data_block`, inside tags the system prompt declares to be data.
"""

from __future__ import annotations

from pathlib import Path

from ingest.llm import build_prompt as _build
from ingest.llm import data_block
from ingest.llm import load_template as _load

PROMPTS = Path(__file__).resolve().parent / "prompts"


def load_template(name: str) -> dict[str, str]:
    """The sections of ``rag/prompts/<name>.txt``."""
    return _load(name, PROMPTS)


def build_prompt(name: str, **variables: str) -> list[tuple[str, str]]:
    """Fill template ``name`` of ``rag/prompts`` and return chat messages.

    Raises:
        ValueError: when the variables given are not exactly the template's.

    Example:
        >>> msgs = build_prompt("ask", question="Where is data hosted?",
        ...                     passages=data_block("passage", "Hosted in Frankfurt.", id="1"))
        >>> [role for role, _ in msgs]
        ['system', 'human']
    """
    return _build(name, PROMPTS, **variables)


__all__ = ["PROMPTS", "build_prompt", "data_block", "load_template"]
