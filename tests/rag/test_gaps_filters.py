"""The gap report limited to some calls, and its priority weighted by deal amount (on the hashed
fake embedder: these tests check counts and formulas, not which asset answers)."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.records import Call, CallMeta, Turn
from insights.records import Objection, Theme
from insights.selection import CallFilter, deal_weights
from rag import GapReporter

CALLS = [  # call id, date, outcome, rep, amount, objections (theme id, text)
    ("c1", date(2026, 1, 5), "won", "Dana", 20_000, [("eu", "Our data has to stay in the EU.")]),
    ("c2", date(2026, 1, 20), "lost", "Sam", 200_000, [
        ("eu", "Without EU hosting we cannot sign."),
        ("sap", "Does it integrate with SAP?")]),
    ("c3", date(2026, 2, 10), "lost", "Sam", None, [("sap", "We need an SAP connector.")]),
    ("c4", date(2026, 2, 20), "won", "Dana", 60_000, [
        ("sap", "Our SAP team must approve it."),
        ("sap", "Is there a certified SAP connector?"),
        ("eu", "Is our data stored in the EU?")]),
    ("c5", date(2026, 3, 1), "open", "Dana", None, [("sap", "SAP is a must.")]),
]
LABELS = {"eu": ("Our data has to stay in the EU", "security"),
          "sap": ("No SAP integration", "integration")}


def _themes(objections: list[Objection]) -> list[Theme]:
    outcome = {c[0]: c[2] for c in CALLS}
    out = []
    for tid, (label, category) in LABELS.items():
        members = [o for o in objections if o.theme_id == tid]
        n = lambda r: sum(outcome[o.call_id] == r for o in members)  # noqa: E731
        out.append(Theme(tid, label, category, len(members), len({o.call_id for o in members}),
                         n("won"), n("lost"), n("open")))
    return out


@pytest.fixture()
def gap_ws(tmp_path, fake_embedder, ingest):
    from ingest.store import Workspace

    ws = Workspace(tmp_path / "ws", fake_embedder)
    ingest(ws)
    objections = []
    for call_id, day, outcome, rep, amount, items in CALLS:
        turns = [Turn(0, "Rep", "rep", "Thanks for your time.")]
        for theme_id, text in items:
            objections.append(Objection(f"{call_id}-{len(turns)}", call_id, len(turns), "Buyer",
                                        text, LABELS[theme_id][1], 0.9, theme_id=theme_id))
            turns.append(Turn(len(turns), "Buyer", "buyer", text))
        meta = CallMeta(call_id, date=day, outcome=outcome, rep=rep, amount=amount)
        ws.save_call(Call(meta, f"{call_id}.txt", f"hash-{call_id}", "transcript", turns))
    yield ws, _themes(objections), objections
    ws.close()


def _by_id(report):
    return {g.theme_id: g for g in report.gaps + report.covered}


def _priority(size, top, lost, coverage):
    """The formula by hand (coverage is rounded to 4 places in the report)."""
    return pytest.approx((size / top) * (1 + lost / size) * (1 - coverage), abs=1e-3)


def test_limited_to_some_calls_recounts_themes(gap_ws):
    ws, themes, objections = gap_ws
    reporter = GapReporter(ws, themes=themes, objections=objections)
    everything = _by_id(reporter.run())
    assert (everything["eu"].count, everything["sap"].count) == (3, 5)
    assert everything["sap"].priority == _priority(5, 5, 2, everything["sap"].coverage)

    sam = CallFilter.parse(reps=["Sam"]).call_ids(c.meta for c in ws.calls())
    report = reporter.run(calls=sam)
    limited = _by_id(report)
    assert report.calls == 2 and sam == {"c2", "c3"}
    eu, sap = limited["eu"], limited["sap"]
    assert (eu.count, eu.lost, eu.won, sap.count, sap.lost) == (1, 1, 0, 2, 2)
    assert sap.priority == _priority(2, 2, 2, sap.coverage)  # count_norm over the kept themes
    assert eu.priority == _priority(1, 2, 1, eu.coverage)
    assert {q.call_id for g in limited.values() for q in g.quotes} <= sam


def test_calls_that_raised_nothing_leave_no_theme(gap_ws):
    ws, themes, objections = gap_ws
    report = GapReporter(ws, themes=themes, objections=objections).run(calls={"c5"})
    assert set(_by_id(report)) == {"sap"}
    assert GapReporter(ws, themes=themes, objections=objections).run(calls=set()).gaps == []


def test_priority_weighted_by_pipeline_amount(gap_ws):
    ws, themes, objections = gap_ws
    weights = deal_weights(c.meta for c in ws.calls())
    assert weights.median == 60_000  # of 20k, 60k, 200k: c3 and c5 count 60k
    report = GapReporter(ws, themes=themes, objections=objections).run(weights=weights)
    assert report.weight == "amount" and "median amount" in report.weight_note
    eu, sap = _by_id(report)["eu"], _by_id(report)["sap"]
    # eu: calls c1 20k + c2 200k + c4 60k; lost: c2. sap: c2 200k + c3 60k + c4 60k + c5 60k
    assert (eu.amount, sap.amount) == (280_000, 380_000)
    assert sap.priority == _priority(380_000, 380_000, 260_000, sap.coverage)
    assert eu.priority == _priority(280_000, 380_000, 200_000, eu.coverage)
    assert (eu.count, sap.count) == (3, 5)  # counts stay counts


def test_no_amounts_leaves_priority_unweighted_with_a_note(gap_ws):
    ws, themes, objections = gap_ws
    reporter = GapReporter(ws, themes=themes, objections=objections)
    plain = _by_id(reporter.run())
    report = reporter.run(weights=deal_weights([CallMeta(c[0]) for c in CALLS]))
    assert report.weight == "count" and report.weight_note.startswith("No call has a deal")
    assert {t: g.priority for t, g in _by_id(report).items()} == \
        {t: g.priority for t, g in plain.items()}
    assert all(g.amount is None for g in _by_id(report).values())


def test_other_mentions_follow_the_calls(gap_ws):
    ws, themes, objections = gap_ws
    mention = Theme("m1", "One buyer's worry", "other", 1, 1, 0, 1, 0, mention=True)
    extra = Objection("c3-9", "c3", 9, "Buyer", "Odd worry.", "other", 0.8, theme_id="m1")
    reporter = GapReporter(ws, themes=[*themes, mention], objections=[*objections, extra])
    assert [t.id for t in reporter.other_mentions()] == ["m1"]
    assert [t.id for t in reporter.other_mentions({"c3"})] == ["m1"]
    assert reporter.other_mentions({"c1"}) == []
