"""Ask view (reps): what the buyer said -> the assets that answer it, and a follow-up draft."""

from __future__ import annotations

import logging
import threading

from ingest.errors import CallmineError
from ingest.settings import Settings
from ingest.store import Workspace
from rag import Filters, Recommender
from rag.records import Answer, Recommendation
from ui.views.errors import require, shows_errors
from ui.views.text import html_text

REC_HEADERS = ["asset", "title", "type", "passage", "score", "why"]
CITATION_HEADERS = ["asset", "passage"]

log = logging.getLogger(__name__)

EMPTY_QUESTION = ("Type what the buyer said (for example: \"How long does implementation take?\") "
                  "and press Find content.")


def recommendation_rows(result: Recommendation) -> list[list]:
    """One row per recommended asset, best first."""
    return [[r.asset_id, r.title or "", r.type or "", r.passage, round(r.score, 3), r.why or ""]
            for r in result.recommendations]


def coverage_badge(result: Recommendation) -> str:
    """A covered / not-covered badge for a recommendation result (escaped HTML)."""
    if result.covered:
        best = result.recommendations[0] if result.recommendations else None
        detail = f" — best answer: {best.title or best.asset_id}" if best else ""
        return (f'<div class="cm-badge cm-covered" data-covered="true">Covered'
                f'{html_text(detail)}</div>')
    return ('<div class="cm-badge cm-not-covered" data-covered="false">Not covered — no asset '
            'really answers this yet; the nearest passages are below. Flag it to content.</div>')


def citation_rows(answer: Answer) -> list[list]:
    """The passages the drafted answer cites."""
    return [[c.asset_id, c.passage] for c in answer.citations]


def warm_up(workspace: Workspace, recommender: Recommender) -> None:
    """Load the embedding model and the recommender's indexes, so the first question is fast."""
    try:
        recommender.warm_up()  # model, FTS5 index, sentences of passages not embedded yet
        recommender.run("How long does implementation take?", top=1)
    except CallmineError as exc:  # e.g. no content yet: the first real question says so
        log.info("recommender not warmed up: %s", exc)
    except Exception:
        log.warning("could not warm up the recommender", exc_info=True)


def build(workspace: Workspace, settings: Settings) -> None:
    """The Ask tab."""
    import gradio as gr

    from rag import Answerer

    recommender = Recommender(workspace, settings)
    answerer = Answerer(workspace, settings, recommender=recommender)
    threading.Thread(target=warm_up, args=(workspace, recommender), name="callmine-warm-up",
                     daemon=True).start()

    question = gr.Textbox(label="What did the buyer say?", lines=3, elem_id="cm-ask-question",
                          placeholder="e.g. We can't take on a six-month implementation project.")
    with gr.Row():
        top = gr.Slider(1, 8, value=3, step=1, label="How many assets")
        public_only = gr.Checkbox(label="Public content only (safe to send)", value=False)
        find = gr.Button("Find content", variant="primary", elem_id="cm-ask-find")
    badge = gr.HTML(elem_id="cm-ask-badge")
    recs = gr.Dataframe(headers=REC_HEADERS, interactive=False, wrap=True,
                        label="Recommended assets (best first) and the passage that answers",
                        elem_id="cm-ask-recs", elem_classes="cm-table", max_chars=700,
                        column_widths=["12%", "15%", "8%", "43%", "6%", "16%"])
    draft = gr.Textbox(label="Follow-up message draft", lines=8, buttons=["copy"],
                       interactive=True, elem_id="cm-ask-draft")
    with gr.Accordion("Passages the draft cites", open=False):
        citations = gr.Dataframe(headers=CITATION_HEADERS, interactive=False, wrap=True,
                                 elem_classes="cm-table", column_widths=["20%", "80%"])

    @shows_errors
    def recommend(text: str, k: float, public: bool):
        require(text and text.strip(), EMPTY_QUESTION)
        result = recommender.run(text.strip(), top=int(k), public_only=bool(public))
        return coverage_badge(result), recommendation_rows(result)

    @shows_errors
    def follow_up(text: str, public: bool):
        require(text and text.strip(), EMPTY_QUESTION)
        answer = answerer.run(text.strip(), Filters(public_only=bool(public)))
        return answer.answer, citation_rows(answer)

    gr.on([find.click, question.submit], recommend, [question, top, public_only], [badge, recs],
          api_name="recommend").success(follow_up, [question, public_only], [draft, citations],
                                        api_name="draft")
