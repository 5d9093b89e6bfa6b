"""The insights stage's prompt templates (``insights/prompts/*.txt``), filled by the one
builder, :func:`ingest.llm.build_prompt` (format and checks described there).
"""

from __future__ import annotations

from pathlib import Path

from ingest.llm import build_prompt as _build
from ingest.llm import load_template as _load
from ingest.llm import template_variables

PROMPTS = Path(__file__).resolve().parent / "prompts"


def load_template(name: str, folder: Path = PROMPTS) -> dict[str, str]:
    """The sections of ``<folder>/<name>.txt`` as ``{"system": ..., "user": ...}``."""
    return _load(name, folder)


def build_prompt(name: str, folder: Path = PROMPTS, **variables: str) -> list[tuple[str, str]]:
    """Fill template ``name`` and return chat messages ``[("system", ...), ("human", ...)]``.

    Raises:
        ValueError: when the variables given are not exactly the template's.

    Example:
        >>> msgs = build_prompt("objections", categories="price, timing", call_id="c1",
        ...                     transcript="<transcript>[0] buyer Dana: Too expensive.</transcript>")
        >>> [role for role, _ in msgs]
        ['system', 'human']
    """
    return _build(name, folder, **variables)


__all__ = ["PROMPTS", "build_prompt", "load_template", "template_variables"]
