"""One reader per content format, each returning ``(title or None, sections)`` of clean text.

Used by :func:`ingest.content.read_document`, which checks extensions, decodes text files and
tidies the result. The binary formats (PDF, DOCX, PPTX) are read by
:mod:`ingest.binary_formats`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

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

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_ITEM = re.compile(r"^[ \t]*([-*+•]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$")
_MD_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_MD_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+")
_MD_QUOTE = re.compile(r"^(?: {0,3}> ?)+")
# Every inline pattern runs in linear time on a line of any length: a span's body stops at the
# next opening bracket, '<' or delimiter, so a long line of unclosed openers (a pasted blob, a
# hostile file) cannot make each opener scan the rest of the line.
_MD_URL = r"\((?:[^()]|\([^()]*\))*\)"
_MD_INLINE = [
    (re.compile(r"!\[[^\[\]]*\]" + _MD_URL), ""),  # images
    (re.compile(r"!\[[^\[\]]*\]\[[^\[\]]*\]"), ""),
    (re.compile(r"\[\^[^\[\]]+\]"), ""),  # footnote references
    (re.compile(r"\[([^\[\]]+)\]" + _MD_URL), r"\1"),  # links
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[a-zA-Z][^<>]*>"), ""),  # inline HTML
    (re.compile(r"(?<!`)(`++)([^`]+)\1(?!`)"), r"\2"),  # code spans
    (re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=[^\s*])((?:(?!(?<![\w*])\*(?=[^\s*])).)+?)(?<=[^\s*])\*"
                r"(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=[^\s_])((?:(?!(?<![\w_])_(?=[^\s_])).)+?)(?<=[^\s_])_"
                r"(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)((?:(?!~~).)+?)(?<=\S)~~"), r"\1"),  # strikethrough
]
_MD_MARKUP = re.compile(r"[\\\[\]<>`*_~!]")
"""A character that may start inline markup; a line without one is returned as it is."""
_FRONT_MATTER_MAX = 100_000
"""Front matter longer than this is not parsed (only its ``title`` is used)."""
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")


def md_inline(text: str) -> str:
    """Markdown inline syntax (links, emphasis, code, images, HTML) reduced to plain text.

    Example:
        >>> md_inline("See **our** [pricing](https://x.io) page ![logo](l.png)")
        'See our pricing page'
    """
    if _MD_MARKUP.search(text) is None:  # plain text, the usual case: nothing to strip
        return " ".join(html.unescape(text).split())
    text = _MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m[1])), text)
    text = drop_comments(text)
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    text = re.sub("[\ue000-\ue0ff]", lambda m: chr(ord(m[0]) - 0xE000), text)
    return " ".join(html.unescape(text).split())


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


def _heading_text(text: str) -> str:
    """An ATX heading's text without its closing ``#`` sequence (``## Title ##``)."""
    text = text.rstrip(" \t")
    body = text.rstrip("#")
    if body != text and (not body or body[-1] in " \t"):
        return body.rstrip(" \t")
    return text


def read_markdown(text: str, name: str) -> _Result:
    """Markdown: headings to heading paths, inline syntax stripped, list items as lines."""
    title, text = _front_matter(text)
    text = drop_raw_html(drop_comments(text))
    b = _Builder()
    fence: str | None = None
    code: list[str] = []
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        if fence is not None:
            if raw.strip().startswith(fence):
                b.block("\n".join(code))
                fence, code = None, []
            else:
                code.append(raw.rstrip())
            continue
        line = _MD_QUOTE.sub("", raw, count=1)  # block quotes read as their content
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if match := _MD_FENCE.match(line):
            b.end()
            fence, code = match[1][0] * 3, []
        elif match := _MD_HEADING.match(line):
            level, heading = len(match[1]), md_inline(_heading_text(match[2] or ""))
            title = title or (heading if level == 1 else None)
            b.heading(level, heading)
        elif not stripped or _MD_RULE.match(line) or _MD_REF_DEF.match(line):
            b.end()
        elif re.fullmatch(r"=+|-+", nxt) and b.kind == "para" and not b.buffer \
                and not _MD_ITEM.match(line):
            level = 1 if nxt.startswith("=") else 2  # setext heading
            heading = md_inline(stripped)
            title = title or (heading if level == 1 else None)
            b.heading(level, heading)
            lines[i + 1] = ""
        elif _MD_TABLE_SEP.match(line) and "-" in line and "|" in line:
            continue
        elif stripped.startswith("|"):
            b.block(_row([md_inline(c) for c in stripped.strip("|").split("|")]), "row")
        elif match := _MD_ITEM.match(line):
            marker = match[1] if match[1][0].isdigit() else "-"
            b.start("line")
            b.inline(f"{marker} {md_inline(match[2])}")
        else:
            b.inline(" " + md_inline(stripped))
    if code:
        b.block("\n".join(code))
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
