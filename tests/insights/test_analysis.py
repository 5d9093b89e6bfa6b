"""The Analyzer end to end on small workspaces (real MiniLM): incremental runs, themes,
counts by outcome, talk-track stats."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.pipeline import ingest_messaging
from insights import load_objections, load_themes, message_stats
from insights.analysis import Analyzer

pytestmark = pytest.mark.slow

PRICE = [
    "Honestly, the price is way too high for a team our size.",
    "The price is too high for us, it's way over budget.",
    "That price is way too high, we can't afford it.",
]


def _price_calls(build_call):
    outcomes = [("won", date(2026, 1, 5)), ("lost", date(2026, 1, 20)),
                ("open", date(2026, 2, 3))]
    return [build_call(f"p{i}", [("Rep", "Pricing starts at fifteen hundred a month."),
                                 ("Buyer", text), ("Rep", "Understood.")], outcome, day)
            for i, (text, (outcome, day)) in enumerate(zip(PRICE, outcomes, strict=True))]


def test_themes_count_outcomes_calls_and_trend(workspace, settings, build_call):
    for call in _price_calls(build_call):
        workspace.save_call(call)
    result = Analyzer(workspace, settings).run()
    assert (result.analysed, result.objections) == (3, 3)
    assert (result.themes, result.other_mentions) == (1, 0)
    objections = load_objections(workspace)
    assert {o.category for o in objections} == {"price"}
    [theme] = load_themes(workspace)
    assert (theme.category, theme.count, theme.calls) == ("price", 3, 3)
    assert (theme.won, theme.lost, theme.open) == (1, 1, 1)
    assert theme.trend == {"2026-01": 2, "2026-02": 1}
    assert "price" in theme.keywords and theme.label.lower().count("price") == 1
    assert {o.theme_id for o in objections} == {theme.id}
    assert len(theme.examples) == 3 and {e.call_id for e in theme.examples} == {"p0", "p1", "p2"}


def test_a_single_call_objection_counts_as_an_other_mention(workspace, settings, build_call):
    workspace.save_call(build_call("solo", [("Rep", "Pricing starts at fifteen hundred a month."),
                                            ("Buyer", PRICE[0])], "lost", date(2026, 1, 5)))
    result = Analyzer(workspace, settings).run()
    assert (result.objections, result.themes, result.other_mentions) == (1, 0, 1)
    assert [t.mention for t in load_themes(workspace)] == [True]


def test_theme_ids_are_stable_across_runs_and_workspaces(tmp_path, embedder, settings,
                                                         build_call):
    from ingest.store import Workspace

    ids = []
    for name in ("a", "b"):
        ws = Workspace(tmp_path / name, embedder)
        for call in _price_calls(build_call):
            ws.save_call(call)
        Analyzer(ws, settings).run()
        ids.append([t.id for t in load_themes(ws)])
        ws.save_call(build_call("x", [("Rep", "Hi."), ("Buyer", "Thanks, that helps.")]))
        Analyzer(ws, settings).run()  # a call without objections: themes recomputed
        ids.append([t.id for t in load_themes(ws)])
        ws.close()
    assert ids[0] == ids[1] == ids[2] == ids[3] and len(ids[0]) == 1


def test_incremental_runs_reanalyse_only_changed_calls(workspace, settings, build_call):
    calls = _price_calls(build_call)
    for call in calls:
        workspace.save_call(call)
    analyzer = Analyzer(workspace, settings)
    assert analyzer.run().analysed == 3
    before = {o.call_id: o.id for o in load_objections(workspace)}

    again = analyzer.run()
    assert (again.analysed, again.unchanged, again.sentences) == (0, 3, 0)

    changed = build_call("p1", [("Rep", "Pricing starts at fifteen hundred a month."),
                                ("Buyer", "Fine."),
                                ("Buyer", "We would need our CFO to approve this first.")],
                         "lost", date(2026, 1, 20), version="2")
    workspace.save_call(changed)
    result = Analyzer(workspace, settings).run()
    assert (result.analysed, result.unchanged) == (1, 2)
    after = {o.call_id: o for o in load_objections(workspace)}
    assert after["p0"].id == before["p0"] and after["p2"].id == before["p2"]
    assert (after["p1"].turn, after["p1"].category) == (2, "authority")
    assert sorted(t.category for t in load_themes(workspace)) == ["authority", "price"]

    with workspace.transaction() as db:  # a call removed from the workspace
        db.execute("DELETE FROM calls WHERE call_id='p0'")
    result = Analyzer(workspace, settings).run()
    assert result.analysed == 0 and result.objections == 2
    assert [t.count for t in load_themes(workspace) if t.category == "price"] == [1]


def test_message_stats(workspace, settings, build_call, messaging_file):
    ingest_messaging(workspace, messaging_file)
    payback = "Most customers recover the cost within six months from lower processing costs."
    for i in range(6):
        outcome = "won" if i < 4 else "lost"
        reply = "That makes sense, I like that." if i % 2 == 0 else \
            "Hmm, the price is still too high for us."
        workspace.save_call(build_call(f"w{i}", [("Rep", payback), ("Buyer", reply)], outcome))
    for i in range(5):
        workspace.save_call(build_call(f"n{i}", [("Rep", "Let me show you the dashboard."),
                                                 ("Buyer", "Okay.")],
                                       "won" if i == 0 else "lost"))
    workspace.save_call(build_call("o1", [("Rep", payback), ("Buyer", "Great.")], "open"))
    Analyzer(workspace, settings).run()
    stats = {m.id: m for m in message_stats(workspace)}
    assert list(stats) == ["payback", "erp_native"]
    m = stats["payback"]
    assert (m.uses, m.calls) == (7, 7)
    assert m.win_rate_with == pytest.approx(4 / 6, abs=1e-4)
    assert m.win_rate_without == pytest.approx(1 / 5)
    assert m.lift == pytest.approx(4 / 6 - 1 / 5, abs=1e-4)
    assert m.lift_ci[0] < 0 < m.lift < m.lift_ci[1]
    assert m.verdict == "not enough calls to tell"  # +47 points, but only 11 closed calls
    assert [(o.call_id, o.turn) for o in m.occurrences] == \
        [("o1", 0)] + [(f"w{i}", 0) for i in range(6)]
    assert m.warning is None
    assert m.objection_rate == pytest.approx(3 / 7, abs=1e-4)
    assert m.positive_reaction_rate == pytest.approx(4 / 7, abs=1e-4)
    assert {e.reaction for e in m.examples} <= {"positive", "objection"}
    empty = stats["erp_native"]
    assert (empty.uses, empty.win_rate_with, empty.lift, empty.lift_ci) == (0, None, None, None)
    assert empty.warning.startswith("Too few closed deals to trust the win rates: 0 closed")
