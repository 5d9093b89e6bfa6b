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


def markdown_link(title: object, url: str | None) -> str:
    """``[title](url)`` for an http(s) URL (the title escaped, the URL's spaces and brackets
    encoded); the escaped title alone for anything else, so no ``javascript:`` link is made.

    Example:
        >>> print(markdown_link("Pricing *2026*", "https://x.example/docs (v2)"))
        [Pricing \\*2026\\*](https://x.example/docs%20%28v2%29)
        >>> markdown_link("Deck", "javascript:alert(1)"), markdown_link("Deck", None)
        ('Deck', 'Deck')
    """
    text = markdown_text(title)
    url = (url or "").strip()
    if not url.lower().startswith(("https://", "http://")):
        return text
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return f"[{text}]({url})"


def as_words(kind: str | None) -> str:
    """A snake_case kind as words: ``battle_card`` -> ``battle card``."""
    return (kind or "").replace("_", " ")


STORED_COPY = "internal, stored copy"
"""Shown beside an internal asset without a URL: the app serves no files of the workspace, so
the stored copy is named, not linked."""


def asset_link(title: object, url: str | None, public: bool = True) -> str:
    """An asset's title as Markdown: linked to its http(s) URL; an internal asset without one
    says it is the :data:`STORED_COPY`.

    Example:
        >>> asset_link("Pricing", "https://x.example/p"), asset_link("Deck", None, public=False)
        ('[Pricing](https://x.example/p)', 'Deck (internal, stored copy)')
    """
    link = markdown_link(title, url)
    if not public and not (url or "").strip().lower().startswith(("https://", "http://")):
        link += f" ({STORED_COPY})"
    return link
