"""Helpers for insights tests: calls written straight into a workspace."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.records import REP_LABELS, Call, CallMeta, Turn

MESSAGING = """\
company: {name: Vantora}
talk_tracks:
  - id: payback
    name: "Payback in six months"
    statement: >-
      Customers recover the cost of Vantora within six months through lower invoice
      processing costs.
  - id: erp_native
    name: "Native two-way ERP sync"
    statement: >-
      Vantora Connect syncs both ways with NetSuite, Sage Intacct, Microsoft Dynamics and
      QuickBooks, so nobody re-keys invoices.
"""


def _build_call(call_id: str, lines: list[tuple[str, str]], outcome: str | None = None,
               day: date | None = None, version: str = "1") -> Call:
    """A call from ``(speaker, text)`` lines; speakers named Rep are on the rep side."""
    turns = [Turn(index=i, speaker=speaker,
                  side="rep" if speaker.lower() in REP_LABELS else "buyer", text=text,
                  start=10.0 * i, end=10.0 * i + 8)
             for i, (speaker, text) in enumerate(lines)]
    return Call(CallMeta(call_id, date=day, outcome=outcome), f"{call_id}.txt",
                f"hash-{call_id}-{version}", "transcript", turns)


@pytest.fixture()
def build_call():
    """``build_call(call_id, [(speaker, text), ...], outcome, day, version) -> Call``."""
    return _build_call


@pytest.fixture()
def messaging_file(tmp_path):
    path = tmp_path / "messaging.yaml"
    path.write_text(MESSAGING)
    return path
