"""One reader per content format, each returning ``(title or None, sections)`` of clean text.

Used by :func:`ingest.content.read_document`, which checks extensions, decodes text files and
tidies the result. The binary formats (PDF, DOCX, PPTX) are read by
:mod:`ingest.binary_formats`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.records import Section
from ingest.textfile import load_yaml

log = logging.getLogger(__name__)

_Result = tuple[str | None, list[Section]]


class _Builder:
    """Collects text blocks under a heading stack and emits one Section per heading."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.blocks: list[tuple[str, str]] = []  # (kind "para" | "line" | "row", text)
        self.buffer: list[str] = []
        self.kind = "para"

    def heading(self, level: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self.end()
        self.flush_section()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))

    def inline(self, text: str) -> None:
        self.buffer.append(text)

    def start(self, kind: str = "para") -> None:
        self.end()
        self.buffer = []  # a bare list marker left by end()
        self.kind = kind

    def end(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text == "-":  # a list item whose text has not come yet (e.g. <li><p>...)
            return
        if text:
            self.blocks.append((self.kind, text))
        self.buffer = []
        self.kind = "para"

    def block(self, text: str, kind: str = "para") -> None:
        self.end()
        text = text.strip()
        if text:
            self.blocks.append((kind, text))

    def flush_section(self) -> None:
        parts: list[str] = []
        prev = None
        for kind, text in self.blocks:
            if parts:
                parts.append("\n" if kind == prev and kind in ("line", "row") else "\n\n")
            parts.append(text)
            prev = kind
        if parts:
            self.sections.append(Section("".join(parts), [t for _, t in self.stack]))
        self.blocks = []

    def finish(self) -> list[Section]:
        self.end()
        self.flush_section()
        return self.sections


def _row(cells: list[str]) -> str:
    """A table row as text: non-empty cells, merged (repeated) cells once, joined by ' | '."""
    out: list[str] = []
    for cell in cells:
        cell = " ".join(cell.split())
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return " | ".join(out)


# -- Markdown ---------------------------------------------------------------------------------


class _Markdown(MarkdownIt):
    """CommonMark with tables and strikethrough, accepting every link target: only a link's
    text is kept, so a ``javascript:`` target is dropped rather than left as literal markup."""

    def __init__(self) -> None:
        super().__init__("commonmark")
        self.enable(["table", "strikethrough"])

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        return True


_MARKDOWN = _Markdown()
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\s]+\]")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_TASK_BOX = re.compile(r"^\[[ xX]\] ")
_AUTOLINK_KEPT = ("http:", "https:", "mailto:")
"""Autolinks shown as their address; any other scheme (``<javascript:...>``) is dropped."""
_FRONT_MATTER_MAX = 100_000
"""Front matter longer than this is not parsed (only its ``title`` is used)."""
MAX_MARKDOWN_CHARS = 12_000_000
"""Markdown past this is not read: more than twice the text a document keeps
(:data:`ingest.content.MAX_DOCUMENT_CHARS`), and markdown-it reads about 1 MB a second."""
MAX_LINK_TEXT = 1_000
"""A ``[`` with no ``]`` this close after it reads as text, not as a link or image opener:
markdown-it scans on from each opener, and a hostile line of unclosed ``![`` would take
20 s a megabyte."""
MAX_LINKS = 5_000
"""``[`` past this many in a document read as text (a line of ``![x](`` costs ~20 µs a
character)."""
_BRACKET = "\ue000"
"""Stands for a ``[`` read as text while markdown-it parses (a backslash escape costs as much
as the bracket); put back by :func:`_unbracket`."""


def _bounded(text: str) -> str:
    """``text`` cut to :data:`MAX_MARKDOWN_CHARS`, each ``[`` that no ``]`` closes within
    :data:`MAX_LINK_TEXT` characters, and those past the first :data:`MAX_LINKS`, hidden from
    the parser, so that any file reads in seconds."""
    if len(text) > MAX_MARKDOWN_CHARS:
        log.warning("over %d characters of Markdown; the rest is not read", MAX_MARKDOWN_CHARS)
        text = text[:MAX_MARKDOWN_CHARS]
    out: list[str] = []
    start = 0
    close = -1  # the next "]" at or after the current "["
    kept = 0
    for match in re.finditer(r"\[", text):
        pos = match.start()
        if close < pos:
            close = text.find("]", pos)
            if close < 0:
                close = len(text) + MAX_LINK_TEXT
        if close - pos > MAX_LINK_TEXT or kept >= MAX_LINKS:
            out.append(text[start:pos] + _BRACKET)
            start = pos + 1
        else:
            kept += 1
    out.append(text[start:])
    return "".join(out)


