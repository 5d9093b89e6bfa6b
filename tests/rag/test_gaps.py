"""The gap report: coverage, priority ordering, briefs, unused assets, before/after, export."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from ingest.records import Call, CallMeta, Turn
from insights.records import Objection, Theme, ThemeExample
from rag import GapReporter, Recommender
from rag.export import CSV_COLUMNS, gap_report_json, write_csv, write_markdown
from rag.gaps import priority

CALLS = [  # call id, date, outcome, stage, objections (theme id, text)
    ("c1", date(2026, 1, 5), "won", "discovery", [("encrypt", "How do you encrypt our data?")]),
    ("c2", date(2026, 1, 20), "won", "demo", [("encrypt", "Is the data encrypted at rest?")]),
    ("c3", date(2026, 2, 10), "lost", "proposal", [("eu", "Our data has to stay in the EU.")]),
    ("c4", date(2026, 2, 20), "lost", "proposal", [("eu", "Without EU hosting we cannot sign.")]),
    ("c5", date(2026, 3, 10), "lost", "negotiation", [
        ("eu", "GDPR means the data must stay in Frankfurt."),
        ("cancel", "Can we cancel the contract early if it does not work?")]),
    ("c6", date(2026, 3, 20), "lost", "proposal", [("eu", "Is our data stored in the EU?")]),
    ("c7", date(2026, 3, 25), "won", "demo", [
        ("sap", "We run SAP. Does Lumio integrate with SAP?"),
        ("sap", "Our SAP team must approve any connector.")]),
    ("c8", date(2026, 4, 1), "open", "demo", [
        ("sap", "Without an SAP integration this will not fly."),
        ("sap", "Is there a certified SAP connector?"),
        ("cancel", "We will not accept a three-year lock-in.")]),
]
THEMES = {  # id: label, category
    "encrypt": ("Is our data encrypted?", "security"),
    "eu": ("Our data has to stay in the EU", "security"),
    "sap": ("No SAP integration", "integration"),
    "cancel": ("Early termination of the contract", "contract"),
}


def build_calls(ws) -> tuple[list[Theme], list[Objection]]:
    """Store the calls; return their themes and objections (as insights would find them)."""
    objections: list[Objection] = []
    for call_id, day, outcome, stage, items in CALLS:
        turns = [Turn(0, "Rep", "rep", "Thanks for your time.")]
        for theme_id, text in items:
            idx = len(turns)
            turns.append(Turn(idx, "Buyer", "buyer", text))
            turns.append(Turn(idx + 1, "Rep", "rep", "Let me check."))
            objections.append(Objection(f"{call_id}-{idx}", call_id, idx, "Buyer", text,
                                        THEMES[theme_id][1], 0.9, theme_id=theme_id))
        meta = CallMeta(call_id, date=day, outcome=outcome, stage=stage, rep="Rep")
        ws.save_call(Call(meta, f"{call_id}.txt", f"hash-{call_id}", "transcript", turns))
    outcomes = {c[0]: c[2] for c in CALLS}
    themes = []
    for theme_id, (label, category) in THEMES.items():
        members = [o for o in objections if o.theme_id == theme_id]
        count = lambda result: sum(outcomes[o.call_id] == result for o in members)  # noqa: E731
        themes.append(Theme(theme_id, label, category, len(members),
                            len({o.call_id for o in members}), count("won"), count("lost"),
                            count("open"), examples=[ThemeExample(o.call_id, o.turn, o.text)
                                                     for o in members[:3]]))
    return themes, objections


@pytest.fixture(scope="module")
def gap_ws(tmp_path_factory, embedder, ingest):
    from ingest.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("gaps") / "ws", embedder)
    ingest(ws)
    themes, objections = build_calls(ws)
    yield ws, themes, objections
    ws.close()


def test_priority_formula_hand_computed():
    # count_norm * (1 + lost_share) * (1 - coverage)
    assert priority(10, 10, 5, 0.2) == pytest.approx(1.0 * 1.5 * 0.8)   # 1.2
    assert priority(4, 10, 4, 0.0) == pytest.approx(0.4 * 2.0 * 1.0)    # 0.8
    assert priority(8, 10, 0, 0.1) == pytest.approx(0.8 * 1.0 * 0.9)    # 0.72
    assert priority(0, 10, 0, 0.0) == 0.0
    assert priority(3, 3, 1, 1.0) == 0.0


@pytest.mark.slow
def test_gaps_sorted_by_priority_with_covered_apart(gap_ws):
    ws, themes, objections = gap_ws
    report = GapReporter(ws, themes=themes, objections=objections).run()
    assert [g.theme_id for g in report.gaps] == ["eu", "sap", "cancel"]
    assert [g.theme_id for g in report.covered] == ["encrypt"]
    for g in report.gaps + report.covered:
        expected = (g.count / 4) * (1 + g.lost / g.count) * (1 - g.coverage)
        assert g.priority == pytest.approx(expected, abs=1e-3)
    eu, sap, cancel = report.gaps
    assert (eu.count, eu.lost, sap.lost, cancel.lost) == (4, 4, 0, 1)
    assert eu.coverage < 0.5 <= report.covered[0].coverage
    assert report.covered[0].best.asset_id == "lumio-security"
    assert "AES-256" in report.covered[0].best.passage
    assert eu.best is not None and eu.best.asset_id == "lumio-security"   # the near miss
    assert eu.stage == "proposal"


@pytest.mark.slow
def test_brief_quotes_buyers_and_gives_format_and_geo(gap_ws):
    ws, themes, objections = gap_ws
    report = GapReporter(ws, themes=themes, objections=objections).run()
    brief = report.gaps[0].brief
    assert brief.startswith("## Content brief: Our data has to stay in the EU")
    assert '> "Our data has to stay in the EU." — call `c3`, turn 1, 2026-02-10, lost deal' in brief
    assert "Suggested format: **whitepaper (proposal stage:" in brief
    assert "about 41%" in brief and "+31%" in brief and "+27%" in brief
    assert "Where the data is stored and processed" in brief
    assert report.covered[0].brief == ""


@pytest.mark.slow
def test_before_after_publishing(gap_ws):
    ws, themes, objections = gap_ws
    report = GapReporter(ws, themes=themes, objections=objections).run()
    loop = {b.asset_id: b for b in report.before_after}
    assert "lumio-integrations" not in loop  # no published date
    security = loop["lumio-security"]
    assert (security.published, security.theme_id) == (date(2026, 2, 1), "encrypt")
    assert (security.calls_before, security.calls_after) == (2, 6)
    assert (security.before_per_100, security.after_per_100) == (100.0, 0.0)


@pytest.mark.slow
def test_unused_assets_are_never_a_top3_answer(gap_ws):
    ws, themes, _ = gap_ws
    only = [o for o in gap_ws[2] if o.theme_id == "encrypt"][:1]
    report = GapReporter(ws, themes=themes[:1], objections=only).run()
    top3 = {r.asset_id for r in Recommender(ws).run(only[0].text, top=3).recommendations}
    assert {a.asset_id for a in report.unused_assets} == \
        {a.asset_id for a in ws.assets()} - top3
    assert len(report.unused_assets) == 2


@pytest.mark.slow
def test_llm_brief_and_fallback(gap_ws):
    ws, themes, objections = gap_ws
    fake = FakeListChatModel(responses=["## EU residency brief\n\nWrite a data residency page."])
    report = GapReporter(ws, llm=fake, themes=themes, objections=objections).run()
    assert all(g.brief == "## EU residency brief\n\nWrite a data residency page."
               for g in report.gaps)
    assert report.llm_error is None

    class Broken(FakeListChatModel):
        def _call(self, *args, **kwargs):
            raise ConnectionError("provider down")

    report = GapReporter(ws, llm=Broken(responses=["x"]), themes=themes,
                         objections=objections).run()
    assert "provider down" in report.llm_error
    assert report.gaps[0].brief.startswith("## Content brief: ")


@pytest.mark.slow
def test_json_shape_and_exports(gap_ws, tmp_path):
    ws, themes, objections = gap_ws
    report = GapReporter(ws, themes=themes, objections=objections).run()
    data = gap_report_json(report)
    assert set(data) >= {"gaps", "covered", "unused_assets", "before_after"}
    gap = data["gaps"][0]
    assert set(gap) >= {"theme_id", "label", "category", "count", "lost", "coverage", "priority",
                        "best", "brief"}
    assert set(gap["best"]) >= {"asset_id", "title", "passage", "score"}
    assert set(data["before_after"][0]) >= {"asset_id", "published", "theme_id",
                                            "before_per_100", "after_per_100", "calls_before",
                                            "calls_after"}

    md = write_markdown(report, tmp_path / "gaps.md").read_text()
    assert md.startswith("# Content gap report")
    assert "| 1 | Our data has to stay in the EU | security | 4 | 4 |" in md
    assert "## Content brief: No SAP integration" in md
    assert "## Before and after publishing" in md

    with write_csv(report, tmp_path / "gaps.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r[0], r[1]) for r in rows[1:]] == [("gap", "eu"), ("gap", "sap"),
                                               ("gap", "cancel"), ("covered", "encrypt")]


def test_csv_export_neutralises_formula_cells(tmp_path):
    from rag.records import BestAsset, GapReport, ThemeGap

    gap = ThemeGap(theme_id="t1", label='=HYPERLINK("http://evil.example","SAP")',
                   category="integration", count=3, lost=2, coverage=0.2, priority=0.9,
                   best=BestAsset("a1", "@SUM(A1:A9)", "+1 555 0100 call us", 0.31))
    with write_csv(GapReport(gaps=[gap]), tmp_path / "gaps.csv").open(newline="") as fh:
        row = list(csv.reader(fh))[1]
    assert row[2] == "'=HYPERLINK(\"http://evil.example\",\"SAP\")"
    assert row[11] == "'@SUM(A1:A9)" and row[14] == "'+1 555 0100 call us"
    assert row[4] == "3" and row[6] == "0.2000"  # numbers stay numbers
