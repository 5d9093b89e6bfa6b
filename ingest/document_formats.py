"""One reader per content format, each returning ``(title or None, sections)`` of clean text.

Used by :func:`ingest.content.read_document`, which checks extensions, decodes text files and
tidies the result. Readers of binary formats (PDF, DOCX, PPTX) take a path and raise
:class:`~ingest.errors.CorruptFileError` for files they cannot open.
"""

from __future__ import annotations

import html
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import CorruptFileError
from ingest.records import Section

log = logging.getLogger(__name__)

MAX_PDF_PAGES = 2000
MAX_PDF_CHARS = 5_000_000

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

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_ITEM = re.compile(r"^[ \t]*([-*+•]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$")
_MD_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_MD_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+")
_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\((?:[^()]|\([^)]*\))*\)"), ""),  # images
    (re.compile(r"!\[[^\]]*\]\[[^\]]*\]"), ""),
    (re.compile(r"\[\^[^\]]+\]"), ""),  # footnote references
    (re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)"), r"\1"),  # links
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"<!--.*?-->"), ""),
    (re.compile(r"</?[a-zA-Z][^>]*>"), ""),  # inline HTML
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # code spans
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
]
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")


def md_inline(text: str) -> str:
    """Markdown inline syntax (links, emphasis, code, images, HTML) reduced to plain text.

    Example:
        >>> md_inline("See **our** [pricing](https://x.io) page ![logo](l.png)")
        'See our pricing page'
    """
    text = _MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m[1])), text)
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    text = re.sub("[\ue000-\ue0ff]", lambda m: chr(ord(m[0]) - 0xE000), text)
    return " ".join(html.unescape(text).split())


def _front_matter(text: str) -> tuple[str | None, str]:
    """Split off YAML front matter; returns its ``title`` (if any) and the rest."""
    match = re.match(r"^---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    if not match:
        return None, text
    title = None
    try:
        meta = yaml.safe_load(match[1])
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            title = meta["title"].strip() or None
    except yaml.YAMLError:
        log.debug("front matter is not YAML; ignored")
    return title, text[match.end():]


def read_markdown(text: str, name: str) -> _Result:
    """Markdown: headings to heading paths, inline syntax stripped, list items as lines."""
    title, text = _front_matter(text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
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
        line = raw
        while re.match(r"^ {0,3}>", line):  # block quotes read as their content
            line = re.sub(r"^ {0,3}> ?", "", line, count=1)
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if match := _MD_FENCE.match(line):
            b.end()
            fence, code = match[1][0] * 3, []
        elif match := _MD_HEADING.match(line):
            level, heading = len(match[1]), md_inline(match[2] or "")
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

    def walk(node: Any) -> None:
        for child in node.children:
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
                walk(child)
                b.end()
            elif tag == "tr":
                cells = child.find_all(["td", "th"], recursive=False)
                b.block(_row([c.get_text(" ") for c in cells]), "row")
            elif tag in _HTML_BLOCKS:
                b.end()
                walk(child)
                b.end()
            else:
                walk(child)

    walk(soup.body or soup)
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


def _clean_pdf_text(text: str) -> str:
    """Page text without line-end hyphenation, runs of spaces or hard line wraps."""
    text = text.replace("\u00ad", "").replace("\x00", "")
    text = re.sub(r"(\w)-[ \t]*\n[ \t]*(?=[a-z])", r"\1", text)
    text = re.sub(r"[ \t\u00a0\f\v]+", " ", text)
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        if not lines:
            continue
        out = lines[0]
        for prev, line in zip(lines, lines[1:], strict=False):
            hard = prev.endswith((".", "!", "?", ":")) or len(prev) < 40 or _TXT_ITEM.match(line)
            out += ("\n" if hard else " ") + line
        paragraphs.append(out)
    return "\n\n".join(paragraphs)


def read_pdf(path: Path) -> _Result:
    """PDF: one section per page (``page`` from 1), text cleaned of hyphenation and wraps."""
    from pypdf import PdfReader

    name = path.name
    try:
        reader = PdfReader(path)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise CorruptFileError(
            f"{name}: not a readable PDF ({type(exc).__name__}: {exc}). Export or download it "
            "again.") from None
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))  # owner-password-only PDFs open with ""
        except Exception:
            opened = False
        if not opened:
            raise CorruptFileError(
                f"{name}: the PDF is encrypted; export an unencrypted copy (e.g. print it to "
                "PDF) and ingest that.")
    try:
        pages = reader.pages
        count = len(pages)
    except Exception as exc:
        raise CorruptFileError(
            f"{name}: not a readable PDF ({type(exc).__name__}: {exc}). Export or download it "
            "again.") from None
    if count > MAX_PDF_PAGES:
        log.warning("%s: %d pages; only the first %d are read", name, count, MAX_PDF_PAGES)
    sections: list[Section] = []
    total = failed = 0
    for number in range(1, min(count, MAX_PDF_PAGES) + 1):
        try:
            raw = pages[number - 1].extract_text() or ""
        except Exception:
            log.warning("%s: page %d could not be read; skipped", name, number, exc_info=True)
            failed += 1
            continue
        text = _clean_pdf_text(raw)
        if text:
            sections.append(Section(text, page=number))
            total += len(text)
        if total > MAX_PDF_CHARS:
            log.warning("%s: over %d characters; pages after %d are left out",
                        name, MAX_PDF_CHARS, number)
            break
    if not sections and failed:
        raise CorruptFileError(
            f"{name}: no page of the PDF could be read ({failed} failed). Export or download it "
            "again.")
    if not sections:
        raise CorruptFileError(
            f"{name}: the PDF has no text layer (scanned or image-only?); run OCR first (e.g. "
            "with ocrmypdf) and ingest the result.")
    return _pdf_title(reader, sections), sections


