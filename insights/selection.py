"""Which calls a view looks at (:class:`CallFilter`), and how much each call counts when
results are weighted by deal amount (:func:`deal_weights`).

The filter is the one the app's filter bar and the CLI share: rep, segment, stage, outcome and
a date range; empty fields match every call. A bad field raises :class:`FilterError`, which
names the field, so a form can mark it and leave the rest of the page alone.

Weighting by amount: a call counts as its deal's amount (``CallMeta.amount``, from
``callmine ingest deals``); a call without an amount counts as the median amount of the calls
that have one; when no call has an amount every call counts 1 (the same as unweighted) and
the weights say so in their ``note``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ingest.errors import InputError
from ingest.records import CallMeta

FIELDS = ("rep", "segment", "stage", "outcome", "since", "until")
"""The filter's fields, in form order; :attr:`FilterError.field` is one of them."""
FIELD_NAMES = {"since": "From date", "until": "To date"}


class FilterError(InputError):
    """A filter value that cannot be used; ``field`` says which (see :data:`FIELDS`)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_date(value: str | None, name: str, field: str = "") -> date | None:
    """A date typed in a form field (``YYYY-MM-DD``); None when empty.

    Raises:
        FilterError: naming the field (``name``) and what was typed.

    Example:
        >>> parse_date(" 2026-03-31 ", "From date")
        datetime.date(2026, 3, 31)
        >>> parse_date("2024-13-40", "From date")
        Traceback (most recent call last):
        ...
        insights.selection.FilterError: From date must be a date such as 2026-03-31, got '2024-13-40'.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name} must be a date such as 2026-03-31, got {value!r}.",
                          field) from None


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Which calls to look at; empty fields match every call.

    Example:
        >>> f = CallFilter.parse(outcomes=["lost"], since="2026-01-01")
        >>> f.matches(CallMeta("a", date=date(2026, 2, 1), outcome="lost"))
        True
        >>> f.matches(CallMeta("b", date=date(2025, 12, 1), outcome="lost"))
        False
    """

    reps: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, reps: Sequence[str] | None = None, segments: Sequence[str] | None = None,
              stages: Sequence[str] | None = None, outcomes: Sequence[str] | None = None,
              since: str | None = None, until: str | None = None) -> CallFilter:
        """Build a filter from form values.

        Raises:
            FilterError: a date that is not ``YYYY-MM-DD`` (field ``since`` or ``until``), or
                a From date after the To date (field ``until``).
        """
        first = parse_date(since, FIELD_NAMES["since"], "since")
        last = parse_date(until, FIELD_NAMES["until"], "until")
        if first and last and first > last:
            raise FilterError(f"To date ({last}) is before From date ({first}); swap them or "
                              "clear one.", "until")

        def values(items: Sequence[str] | None) -> tuple[str, ...]:
            if isinstance(items, str):
                items = [items]
            return tuple(v for v in (items or ()) if v)

        return cls(values(reps), values(segments), values(stages), values(outcomes),
                   first, last)

    @property
    def empty(self) -> bool:
        """True when the filter matches every call."""
        return not (self.reps or self.segments or self.stages or self.outcomes or self.since
                    or self.until)

    def matches(self, meta: CallMeta) -> bool:
        """Whether a call (its metadata) passes every field (names match whatever their case);
        an undated call fails a date range."""
        for wanted, have in ((self.reps, meta.rep), (self.segments, meta.segment),
                             (self.stages, meta.stage), (self.outcomes, meta.outcome)):
            if wanted and (have or "").casefold() not in {w.casefold() for w in wanted}:
                return False
        if (self.since or self.until) and meta.date is None:
            return False
        if self.since and meta.date < self.since:
            return False
        return not (self.until and meta.date > self.until)

    def call_ids(self, metas: Iterable[CallMeta]) -> set[str]:
        """The ids of the calls that pass."""
        return {m.call_id for m in metas if self.matches(m)}

    def describe(self) -> str:
        """The filter in words, e.g. ``rep Dana Reyes · outcome lost · from 2026-01-01``;
        empty when it matches every call."""
        parts = [f"{name} {', '.join(v)}" for name, v in
                 (("rep", self.reps), ("segment", self.segments), ("stage", self.stages),
                  ("outcome", self.outcomes)) if v]
        if self.since:
            parts.append(f"from {self.since}")
        if self.until:
            parts.append(f"to {self.until}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class DealWeights:
    """How much each call counts: its deal amount, or the median amount when it has none."""

    weights: Mapping[str, float] = field(default_factory=dict)
    median: float | None = None
    """The median amount of the calls that have one (None: no call has one)."""
    with_amount: int = 0
    """Calls with an amount of their own."""
    note: str = ""
    """What the weighting did, in words (shown beside weighted numbers)."""

    @property
    def weighted(self) -> bool:
        """False when no call has an amount: every call counts 1, as unweighted."""
        return self.median is not None

    def of(self, call_id: str) -> float:
        """The weight of one call (1 for a call these weights do not know)."""
        return self.weights.get(call_id, 1.0)


def deal_weights(metas: Iterable[CallMeta]) -> DealWeights:
    """Weights by pipeline amount: a call's deal amount; a call without an amount (or with a
    negative one) counts as the median amount of the calls that have one; no amounts at all:
    every call counts 1, and the note says the result is unweighted.

    Example:
        >>> w = deal_weights([CallMeta("a", amount=10_000), CallMeta("b", amount=30_000),
        ...                   CallMeta("c")])
        >>> w.of("a"), w.of("c"), w.with_amount
        (10000.0, 20000.0, 2)
        >>> deal_weights([CallMeta("a")]).weighted
        False
    """
    metas = list(metas)
    amounts = {m.call_id: float(m.amount) for m in metas
               if m.amount is not None and m.amount >= 0}
    if not amounts or not any(amounts.values()):
        return DealWeights({m.call_id: 1.0 for m in metas}, None, 0,
                           "No call has a deal amount (add them with callmine ingest deals), "
                           "so every call counts the same: the numbers are unweighted.")
    median = float(statistics.median(amounts.values()))
    missing = len(metas) - len(amounts)
    note = (f"Weighted by deal amount: each call counts as its deal's amount; "
            f"{missing} call(s) without an amount count as the median amount of the "
            f"{len(amounts)} that have one ({median:,.0f}).")
    return DealWeights({m.call_id: amounts.get(m.call_id, median) for m in metas}, median,
                       len(amounts), note)


__all__ = ["FIELDS", "CallFilter", "DealWeights", "FilterError", "deal_weights", "parse_date"]
