"""Typed records that flow from ingest to insights, rag and ui."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Side = Literal["rep", "buyer"]
Outcome = Literal["won", "lost", "open"]

REP_LABELS = frozenset({"rep", "seller", "sales", "ae", "sdr", "agent"})
"""Speaker labels that put a speaker on the rep side (case-insensitive), per the contract."""

ASSET_TYPES = (
    "case_study",
    "one_pager",
    "battle_card",
    "blog",
    "whitepaper",
    "deck",
    "faq",
    "web_page",
    "press_release",
    "other",
)


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing (seconds from the start of the recording)."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(slots=True)
class Segment:
    """A stretch of speech by one speaker, as transcribed or imported.

    ``start``/``end`` are seconds, or ``None`` for transcripts without timestamps.
    """

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    words: list[Word] = field(default_factory=list)


@dataclass(slots=True)
class Diarization:
    """What speaker diarization of a mono recording found (``ingest.diarize``)."""

    speakers: int  # voices found
    windows: int  # speech windows embedded
    seconds: float  # wall time spent diarizing
    voices: dict[str, list[float]] = field(default_factory=dict)  # speaker -> voice print
    speech: dict[str, float] = field(default_factory=dict)  # speaker -> seconds of speech


@dataclass(slots=True)
class Transcript:
    """The result of transcribing one audio file or importing one transcript file.

    ``diarization`` is set when the speakers of a mono recording were found by voice.
    """

    source: str
    segments: list[Segment]
    duration: float | None = None
    language: str | None = None
    diarization: Diarization | None = None

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


@dataclass(slots=True)
class Turn:
    """One speaker's uninterrupted turn in a call; ``index`` counts all turns from 0."""

    index: int
    speaker: str
    side: Side
    text: str
    start: float | None = None
    end: float | None = None
    words: list[Word] = field(default_factory=list)


@dataclass(slots=True)
class CallMeta:
    """Call metadata from the manifest (all optional but ``call_id``)."""

    call_id: str
    date: date | None = None
    rep: str | None = None
    account: str | None = None
    stage: str | None = None
    outcome: Outcome | None = None
    segment: str | None = None
    amount: float | None = None  # the deal's amount, from the CRM (`ingest deals`)
    deal: str | None = None  # the deal's name, from the CRM


@dataclass(slots=True)
class Call:
    """A call as stored: metadata, where it came from and its turns."""

    meta: CallMeta
    source: str
    content_hash: str
    kind: Literal["audio", "transcript"]
    turns: list[Turn]
    duration: float | None = None
    language: str | None = None
    speakers: dict | None = None  # how the speakers of a recording were told apart (audio)

    @property
    def call_id(self) -> str:
        return self.meta.call_id


@dataclass(slots=True)
class AssetMeta:
    """Content asset metadata from the manifest."""

    asset_id: str
    title: str | None = None
    type: str = "other"
    url: str | None = None
    audience: str | None = None
    stage: str | None = None
    public: bool = False
    published: date | None = None


@dataclass(slots=True)
class Section:
    """A piece of a document's clean text with where it stands in the document."""

    text: str
    heading_path: list[str] = field(default_factory=list)
    page: int | None = None
    slide: int | None = None


@dataclass(slots=True)
class Document:
    """A content file turned into clean, structured text."""

    source: str
    title: str | None
    sections: list[Section]


@dataclass(slots=True)
class Chunk:
    """A passage of an asset that stands on its own, as embedded in the vector store."""

    chunk_id: str
    asset_id: str
    index: int
    text: str
    heading_path: list[str] = field(default_factory=list)
    page: int | None = None
    slide: int | None = None

    @property
    def location(self) -> str:
        """Human-readable position: heading path, page or slide."""
        parts = []
        if self.heading_path:
            parts.append(" > ".join(self.heading_path))
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.slide is not None:
            parts.append(f"slide {self.slide}")
        return ", ".join(parts)


@dataclass(slots=True)
class Asset:
    """A content asset as stored: metadata, source, hash and passages."""

    meta: AssetMeta
    source: str
    content_hash: str
    chunks: list[Chunk]

    @property
    def asset_id(self) -> str:
        return self.meta.asset_id


FileStatus = Literal["stored", "replaced", "unchanged", "failed"]


@dataclass(slots=True)
class FileResult:
    """What happened to one input file of a batch."""

    path: str
    status: FileStatus
    record_id: str | None = None
    message: str = ""


@dataclass(slots=True)
class BatchResult:
    """The outcome of ingesting a batch of files."""

    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every file went in, 3 (partial success) when some failed."""
        return 3 if self.failed else 0


def source_name(path: Path | str) -> str:
    """The name a file is known by in messages and records."""
    return Path(path).name
