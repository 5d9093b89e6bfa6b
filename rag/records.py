"""Typed records of the rag stage: retrieval hits, recommendations, gap reports, answers,
export tables and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ingest.records import AssetMeta, CallMeta, Chunk
from insights.selection import CallFilter


@dataclass(frozen=True, slots=True)
class Filters:
    """Which assets a search may return.

    ``stage`` and ``audience`` match case-insensitively; an asset whose manifest lists several
    values (``"demo;proposal"``) matches each of them, and an asset with no value set is taken
    as suitable for every stage or audience.
    """

    type: str | None = None
    public_only: bool = False
    stage: str | None = None
    audience: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.type or self.public_only or self.stage or self.audience)


@dataclass(slots=True)
class PassageHit:
    """One passage found for a query, with its scores on both retrieval sides.

    ``dense``/``lexical`` are ranks from 1 (``None``: not in that side's top results);
    ``cosine`` is the query-passage cosine similarity, ``bm25`` SQLite's bm25 (lower is
    better), ``fused`` the reciprocal-rank-fusion score.
    """

    chunk: Chunk
    asset: AssetMeta
    cosine: float
    fused: float
    dense: int | None = None
    lexical: int | None = None
    bm25: float | None = None


@dataclass(frozen=True, slots=True)
class SearchFilters(CallFilter):
    """Which turns a search of the calls may return: the calls of a
    :class:`insights.selection.CallFilter` (rep, segment, stage, outcome, dates), and
    ``side``, ``"buyer"`` or ``"rep"`` (None: both)."""

    side: str | None = None

    @property
    def calls_active(self) -> bool:
        """Whether a filter on the calls (anything but ``side``) is set."""
        return not self.empty


@dataclass(slots=True)
class CallHit:
    """A turn of a call found by a search: where it is, what was said, and how it was found.

    ``keyword``/``semantic`` are its ranks (from 1) on each side (``None``: not in that side's
    results), ``fused`` the reciprocal-rank-fusion score, ``cosine`` the query-turn cosine
    similarity on the semantic side. ``snippet`` is the part of the turn to show, and
    ``marks`` the ``(start, end)`` character spans of the matched words in it.
    """

    call: CallMeta
    turn: int
    start: float | None
    side: str
    speaker: str
    text: str
    snippet: str
    fused: float
    marks: list[tuple[int, int]] = field(default_factory=list)
    keyword: int | None = None
    semantic: int | None = None
    cosine: float | None = None
    bm25: float | None = None

    @property
    def call_id(self) -> str:
        return self.call.call_id


@dataclass(slots=True)
class AssetHit:
    """An asset found for a query: its passages best first (``passages[0]`` answers)."""

    asset: AssetMeta
    passages: list[PassageHit]
    source: str = ""

    @property
    def best(self) -> PassageHit:
        return self.passages[0]

    @property
    def fused(self) -> float:
        return self.best.fused

    @property
    def cosine(self) -> float:
        return max(p.cosine for p in self.passages)


@dataclass(slots=True)
class RecommendedAsset:
    """One asset to send, with the exact passage that answers and why it was chosen.

    ``score`` is the calibrated probability (0..1) that the passage answers the text.
    """

    asset_id: str
    title: str
    type: str
    source: str
    passage: str
    score: float
    why: str
    location: str = ""
    chunk_id: str = ""
    url: str | None = None
    highlight: str = ""
    """The passage's sentence closest to the text."""


@dataclass(slots=True)
class Recommendation:
    """The answer to "the buyer says X, what do I send?"."""

    query: str
    covered: bool
    recommendations: list[RecommendedAsset] = field(default_factory=list)
    probability: float = 0.0
    """The covered model's probability for the best asset."""


@dataclass(slots=True)
class BestAsset:
    """The asset (and passage) that answers a theme best, even if only partly."""

    asset_id: str
    title: str
    passage: str
    score: float
    location: str = ""


@dataclass(slots=True)
class Quote:
    """A buyer's words from a call, for a brief."""

    call_id: str
    turn: int
    text: str
    date: date | None = None
    outcome: str | None = None
    stage: str | None = None


@dataclass(slots=True)
class ThemeGap:
    """How well the content answers one objection theme, and how much that matters."""

    theme_id: str
    label: str
    category: str
    count: int
    lost: int
    coverage: float
    priority: float
    best: BestAsset | None
    brief: str = ""
    won: int = 0
    open: int = 0
    covered_share: float = 0.0
    """Share of the theme's objections whose best answer passes the covered bar."""
    stage: str | None = None
    """The deal stage where the theme is raised most."""
    quotes: list[Quote] = field(default_factory=list)
    amount: float | None = None
    """Weighted by deal amount only: the pipeline amount of the calls that raised the theme
    (calls without an amount count as the median amount)."""


