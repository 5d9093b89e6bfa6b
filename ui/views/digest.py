"""Digest view: the weekly digest (rising objection themes, top gaps, talk tracks that moved)
to read or copy, and a button that posts it to Slack when ``CALLMINE_SLACK_WEBHOOK`` is set
(without it, the view says how to set it). The webhook URL never reaches the page.
"""

from __future__ import annotations

from datetime import date

from ingest.errors import InputError
from ingest.settings import Settings
from ingest.store import Workspace
from ui.views.errors import shows_errors
from insights.selection import parse_date

CONFIGURED = "Posting goes to the Slack webhook set in CALLMINE_SLACK_WEBHOOK."
NOT_CONFIGURED = ("To post it to Slack, set CALLMINE_SLACK_WEBHOOK to a Slack incoming-webhook "
                  "URL (made with Slack's Incoming Webhooks app) and restart the app.")


def parse_until(value: str | None) -> date | None:
    """The last day of the period from the form; None (today) when empty."""
    return parse_date(value, "Last day")


def parse_days(value: float | None) -> int:
    """The period's length from the form: a whole number of days."""
    if value is None or int(value) != value:
        raise InputError(f"Days must be a whole number such as 7, got {value!r}.")
    return int(value)


def build(workspace: Workspace, settings: Settings) -> None:
    """The Digest tab: build the digest on demand; post it with the configured webhook."""
    import gradio as gr

    from rag.digest import DigestBuilder, digest_text
    from rag.slack import configured, post_to_slack

    webhook = configured(settings.slack_webhook)
    gr.Markdown("What changed on the calls of the last days: objection themes on the rise, "
                "the top content gaps and talk tracks whose use or win rate moved. "
                + (CONFIGURED if webhook else NOT_CONFIGURED),
                elem_id="cm-digest-intro")
    with gr.Row():
        days = gr.Number(7, label="Days", precision=0, minimum=1, maximum=366)
        until = gr.Textbox(label="Last day (YYYY-MM-DD; empty: today)", placeholder="2026-03-31")
        run = gr.Button("Build the digest", variant="primary")
        post = gr.Button("Post to Slack", interactive=webhook is not None,
                         elem_id="cm-digest-post")
    text = gr.Textbox(label="Digest", lines=16, buttons=["copy"], elem_id="cm-digest")
    status = gr.Markdown(elem_id="cm-digest-status")

    def digest_of(n_days, last_day) -> str:
        result = DigestBuilder(workspace, settings).run(until=parse_until(last_day),
                                                        days=parse_days(n_days))
        return digest_text(result)

    @shows_errors
    def show(n_days, last_day):
        return digest_of(n_days, last_day)

    @shows_errors
    def post_digest(n_days, last_day):
        if webhook is None:
            raise InputError(f"No Slack webhook configured. {NOT_CONFIGURED}")
        body = digest_of(n_days, last_day)
        post_to_slack(body, webhook)
        return body, "Posted the digest to the Slack webhook."

    run.click(show, [days, until], text, api_name="digest")
    post.click(post_digest, [days, until], [text, status], api_name="post_digest")
