"""One storage layer: no module outside it holds an SQL statement.

The storage layer is :mod:`ingest.store` (the workspace), :mod:`ingest.schema` (the tables and
their migrations) and the ``ingest/store_*.py`` modules beside them (named queries over the
insights tables, the lexical index and the content catalogue). Every other module of the
runtime packages reaches the database through their methods.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("ingest", "insights", "rag", "ui")
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|WITH|REPLACE)\s", re.IGNORECASE)
"""A string literal that starts like an SQL statement (leading whitespace allowed)."""
STATEMENT = re.compile(
    r"\s*(SELECT\s.*\bFROM\b|SELECT\s+\d|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b"
    r"|DELETE\s+FROM\b|CREATE\s+(VIRTUAL\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b"
    r"|PRAGMA\s+\w+|WITH\s+\w+\s+AS\s*\(|REPLACE\s+INTO\b)",
    re.IGNORECASE | re.DOTALL)
"""...and reads as one (``"Update the manifest"`` in a message is not SQL)."""


def _is_storage(rel: str) -> bool:
    """Whether a module (path relative to the repository) belongs to the storage layer."""
    return rel in ("ingest/store.py", "ingest/schema.py") or \
        re.fullmatch(r"ingest/store_\w+\.py", rel) is not None


def _sql_literals(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each string constant (f-string parts included) that starts like
    SQL; adjacent literals are one constant to ``ast``, so a statement split over lines is
    seen whole."""
    nodes = list(ast.walk(ast.parse(source)))
    parts = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in nodes:
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in parts:
            text = node.value
        else:
            continue
        if SQL.match(text) and STATEMENT.match(text):
            found.append((node.lineno, " ".join(text.split())[:70]))
    return sorted(found)


def offenders(root: Path = REPO) -> list[str]:
    """``path:line: statement`` for every SQL literal outside the storage layer."""
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if _is_storage(rel):
                continue
            for line, text in _sql_literals(path.read_text(encoding="utf-8")):
                out.append(f"{rel}:{line}: {text}")
    return out


def test_no_module_outside_the_storage_layer_holds_sql():
    found = offenders()
    assert not found, ("SQL outside the storage layer (ingest/store.py, ingest/schema.py, "
                       "ingest/store_*.py); move it behind a named query method:\n"
                       + "\n".join(found))


@pytest.mark.parametrize("source, expected", [
    ('rows = db.execute("SELECT id FROM objections WHERE call_id=?", (c,))',
     [(1, "SELECT id FROM objections WHERE call_id=?")]),
    ('q = ("  select a, b"\n     " from t")', [(1, "select a, b from t")]),
    ('db.execute(f"DELETE FROM {table} WHERE call_id=?")',
     [(1, "DELETE FROM {} WHERE call_id=?")]),
    ('x = "INSERT OR REPLACE INTO t (a) VALUES (?)"', [(1, "INSERT OR REPLACE INTO t (a) VALUES (?)")]),
    ('x = "PRAGMA data_version"', [(1, "PRAGMA data_version")]),
    ('x = "CREATE VIRTUAL TABLE s USING fts5(x)"', [(1, "CREATE VIRTUAL TABLE s USING fts5(x)")]),
    ('x = "WITH t AS (SELECT 1) SELECT * FROM t"', [(1, "WITH t AS (SELECT 1) SELECT * FROM t")]),
    ('x = "Update the manifest and run it again."', []),
    ('x = "select the assets to compare"', []),
    ('x = "create a workspace first"', []),
])
def test_sql_literals_are_found_and_prose_is_not(source, expected):
    assert _sql_literals(source) == expected


def test_a_module_with_sql_is_reported_with_its_line(tmp_path):
    (tmp_path / "rag").mkdir()
    for package in ("ingest", "insights", "ui"):
        (tmp_path / package).mkdir()
    (tmp_path / "rag" / "gaps.py").write_text(
        'HELP = "Select a theme."\n\ndef f(ws):\n'
        '    return ws.db.execute("SELECT COUNT(*) FROM themes").fetchone()\n')
    assert offenders(tmp_path) == ["rag/gaps.py:4: SELECT COUNT(*) FROM themes"]


# -- the named queries ----------------------------------------------------------------------

def _asset(asset_id: str, texts: tuple[str, ...], url: str | None = None):
    from ingest.records import Asset, AssetMeta, Chunk

    chunks = [Chunk(chunk_id=f"{asset_id}#{i}", asset_id=asset_id, index=i, text=t,
                    heading_path=["Security"]) for i, t in enumerate(texts)]
    return Asset(AssetMeta(asset_id=asset_id, title=asset_id.upper(), type="faq", url=url),
                 f"docs/{asset_id}.md", f"hash-{asset_id}", chunks)


