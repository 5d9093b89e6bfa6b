"""Talk-track performance: how often reps use each track, how buyers react, and win rates.

Win rates are over closed deals only: ``won / (won + lost)`` among calls whose outcome is
``won`` or ``lost``; calls that are ``open`` or have no outcome are left out of both sides.
``lift`` is ``win_rate_with - win_rate_without`` and ``lift_ci`` its 95% Newcombe hybrid
score interval. Outcomes are per call (each call carries its deal's outcome in the manifest).

A lift is only told in words (``verdict``) when its interval leaves out zero: with fewer calls
the interval is wider than the lift and the verdict is "not enough calls to tell".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from insights.records import MessageStat, Moment, Occurrence
from insights.stats import newcombe_difference

if TYPE_CHECKING:
    from ingest.store import Workspace

MIN_CLOSED = 5
"""Fewer closed calls than this on either side gets a warning on the win rates."""
EXAMPLES = 3

NOT_ENOUGH_CALLS = "not enough calls to tell"
MORE_WINS = "more wins with it"
FEWER_WINS = "fewer wins with it"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def message_stats(ws: Workspace, call_ids: Collection[str] | None = None) -> list[MessageStat]:
    """Performance of every talk track of the ingested messaging, in messaging order.

    Returns an empty list when no messaging was ingested. ``call_ids`` limits everything (uses,
    reactions, win rates) to those calls, e.g. the calls of one week; default: every call.

    Example:
        >>> [(m.id, m.uses, m.lift) for m in message_stats(ws)][:1]  # doctest: +SKIP
        [('payback', 14, 0.21)]
    """
    messaging = ws.messaging()
    if messaging is None:
        return []
    keep = None if call_ids is None else set(call_ids)
    outcome = {cid: o for cid, (o, _) in ws.insights_store.call_outcomes().items()
               if keep is None or cid in keep}
    closed = {cid for cid, o in outcome.items() if o in ("won", "lost")}
    uses: dict[str, list[Any]] = defaultdict(list)
    for r in ws.insights_store.track_uses():
        if keep is None or r["call_id"] in keep:
            uses[r["track_id"]].append(r)
    out = []
    for track in messaging.talk_tracks:
        rows = uses.get(track.id, [])
        calls_with = {r["call_id"] for r in rows}
        with_closed = calls_with & closed
        without_closed = closed - calls_with
        won_with = sum(outcome[c] == "won" for c in with_closed)
        won_without = sum(outcome[c] == "won" for c in without_closed)
        rate_with = _rate(won_with, len(with_closed))
        rate_without = _rate(won_without, len(without_closed))
        lift = ci = None
        if rate_with is not None and rate_without is not None:
            lift = round(rate_with - rate_without, 4)
            low, high = newcombe_difference(won_with, len(with_closed), won_without,
                                            len(without_closed))
            ci = (round(low, 4), round(high, 4))
        reacted = [r for r in rows if r["reaction"]]
        out.append(MessageStat(
            id=track.id, name=track.name, uses=len(rows), calls=len(calls_with),
            positive_reaction_rate=_rate(sum(r["reaction"] == "positive" for r in reacted),
                                         len(reacted)),
            objection_rate=_rate(sum(r["reaction"] == "objection" for r in reacted),
                                 len(reacted)),
            win_rate_with=rate_with, win_rate_without=rate_without, lift=lift, lift_ci=ci,
            warning=_warning(len(with_closed), len(without_closed)),
            closed_with=len(with_closed), closed_without=len(without_closed),
            examples=_examples(rows),
            occurrences=[Occurrence(r["call_id"], r["turn"]) for r in rows],
            verdict=verdict(lift, ci),
        ))
    return out


def verdict(lift: float | None, ci: tuple[float, float] | None) -> str:
    """The lift in words: :data:`MORE_WINS` or :data:`FEWER_WINS` when its 95% interval
    leaves out zero, else :data:`NOT_ENOUGH_CALLS` (also when there is no lift to tell).

    Example:
        >>> verdict(0.12, (-0.08, 0.31))
        'not enough calls to tell'
        >>> verdict(0.21, (0.05, 0.37))
        'more wins with it'
    """
    if lift is None or ci is None or ci[0] <= 0.0 <= ci[1]:
        return NOT_ENOUGH_CALLS
    return MORE_WINS if lift > 0 else FEWER_WINS


def _warning(n_with: int, n_without: int) -> str | None:
    if n_with >= MIN_CLOSED and n_without >= MIN_CLOSED:
        return None
    return (f"Too few closed deals to trust the win rates: {n_with} closed call(s) with this "
            f"track and {n_without} without (want at least {MIN_CLOSED} on each side).")


def _examples(rows: list[Any]) -> list[Moment]:
    """The best-matching uses, one per call first."""
    ranked = sorted(rows, key=lambda r: (-r["similarity"], r["call_id"], r["turn"]))
    chosen, calls = [], set()
    for r in ranked:
        if r["call_id"] not in calls:
            chosen.append(r)
            calls.add(r["call_id"])
        if len(chosen) == EXAMPLES:
            break
    return [Moment(call_id=r["call_id"], turn=r["turn"], start=r["start"], text=r["text"],
                   reaction=r["reaction"], reaction_text=r["reaction_text"]) for r in chosen]
