"""Objection themes: clustering across categories, other mentions, keyphrase labels, stable
ids (synthetic vectors, no model); and the planted gaps of the demo calls (real model, slow)."""

from __future__ import annotations

import csv
import json
import re
import shutil

import numpy as np
import pytest

from insights.keyphrases import KeyphraseIndex, fold, phrases
from insights.records import CATEGORIES, Objection
from insights.themes import MIN_CALLS, build_themes, short_label, theme_id

ROWS = [  # id, call, category, centre, text
    ("a1", "c1", "price", "cost", "The price is too high for us."),
    ("a2", "c2", "price", "cost", "Honestly, the price is too high."),
    ("a3", "c3", "price", "cost", "Your price is way too high for a team our size."),
    ("a4", "c4", "need", "cost", "At that price we would rather keep our spreadsheets."),
    ("b1", "c1", "authority", "cfo", "I need to run this by my CFO."),
    ("b2", "c4", "authority", "cfo", "Our CFO signs off on anything like this."),
    ("b3", "c5", "authority", "cfo", "The CFO has to approve it first."),
    ("d1", "c2", "timing", "stray", "Our fiscal year ends in June."),
    ("e1", "c6", "feature", "pair", "Can it read handwritten delivery notes?"),
    ("e2", "c6", "feature", "pair", "Handwritten delivery notes are half our volume."),
]


def _data(rows=ROWS, seed=0):
    rng = np.random.default_rng(seed)
    centres = {}
    objections, vectors = [], []
    for oid, call, category, centre, text in rows:
        if centre not in centres:
            centres[centre] = rng.normal(size=384)
        v = centres[centre] + rng.normal(scale=0.05, size=384)
        vectors.append(v / np.linalg.norm(v))
        objections.append(Objection(oid, call, 1, "Buyer", text, category, 0.9))
    return objections, np.array(vectors, dtype=np.float32)


def test_themes_cross_categories_and_take_the_majority_category():
    objections, vectors = _data()
    drafts = build_themes(objections, vectors)
    themes = [d for d in drafts if d.is_theme]
    assert [(t.category, t.member_ids, t.calls) for t in themes] == [
        ("price", ["a1", "a2", "a3", "a4"], 4), ("authority", ["b1", "b2", "b3"], 3)]
    # the stray and the pair from one call are other mentions, one objection each
    mentions = [d for d in drafts if not d.is_theme]
    assert sorted(m.member_ids[0] for m in mentions) == ["d1", "e1", "e2"]
    assert all(m.calls == 1 < MIN_CALLS and len(m.member_ids) == 1 for m in mentions)
    assert {m.id[:2] for m in mentions} == {"m-"} and {t.id[:2] for t in themes} == {"t-"}
    assert next(m for m in mentions if m.member_ids == ["d1"]).label == \
        "Our fiscal year ends in June"


def test_ids_are_stable_and_follow_the_medoid():
    objections, vectors = _data()
    drafts = build_themes(objections, vectors)
    again = build_themes(objections[::-1], vectors[::-1])
    assert [(d.id, d.member_ids) for d in again] == [(d.id, d.member_ids) for d in drafts]
    assert len({d.id for d in drafts}) == len(drafts)
    price = drafts[0]
    medoid = next(o for o in objections if o.id == price.medoid_id)
    assert price.id == theme_id(medoid.text)
    assert price.example_ids[0] == price.medoid_id and len(set(price.example_ids)) == 3


def test_labels_are_keyphrases_of_the_members_not_a_quote():
    objections, vectors = _data()
    price, cfo = [d for d in build_themes(objections, vectors) if d.is_theme]
    assert price.label == "Price" and price.keywords[0] == "price"
    assert cfo.label == "CFO" and cfo.keywords[0] == "CFO"
    texts = {o.text.rstrip(".") for o in objections}
    assert price.label not in texts and cfo.label not in texts


def test_at_most_max_themes_the_rest_other_mentions():
    topics = ["Invoice scanning fails.", "Vendor portal confusing.", "Mobile approvals slow.",
              "Currency conversion wrong.", "Audit trail incomplete.", "Duplicate payments.",
              "Tax codes missing.", "Bank feeds break."]
    rows = []
    for k, topic in enumerate(topics):  # eight unrelated topics, each raised in two calls
        for call in ("x", "y"):
            rows.append((f"{k}{call}", f"{call}{k}", CATEGORIES[k], topic, topic))
    objections, vectors = _data(rows)
    drafts = build_themes(objections, vectors, max_themes=5)
    themes = [d for d in drafts if d.is_theme]
    assert len(themes) == 5 and all(d.calls == 2 for d in themes)
    assert sum(not d.is_theme for d in drafts) == 6  # three topics, two calls each
    assert all(len(d.member_ids) == 1 for d in drafts if not d.is_theme)


def test_themes_said_with_the_same_keyphrase_merge():
    rows = [("s1", "c1", "integration", "connector", "Is there a native SAP connector?"),
            ("s2", "c2", "integration", "connector", "Without an SAP connector we cannot sign."),
            ("s3", "c3", "integration", "connector", "We need a certified SAP connector."),
            ("m1", "c4", "implementation", "migration", "We move to SAP S/4HANA next year."),
            ("m2", "c5", "implementation", "migration", "SAP S/4HANA goes live in the spring."),
            ("m3", "c6", "implementation", "migration", "Our plants migrate to SAP next year.")]
    objections, vectors = _data(rows)
    themes = [d for d in build_themes(objections, vectors) if d.is_theme]
    assert [len(t.member_ids) for t in themes] == [6]
    assert themes[0].label.startswith("SAP")


