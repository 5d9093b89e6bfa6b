"""CRM deal data in: Salesforce and HubSpot exports as those tools write them, matched to calls
(issue 12, item 6)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.deals import match_deals, read_deals
from ingest.errors import InputError
from ingest.records import CallMeta

DEMO = Path(__file__).resolve().parents[2] / "demo"


def test_the_demo_salesforce_and_hubspot_exports_read_as_deals():
    sf = read_deals(DEMO / "crm" / "salesforce-opportunities.csv")
    hs = read_deals(DEMO / "crm" / "hubspot-deals.csv")
    assert len(sf) == len(hs) == 13
    alder = next(d for d in sf if d.account == "Alder & Finch Retail")
    assert (alder.outcome, alder.amount, alder.close_date) == ("lost", 89000.0,
                                                               date(2026, 6, 17))
    assert alder.deal_id.startswith("006")
    bluestem = next(d for d in hs if d.name.startswith("Bluestem"))
    assert (bluestem.outcome, bluestem.amount, bluestem.account) == (
        "won", 48000.0, "Bluestem Logistics, Inc.")
    assert {d.outcome for d in sf + hs} == {"won", "lost", "open"}


def test_calls_match_by_account_and_close_window_or_by_call_id(tmp_path):
    export = tmp_path / "opps.csv"
    export.write_text(
        "Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner\n"
        "Acme renewal,\"Acme, Inc.\",Closed Won,\"$50,000.00\",03/31/2026,Dana\n"
        "Acme expansion,Acme Inc,Negotiation/Review,\"$20,000.00\",09/30/2026,Dana\n"
        "Globex pilot,Globex,Closed Lost,12000,2026-02-01,Sam\n")
    calls = [CallMeta("a1", date(2026, 1, 10), account="ACME"),
             CallMeta("a2", date(2026, 6, 1), account="Acme"),
             CallMeta("a3", date(2025, 1, 1), account="Acme"),  # years before: no deal
             CallMeta("g1", date(2026, 1, 20), account="Globex GmbH"),
             CallMeta("x1", date(2026, 1, 20), account="Initech")]
    matches = {m.deal.name: m.calls for m in match_deals(read_deals(export), calls)}
    assert matches == {"Acme renewal": ["a1"], "Acme expansion": ["a2"],
                       "Globex pilot": ["g1"]}

    by_id = tmp_path / "deals.csv"
    by_id.write_text("Deal Name,Deal Stage,Amount,Close Date,Deal owner,Associated Company,"
                     "Call IDs\nBig deal,closedwon,1000,2026-05-01,Sam,Somebody,x1; a3\n")
    (m,) = match_deals(read_deals(by_id), calls)
    assert m.calls == ["x1", "a3"] and m.deal.outcome == "won"


@pytest.mark.parametrize("text, message", [
    ("Name,Stage\nx,y\n", r"neither a Salesforce opportunity report .* nor a HubSpot"),
    ("Deal Name,Deal Stage,Amount,Close Date\nx,closedwon,lots,2026-01-01\n",
     r"no 'Associated Company' column and no call id column"),
    ("Deal Name,Deal Stage,Amount,Close Date,Associated Company\nx,closedwon,lots,2026-01-01,A\n",
     r"line 2: amount 'lots' is not a number"),
    ("Deal Name,Deal Stage,Amount,Close Date,Associated Company\nx,closedwon,5,31/31/2026,A\n",
     r"line 2: close date '31/31/2026'"),
])
def test_bad_exports_are_refused_with_the_reason(tmp_path, text, message):
    export = tmp_path / "export.csv"
    export.write_text(text)
    with pytest.raises(InputError, match=message):
        read_deals(export)


@pytest.mark.slow
def test_ingest_deals_sets_outcome_amount_and_the_crm_stays_the_truth(capsys, tmp_path):
    from ui.cli import main

    ws = str(tmp_path / "ws")
    (tmp_path / "c1.txt").write_text("[00:01] Rep: Hi.\n[00:05] Kim: The price is too high.\n")
    (tmp_path / "calls.csv").write_text("file,call_id,date,rep,account,stage,outcome\n"
                                        "c1.txt,c1,2026-03-01,Rep,Acme,demo,open\n")
    assert main(["--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "c1.txt"),
                 "--manifest", str(tmp_path / "calls.csv")]) == 0
    (tmp_path / "opps.csv").write_text(
        "Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner\n"
        "Acme deal,Acme Inc.,Closed Won,\"$50,000.00\",03/31/2026,Dana\n"
        "Nobody's deal,Nobody,Closed Lost,1,03/31/2026,Dana\n")
    capsys.readouterr()
    assert main(["--workspace", ws, "--format", "json", "-q", "ingest", "deals",
                 str(tmp_path / "opps.csv")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["updated"] == [{"call_id": "c1", "changed": ["deal", "outcome", "amount"]}]
    assert data["unmatched_deals"] == ["Nobody's deal"]
    main(["--workspace", ws, "--format", "json", "calls"])
    (call,) = json.loads(capsys.readouterr().out)["calls"]
    assert (call["outcome"], call["amount"], call["deal"], call["stage"]) == (
        "won", 50000.0, "Acme deal", "demo")
    # the nightly manifest ingest does not undo the CRM's outcome
    main(["--workspace", ws, "-q", "ingest", "calls", str(tmp_path / "c1.txt"), "--manifest",
          str(tmp_path / "calls.csv")])
    capsys.readouterr()
    main(["--workspace", ws, "--format", "json", "calls"])
    assert json.loads(capsys.readouterr().out)["calls"][0]["outcome"] == "won"
    main(["--workspace", ws, "ingest", "deals", str(tmp_path / "missing.csv")])
    assert "no such file" in capsys.readouterr().err
