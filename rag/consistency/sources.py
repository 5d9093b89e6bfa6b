"""The texts a consistency run reads from a workspace: asset passages and rep turns."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.consistency.claims import TextUnit
from rag.consistency.names import Names, lower_words, organisations, proper_nouns
from rag.consistency.records import Site
from rag.consistency.tables import cells, tables

if TYPE_CHECKING:
    from ingest.store import Workspace

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")


@dataclass(slots=True)
class SourceText:
    """One source (an asset or a call) with its texts and where each stands."""

    source: str
    title: str
    kind: str
    """``asset`` or ``call``."""
    public: bool = False
    type: str = "other"
    url: str | None = None
    file: Path | None = None
    """The kept copy of the original file (assets)."""
    name: str = ""
    """The original file name (assets) or the call id."""
    units: list[tuple[Site, TextUnit]] = field(default_factory=list)

    @property
    def is_html(self) -> bool:
        return self.file is not None and self.file.suffix.lower() in HTML_SUFFIXES

    @property
    def text(self) -> str:
        return "\n\n".join(unit.text for _, unit in self.units)

    def raw_html(self) -> str | None:
        """The original HTML of a page, or None (not HTML, or the copy is gone)."""
        if not self.is_html:
            return None
        try:
            return self.file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            log.warning("cannot read the kept copy of %s (%s): %s", self.source, self.file, exc)
            return None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60:02d}:{s % 60:02d}"


def _continued_table(text: str, header: str) -> tuple[str, str]:
    """A passage that goes on with the rows of a table the passage before it began gets that
    table's header row back; returns the text and the header of its own last table."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if header and " | " in first and len(cells(first)) == len(cells(header)) and \
            first.strip() != header.strip():
        text = f"{header}\n{text}"
    found = tables(text)
    last = found[-1] if found else None
    if last is not None and last.header:
        header = " | ".join(last.header)
    elif found:
        header = ""
    return text, header


def asset_sources(ws: Workspace, names: Names, public_only: bool = False) -> list[SourceText]:
    """Every completely stored asset (public ones only if asked) with its passages."""
    out = []
    for stored in ws.asset_catalog.stored():
        meta = stored.meta
        if public_only and not meta.public:
            continue
        chunks = ws.chunks(meta.asset_id)
        name = Path(stored.source).name
        src = SourceText(source=meta.asset_id, title=meta.title or meta.asset_id,
                         kind="asset", public=meta.public, type=meta.type,
                         url=meta.url, file=ws.file_path(stored.file), name=name)
        texts = [c.text for c in chunks]
        proper = frozenset(proper_nouns(texts, names))
        lower, others = lower_words(texts), organisations([src.title, *texts], names)
        header = ""
        for chunk in chunks:
            location = ", ".join(p for p in (name, chunk.location) if p)
            site = Site(src.source, location, public=src.public, title=src.title)
            text, header = _continued_table(chunk.text, header)
            src.units.append((site, TextUnit(text, " > ".join(chunk.heading_path),
                                             proper, lower=lower, others=others,
                                             title=src.title)))
        out.append(src)
    return out


def call_sources(ws: Workspace, names: Names) -> list[SourceText]:
    """Every call, with its rep turns (each with the turn before it as context)."""
    out = []
    for meta in ws.calls():
        call = ws.call(meta.call_id)
        source = f"call:{call.call_id}"
        src = SourceText(source=source, title=call.meta.account or call.call_id, kind="call",
                         type="call", name=call.call_id)
        texts = [t.text for t in call.turns]
        proper = frozenset(proper_nouns(texts, names))
        lower, others = lower_words(texts), organisations(texts, names)
        previous = ""
        for turn in call.turns:
            if turn.side == "rep":
                site = Site(source, f"turn {turn.index} at {_clock(turn.start)}", call=True,
                            title=src.title)
                src.units.append((site, TextUnit(turn.text, "", proper, context=previous,
                                                 lower=lower, others=others)))
                previous = ""
            else:
                previous = turn.text
        out.append(src)
    return out


__all__ = ["HTML_SUFFIXES", "SourceText", "asset_sources", "call_sources"]