def _pdf_title(reader: Any, sections: list[Section]) -> str | None:
    try:
        meta_title = (reader.metadata or {}).get("/Title")
    except Exception:
        meta_title = None
    meta_title = " ".join(str(meta_title or "").split())
    meta_title = re.sub(r"^Microsoft (Word|PowerPoint) - |\.(docx?|pptx?)$", "", meta_title)
    if meta_title and meta_title.lower() not in {"untitled", "title", "document"}:
        return meta_title
    first = sections[0].text.split("\n", 1)[0].strip() if sections[0].page == 1 else ""
    return first if 0 < len(first) <= 120 else None


# -- DOCX / PPTX ------------------------------------------------------------------------------


def _open_office(path: Path, opener: Any, kind: str, ext: str) -> Any:
    name = path.name
    if not zipfile.is_zipfile(path):
        raise CorruptFileError(
            f"{name}: not a {kind} file (it is not a ZIP package). If it is an old "
            f"{ext[:-1]} file, open it and save it as {ext}.")
    try:
        return opener(str(path))
    except Exception as exc:
        raise CorruptFileError(
            f"{name}: not a readable {kind} file ({type(exc).__name__}: {exc}). Open it and save "
            f"it again as {ext}.") from None


def read_docx(path: Path) -> _Result:
    """DOCX: Title and Heading N styles to heading paths; paragraphs, lists and tables."""
    import docx
    from docx.table import Table

    doc = _open_office(path, docx.Document, "Word (.docx)", ".docx")
    title = (doc.core_properties.title or "").strip() or None
    first_h1 = None
    b = _Builder()
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            try:
                rows = [_row([c.text for c in row.cells]) for row in item.rows]
            except Exception:
                log.warning("%s: a table could not be read; skipped", path.name, exc_info=True)
                continue
            b.block("\n".join(r for r in rows if r))
            continue
        text = " ".join(item.text.split())
        if not text:
            b.end()
            continue
        style = (item.style.name if item.style is not None else "") or ""
        heading = re.fullmatch(r"heading\s*(\d)", style.strip(), re.I)
        if style.strip().lower() == "title":
            title = title or text
            b.heading(0, text)
        elif heading:
            first_h1 = first_h1 or (text if heading[1] == "1" else None)
            b.heading(int(heading[1]), text)
        elif style.lower().startswith("list"):
            b.block(f"- {text}", "line")
        else:
            b.block(text)
    return title or first_h1, b.finish()


def read_pptx(path: Path) -> _Result:
    """PPTX: one section per slide (``slide`` from 1): title as heading, text, tables, notes."""
    from pptx import Presentation
    from pptx.enum.shapes import PP_PLACEHOLDER

    prs = _open_office(path, Presentation, "PowerPoint (.pptx)", ".pptx")
    skip = {PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE}
    title = (prs.core_properties.title or "").strip() or None
    sections: list[Section] = []
    for number, slide in enumerate(prs.slides, start=1):
        title_shape = slide.shapes.title
        slide_title = " ".join(title_shape.text_frame.text.split()) if title_shape else ""
        if number == 1:
            title = title or slide_title or None
        blocks: list[str] = []
        for shape in _shapes(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if shape.is_placeholder and shape.placeholder_format.type in skip:
                continue
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                lines = [" ".join(p.text.split()) for p in shape.text_frame.paragraphs]
                blocks.append("\n".join(line for line in lines if line))
            elif getattr(shape, "has_table", False) and shape.has_table:
                rows = [_row([c.text for c in row.cells]) for row in shape.table.rows]
                blocks.append("\n".join(r for r in rows if r))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            blocks.append(" ".join(slide.notes_slide.notes_text_frame.text.split()))
        text = "\n\n".join(b for b in blocks if b.strip())
        if text:
            sections.append(Section(text, [slide_title] if slide_title else [], slide=number))
    return title, sections


def _shapes(shapes: Any) -> list[Any]:
    """Shapes in reading order (top to bottom, left to right), group shapes opened."""
    out = []
    for shape in shapes:
        if hasattr(shape, "shapes"):  # a group
            out.extend(_shapes(shape.shapes))
        else:
            out.append(shape)
    return sorted(out, key=lambda s: (s.top or 0, s.left or 0))


__all__ = ["read_docx", "read_html", "read_markdown", "read_pdf", "read_pptx", "read_txt",
           "md_inline"]
