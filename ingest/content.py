"""Content library readers (Markdown, HTML, PDF, DOCX, PPTX, plain text) and passage chunking.

:func:`read_document` turns a file into a :class:`~ingest.records.Document`: clean text in
:class:`~ingest.records.Section` s that know their heading path, page or slide. No markup
survives. :class:`Chunker` splits a document into passages of about 100-300 words that stand
on their own, for the vector store.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.binary_formats import read_docx, read_pdf, read_pptx
from ingest.document_formats import read_html, read_markdown, read_txt
from ingest.errors import CorruptFileError, UnsupportedFileError
from ingest.records import Chunk, Document, Section
from ingest.textfile import file_size, read_text

log = logging.getLogger(__name__)

CONTENT_EXTENSIONS = (".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx", ".txt")
MAX_DOCUMENT_CHARS = 5_000_000
"""Text kept per document; the rest of a larger one is dropped with a warning."""
MAX_BINARY_BYTES = 200_000_000
"""PDF, DOCX and PPTX files larger than this are refused rather than read into memory."""

_TEXT_READERS: dict[str, Callable[[str, str], tuple[str | None, list[Section]]]] = {
    ".md": read_markdown, ".markdown": read_markdown, ".html": read_html, ".htm": read_html,
    ".txt": read_txt,
}
_BINARY_READERS: dict[str, Callable[[Path], tuple[str | None, list[Section]]]] = {
    ".pdf": read_pdf, ".docx": read_docx, ".pptx": read_pptx,
}


def read_document(path: Path) -> Document:
    """Read a content file into clean text sections.

    Args:
        path: A ``.md``/``.markdown``, ``.html``/``.htm``, ``.pdf``, ``.docx``, ``.pptx`` or
            ``.txt`` file.

    Returns:
        The document. Its title comes from the document (Markdown's first ``# `` heading, the
        HTML ``<title>`` or first ``<h1>``, PDF metadata or the first line, DOCX core
        properties or its Title/Heading 1, the first slide's title), else the file's stem. A
        heading equal to the title is not repeated in the sections' heading paths.

    Raises:
        UnsupportedFileError: for any other extension.
        CorruptFileError: for an empty, non-UTF-8, encrypted, image-only, damaged or too
            large file, or a decompression bomb.
        InputError: for a missing file, or a name holding a NUL byte.

    Example:
        >>> doc = read_document(Path("demo/content/web-pricing.html"))
        >>> doc.title, doc.sections[0].heading_path
        ('Vantora pricing — plans for mid-market finance teams', ['Pricing that pays for itself'])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CONTENT_EXTENSIONS:
        raise UnsupportedFileError(
            f"Expected a {'/'.join(CONTENT_EXTENSIONS)} document, got '{path.name}'.")
    if suffix in _TEXT_READERS:
        title, sections = _TEXT_READERS[suffix](read_text(path), path.name)
    else:
        size = file_size(path)
        if size == 0:
            raise CorruptFileError(f"{path.name}: the file is empty.")
        if size > MAX_BINARY_BYTES:
            raise CorruptFileError(
                f"{path.name}: too large ({size / 1e6:.0f} MB; the limit is "
                f"{MAX_BINARY_BYTES / 1e6:.0f} MB). Split it, or export it without its images.")
        title, sections = _BINARY_READERS[suffix](path)
    title = " ".join((title or "").split()) or path.stem
    sections = _tidy(sections, title, path.name)
    if not sections:
        raise CorruptFileError(
            f"{path.name}: no readable text found; check that the file holds text, not only "
            "images, scripts or markup.")
    return Document(source=str(path), title=title, sections=sections)


def _tidy(sections: list[Section], title: str, name: str) -> list[Section]:
    """Drop empty sections and a leading heading equal to the title; cap the total size."""
    kept: list[Section] = []
    total = 0
    key = title.casefold()
    for sec in sections:
        text = sec.text.strip()
        if not text:
            continue
        path = [" ".join(h.split()) for h in sec.heading_path if h.strip()]
        if path and path[0].casefold() == key:
            path = path[1:]
        if total + len(text) > MAX_DOCUMENT_CHARS:
            log.warning("%s: over %d characters of text; the rest is left out",
                        name, MAX_DOCUMENT_CHARS)
            text = text[:MAX_DOCUMENT_CHARS - total]  # a huge section is cut, not dropped
            text = text.rsplit(None, 1)[0] if len(text.split(None, 1)) > 1 else text
            if text.strip():
                kept.append(Section(text=text.strip(), heading_path=path, page=sec.page,
                                    slide=sec.slide))
            break
        total += len(text)
        kept.append(Section(text=text, heading_path=path, page=sec.page, slide=sec.slide))
    return kept


def _words(text: str) -> int:
    return len(text.split())


class Chunker:
    """Splits a document into passages that stand on their own.

    Passages follow the document's structure: a passage never spans two pages, and holds one
    section's text, except that sections shorter than ``min_words`` are merged with adjacent
    ones under the same parent heading (a parent's intro with its subsections, siblings, or
    consecutive slides), up to ``max_words``. A merged passage's ``heading_path`` is the common
    parent's; each merged section keeps its own headings below it as a line of the text, and
    its ``slide`` is the first slide's. Sections longer than ``max_words`` are split at
    paragraph, then line, then sentence boundaries into passages of similar size, about
    ``target_words`` each.

    Args:
        target_words: The size a long section is split towards.
        max_words: No passage is longer, unless one sentence is.
        min_words: Sections shorter than this are merged with their neighbours when possible.

    Example:
        >>> doc = Document("a.md", "A", [Section("Short intro.", ["Intro"])])
        >>> [(c.chunk_id, c.text) for c in Chunker().run(doc, "a")]
        [('a#0', 'Short intro.')]
    """

    def __init__(self, target_words: int = 180, max_words: int = 300, min_words: int = 60) -> None:
        if not 0 < min_words <= target_words <= max_words:
            raise ValueError("Chunker needs 0 < min_words <= target_words <= max_words, got "
                             f"{min_words}, {target_words}, {max_words}")
        self.target_words = target_words
        self.max_words = max_words
        self.min_words = min_words

    def run(self, document: Document, asset_id: str) -> list[Chunk]:
        """Split ``document`` into chunks with ids ``f"{asset_id}#{i}"``, ``i`` from 0.

        Args:
            document: A document from :func:`read_document`.
            asset_id: The asset the chunks belong to.

        Returns:
            The passages in document order, text plain, heading path/page/slide in fields.
        """
        pieces = [Section(text, sec.heading_path, sec.page, sec.slide)
                  for sec in document.sections if sec.text.strip()
                  for text in self._split(sec.text)]
        chunks: list[Chunk] = []
        for group in self._groups(pieces):
            common = _common_prefix([s.heading_path for s in group])
            parts = []
            for sec in group:
                rest = sec.heading_path[len(common):]
                parts.append(f"{' > '.join(rest)}\n{sec.text}" if rest else sec.text)
            chunks.append(Chunk(chunk_id=f"{asset_id}#{len(chunks)}", asset_id=asset_id,
                                index=len(chunks), text="\n\n".join(parts),
                                heading_path=list(common), page=group[0].page,
                                slide=group[0].slide))
        return chunks

    def _groups(self, sections: list[Section]) -> list[list[Section]]:
        """Runs of adjacent sections to keep together (tiny ones merged with neighbours)."""
        groups: list[list[Section]] = []
        size = 0
        for sec in sections:
            words = _words(sec.text)
            group = groups[-1] if groups else None
            if (group is not None and (size < self.min_words or words < self.min_words)
                    and size + words <= self.max_words and _compatible(group, sec)):
                group.append(sec)
                size += words
            else:
                groups.append([sec])
                size = words
        return groups

    def _split(self, text: str) -> list[str]:
        """One section's text in passages of similar size, at natural boundaries."""
        total = _words(text)
        if total <= self.max_words:
            return [text]
        count = math.ceil(total / self.target_words)
        size = min(self.max_words, math.ceil(total / count * 1.1))
        splitter = RecursiveCharacterTextSplitter(
            separators=[r"\n\n+", r"\n", r"(?<=[.!?…])\s+", r"(?<=[;:,])\s+", r"\s+"],
            is_separator_regex=True, keep_separator="start", chunk_size=size,
            chunk_overlap=0, length_function=_words, strip_whitespace=True,
        )
        merged: list[str] = []
        pos = 0
        for piece in splitter.split_text(text):
            start = text.find(piece, pos)
            gap = text[pos:start] if start >= 0 else " "
            pos = start + len(piece) if start >= 0 else pos
            if merged and (_words(piece) < self.min_words or _words(merged[-1]) < self.min_words) \
                    and _words(merged[-1]) + _words(piece) <= self.max_words:
                sep = "\n\n" if "\n\n" in gap else "\n" if "\n" in gap else " "
                merged[-1] = f"{merged[-1]}{sep}{piece}"
            elif piece.strip():
                merged.append(piece)
        return merged


def _common_prefix(paths: list[list[str]]) -> list[str]:
    common = list(paths[0])
    for path in paths[1:]:
        n = 0
        while n < min(len(common), len(path)) and common[n] == path[n]:
            n += 1
        common = common[:n]
    return common


def _compatible(group: list[Section], sec: Section) -> bool:
    """Whether ``sec`` may join ``group``: same page, a slide after a slide, or same parent.

    Under the same parent means below the group's common heading path, or (for a group of one)
    a sibling of its section: the merged passage carries the common path, and each section's
    own headings below it become a line of the text.
    """
    last = group[-1]
    if last.page != sec.page:
        return False
    if last.slide is not None or sec.slide is not None:
        return last.slide is not None and sec.slide is not None  # slides without text skipped
    base = _common_prefix([s.heading_path for s in group])
    if sec.heading_path[:len(base)] == base:
        return True
    return len(group) == 1 and len(base) > 0 and sec.heading_path[:-1] == base[:-1]


__all__ = ["CONTENT_EXTENSIONS", "Chunker", "read_document"]