def test_the_asset_catalog_reads_complete_assets_only(fake_workspace):
    ws = fake_workspace
    assert ws.asset_catalog.has_content() is False
    ws.save_asset(_asset("a1", ("Data is hosted in Frankfurt.",), url="https://x.test/a1"))
    ws.save_asset(_asset("a2", ("SOC 2 Type II report.",)))
    ws.db.execute("UPDATE assets SET status='pending' WHERE asset_id='a2'")  # being re-ingested
    catalog = ws.asset_catalog
    assert catalog.has_content() is True
    assert list(catalog.metas(["a2", "a1", "nope"])) == ["a1"]
    assert catalog.metas(["a1"])["a1"].title == "A1"
    assert catalog.locations(["a1", "a2"]) == {"a1": "https://x.test/a1", "a2": "docs/a2.md"}
    assert [(s.meta.asset_id, s.source) for s in catalog.stored()] == [("a1", "docs/a1.md")]


def test_the_lexical_store_searches_binds_ids_and_round_trips_sentences(fake_workspace):
    import numpy as np

    ws = fake_workspace
    ws.save_asset(_asset("a1", ("Data is hosted in Frankfurt.", "Pricing is per seat.")))
    ws.save_asset(_asset("a2", ("Hosted in Virginia.",)))
    store = ws.lexical_store
    assert store.size() == 3
    assert store.fingerprints() == store.indexed_fingerprints()
    assert store.stored_passages() == store.indexed_passages()
    assert sorted(h[0] for h in store.search('"host"', 10)) == ["a1#0", "a2#0"]
    assert len(store.search('"host"', 1)) == 1
    assert [h[:2] for h in store.search('"host"', 10, ["a2"])] == [("a2#0", "a2")]
    assert store.search('"host"', 10, ["a1') OR 1=1 --"]) == []  # bound, not formatted in
    assert store.doc_freq(["host", "frankfurt", "absent"]) == {"host": 2, "frankfurt": 1}
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    store.put_sentences([("a1#0", "d1", ["One.", "Two."], vectors)])
    digest, sents, got = store.sentences(["a1#0", "a2#0"])["a1#0"]
    assert (digest, sents, got.tolist()) == ("d1", ["One.", "Two."], vectors.tolist())
    store.drop_sentences(["a1#0"])
    assert store.sentence_digests() == {}


def test_porter_stems_match_the_index_tokenizer():
    from ingest.store_lexical import PorterStems

    assert PorterStems()(["hosting", "hosted", "pricing"]) == {
        "hosting": "host", "hosted": "host", "pricing": "price"}


def test_the_insights_store_filters_with_bound_values(fake_workspace):
    from types import SimpleNamespace

    import numpy as np

    from ingest.records import Call, CallMeta, Turn
    from ingest.store_insights import CallAnalysis

    ws = fake_workspace
    ws.save_call(Call(CallMeta(call_id="c1", outcome="won"), "c1.vtt", "h1", "transcript",
                      [Turn(0, "Buyer", "buyer", "Too pricey.")]))
    objection = SimpleNamespace(
        id="o1", call_id="c1", turn=0, speaker="Buyer", text="Too pricey.", category="price",
        confidence=0.9, start=None, end=None, theme_id=None, char_start=0, char_end=11,
        source="model")
    store = ws.insights_store
    store.replace_calls([CallAnalysis("c1", "h1", "v1", [(objection, np.ones(4))])], 1.0)
    assert store.analysed_calls() == {"c1": ("h1", "v1")}
    assert store.call_outcomes() == {"c1": ("won", None)}
    assert [r["id"] for r in store.objections(category="price")] == ["o1"]
    assert store.objections(category="price' OR '1'='1") == []
    theme = SimpleNamespace(id="t1", category="price", label="Price", keywords=["price"],
                            medoid_id="o1", member_ids=["o1"], example_ids=["o1"])
    store.replace_themes([theme], [("t1", "Price", np.ones(4))], "digest-1")
    assert store.state("themes_digest") == "digest-1"
    assert store.counts(min_calls=1) == (1, 1, 0, 1)
    assert [r["theme_id"] for r in store.themed_objections()] == ["t1"]
    assert store.objection_vectors(["o1", "o2"])["o1"].tolist() == [1.0] * 4
    store.drop_calls(["c1"])
    assert store.calls_with_rows() == set()