def _unbracket(text: str) -> str:
    return text.replace(_BRACKET, "[")


def md_inline(tokens: list[Token]) -> str:
    """An inline token's children as plain text: links as their text, images, HTML and
    footnote references dropped, emphasis and code marks removed, white space folded.

    Example:
        >>> md_inline(_MARKDOWN.parseInline("See **our** [pricing](https://x.io) ![logo](l.png)")
        ...           [0].children)
        'See our pricing'
    """
    out: list[str] = []
    text: list[str] = []  # text since the last code span, freed of tags once complete
    skip = False  # inside an autolink whose address is not shown
    for tok in tokens:
        if tok.type == "link_open":
            href = str(tok.attrs.get("href", ""))
            skip = tok.markup == "autolink" and not href.lower().startswith(_AUTOLINK_KEPT)
        elif tok.type == "link_close":
            skip = False
        elif skip:
            continue
        elif tok.type == "text":
            text.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            text.append(" ")
        elif tok.type == "code_inline":
            out += [_plain("".join(text)), tok.content]
            text = []
    out.append(_plain("".join(text)))
    return " ".join(_unbracket("".join(out)).split())


def _plain(text: str) -> str:
    """Text outside code spans without the tags markdown-it left as text (JSX such as
    ``<span style={{...}}>``) and footnote references."""
    return _FOOTNOTE_REF.sub("", _HTML_TAG.sub("", text))


def drop_comments(text: str) -> str:
    """``text`` without ``<!-- ... -->`` comments, in linear time (a regex is quadratic on a
    long run of unclosed ``<!--``).

    Example:
        >>> drop_comments("a <!-- b --> c <!-- d")
        'a  c <!-- d'
    """
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no comment closes after here, so no later one does either
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


_RAW_OPEN = re.compile(r"<(script|style)\b[^<>]*>", re.IGNORECASE)


def drop_raw_html(text: str) -> str:
    """``text`` without ``<script>`` and ``<style>`` elements (an unclosed one runs to the end,
    as in a browser), in linear time.

    Example:
        >>> drop_raw_html("a <script type=x>alert(1)</SCRIPT > b <style>p {}")
        'a  b '
    """
    out: list[str] = []
    pos = 0
    while match := _RAW_OPEN.search(text, pos):
        out.append(text[pos:match.start()])
        close = re.compile(rf"</{match[1]}\s*>", re.IGNORECASE).search(text, match.end())
        if close is None:
            pos = len(text)
            break
        pos = close.end()
    out.append(text[pos:])
    return "".join(out)


def _front_matter(text: str) -> tuple[str | None, str]:
    """Split off YAML front matter; returns its ``title`` (if any) and the rest."""
    match = re.match(r"^---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    if not match:
        return None, text
    title = None
    if len(match[1]) > _FRONT_MATTER_MAX:
        log.debug("front matter of %d characters; not parsed", len(match[1]))
        return None, text[match.end():]
    try:
        meta = load_yaml(match[1])
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            title = meta["title"].strip() or None
    except (yaml.YAMLError, RecursionError, ValueError):  # ValueError: a huge integer
        log.debug("front matter is not YAML; ignored")
    return title, text[match.end():]


def read_markdown(text: str, name: str) -> _Result:
    """Markdown: headings to heading paths, inline syntax stripped, list items as lines,
    table rows as ``cell | cell`` lines, code blocks kept as text, front matter and HTML
    (tags, comments, scripts, styles) left out.

    Parsed by markdown-it (CommonMark with tables); the title is the front matter's ``title``,
    else the first level-1 heading.
    """
    title, text = _front_matter(text)
    b = _Builder()
    heading = 0  # the level of the heading being read, 0 outside one
    marker: str | None = None  # the marker of a list item whose text has not come yet
    cells: list[str] | None = None  # the cells of the table row being read
    for tok in _MARKDOWN.parse(_bounded(drop_raw_html(drop_comments(text)))):
        kind = tok.type
        if kind == "heading_open":
            heading = int(tok.tag[1])
        elif kind == "heading_close":
            heading = 0
        elif kind == "list_item_open":
            marker = f"{tok.info}{tok.markup}" if tok.info else "-"
        elif kind == "list_item_close":
            marker = None
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            b.block(_row(cells), "row")
            cells = None
        elif kind == "inline":
            line = md_inline(tok.children or [])
            if heading:
                title = title or (line if heading == 1 else None)
                b.heading(heading, line)
            elif cells is not None:
                cells.append(line)
            elif marker is not None:
                b.start("line")
                b.inline(f"{marker} {_TASK_BOX.sub('', line)}")
                marker = None
            else:
                b.inline(" " + line)
        elif kind in ("fence", "code_block"):
            code = _unbracket(tok.content)
            b.block("\n".join(line.rstrip() for line in code.split("\n")))
        elif kind == "html_block":  # its tags dropped, Markdown inside it read (MDX, JSX)
            inner = _MARKDOWN.parseInline(_HTML_TAG.sub(" ", tok.content))
            b.block(md_inline(inner[0].children or []) if inner else "")
        elif kind.endswith("_close") or kind == "hr":
            b.end()
    return title, b.finish()


# -- HTML -------------------------------------------------------------------------------------

_HTML_DROP = ["script", "style", "noscript", "template", "nav", "aside", "form", "iframe",
              "svg", "canvas", "object", "embed", "button", "select", "dialog", "head"]
_HTML_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "table", "thead",
    "tbody", "tfoot", "blockquote", "pre", "figure", "figcaption", "address", "hr", "br",
    "details", "summary", "caption", "body", "center", "fieldset", "legend", "header", "footer",
})