def test_keyphrases_fold_case_and_plurals():
    assert fold("Contracts") == "contract" and fold("companies") == "company"
    assert sorted(phrases("Without a native SAP connector, we can't sign.")) == [
        "connector", "native", "native sap", "native sap connector", "sap", "sap connector"]
    assert "three-year lock-in" in phrases("No three-year lock-in for us.")
    index = KeyphraseIndex([["Is there an SAP connector?", "The SAP connector is missing.",
                             "We need SAP S/4HANA.", "S/4HANA is our standard."],
                            ["Three-year contracts are out.", "No three-year contract."]])
    assert index.label(0) == "SAP connector · S/4HANA"
    assert index.label(1) == "Three-year contract"


def test_short_label_for_other_mentions():
    assert short_label("Um, so, the rollout would take our whole team for months and months, "
                       "which we simply cannot afford right now.") == (
        "The rollout would take our whole team for months and months, which we simply…")


# -- the demo: planted gaps land in one theme each ---------------------------------------------

DEMO = __import__("pathlib").Path(__file__).resolve().parents[2] / "demo"
GAPS = {  # a planted gap: what its objections say, and words that name it in a label
    "EU data residency": (r"\bEU\b|European|residency|Frankfurt|GDPR|data (?:has to|must) stay",
                          r"\bEU\b|Europ|residency|GDPR|hosting"),
    "SAP S/4HANA": (r"\bSAP\b|S/4HANA", r"\bSAP\b|S/4HANA"),
    "contract lock-in": (r"multi-year|three-year|three years|lock-?in|locked in|termination"
                         r"|month to month|monthly terms|exit clause|ninety days notice",
                         r"contract|lock-?in|multi-year|three-year|termination|\bterms?\b"),
}


@pytest.fixture(scope="module")
def demo_themes(tmp_path_factory, embedder):
    """The demo calls analysed in a fresh workspace; the three recordings come in as their
    reference transcripts (demo/reference) so no speech recognition runs."""
    from ingest.pipeline import CallIngestor
    from ingest.settings import Settings
    from ingest.store import Workspace
    from insights import load_objections, load_themes
    from insights.analysis import Analyzer

    folder = tmp_path_factory.mktemp("demo-calls")
    with open(DEMO / "calls" / "calls.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        source = DEMO / "calls" / row["file"]
        reference = DEMO / "reference" / (source.stem + ".json")
        if reference.exists():
            segments = json.loads(reference.read_text())
            for s in segments:  # channel 0 is the rep, as CALLMINE_REP_CHANNEL says
                s["speaker"] = "Rep" if s["speaker"] == "channel-0" else "Buyer"
            row["file"] = reference.name
            (folder / reference.name).write_text(json.dumps(segments))
        else:
            shutil.copy(source, folder / source.name)
    with open(folder / "calls.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    root = tmp_path_factory.mktemp("demo-ws")
    settings = Settings(workspace=root / "ws", whisper_model="tiny.en")
    ws = Workspace(root / "ws", embedder)
    CallIngestor(ws, settings).run([folder], manifest=folder / "calls.csv")
    Analyzer(ws, settings).run()
    yield load_themes(ws), load_objections(ws)
    ws.close()


@pytest.mark.slow
def test_demo_themes_are_few_and_cover_most_objections(demo_themes):
    themes, objections = demo_themes
    real = [t for t in themes if not t.mention]
    assert len(real) <= 15 and all(t.calls >= 2 for t in real)
    assert sum(t.count for t in real) >= 0.8 * len(objections)
    assert all(t.calls == 1 for t in themes if t.mention)


@pytest.mark.slow
@pytest.mark.parametrize("gap", [
    pytest.param("EU data residency", marks=pytest.mark.xfail(
        strict=True, reason="known miss: the EU residency objections fall in a broader "
        "security theme labelled 'Data' (with SSO and access-control objections: 6 of its 12 "
        "members), and 6 of the 16 stay other mentions; README, Limits")),
    "SAP S/4HANA", "contract lock-in"])
def test_each_planted_gap_lands_in_exactly_one_theme(demo_themes, gap):
    themes, objections = demo_themes
    pattern, name = (re.compile(p, re.IGNORECASE) for p in GAPS[gap])
    others = [re.compile(p, re.IGNORECASE) for g, (p, _) in GAPS.items() if g != gap]
    text = {o.id: o.text for o in objections}
    said = {o.id for o in objections
            if pattern.search(o.text) and not any(p.search(o.text) for p in others)}
    by_theme = {t.id: {o.id for o in objections if o.theme_id == t.id}
                for t in themes if not t.mention}
    # the themes named for the gap or mostly about it: exactly one, and it holds at least
    # half of the objections that raise this gap alone and are in some theme
    label = {t.id: t.label for t in themes}
    in_themes = said & set().union(*by_theme.values())
    about = [tid for tid, ids in by_theme.items()
             if name.search(label[tid])
             or 2 * sum(pattern.search(text[i]) is not None for i in ids) > len(ids)]
    assert len(about) == 1, [label[tid] for tid in about]
    assert len(by_theme[about[0]] & said) >= 0.5 * len(in_themes), label[about[0]]
