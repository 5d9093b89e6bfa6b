"""Removing a call or an asset from the app (the same workflow as `callmine remove`)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_removing_a_call_in_the_app_takes_its_objections_with_it(client, served):
    from insights.store import load_objections

    _, ws, _ = served
    assert any(o.call_id == "initech-1" for o in load_objections(ws))
    summary, _, _, calls, _, _, remove_id = client.predict("call", "initech-1",
                                                           api_name="/remove")
    assert summary.replace("\\", "") == "Removed call initech-1."  # Markdown-escaped
    assert "initech-1" not in [row[0] for row in calls["data"]]
    assert all(o.call_id != "initech-1" for o in load_objections(ws))
    assert "initech-1" not in [c.call_id for c in ws.calls()]


def test_removing_an_asset_in_the_app_and_an_unknown_id(client, served):
    from gradio_client.exceptions import AppError

    _, ws, _ = served
    asset = ws.assets()[0].asset_id
    summary, _, _, _, assets, _, _ = client.predict("asset", asset, api_name="/remove")
    assert summary.replace("\\", "") == f"Removed asset {asset}."
    assert asset not in [row[0] for row in assets["data"]]
    assert not ws.chunks(asset)
    with pytest.raises(AppError, match="Nothing was removed"):
        client.predict("call", "nope", api_name="/remove")


def test_uploaded_files_are_deleted_once_ingested(client, tmp_path):
    """Gradio keeps uploads in its own folder; the workspace keeps its own copy (or, when
    redacting, none), so the upload goes once ingested."""
    from gradio.utils import get_upload_folder
    from gradio_client import handle_file

    call = tmp_path / "zz-upload-check-1.txt"
    call.write_text("[00:00:01] Dana Reyes: Thanks for joining.\n"
                    "[00:00:06] Kim Roe: The price is far too high for our budget.\n")
    bad = tmp_path / "zz-upload-check-2.vtt"
    bad.write_text("not a vtt\n")
    summary, *_ = client.predict([handle_file(str(call)), handle_file(str(bad))], None,
                                 api_name="/ingest_calls")
    assert summary == "Calls: 1 failed, 1 stored"
    left = [p for p in Path(get_upload_folder()).rglob("zz-upload-check-*")]
    assert left == []
    assert call.is_file()  # the user's own file is never touched


def test_an_uploaded_assets_details_are_edited_in_the_app(client, served, tmp_path):
    """An upload gets type "other", not public, no URL; the edit form corrects that, and
    "public only" answers then include it."""
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    _, ws, _ = served
    doc = tmp_path / "sso-guide.md"
    doc.write_text("# SSO guide\n\nVantora supports single sign-on with Okta and Azure AD, "
                   "set up in under an hour.\n")
    client.predict([handle_file(str(doc))], None, api_name="/ingest_content")
    meta = ws.asset("sso-guide").meta
    assert (meta.type, meta.public, meta.url) == ("other", False, None)
    _, recs = client.predict("Do you support single sign-on with Okta?", 3, True,
                             api_name="/recommend")
    assert "sso-guide" not in [r[0] for r in recs["data"]]  # not public yet

    summary, _, _, _, assets, _ = client.predict(
        "sso-guide", "Single sign-on guide", "faq", True, "https://vantora.example/sso", "it",
        "evaluation", "2026-05-01", api_name="/edit_asset")
    assert "updated" in summary and "title" in summary and "public" in summary
    meta = ws.asset("sso-guide").meta
    assert (meta.title, meta.type, meta.public, meta.url, str(meta.published)) == (
        "Single sign-on guide", "faq", True, "https://vantora.example/sso", "2026-05-01")
    assert ["sso-guide", "Single sign-on guide", "faq", "yes", "2026-05-01"] in assets["data"]
    _, recs = client.predict("Do you support single sign-on with Okta?", 3, True,
                             api_name="/recommend")
    assert recs["data"][0][0] == "sso-guide"  # public now, and found under its new title

    with pytest.raises(AppError, match="YYYY-MM-DD"):
        client.predict("sso-guide", "x", "faq", True, "", "", "", "May 1st",
                       api_name="/edit_asset")
    with pytest.raises(AppError, match="https://"):
        client.predict("sso-guide", "x", "faq", True, "javascript:alert(1)", "", "", "",
                       api_name="/edit_asset")
