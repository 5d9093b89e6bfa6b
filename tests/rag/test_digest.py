"""The weekly digest's text (rag/digest.py) and the Slack webhook checks (rag/slack.py) that
need no workspace. The digest of a workspace, posted to a local webhook, is tested through the
CLI and the app in tests/ui/test_exports.py."""

from __future__ import annotations

import logging
import socket
from datetime import date

import pytest
from pydantic import SecretStr

from ingest.errors import InputError, WebhookError
from ingest.settings import Settings
from rag.digest import brief_command, digest_json, digest_text
from rag.records import Digest, DigestGap, ThemeMove, TrackMove
from rag.slack import check_webhook, configured, post_to_slack

DIGEST = Digest(
    date(2026, 3, 19), date(2026, 3, 25), 7, calls=4, calls_before=2, latest=date(2026, 3, 25),
    themes=[ThemeMove("t1", "SAP · native connector", "integration", 3, 0),
            ThemeMove("t2", "Price", "price", 2, 1)],
    gaps=[DigestGap("t1", "SAP · native connector", "integration", 0.91, 0.12, 7, 3, 3,
                    brief_command("t1"))],
    tracks=[TrackMove("roi", "Payback in six months", 3, 1, 0.5, None, 2, 0),
            TrackMove("live", "Live in 30 days", 0, 2, None, None, 0, 0)],
)


def test_digest_text_lists_rising_themes_gaps_with_their_brief_and_moved_tracks():
    assert digest_text(DIGEST) == """\
callmine digest: 2026-03-19 to 2026-03-25 (7 days)
4 call(s) in this period, 2 in the 7 days before.

Objection themes on the rise (calls that raised them, this period vs before):
- SAP · native connector (integration): 3 vs 0, new
- Price (price): 2 vs 1

Top content gaps (highest priority first):
- SAP · native connector (integration): priority 0.91, coverage 12%, 7 objection(s), 3 lost; \
3 call(s) this period. Brief: `callmine gaps --brief t1`

Talk tracks that moved (calls that used them, this period vs before):
- Payback in six months: 3 vs 1; win rate 50% of 2 closed vs no closed deal
- Live in 30 days: 0 vs 2
"""


def test_an_empty_digest_says_none_and_why():
    empty = Digest(date(2026, 3, 19), date(2026, 3, 25), 7, 0, 0,
                   notes=["No calls dated in this period."])
    text = digest_text(empty)
    assert "Note: No calls dated in this period." in text
    assert text.count("- none") == 3
    assert digest_json(empty)["text"] == text


def test_digest_json_carries_every_section_and_the_text():
    data = digest_json(DIGEST)
    assert (data["since"], data["until"], data["days"]) == ("2026-03-19", "2026-03-25", 7)
    assert data["themes"][0] == {"theme_id": "t1", "label": "SAP · native connector",
                                 "category": "integration", "calls": 3, "calls_before": 0}
    assert data["gaps"][0]["command"] == "callmine gaps --brief t1"
    assert data["tracks"][0]["win_rate"] == 0.5 and data["text"] == digest_text(DIGEST)


def test_the_webhook_setting_is_a_secret(monkeypatch):
    url = "https://hooks.slack.com/services/T0/B0/s3cr3t"
    monkeypatch.setenv("CALLMINE_SLACK_WEBHOOK", url)
    settings = Settings()
    assert configured(settings.slack_webhook) == url
    assert url not in repr(settings) and url not in str(settings.model_dump())
    assert configured(SecretStr("  ")) is None and configured(None) is None


def test_a_missing_or_non_http_webhook_is_refused_without_repeating_it():
    with pytest.raises(InputError, match=r"^No Slack webhook configured\. Set "
                                         r"CALLMINE_SLACK_WEBHOOK to a Slack incoming-webhook"):
        check_webhook(None)
    with pytest.raises(InputError, match=r"^The Slack webhook must be an https:// URL") as exc:
        check_webhook("file:///etc/s3cr3t")
    assert "s3cr3t" not in str(exc.value)


def test_an_unreachable_webhook_is_one_line_without_the_url(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/services/T0/B0/s3cr3t"
    with pytest.raises(WebhookError, match=r"^Could not reach the Slack webhook: .*Connection "
                                           r"refused\. Check the network and "
                                           r"CALLMINE_SLACK_WEBHOOK\.$") as exc:
        post_to_slack("hello", url, timeout=5)
    assert exc.value.exit_code == 1 and "\n" not in str(exc.value)
    assert "s3cr3t" not in str(exc.value) and "s3cr3t" not in caplog.text
