"""Removing a call or an asset from the app (the same workflow as `callmine remove`)."""

from __future__ import annotations

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
