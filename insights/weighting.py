"""Talk-track win rates weighted by deal amount (pipeline), on what
:func:`insights.messages.message_stats` returns.

Weighted, a win rate is the share of the closed pipeline that was won:
``sum of won calls' amounts / sum of closed calls' amounts`` (each call weighted by
:func:`insights.selection.deal_weights`). ``lift`` is still ``win_rate_with -
win_rate_without``; its 95% interval is the Newcombe interval with each side's effective number
of calls (Kish: ``(sum w)^2 / sum w^2``), so a few big deals do not look like many calls.
Uses, calls and reaction rates stay counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from ingest.records import CallMeta
from insights.messages import verdict
from insights.records import MessageStat
from insights.selection import DealWeights
from insights.stats import newcombe_difference


@dataclasses.dataclass(frozen=True, slots=True)
class _Side:
    """Closed calls on one side of a comparison, weighted."""

    won: float
    total: float
    n_eff: float

    @classmethod
    def of(cls, call_ids: Iterable[str], outcome: dict[str, str], weights: DealWeights) -> _Side:
        ws = [(weights.of(c), outcome[c] == "won") for c in call_ids]
        total = sum(w for w, _ in ws)
        squares = sum(w * w for w, _ in ws)
        return cls(sum(w for w, won in ws if won), total,
                   total * total / squares if squares else 0.0)

    @property
    def rate(self) -> float | None:
        return round(self.won / self.total, 4) if self.total > 0 else None


def weighted_message_stats(stats: Sequence[MessageStat], calls: Iterable[CallMeta],
                           weights: DealWeights) -> list[MessageStat]:
    """``stats`` with win rates, lift, interval and verdict weighted by deal amount.

    Args:
        stats: From :func:`insights.messages.message_stats` (on the same calls).
        calls: The calls the stats cover (their outcomes decide won and lost).
        weights: From :func:`insights.selection.deal_weights`; unweighted ones (no amounts)
            return ``stats`` unchanged.

    Example:
        >>> weighted = weighted_message_stats(message_stats(ws), metas,
        ...                                   deal_weights(metas))  # doctest: +SKIP
    """
    if not weights.weighted:
        return list(stats)
    outcome = {m.call_id: m.outcome for m in calls if m.outcome in ("won", "lost")}
    out = []
    for s in stats:
        used = {o.call_id for o in s.occurrences}
        with_ = _Side.of(sorted(used & outcome.keys()), outcome, weights)
        without = _Side.of(sorted(outcome.keys() - used), outcome, weights)
        lift = ci = None
        if with_.rate is not None and without.rate is not None:
            lift = round(with_.rate - without.rate, 4)
            low, high = newcombe_difference(with_.won / with_.total * with_.n_eff, with_.n_eff,
                                            without.won / without.total * without.n_eff,
                                            without.n_eff)
            ci = (round(low, 4), round(high, 4))
        out.append(dataclasses.replace(s, win_rate_with=with_.rate,
                                       win_rate_without=without.rate, lift=lift, lift_ci=ci,
                                       verdict=verdict(lift, ci)))
    return out


__all__ = ["weighted_message_stats"]