@dataclass(slots=True)
class BeforeAfter:
    """Frequency of an asset's theme per 100 calls before and after the asset was published."""

    asset_id: str
    title: str
    published: date
    theme_id: str
    label: str
    before_per_100: float | None
    after_per_100: float | None
    calls_before: int
    calls_after: int
    coverage: float = 0.0
    """How well the asset answers the theme (its ``coverage_a``)."""


@dataclass(slots=True)
class GapReport:
    """Themes below the coverage bar (by priority), covered themes, unused assets."""

    gaps: list[ThemeGap] = field(default_factory=list)
    covered: list[ThemeGap] = field(default_factory=list)
    unused_assets: list[AssetMeta] = field(default_factory=list)
    before_after: list[BeforeAfter] = field(default_factory=list)
    coverage_bar: float = 0.5
    llm_error: str | None = None
    weight: str = "count"
    """What ``priority`` weighs themes by: ``count`` (objections) or ``amount`` (pipeline)."""
    weight_note: str = ""
    """How the weighting treated calls without an amount (empty when unweighted)."""
    calls: int | None = None
    """Calls the report covers when it was limited to some calls (None: every call)."""


@dataclass(slots=True)
class Citation:
    """A passage an answer cites; ``marker`` is its number in the answer (``[1]``)."""

    asset_id: str
    passage: str
    title: str = ""
    marker: int = 0
    chunk_id: str = ""
    location: str = ""
    public: bool = True
    """Whether the asset may be sent to a buyer; an internal one is shown as "internal, do not
    send" and never quoted in a draft."""
    url: str | None = None
    score: float = 0.0
    """The recommender's probability that the passage answers the question."""


@dataclass(slots=True)
class Omission:
    """A sentence a draft left out because it contradicts the fact book or another sentence."""

    asset_id: str
    sentence: str
    reason: str
    """What it contradicts, for people: "the fact book says 'Implementation takes 30 days on
    average.'"."""


@dataclass(slots=True)
class Answer:
    """A cited answer to a question, from the content library: the follow-up draft a rep can
    send (``answer``), what it cites, and what the rep should know before sending it."""

    question: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    covered: bool = False
    mode: str = "extractive"
    """``"extractive"`` or ``"llm"``."""
    llm_error: str | None = None
    internal: list[Citation] = field(default_factory=list)
    """Internal assets that may also answer: for the rep's eyes only ("internal, do not
    send"); empty with ``public_only``."""
    omitted: list[Omission] = field(default_factory=list)
    """Sentences left out of the draft because they contradict the fact book or each other."""
    nearest: Citation | None = None
    """When nothing covers the question: the nearest public asset the draft offers instead."""
    public_only: bool = False


Cell = str | int | float | bool | None
"""One value of an export table: ``None`` is an empty cell."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table to export (see :mod:`rag.tables`): named columns, one row of plain values per
    record, in the columns' order."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()


@dataclass(slots=True)
class ThemeMove:
    """An objection theme raised in more calls in the digest's period than in the one before."""

    theme_id: str
    label: str
    category: str
    calls: int
    """Calls of the period where a buyer raised it."""
    calls_before: int
    """Calls of the period before where a buyer raised it."""


@dataclass(slots=True)
class DigestGap:
    """One of the top content gaps (by priority, over every call), with its brief's command."""

    theme_id: str
    label: str
    category: str
    priority: float
    coverage: float
    count: int
    lost: int
    calls: int
    """Calls of the period where a buyer raised the theme."""
    command: str
    """The command that prints its content brief."""


@dataclass(slots=True)
class TrackMove:
    """A talk track whose use (calls where a rep said it) or win rate moved between periods."""

    track_id: str
    name: str
    calls: int
    calls_before: int
    win_rate: float | None
    """Win rate of the period's closed calls where a rep used it (None: no such call)."""
    win_rate_before: float | None
    closed: int
    """Closed calls of the period where a rep used it: the base of ``win_rate``."""
    closed_before: int


@dataclass(slots=True)
class Digest:
    """The weekly digest: a period (``since``..``until``, ``days`` long, both ends included)
    compared with the period of the same length just before it."""

    since: date
    until: date
    days: int
    calls: int
    """Dated calls in the period."""
    calls_before: int
    """Dated calls in the period before."""
    latest: date | None = None
    """The date of the latest dated call in the workspace."""
    themes: list[ThemeMove] = field(default_factory=list)
    gaps: list[DigestGap] = field(default_factory=list)
    tracks: list[TrackMove] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the digest could not say, and why (e.g. no content ingested, so no gaps)."""
