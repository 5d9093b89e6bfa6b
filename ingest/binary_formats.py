"""Readers of the binary content formats (PDF, DOCX, PPTX), bounded against hostile files.

Each takes a path and returns ``(title or None, sections)`` like the text readers of
:mod:`ingest.document_formats`, or raises :class:`~ingest.errors.CorruptFileError` for a file
it cannot open. Decompression is capped (a PDF stream that inflates past
:data:`MAX_PDF_STREAM_BYTES`, an Office package past :data:`MAX_OFFICE_BYTES`, is refused),
and so is the time spent extracting a PDF.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.document_formats import _TXT_ITEM, _Builder, _Result, _row
from ingest.errors import CorruptFileError
from ingest.records import Section

log = logging.getLogger(__name__)
MAX_PDF_PAGES = 2000
MAX_PDF_CHARS = 5_000_000
MAX_PDF_STREAM_BYTES = 20_000_000
"""Bytes one PDF stream may decompress to; a larger one (a decompression bomb) is refused."""
MAX_PDF_CONTENT_BYTES = 50_000_000
"""Decompressed page content read per PDF; pages after that are left out with a warning."""
MAX_PDF_SECONDS = 120.0
"""Time spent extracting a PDF's text; pages after that are left out with a warning."""
_PDF_LIMITS = {  # pypdf's safety limits, tighter than its defaults (75 MB a stream)
    "zlib_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_PDF_STREAM_BYTES,
    "maximum_declared_stream_length": MAX_PDF_STREAM_BYTES,
    "stream_parsing_work_maximum_count": 500_000,
    "xform_maximum_invocations_per_extraction": 500,
}
MAX_OFFICE_BYTES = 300_000_000
"""Bytes the parts of a DOCX/PPTX may unzip to in all (media included)."""
MAX_OFFICE_XML_BYTES = 50_000_000
"""Bytes one XML part of a DOCX/PPTX may unzip to (a real document.xml is a few MB)."""


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


def _pdf_limits() -> contextlib.AbstractContextManager[Any]:
    """pypdf's safety limits set to :data:`_PDF_LIMITS` (pypdf 6.2+; older ones keep theirs)."""
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    return apply(**_PDF_LIMITS) if apply is not None else contextlib.nullcontext()


def read_pdf(path: Path) -> _Result:
    """PDF: one section per page (``page`` from 1), text cleaned of hyphenation and wraps.

    A page with a stream that decompresses to more than :data:`MAX_PDF_STREAM_BYTES` (a
    decompression bomb) is skipped, and the file refused when no page is left; reading stops,
    keeping the pages read, after :data:`MAX_PDF_CONTENT_BYTES` of page content,
    :data:`MAX_PDF_CHARS` of text or :data:`MAX_PDF_SECONDS`.
    """
    with _pdf_limits():
        return _read_pdf(path)


def _read_pdf(path: Path) -> _Result:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

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
    total = failed = content = 0
    limited: list[str] = []  # pages over pypdf's limits: skipped, and the file refused if all
    started = time.monotonic()
    for number in range(1, min(count, MAX_PDF_PAGES) + 1):
        if content > MAX_PDF_CONTENT_BYTES or time.monotonic() - started > MAX_PDF_SECONDS:
            log.warning("%s: over %d MB of page content or %d s of reading; pages from %d on "
                        "are left out", name, MAX_PDF_CONTENT_BYTES // 1_000_000,
                        MAX_PDF_SECONDS, number)
            break
        try:
            page = pages[number - 1]
            stream = page.get_contents()
            content += len(stream.get_data()) if stream is not None else 0
            raw = page.extract_text() or ""
        except LimitReachedError as exc:
            log.warning("%s: page %d is beyond the limits read safely (%s); skipped",
                        name, number, exc)
            limited.append(f"page {number}: {exc}")
            content += MAX_PDF_STREAM_BYTES  # a bomb shared by every page is not read again
            continue
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
    if not sections and limited:
        raise CorruptFileError(
            f"{name}: refused: its content decompresses to more than "
            f"{MAX_PDF_STREAM_BYTES // 1_000_000} MB in one stream or holds too many drawing "
            f"operations, the mark of a decompression bomb ({limited[0]}). If the file is "
            "genuine, export or print it to PDF again.")
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
    _check_unzipped_size(path, kind)
    try:
        return opener(str(path))
    except Exception as exc:
        raise CorruptFileError(
            f"{name}: not a readable {kind} file ({type(exc).__name__}: {exc}). Open it and save "
            f"it again as {ext}.") from None


def _check_unzipped_size(path: Path, kind: str) -> None:
    """Refuse a ZIP bomb: parts that unzip to more than the limits.

    The sizes the package declares are checked first; then each part is unzipped in 1 MB
    pieces and thrown away, which stops at its declared size, so a part that hides a bomb
    behind a small declared size fails its CRC check here instead of being inflated whole by
    the DOCX/PPTX library.
    """
    name = path.name
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
            total = sum(p.file_size for p in parts)
            xml = max((p for p in parts if p.filename.lower().endswith((".xml", ".rels"))),
                      key=lambda p: p.file_size, default=None)
            if xml is not None and xml.file_size > MAX_OFFICE_XML_BYTES:
                raise CorruptFileError(
                    f"{name}: refused: its part {xml.filename[:80]} unzips to "
                    f"{xml.file_size / 1e6:,.0f} MB, more than the "
                    f"{MAX_OFFICE_XML_BYTES / 1e6:.0f} MB a {kind} document needs (a ZIP "
                    "bomb?). Open it and save it again.")
            if total > MAX_OFFICE_BYTES:
                raise CorruptFileError(
                    f"{name}: refused: it unzips to {total / 1e6:,.0f} MB, more than the "
                    f"{MAX_OFFICE_BYTES / 1e6:.0f} MB read safely (a ZIP bomb, or very large "
                    "media?). Compress its pictures or remove its videos and try again.")
            for part in parts:
                with package.open(part) as stream:
                    while stream.read(1 << 20):
                        pass
    except CorruptFileError:
        raise
    except Exception as exc:  # BadZipFile (a bad CRC: a hidden bomb), a truncated package, ...
        raise CorruptFileError(
            f"{name}: not a readable {kind} file ({type(exc).__name__}: {exc}). Open it and "
            "save it again.") from None


def _read_office(path: Path, read: Callable[[Path], _Result], kind: str, ext: str) -> _Result:
    """Run ``read``; an unexpected error from the library inside a damaged package becomes a
    :class:`CorruptFileError`."""
    try:
        return read(path)
    except CorruptFileError:
        raise
    except Exception as exc:
        raise CorruptFileError(
            f"{path.name}: not a readable {kind} file ({type(exc).__name__}: {exc}). Open it "
            f"and save it again as {ext}.") from None


def read_docx(path: Path) -> _Result:
    """DOCX: Title and Heading N styles to heading paths; paragraphs, lists and tables."""
    return _read_office(path, _read_docx, "Word (.docx)", ".docx")


def _read_docx(path: Path) -> _Result:
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
    return _read_office(path, _read_pptx, "PowerPoint (.pptx)", ".pptx")


def _read_pptx(path: Path) -> _Result:
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


__all__ = ["read_docx", "read_pdf", "read_pptx"]
