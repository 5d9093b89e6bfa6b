"""``callmine digest``: the weekly digest on stdout, and posted to Slack when a webhook is set.

The webhook comes from ``--slack-webhook URL`` or the ``CALLMINE_SLACK_WEBHOOK`` setting; it is
never printed or logged (errors say "the Slack webhook"). The digest is posted first, then
printed: a failed post prints one line on stderr and nothing on stdout, exit 2 when the
webhook refused it (4xx: a wrong or revoked URL) and 1 when Slack failed or could not be
reached.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ingest.settings import Settings


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``digest`` to the ``callmine`` parser."""
    p = sub.add_parser("digest", parents=[common],
                       help="weekly digest: rising objection themes, top gaps, talk tracks "
                       "that moved; posted to Slack with a webhook")
    p.add_argument("--days", type=int, default=7, help="length of the period (7)")
    p.add_argument("--until", metavar="YYYY-MM-DD",
                   help="last day of the period (default: today)")
    p.add_argument("--slack-webhook", metavar="URL",
                   help="post the digest to this Slack incoming webhook (default: the "
                   "CALLMINE_SLACK_WEBHOOK setting, which keeps the URL out of shell history)")
    p.add_argument("--no-post", action="store_true",
                   help="print only, even when a webhook is set")
    p.set_defaults(handler=digest)


def digest(args: argparse.Namespace, settings: Settings) -> int:
    from rag.digest import DigestBuilder, digest_json, digest_text
    from rag.slack import check_webhook, configured, post_to_slack
    from insights.selection import parse_date
    from ui.cli import _workspace, emit

    until = parse_date(args.until, "--until")
    webhook = None if args.no_post else configured(args.slack_webhook or settings.slack_webhook)
    if webhook is not None:
        webhook = check_webhook(webhook)  # a URL that is not http(s) stops here, before work
    result = DigestBuilder(_workspace(settings), settings).run(until=until, days=args.days)
    text = digest_text(result)
    if webhook is not None:
        post_to_slack(text, webhook)
        print("callmine: posted the digest to the Slack webhook", file=sys.stderr)
    data = digest_json(result)
    data["posted"] = webhook is not None
    emit(args, data, lambda d: d["text"])
    return 0
