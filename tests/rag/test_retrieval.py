"""Hybrid retrieval: the right asset, filters on both sides, the FTS index in sync.

Finding the right asset needs the real model; filters, input checks and the lexical index
judge no similarity and run on the hashed fake embedder.
"""

from __future__ import annotations

import pytest

from ingest.errors import InputError, WorkspaceError
from rag import Filters, LexicalIndex, Retriever
from rag.retriever import check_filters


@pytest.mark.slow
@pytest.mark.parametrize(("text", "asset_id"), [
    ("How do you encrypt our data?", "lumio-security"),
    ("How much does it cost per user?", "lumio-pricing"),
    ("Do you sync with Outlook calendars?", "lumio-integrations"),
    ("How long until our team is live?", "lumio-onboarding"),
    ("Did a clinic reduce missed appointments?", "lumio-birchwood"),
])
def test_finds_the_asset_that_answers(lumio_ws, text, asset_id):
    hits = Retriever(lumio_ws).run(text, top=3)
    assert hits[0].asset.asset_id == asset_id
    assert hits[0].best.chunk.asset_id == asset_id
    assert hits == sorted(hits, key=lambda h: -h.fused)


@pytest.mark.slow
def test_both_sides_contribute(lumio_ws):
    passages = Retriever(lumio_ws).passages("AES-256 encryption keys")
    top = passages[0]
    assert top.chunk.asset_id == "lumio-security"
    assert top.dense is not None and top.lexical is not None and top.bm25 is not None
    assert top.fused == pytest.approx(1 / (60 + top.dense) + 1 / (60 + top.lexical))


@pytest.mark.parametrize(("filters", "allowed"), [
    (Filters(type="faq"), {"lumio-security"}),
    (Filters(type="Web-Page"), {"lumio-pricing", "lumio-integrations"}),
    (Filters(public_only=True), {"lumio-security", "lumio-pricing", "lumio-onboarding",
                                 "lumio-integrations"}),
    # an asset with no audience set suits every audience
    (Filters(audience="IT"), {"lumio-security", "lumio-integrations", "lumio-onboarding"}),
    (Filters(stage="proposal", public_only=True), {"lumio-pricing"}),
])
def test_filters_apply_to_both_sides(fake_lumio_ws, filters, allowed):
    retriever = Retriever(fake_lumio_ws)
    hits = retriever.run("clinic reminders pricing encryption onboarding Outlook", top=None,
                         filters=filters)
    assert hits and {h.asset.asset_id for h in hits} <= allowed
    lexical = retriever.lexical.search("clinic reminders pricing encryption onboarding Outlook",
                                       asset_ids=retriever.eligible(check_filters(filters)))
    assert {h.asset_id for h in lexical} <= allowed


def test_filter_excluding_everything_returns_nothing(fake_lumio_ws):
    assert Retriever(fake_lumio_ws).run("encryption", filters=Filters(type="whitepaper")) == []


def test_bad_type_lists_the_valid_ones(fake_lumio_ws):
    with pytest.raises(InputError, match=r"Unknown asset type 'pdf'; use one of: case_study, "
                                         r"one_pager, battle_card, blog, whitepaper"):
        Retriever(fake_lumio_ws).run("encryption", filters=Filters(type="pdf"))


def test_empty_text_is_refused(fake_lumio_ws):
    with pytest.raises(InputError, match="Give the text to search for"):
        Retriever(fake_lumio_ws).run("   ")


def test_empty_workspace_says_ingest_first(fake_workspace):
    with pytest.raises(WorkspaceError, match=r"ingest content first: callmine ingest content"):
        Retriever(fake_workspace).run("encryption")


def test_lexical_index_follows_reingest_and_removal(fake_workspace, lumio_copy, ingest):
    ingest(fake_workspace, lumio_copy)
    index = LexicalIndex(fake_workspace)
    assert index.search("Okta") and index.verify() == []
    assert index.size() == len(fake_workspace.chunks())

    # replace a document: same asset id, new text; the old words must be gone from the index
    (lumio_copy / "security.md").write_text(
        "# Lumio security FAQ\n\n## Hosting\n\nLumio hosts EU customers in Frankfurt.\n")
    ingest(fake_workspace, lumio_copy)
    assert [h.chunk_id for h in index.search("Frankfurt")] == ["lumio-security#0"]
    assert index.search("Okta") == []
    assert index.verify() == []  # every search syncs first: the index matches the chunks

    # an asset whose re-ingest is half-done (pending) is not searchable, then recovered away
    fake_workspace.db.execute("UPDATE assets SET status='pending' WHERE asset_id='lumio-pricing'")
    assert all(h.asset_id != "lumio-pricing" for h in index.search("price per user discounts"))
    assert index.verify() == []
    fake_workspace.recover()
    assert index.verify() == [] and index.size() == len(fake_workspace.chunks())


def test_lexical_index_rebuild_and_verify_detects_drift(fake_workspace, lumio_copy, ingest):
    ingest(fake_workspace, lumio_copy)
    index = LexicalIndex(fake_workspace)
    index.sync()
    fake_workspace.db.execute("DELETE FROM rag_fts WHERE chunk_id='lumio-pricing#0'")
    assert index.verify() == ["missing from the index: lumio-pricing#0"]
    index.rebuild()
    assert index.verify() == []
