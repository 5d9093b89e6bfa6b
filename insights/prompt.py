"""The one builder of LLM prompts: templates in ``insights/prompts/*.txt``.

A template has a ``[system]`` and a ``[user]`` section; ``{name}`` marks a variable and
``{{``/``}}`` a literal brace. :func:`build_prompt` checks that the variables given are
exactly those the template uses, so a template and its caller cannot drift apart silently.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

PROMPTS = Path(__file__).resolve().parent / "prompts"
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


def template_variables(template: str) -> set[str]:
    """The variable names a template uses."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def load_template(name: str, folder: Path = PROMPTS) -> dict[str, str]:
    """The sections of ``<folder>/<name>.txt`` as ``{"system": ..., "user": ...}``."""
    path = folder / f"{name}.txt"
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ValueError(f"{path.name} needs a [system] and a [user] section, "
                         f"found {sorted(sections) or 'none'}")
    return sections


def build_prompt(name: str, folder: Path = PROMPTS, **variables: str) -> list[tuple[str, str]]:
    """Fill template ``name`` and return chat messages ``[("system", ...), ("human", ...)]``.

    Raises:
        ValueError: when the variables given are not exactly the template's.

    Example:
        >>> msgs = build_prompt("objections", categories="price, timing", call_id="c1",
        ...                     transcript="[0] buyer Dana: Too expensive.")
        >>> [role for role, _ in msgs]
        ['system', 'human']
    """
    sections = load_template(name, folder)
    expected = set().union(*(template_variables(s) for s in sections.values()))
    given = set(variables)
    if given != expected:
        missing, extra = sorted(expected - given), sorted(given - expected)
        raise ValueError(f"prompt {name!r}: missing variables {missing}, unexpected {extra}")
    return [("system", sections["system"].format(**variables)),
            ("human", sections["user"].format(**variables))]
