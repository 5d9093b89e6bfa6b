"""The call filter, deal-amount weights, and talk-track stats limited to some calls and
weighted by deal amount."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.errors import InputError
from ingest.records import CallMeta
from insights.messages import FEWER_WINS, NOT_ENOUGH_CALLS, message_stats
from insights.records import MessageStat, Occurrence
from insights.selection import CallFilter, FilterError, deal_weights, parse_date
from insights.stats import newcombe_difference
from insights.weighting import weighted_message_stats

METAS = [
    CallMeta("a", date=date(2026, 1, 5), rep="Dana", segment="smb", stage="demo",
             outcome="won", amount=10_000),
    CallMeta("b", date=date(2026, 2, 5), rep="Sam", segment="enterprise", stage="proposal",
             outcome="lost", amount=90_000),
    CallMeta("c", date=date(2026, 3, 5), rep="Dana", segment="enterprise", stage="demo",
             outcome="won"),
    CallMeta("d", rep="Sam", outcome="lost", amount=30_000),
    CallMeta("e", date=date(2026, 3, 9), rep="Sam", outcome="open", amount=50_000),
]


# -- the filter ----------------------------------------------------------------------------------


def test_filter_fields_combine_and_empty_fields_match_everything():
    assert CallFilter.parse().call_ids(METAS) == {"a", "b", "c", "d", "e"}
    assert CallFilter.parse().empty
    assert CallFilter.parse(reps=["Sam"], outcomes=["lost"]).call_ids(METAS) == {"b", "d"}
    assert CallFilter.parse(segments=["enterprise"], stages=["demo"]).call_ids(METAS) == {"c"}
    # a date range leaves out undated calls; both ends are inclusive
    assert CallFilter.parse(since="2026-02-05", until="2026-03-05").call_ids(METAS) == {"b", "c"}
    assert CallFilter.parse(reps="Dana").reps == ("Dana",)  # one value, not its letters


def test_bad_dates_name_their_field():
    with pytest.raises(FilterError, match=r"^From date must be a date such as 2026-03-31, got "
                                          r"'2024-13-40'\.$") as bad:
        CallFilter.parse(since="2024-13-40")
    assert bad.value.field == "since" and isinstance(bad.value, InputError)
    with pytest.raises(FilterError, match="To date must be a date such as 2026-03-31, got '31/01/26'"
                       ) as bad:
        CallFilter.parse(until="31/01/26")
    assert bad.value.field == "until"
    with pytest.raises(FilterError, match=r"To date \(2026-01-01\) is before From date "
                                          r"\(2026-02-01\); swap them or clear one\.") as bad:
        CallFilter.parse(since="2026-02-01", until="2026-01-01")
    assert bad.value.field == "until"
    assert parse_date("  ", "From date") is None


def test_describe_says_what_the_filter_keeps():
    f = CallFilter.parse(reps=["Dana"], outcomes=["won", "lost"], since="2026-01-01")
    assert f.describe() == "rep Dana · outcome won, lost · from 2026-01-01"
    assert CallFilter().describe() == ""


# -- weights -------------------------------------------------------------------------------------


def test_calls_without_an_amount_count_as_the_median():
    w = deal_weights(METAS)
    assert w.weighted and w.with_amount == 4
    assert w.median == 40_000  # median of 10k, 30k, 50k, 90k
    assert (w.of("a"), w.of("c")) == (10_000, 40_000)
    assert "1 call(s) without an amount count as the median amount of the 4 that have one " \
           "(40,000)" in w.note


def test_no_amounts_means_unweighted_with_a_note():
    w = deal_weights([CallMeta("a", outcome="won"), CallMeta("b", outcome="lost")])
    assert not w.weighted and w.of("a") == w.of("b") == 1.0
    assert w.note.startswith("No call has a deal amount")
    assert "unweighted" in w.note


# -- weighted talk-track stats ---------------------------------------------------------------------


def _stat(used: list[str]) -> MessageStat:
    return MessageStat("roi", "Payback", len(used), len(used), None, None, 0.5, 0.5, 0.0,
                       (-0.5, 0.5), occurrences=[Occurrence(c, 1) for c in used])


def test_weighted_win_rates_are_shares_of_closed_pipeline():
    closed = [m for m in METAS if m.outcome != "open"]
    w = deal_weights(METAS)
    [s] = weighted_message_stats([_stat(["a", "b"])], METAS, w)
    # with: a won 10k, b lost 90k -> 10%; without: c won 40k (median), d lost 30k -> 4/7
    assert s.win_rate_with == pytest.approx(0.1)
    assert s.win_rate_without == pytest.approx(round(40 / 70, 4))
    assert s.lift == pytest.approx(round(0.1 - round(40 / 70, 4), 4))
    # the interval uses each side's effective number of calls: (sum w)^2 / sum w^2
    n1 = 100_000 ** 2 / (10_000 ** 2 + 90_000 ** 2)
    n2 = 70_000 ** 2 / (40_000 ** 2 + 30_000 ** 2)
    low, high = newcombe_difference(0.1 * n1, n1, 40 / 70 * n2, n2)
    assert s.lift_ci == (round(low, 4), round(high, 4))
    assert s.verdict in (NOT_ENOUGH_CALLS, FEWER_WINS)
    assert (s.uses, s.calls) == (2, 2)  # counts stay counts
    assert len(closed) == 4


def test_unweighted_weights_leave_the_stats_as_they_are():
    stats = [_stat(["a"])]
    assert weighted_message_stats(stats, METAS, deal_weights([CallMeta("a")])) == stats


def test_message_stats_limited_to_some_calls(monkeypatch):
    """``message_stats(ws, call_ids)`` counts only those calls' uses and outcomes."""
    from types import SimpleNamespace

    from ingest.messaging import Messaging

    uses = [{"call_id": c, "track_id": "roi", "turn": 1, "start": 0.0, "text": "x",
             "reaction": "positive", "reaction_text": "", "similarity": 0.9}
            for c in ("a", "b")]
    store = SimpleNamespace(call_outcomes=lambda: {m.call_id: (m.outcome, None) for m in METAS},
                            track_uses=lambda: uses)
    messaging = Messaging.model_validate({"company": {"name": "Acme"}, "talk_tracks": [
        {"id": "roi", "name": "Payback", "statement": "We pay back."}]})
    ws = SimpleNamespace(messaging=lambda: messaging, insights_store=store)
    [every] = message_stats(ws)
    [some] = message_stats(ws, CallFilter.parse(reps=["Dana"]).call_ids(METAS))
    assert (every.uses, some.uses) == (2, 1)
    assert (some.win_rate_with, some.win_rate_without) == (1.0, 1.0)  # a won; c won
