"""Deal data from the CRM: a Salesforce opportunity report or a HubSpot deals export, as they
come out of those tools, matched to the stored calls.

Columns are found by their standard names (case and spacing ignored):

- **Salesforce** (Reports > Opportunities > Export, CSV): ``Opportunity Name``, ``Account
  Name``, ``Stage``, ``Amount``, ``Close Date``, ``Opportunity Owner`` (``Opportunity ID``
  when present);
- **HubSpot** (Deals > Export, CSV): ``Deal Name``, ``Deal Stage``, ``Amount``, ``Close
  Date``, ``Deal owner``, ``Associated Company`` (or ``Associated Company (Primary)``;
  ``Record ID`` when present).

A deal matches calls by a call-id column when the export has one (``call_id``, ``Call ID`` or
``Call IDs``, several ids separated by ``;``), else by account: calls of the same account
(names compared without case, punctuation or a legal suffix such as "Inc.") dated from
:data:`WINDOW_DAYS` days before the close date to 30 days after it; a call that fits several
deals goes to the one closing soonest after it. Each matched call gets the deal's outcome
(``Closed Won`` -> won, ``Closed Lost`` -> lost, any other stage -> open), its amount and its
name; an open deal's stage also becomes the call's stage (a closed deal keeps the stage the
call was in).

Example:
    >>> deals = read_deals(Path("demo/crm/salesforce-opportunities.csv"))
    >>> deals[0].name, deals[0].outcome, deals[0].amount
    ('Alder & Finch Retail - AP automation', 'lost', 89000.0)
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ingest.errors import InputError
from ingest.textfile import read_text

WINDOW_DAYS = 180
"""Calls up to this many days before a deal's close date belong to it (by account)."""
AFTER_DAYS = 30
"""...and up to this many days after it (the close date moves)."""

_COLUMNS = {
    "salesforce": {"name": "opportunity name", "account": "account name", "stage": "stage",
                   "amount": "amount", "close": "close date", "owner": "opportunity owner",
                   "id": "opportunity id"},
    "hubspot": {"name": "deal name", "account": "associated company", "stage": "deal stage",
                "amount": "amount", "close": "close date", "owner": "deal owner",
                "id": "record id"},
}
_ALIASES = {"associated company (primary)": "associated company", "opportunity id (18)":
            "opportunity id", "call ids": "call id", "call_id": "call id", "call_ids": "call id"}
_SUFFIXES = {"inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "bv",
             "plc", "corp", "corporation", "co", "company", "group", "ab", "as", "oy", "srl"}


@dataclass(slots=True)
class Deal:
    """One CRM deal (opportunity)."""

    name: str
    account: str | None
    stage: str | None
    outcome: str  # won | lost | open
    amount: float | None
    close_date: date | None
    owner: str | None = None
    deal_id: str | None = None
    call_ids: list[str] = field(default_factory=list)
    row: int = 0  # its line in the export


def outcome_of(stage: str | None) -> str:
    """``won``/``lost`` for a closed stage, else ``open``.

    Example:
        >>> [outcome_of(s) for s in ("Closed Won", "closedlost", "Negotiation/Review", None)]
        ['won', 'lost', 'open', 'open']
    """
    key = re.sub(r"[^a-z]", "", (stage or "").lower())
    if key in ("closedwon", "won"):
        return "won"
    if key in ("closedlost", "lost"):
        return "lost"
    return "open"


def parse_amount(text: str | None) -> float | None:
    """An amount as exported: currency signs and codes, thousands separators, a decimal comma.

    Example:
        >>> [parse_amount(t) for t in ("$48,000.00", "USD 12500", "12.500,50 €", "", "n/a")]
        [48000.0, 12500.0, 12500.5, None, None]
    """
    cleaned = re.sub(r"[^\d,.\-]", "", text or "")
    if not re.search(r"\d", cleaned):
        return None
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):  # 12.500,50
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:  # 12,500.50
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else \
            cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_day(text: str | None) -> date | None:
    """A close date as exported: ISO (with or without a time), US ``M/D/YYYY``, ``D.M.YYYY``.

    Example:
        >>> [parse_day(t) for t in ("2026-03-31", "2026-03-31 14:00", "3/31/2026", "31.03.2026")]
        [datetime.date(2026, 3, 31), datetime.date(2026, 3, 31), datetime.date(2026, 3, 31), datetime.date(2026, 3, 31)]
    """
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:19] if "T" in text else text, fmt).date()
        except ValueError:
            continue
    return None


