"""Typed records produced by the insights stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CATEGORIES = (
    "price",
    "timing",
    "competitor",
    "authority",
    "need",
    "feature",
    "integration",
    "security",
    "implementation",
    "trust",
    "contract",
    "other",
)
"""The objection taxonomy of the contract."""

Reaction = Literal["positive", "neutral", "objection"]


@dataclass(slots=True)
class Objection:
    """A buyer objection: the verbatim span, who said it, where, and what kind.

    ``turn`` is the index of the buyer turn that holds it, counted over all turns of the call.
    """

    id: str
    call_id: str
    turn: int
    speaker: str
    text: str
    category: str
    confidence: float
    start: float | None = None
    end: float | None = None
    theme_id: str | None = None
    char_start: int | None = None
    """Offset of ``text`` in the turn's text (``turn.text[char_start:char_end] == text``)."""
    char_end: int | None = None
    source: str = "model"
    """Which detector found it: ``"model"`` (the embedding head) or ``"llm"``."""


THEME_MIN_CALLS = 2
"""A theme is raised in at least this many calls; a group of objections from one call that
fits no theme is an other mention."""


@dataclass(slots=True)
class ThemeExample:
    call_id: str
    turn: int
    text: str


@dataclass(slots=True)
class Theme:
    """A group of similar objections across calls, with counts by deal outcome."""

    id: str
    label: str
    category: str
    count: int
    calls: int
    won: int
    lost: int
    open: int
    keywords: list[str] = field(default_factory=list)
    examples: list[ThemeExample] = field(default_factory=list)
    trend: dict[str, int] = field(default_factory=dict)
    """Objection count per period ("YYYY-MM"), for calls with a date."""
    mention: bool = False
    """An other mention, not a theme: objections of one call that fit no theme (never a
    content gap); ``calls < THEME_MIN_CALLS``."""


@dataclass(slots=True)
class Moment:
    """A talk-track use: where a rep said it and how the buyer reacted."""

    call_id: str
    turn: int
    start: float | None
    text: str
    reaction: Reaction | None
    reaction_text: str | None = None


@dataclass(slots=True)
class Occurrence:
    """One use of a talk track: the call and the rep turn, numbered over all turns of the call
    (both sides), as in the contract."""

    call_id: str
    turn: int


@dataclass(slots=True)
class MessageStat:
    """Performance of one talk track from messaging.yaml."""

    id: str
    name: str
    uses: int
    calls: int
    positive_reaction_rate: float | None
    objection_rate: float | None
    win_rate_with: float | None
    win_rate_without: float | None
    lift: float | None
    lift_ci: tuple[float, float] | None
    warning: str | None = None
    examples: list[Moment] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    """Every use, in call and turn order (as many as ``uses``)."""
    verdict: str | None = None
    """What the lift says in words: more or fewer wins with the track, or "not enough calls
    to tell" when its interval contains zero (see :func:`insights.messages.verdict`)."""
    closed_with: int = 0
    """Closed (won or lost) calls where a rep used the track: the base of ``win_rate_with``."""
    closed_without: int = 0
    """Closed calls where no rep used it: the base of ``win_rate_without``."""