def read_html(text: str, name: str) -> _Result:
    """HTML: page chrome and scripts dropped, ``h1``-``h6`` to heading paths, clean text."""
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = " ".join(title_tag.get_text(" ").split()) if title_tag else ""
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_HTML_DROP):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(["header", "footer"]):
        if not tag.decomposed and not tag.find_parent(["article", "main"]):
            tag.decompose()  # site chrome, not an article's own header
    for tag in soup.find_all(lambda t: t.has_attr("hidden")
                             or str(t.get("aria-hidden", "")).lower() == "true"):
        if not tag.decomposed:
            tag.decompose()
    if not title:
        h1 = soup.find("h1")
        title = " ".join(h1.get_text(" ").split()) if h1 else ""
    b = _Builder()
    # Walked with an explicit stack, not recursion: a page of 100,000 nested <div>s is fine.
    todo: list[tuple[Iterator[Any], Callable[[], None] | None]] = [
        (iter((soup.body or soup).children), None)]
    while todo:
        children, after = todo[-1]
        child = next(children, None)
        if child is None:
            todo.pop()
            if after is not None:
                after()
            continue
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a Doctype, CData or the like
                b.inline(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        tag = child.name.lower()
        if re.fullmatch(r"h[1-6]", tag):
            b.heading(int(tag[1]), child.get_text(" "))
        elif tag == "li":
            b.start("line")
            b.inline("- ")
            todo.append((iter(child.children), b.end))
        elif tag == "tr":
            cells = child.find_all(["td", "th"], recursive=False)
            b.block(_row([c.get_text(" ") for c in cells]), "row")
        elif tag in _HTML_BLOCKS:
            b.end()
            todo.append((iter(child.children), b.end))
        else:
            todo.append((iter(child.children), None))
    sections = b.finish()
    for sec in sections:  # an item whose text was all in nested lists leaves a bare "-"
        sec.text = "\n".join(line for line in sec.text.split("\n") if line.strip() != "-")
    return title or None, sections


# -- plain text -------------------------------------------------------------------------------

_TXT_ITEM = re.compile(r"^\s*([-*•▪◦–]|\d{1,3}[.)])\s+")


def read_txt(text: str, name: str) -> _Result:
    """Plain text: paragraphs by blank lines; a short first line is the title."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    title = None
    first = paragraphs[0].strip() if paragraphs else ""
    if "\n" not in first and len(first) <= 100 and not first.endswith((".", "?", "!", ":")) \
            and len(paragraphs) > 1:
        title = first
        paragraphs = paragraphs[1:]
    out = []
    for para in paragraphs:
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        text_ = lines[0]
        for line in lines[1:]:
            text_ += ("\n" if _TXT_ITEM.match(line) else " ") + line
        out.append(re.sub(r"[ \t]+", " ", text_))
    return title, [Section("\n\n".join(out))]


# -- PDF --------------------------------------------------------------------------------------
