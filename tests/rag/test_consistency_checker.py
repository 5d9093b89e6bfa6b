"""The consistency run over a real workspace, and ``callmine consistency``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.records import Call, CallMeta, Turn
from insights.records import Theme, ThemeExample

DATA = Path(__file__).parent / "data" / "consistency"

pytestmark = pytest.mark.slow


def _call(call_id: str, lines: list[tuple[str, str]]) -> Call:
    turns = [Turn(index=i, speaker=who, side="rep" if who == "Rep" else "buyer", text=text,
                  start=15.0 * i, end=15.0 * i + 10) for i, (who, text) in enumerate(lines)]
    return Call(CallMeta(call_id), f"{call_id}.txt", f"hash-{call_id}", "transcript", turns)


@pytest.fixture(scope="module")
def acme_ws(tmp_path_factory, embedder):
    from ingest.pipeline import ContentIngestor, ingest_messaging
    from ingest.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("acme") / "ws", embedder)
    ingest_messaging(ws, DATA / "messaging.yaml")
    batch = ContentIngestor(ws).run([DATA], DATA / "content.csv")
    assert not batch.failed, [r.message for r in batch.failed]
    ws.save_call(_call("c1", [
        ("Dana", "Rivalry quoted us $50 per user per month and sixty days to onboard."),
        ("Rep", "They always say that. We're at 99.99% uptime and over 2,000 sales teams use "
                "Acme."),
        ("Dana", "Good to know."),
        ("Rep", "Onboarding takes about two weeks."),
    ]))
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def report(acme_ws):
    from rag.consistency import ConsistencyChecker

    return ConsistencyChecker(acme_ws).run()


def kinds(report, kind):
    return {(f.source, f.subject, f.found) for f in report.by_kind(kind)}


def test_conflicts_in_content_and_calls(report):
    assert kinds(report, "conflict") == {
        ("blog", "onboarding", "six weeks"),
        ("blog", "uptime", "99.5%"),
        ("deck", "customers", "200 sales teams"),
        ("deck", "soc2", "SOC 2 Type I"),
        ("call:c1", "uptime", "99.99%"),
        ("call:c1", "customers", "over 2,000 sales teams"),
    }


def test_conflict_findings_say_where(report):
    [f] = [f for f in report.by_kind("conflict") if f.source == "call:c1" and
           f.subject == "uptime"]
    assert (f.severity, f.location, f.expected) == (
        "high", "turn 1 at 00:15", "Acme Flow has a 99.9% uptime SLA.")
    [f] = [f for f in report.by_kind("conflict") if f.source == "deck" and f.subject == "soc2"]
    assert (f.severity, f.location) == ("medium", "deck.txt")


def test_entity_variants(report):
    assert kinds(report, "entity_variant") == {
        ("press", "Acme Flow", "AcmeFlow"), ("press", "Acme", "Acme Technologies")}


def test_drift_orders_sources(report):
    assert kinds(report, "drift") == {
        ("press", "category statement", "cybersecurity consultancy for hospitals")}
    drift = {s.source: s.drift for s in report.sources}
    assert drift["press"] < drift["home"]
    assert drift["deck"] == 1.0


def test_geo_findings(report):
    subjects = {f.subject for f in report.by_kind("geo") if f.source == "home"}
    assert {"json-ld Organization.name", "json-ld price"} <= subjects


def test_scores(report):
    scores = {s.source: s.score for s in report.sources}
    assert scores["call:c1"] == 50.0  # two high conflicts
    assert scores["deck"] == 80.0  # two medium conflicts
    assert 0 <= report.score < 100


def test_public_only_skips_calls_and_internal_assets(acme_ws):
    from rag.consistency import ConsistencyChecker

    report = ConsistencyChecker(acme_ws).run(public_only=True)
    assert {s.source for s in report.sources} == {"blog", "home", "press"}
    assert report.public_only


def test_missing_answers_from_themes(acme_ws, monkeypatch):
    import insights
    from rag.consistency import ConsistencyChecker

    themes = [
        Theme("t-eu", "EU data residency", "security", 5, 4, 0, 3, 2,
              examples=[ThemeExample("c1", 0, "Our data has to stay in Frankfurt, in the EU."),
                        ThemeExample("c1", 2, "We need EU hosting for GDPR.")]),
        Theme("t-uptime", "Reliability", "trust", 4, 3, 2, 1, 1,
              examples=[ThemeExample("c1", 0, "What uptime does Acme Flow guarantee?")]),
    ]
    monkeypatch.setattr(insights, "load_themes", lambda ws: themes)
    report = ConsistencyChecker(acme_ws).run()
    assert {(f.subject, f.severity) for f in report.by_kind("missing_answer")} == {
        ("EU data residency", "medium")}


def test_no_themes_is_a_note(report):
    assert any("no objection themes" in n for n in report.notes)


def run_cli(capsys, *argv):
    from ui.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_shape(acme_ws, capsys):
    code, out, err = run_cli(capsys, "--workspace", str(acme_ws.root), "consistency",
                             "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"score", "findings", "sources"}
    assert 0 <= data["score"] <= 100
    for f in data["findings"]:
        assert set(f) >= {"kind", "severity", "subject", "expected", "found", "source",
                          "location", "quote"}
        assert f["kind"] in ("conflict", "entity_variant", "drift", "missing_answer", "geo")
        assert f["severity"] in ("high", "medium", "low")
    assert {s["source"] for s in data["sources"]} >= {"home", "call:c1"}
    assert all(set(s) >= {"source", "score"} for s in data["sources"])


def test_cli_text_and_report(acme_ws, capsys, tmp_path):
    target = tmp_path / "consistency.md"
    code, out, err = run_cli(capsys, "--workspace", str(acme_ws.root), "consistency",
                             "--public-only", "--report", str(target))
    assert code == 0, err
    assert out.startswith("Consistency score: ")
    assert "CONFLICTS WITH THE FACT BOOK" in out
    assert target.read_text().startswith("# Messaging consistency and GEO readiness")
    assert f"report written to {target}" in err


def test_cli_report_in_a_missing_folder_exits_2(acme_ws, capsys, tmp_path):
    code, out, err = run_cli(capsys, "--workspace", str(acme_ws.root), "consistency",
                             "--report", str(tmp_path / "nope" / "r.md"))
    assert code == 2 and out == ""
    assert "the folder" in err and "does not exist" in err


def test_cli_without_messaging_exits_2(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--workspace", str(tmp_path / "empty"), "consistency",
                             "--format", "json")
    assert code == 2 and out == ""
    assert "Run `callmine ingest messaging messaging.yaml` first." in err
