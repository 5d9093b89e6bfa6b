"""Posting text to a Slack incoming webhook, the URL kept secret.

An incoming-webhook URL is a credential: whoever has it can post to the channel. It is never
put in a message, an exception or a log record: errors name "the Slack webhook", and
``slack_sdk``'s own logger (which writes the URL at DEBUG level) is given a silenced logger.

Example:
    >>> post_to_slack("callmine digest: ...", settings.slack_webhook)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from pydantic import SecretStr

from ingest.errors import InputError, WebhookError

TIMEOUT = 15
"""Seconds to wait for Slack's answer."""
HOW_TO_CONFIGURE = ("Set CALLMINE_SLACK_WEBHOOK to a Slack incoming-webhook URL "
                    "(https://hooks.slack.com/services/..., made with Slack's Incoming Webhooks "
                    "app), or pass --slack-webhook URL.")
"""What to do when no webhook is configured."""


def _silenced_logger() -> logging.Logger:
    """A logger that drops everything: slack_sdk logs the URL at DEBUG level. Made apart from
    the logging tree on purpose, so that no configuration (``-v -v``) can turn it back on."""
    logger = logging.Logger("callmine.slack.silenced", level=logging.CRITICAL + 1)  # noqa: LOG001
    logger.disabled = True
    return logger


def _without(text: str, secret: str) -> str:
    """``text`` with every trace of the webhook URL replaced by "the Slack webhook"."""
    text = text.replace(secret, "the Slack webhook")
    path = urlsplit(secret).path
    if len(path) > 1:
        text = text.replace(path, "/…")
    return " ".join(text.split())


def configured(url: str | SecretStr | None) -> str | None:
    """The webhook URL as text, or None when none is set (unset or empty)."""
    if isinstance(url, SecretStr):
        url = url.get_secret_value()
    return (url or "").strip() or None


def check_webhook(url: str | SecretStr | None) -> str:
    """The webhook URL as text; :class:`InputError` when none is set or it is not an http(s)
    URL (the message never repeats it)."""
    url = configured(url)
    if url is None:
        raise InputError(f"No Slack webhook configured. {HOW_TO_CONFIGURE}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("The Slack webhook must be an https:// URL (an incoming webhook such "
                         "as https://hooks.slack.com/services/...); check "
                         "CALLMINE_SLACK_WEBHOOK or --slack-webhook.")
    return url


def post_to_slack(text: str, url: str | SecretStr | None, timeout: int = TIMEOUT) -> int:
    """Post ``text`` (Slack ``mrkdwn``) to an incoming webhook; returns the HTTP status.

    Raises:
        InputError: no webhook set, a URL that is not http(s), or an answer of 4xx (the
            webhook was revoked, the channel is gone: the setting is wrong).
        WebhookError: the webhook could not be reached, or answered 5xx or another non-2xx.
    """
    from slack_sdk.webhook import WebhookClient

    secret = check_webhook(url)
    client = WebhookClient(secret, timeout=timeout, logger=_silenced_logger())
    try:
        response = client.send(text=text, unfurl_links=False, unfurl_media=False)
    except Exception as exc:  # noqa: BLE001 - URLError, timeouts, TLS: any, told without the URL
        reason = _without(str(getattr(exc, "reason", "") or exc or type(exc).__name__), secret)
        raise WebhookError(f"Could not reach the Slack webhook: {reason}. Check the network "
                           "and CALLMINE_SLACK_WEBHOOK.") from None
    status = response.status_code
    if 200 <= status < 300:
        return status
    body = _without(str(response.body or ""), secret)[:120]
    detail = f"HTTP {status}" + (f": {body}" if body else "")
    if 400 <= status < 500 and status != 429:  # 429: rate limited, not a wrong setting
        raise InputError(f"The Slack webhook refused the digest ({detail}); check "
                         "CALLMINE_SLACK_WEBHOOK (the webhook may have been revoked).")
    raise WebhookError(f"The Slack webhook failed ({detail}); try again later.")