def account_key(name: str | None) -> str:
    """An account name for matching: lower case, no punctuation, no legal suffix.

    Example:
        >>> account_key("Halvorsen Logistics, Inc."), account_key("halvorsen logistics")
        ('halvorsen logistics', 'halvorsen logistics')
    """
    words = re.sub(r"[^\w\s]", " ", (name or "").lower()).split()
    while words and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


def read_deals(path: Path) -> list[Deal]:
    """The deals of a Salesforce or HubSpot CSV export.

    Raises:
        InputError: not a CSV with the columns of either export, a bad date or amount (with
            its line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the CSV export of your opportunities "
                         "(Salesforce) or deals (HubSpot).")
    text = read_text(path, InputError)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [_ALIASES.get(" ".join(h.lower().split()), " ".join(h.lower().split()))
                  for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise InputError(f"{path.name}: cannot read the header row ({exc}).") from None
    kind = next((k for k, cols in _COLUMNS.items()
                 if cols["name"] in header and cols["stage"] in header), None)
    if kind is None:
        raise InputError(
            f"{path.name}: neither a Salesforce opportunity report (Opportunity Name, Account "
            "Name, Stage, Amount, Close Date) nor a HubSpot deals export (Deal Name, Deal "
            "Stage, Amount, Close Date, Associated Company); found columns "
            f"{', '.join(repr(h) for h in header if h) or 'none'}.")
    cols = _COLUMNS[kind]
    index = {name: header.index(col) for name, col in cols.items() if col in header}
    calls_at = header.index("call id") if "call id" in header else None
    if "account" not in index and calls_at is None:
        raise InputError(f"{path.name}: no {cols['account'].title()!r} column and no call id "
                         "column: deals cannot be matched to calls.")
    deals = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue

            def cell(name: str) -> str | None:
                i = index.get(name)
                value = cells[i].strip() if i is not None and i < len(cells) else ""
                return value or None

            amount_text, close_text = cell("amount"), cell("close")
            amount, close = parse_amount(amount_text), parse_day(close_text)
            if amount_text and amount is None:
                raise InputError(f"{path.name}: line {number}: amount {amount_text!r} is not "
                                 "a number.")
            if close_text and close is None:
                raise InputError(f"{path.name}: line {number}: close date {close_text!r}; "
                                 "expected YYYY-MM-DD or M/D/YYYY.")
            ids = []
            if calls_at is not None and calls_at < len(cells):
                ids = [i.strip() for i in re.split(r"[;|]", cells[calls_at]) if i.strip()]
            deals.append(Deal(name=cell("name") or f"line {number}", account=cell("account"),
                              stage=cell("stage"), outcome=outcome_of(cell("stage")),
                              amount=amount, close_date=close, owner=cell("owner"),
                              deal_id=cell("id"), call_ids=ids, row=number))
    except csv.Error as exc:
        raise InputError(f"{path.name}: not valid CSV ({exc}); is a quote left open?") from None
    return deals


@dataclass(slots=True)
class DealMatch:
    deal: Deal
    calls: list[str]


def match_deals(deals: list[Deal], calls, window_days: int = WINDOW_DAYS) -> list[DealMatch]:
    """Which stored calls (``CallMeta`` or ``Call`` with ``meta``) belong to each deal."""
    metas = [getattr(c, "meta", c) for c in calls]
    known = {m.call_id for m in metas}
    matches = [DealMatch(d, [i for i in d.call_ids if i in known]) for d in deals]
    claimed = {i for m in matches for i in m.calls}
    by_account: dict[str, list[DealMatch]] = {}
    for m in matches:
        if not m.deal.call_ids and m.deal.account:
            by_account.setdefault(account_key(m.deal.account), []).append(m)
    for meta in metas:
        if meta.call_id in claimed or not meta.account:
            continue
        candidates = []
        for m in by_account.get(account_key(meta.account), []):
            close = m.deal.close_date
            if close is None or meta.date is None:
                candidates.append((timedelta(days=10**5), m))
                continue
            if close - timedelta(days=window_days) <= meta.date <= close + \
                    timedelta(days=AFTER_DAYS):
                gap = close - meta.date
                candidates.append((gap if gap >= timedelta(0) else -gap + timedelta(days=1),
                                   m))
        if candidates:
            min(candidates, key=lambda c: c[0])[1].calls.append(meta.call_id)
    return matches


__all__ = ["Deal", "DealMatch", "read_deals", "match_deals", "outcome_of", "parse_amount",
           "parse_day", "account_key", "WINDOW_DAYS"]
