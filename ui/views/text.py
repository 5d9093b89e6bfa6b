"""Showing user text safely: everything from calls and documents is text, never markup.

Transcripts and ingested documents may hold HTML, script or Markdown. Anything a view puts into
``gr.HTML`` goes through :func:`html_text`; anything into ``gr.Markdown`` through
:func:`markdown_text`. Tables (``gr.Dataframe``) and text boxes show plain text already.
"""

from __future__ import annotations

import html
import re

from rag.tables import clock  # noqa: F401 - the views import it from here

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")


def html_text(value: object) -> str:
    """Escape a value for HTML text or a quoted attribute.

    Example:
        >>> html_text('<img src=x onerror=alert(1)>')
        '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def markdown_text(value: object) -> str:
    """Escape a value so Markdown shows it literally: no HTML, links, images, emphasis or math.

    Example:
        >>> print(markdown_text("<b>[x](y)</b>"))
        &lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;
    """
    text = html.escape("" if value is None else str(value), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)



def percent(value: float | None) -> str:
    """A fraction in 0..1 as a whole percentage; empty when unknown."""
    return "" if value is None else f"{value * 100:.0f}%"
