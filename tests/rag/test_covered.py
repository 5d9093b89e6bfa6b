"""The covered decision: the labelled set, the shipped parameters, and the decisions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag import CoveredModel, Recommender
from rag.covered import FEATURES, MODEL_PATH
from training.labels import load_labels, split


def test_labelled_set_is_large_and_has_near_misses():
    queries = load_labels()
    pairs = [p for q in queries for p in q.pairs]
    assert len(pairs) >= 200
    assert sum(p.kind == "near_miss" for p in pairs) >= 60
    assert {q.corpus for q in queries} == {"vantora", "corvid"}
    assert sum(not q.covered for q in queries) >= 20


def test_split_is_deterministic_disjoint_and_stratified():
    queries = load_labels()
    train, test = split(queries)
    assert [q.id for q in test] == [q.id for q in split(load_labels())[1]]
    assert not {q.id for q in train} & {q.id for q in test}
    assert len(train) + len(test) == len(queries)
    for corpus in ("vantora", "corvid"):
        for covered in (True, False):
            assert any(q.corpus == corpus and q.covered == covered for q in test)


def test_shipped_model_matches_the_features_and_reports_its_split():
    data = json.loads(MODEL_PATH.read_text())
    model = CoveredModel.load()
    assert tuple(data["features"]) == FEATURES
    assert 0.0 < model.threshold < 1.0
    assert data["info"]["held_out"]["queries"] >= 30
    assert set(data["info"]["held_out"]["ids"]) == {q.id for q in split(load_labels())[1]}


def test_probability_is_monotone_in_the_answer_signals():
    model = CoveredModel.load()
    weak = [0.2, 0.3, 0.1, 0.5, 1.0, 0.5, 0.3, -0.1]
    strong = [0.6, 0.8, 1.0, 0.0, 0.0, 1.0, 1.0, 0.1]
    low, high = model.probability([weak, strong])
    assert low < 0.2 < 0.8 < high


def test_load_refuses_parameters_of_other_features(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"features": ["cosine"], "mean": [0], "scale": [1], "coef": [1],
                                "intercept": 0, "threshold": 0.5}))
    with pytest.raises(ValueError, match="run python -m training.train_covered"):
        CoveredModel.load(path)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "covered", "best"), [
    ("How do you encrypt our data?", True, "lumio-security"),
    ("How much does it cost per user?", True, "lumio-pricing"),
    ("Can we log in with Okta?", True, "lumio-security"),
    # unanswered topics: nothing in the library talks about them
    ("Do you integrate with SAP?", False, None),
    ("Can we cancel our contract early?", False, None),
    # near miss: the security FAQ talks about hosting, but only in the US
    ("Is our data stored in the EU?", False, "lumio-security"),
    ("Can our data stay in Frankfurt for GDPR?", False, "lumio-security"),
])
def test_covered_decisions(lumio_ws, text, covered, best):
    rec = Recommender(lumio_ws).run(text, top=3)
    assert rec.covered is covered
    if best:
        assert rec.recommendations[0].asset_id == best
    scores = [r.score for r in rec.recommendations]
    assert scores == sorted(scores, reverse=True)
    assert np.isclose(rec.probability, scores[0], atol=1e-4)


# -- the absent-term rule ---------------------------------------------------------------------


class _Lexical:
    """Document frequencies of a library of ``size`` passages."""

    def __init__(self, df: dict[str, int], size: int) -> None:
        self.df, self.size = df, size

    def doc_freq(self, terms):
        return {t: self.df.get(t, 0) for t in terms}

    def idf(self, terms):
        return {t: float(np.log(1 + (self.size - d + 0.5) / (d + 0.5)))
                for t, d in self.doc_freq(terms).items()}

    def size_cached(self):
        return self.size


class _Sentences:
    def get(self, chunks):
        return {}


def _hit(asset_id: str, text: str, fused: float = 0.03):
    from ingest.records import AssetMeta, Chunk
    from rag.records import AssetHit, PassageHit

    meta = AssetMeta(asset_id, title=asset_id.replace("-", " "))
    chunk = Chunk(f"{asset_id}#0", asset_id, 0, text)
    return AssetHit(meta, [PassageHit(chunk, meta, 0.6, fused)])


def _build(question: str, hits, df: dict[str, int], size: int):
    from rag.covered import FeatureBuilder

    builder = FeatureBuilder(_Lexical(df, size), _Sentences())
    return builder.build(question, np.zeros(4, dtype=np.float32), hits)


def test_a_rare_question_term_the_passage_lacks_is_absent():
    common = {"railway": 400, "cheaper": 12}
    vercel = _hit("compare-to-vercel", "Is Railway cheaper than Vercel? Generally, yes.")
    cands = _build("Is Railway cheaper than Northflank?", [vercel], common, size=600)
    assert cands[0].absent == ["northflank"]
    # a term only one passage holds is rare too; the passage holding it has nothing absent
    df = {**common, "northflank": 1}
    north = _hit("compare-to-northflank", "Railway is cheaper than Northflank for most apps.")
    cands = _build("Is Railway cheaper than Northflank?", [vercel, north], df, size=600)
    assert [c.absent for c in cands] == [["northflank"], []]


def test_spelling_slips_and_word_starts_still_count_as_said():
    hit = _hit("security", "Two-factor authentication is required; you receive a code.")
    cands = _build("Do you have two-factor auth? Will I recieve a code?", [hit],
                   {"two": 50, "factor": 3, "code": 30}, size=600)
    assert cands[0].absent == []


def test_small_libraries_have_no_rare_terms():
    hit = _hit("data", "Your data is hosted in Canada.")
    cands = _build("We're a carrier. Does our data stay in Canada?", [hit],
                   {"data": 8, "canada": 2}, size=40)
    assert cands[0].absent == []
    cands = _build("We're a carrier. Does our data stay in Canada?", [hit],
                   {"data": 8, "canada": 2}, size=600)
    assert cands[0].absent == ["carrier", "stay"]


def test_an_absent_term_puts_a_candidate_under_the_threshold_and_behind():
    from rag.covered import ABSENT_FACTOR, Candidate

    model = CoveredModel.load()
    strong = [0.6, 0.8, 1.0, 0.0, 0.0, 1.0, 1.0, 0.1]
    hit = _hit("a", "text")
    said = Candidate(hit, dict(zip(FEATURES, [0.5, 0.7, 0.9, 0.0, 0.0, 0.8, 0.5, 0.0])))
    lacks = Candidate(hit, dict(zip(FEATURES, strong)), absent=["northflank"])
    model.score([said, lacks])
    raw = model.probability([strong])[0]
    assert lacks.probability == pytest.approx(raw * ABSENT_FACTOR)
    assert lacks.probability < model.threshold <= said.probability


@pytest.mark.slow
def test_why_names_the_absent_term(lumio_ws):
    from rag.recommend import Recommender as Rec

    rec = Rec(lumio_ws)
    cand = rec.candidates("Do you integrate with SAP?")[0]
    cand.absent = ["sap"]
    assert "does not mention 'sap'" in rec.why(cand, "SAP")
