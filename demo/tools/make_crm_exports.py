#!/usr/bin/env python3
"""Write the demo's CRM exports from demo/calls/calls.csv: one deal per account, half as a
Salesforce opportunity report (demo/crm/salesforce-opportunities.csv), half as a HubSpot deals
export (demo/crm/hubspot-deals.csv), with those tools' column names, date and amount formats.
The outcome of each deal is the one of the account's latest call; closed deals close 28 days
after it, open ones 75 days after; amounts follow the segment. Stdlib only; deterministic.

    python3 demo/tools/make_crm_exports.py
"""
from __future__ import annotations

import csv
import datetime
import hashlib
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1]
# legal names as a CRM holds them (callmine matches accounts without the suffix)
LEGAL = {"Halvorsen Logistics": "Halvorsen Logistics AS",
         "Bluestem Logistics": "Bluestem Logistics, Inc.",
         "Kessler Maschinenbau": "Kessler Maschinenbau GmbH", "Tallis Biotech": "Tallis Biotech Ltd"}


def main() -> None:
    rows = list(csv.DictReader((DEMO / "calls" / "calls.csv").open(encoding="utf-8")))
    accounts: dict[str, list[dict]] = {}
    for row in rows:
        accounts.setdefault(row["account"], []).append(row)
    salesforce, hubspot = [], []
    for i, (account, calls) in enumerate(sorted(accounts.items())):
        last = max(calls, key=lambda r: r["date"])
        day = datetime.date.fromisoformat(last["date"])
        outcome, segment = last["outcome"], last["segment"]
        h = int(hashlib.sha256(account.encode()).hexdigest(), 16)
        amount = {"smb": 12000 + h % 12 * 1000, "mid_market": 36000 + h % 54 * 1000,
                  "enterprise": 120000 + h % 18 * 10000}[segment]
        close = day + datetime.timedelta(days=28 if outcome != "open" else 75)
        open_stage = last["stage"].replace("_", " ").title()
        name = LEGAL.get(account, account)
        if i % 2 == 0:
            stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(outcome, open_stage)
            salesforce.append({
                "Opportunity Name": f"{account} - AP automation", "Account Name": name,
                "Stage": stage, "Amount": f"${amount:,.2f}",
                "Close Date": close.strftime("%m/%d/%Y"), "Opportunity Owner": last["rep"],
                "Opportunity ID": f"006Dn00000{h % 10**8:08d}"})
        else:
            stage = {"won": "Closed won", "lost": "Closed lost"}.get(outcome, open_stage)
            hubspot.append({
                "Record ID": str(10**10 + h % 10**9), "Deal Name": f"{account} – Vantora Ledger",
                "Deal Stage": stage, "Amount": str(amount),
                "Close Date": close.isoformat() + " 17:00", "Deal owner": last["rep"],
                "Associated Company": name})
    (DEMO / "crm").mkdir(exist_ok=True)
    for path, table in (("salesforce-opportunities.csv", salesforce),
                        ("hubspot-deals.csv", hubspot)):
        with (DEMO / "crm" / path).open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
        print(f"demo/crm/{path}: {len(table)} deals")


if __name__ == "__main__":
    main()
