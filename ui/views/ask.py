"""Ask view (reps): what the buyer said -> the assets that answer it, and a follow-up draft;
and a whole questionnaire (security questionnaire, RFP) answered in one go, as a file."""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import CallmineError
from ingest.settings import Settings
from ingest.store import Workspace
from rag import Filters, Recommender
from rag.questionnaire import QuestionAnswer, answer_row
from rag.records import Answer, Recommendation
from ui.views.errors import require, shows_errors
from ui.views.text import as_words, html_text, markdown_link, markdown_text

REC_HEADERS = ["asset", "title", "type", "passage", "score", "why", "send"]
CITATION_HEADERS = ["asset", "passage", "send"]
INTERNAL = "internal, do not send"
QUESTIONNAIRE_HEADERS = ["row", "question", "answer", "asset", "covered", "score"]
NO_QUESTIONNAIRE = ("Upload a questionnaire first: a .txt file with one question a line, or a "
                    ".csv/.tsv/.xlsx file with the questions in a column.")
_ANSWER_SHOWN = {"question", "answer", "citations", "covered", "mode", "llm_error", "internal",
                 "omitted", "nearest", "public_only"}
"""Fields of an Answer the draft box, the citations and :func:`draft_notes` show by name;
any other field the record gains is listed by :func:`draft_notes` as it is."""

log = logging.getLogger(__name__)

EMPTY_QUESTION = ("Type what the buyer said (for example: \"How long does implementation take?\") "
                  "and press Find content.")


def sendable(workspace: Workspace) -> dict[str, str]:
    """asset id -> "public" or "internal, do not send" (from the assets' ``public`` flag)."""
    return {a.asset_id: "public" if a.public else INTERNAL for a in workspace.assets()}


EXCERPT_CHARS = 420
"""Characters of passage shown around the answering sentence."""


def answer_excerpt(passage: str, highlight: str | None, width: int = EXCERPT_CHARS) -> str:
    """The passage as Markdown, cut to about ``width`` characters around the answering sentence,
    which is shown in bold (the rest escaped, so a passage cannot inject markup).

    Example:
        >>> print(answer_excerpt("Intro. We hold SOC 2. Call us.", "We hold SOC 2."))
        Intro\\. **We hold SOC 2\\.** Call us\\.
    """
    text = " ".join((passage or "").split())
    key = " ".join((highlight or "").split())
    at = text.find(key) if key else -1
    if at < 0:
        cut = text[:width]
        return markdown_text(cut) + ("…" if len(text) > width else "")
    room = max(0, width - len(key))
    start = max(0, at - room // 2)
    end = min(len(text), at + len(key) + (room - (at - start)))
    start = max(0, min(start, end - width))
    before, after = text[start:at], text[at + len(key):end]
    return ("…" if start > 0 else "") + markdown_text(before) + "**" + markdown_text(key) + \
        "**" + markdown_text(after) + ("…" if end < len(text) else "")


SCORE_TEXT = ("Score: the model's probability (0 to 1) that the passage answers what the buyer "
              "said; the question counts as covered when the best score reaches {bar:.2f}")
_P_VALUE = re.compile(r" \(p=\d\.\d+\)")


def plain_why(why: str | None) -> str:
    """The recommender's ``why`` without its ``(p=0.83)``: the score column shows that
    probability already (one number, shown once, explained in the table's label).

    Example:
        >>> plain_why("answers 'SOC 2' (p=0.83) — matched terms: soc")
        "answers 'SOC 2' — matched terms: soc"
    """
    return _P_VALUE.sub("", why or "")


def recommendation_rows(result: Recommendation, send: dict[str, str] | None = None,
                        ) -> list[list]:
    """One row per recommended asset, best first: its title linked to the asset's URL when it
    has one, the passage around the answering sentence (in bold); ``send`` says whether each
    may be sent."""
    send = send or {}
    return [[r.asset_id, markdown_link(r.title or r.asset_id, r.url), as_words(r.type),
             answer_excerpt(r.passage, r.highlight),
             round(r.score, 3), plain_why(r.why), send.get(r.asset_id, "")]
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


def citation_rows(answer: Answer, send: dict[str, str] | None = None) -> list[list]:
    """The passages the draft cites, then the internal assets listed beside it (for the
    rep's eyes only), each with whether it may be sent (the citation's ``public`` flag, else
    ``send`` by asset id)."""
    send = send or {}

    def row(c) -> list:
        public = getattr(c, "public", None)
        status = send.get(c.asset_id, "") if public is None else \
            ("public" if public else INTERNAL)
        return [c.asset_id, c.passage, status]

    return [row(c) for c in [*answer.citations, *getattr(answer, "internal", [])]]


def draft_notes(answer: Answer) -> str:
    """What a rep should know about a draft before sending it (escaped Markdown): whether it
    answers, how it was written, and any other note the answer carries."""
    lines = []
    if not answer.covered:
        lines.append("**Not covered:** no asset clearly answers this; check the draft before "
                     "sending it, and flag the question to content.")
    if answer.llm_error:
        lines.append(f"The language model failed ({markdown_text(answer.llm_error)}); the "
                     "draft is extracted from the cited passages.")
    elif answer.mode == "llm":
        lines.append("Drafted by the language model from the cited passages.")
    nearest = getattr(answer, "nearest", None)
    if nearest is not None:
        where = f" ({nearest.url})" if getattr(nearest, "url", None) else ""
        lines.append(f"**Offered instead:** {markdown_text(nearest.title or nearest.asset_id)}"
                     f"{markdown_text(where)}, the nearest public asset.")
    internal = getattr(answer, "internal", [])
    if internal:
        names = ", ".join(markdown_text(c.title or c.asset_id) for c in internal)
        lines.append(f"**Internal, do not send:** {names} may also answer; they are for you, "
                     "not the buyer, and the draft does not quote them.")
    for o in getattr(answer, "omitted", []):
        lines.append(f"**Left out of the draft:** \"{markdown_text(o.sentence)}\" "
                     f"({markdown_text(o.asset_id)}): {markdown_text(o.reason)}")
    for f in dataclasses.fields(answer):
        value = getattr(answer, f.name)
        if f.name in _ANSWER_SHOWN or value in (None, "", False, [], {}):
            continue
        name = f.name.replace("_", " ")
        shown = "yes" if value is True else markdown_text(value)
        lines.append(f"**{markdown_text(name[:1].upper() + name[1:])}:** {shown}")
    return "\n\n".join(lines)


def questionnaire_rows(items: Sequence[QuestionAnswer]) -> list[list]:
    """One row per question of a questionnaire: the best answer and whether it covers."""
    rows = []
    for item in items:
        r = answer_row(item)
        rows.append([r["row"], r["question"], r["answer"], r["asset"],
                     "yes" if r["covered"] else "no", round(float(r["score"]), 3)])
    return rows


def questionnaire_summary(name: str, column: str | None, items: Sequence[QuestionAnswer]) -> str:
    """One line: how many questions, how many an asset answers (escaped Markdown)."""
    covered = sum(1 for i in items if i.recommendation and i.recommendation.covered)
    where = f", column '{column}'" if column else ""
    return (f"**{len(items)} question(s)** from {markdown_text(name + where)}: {covered} "
            f"covered, {len(items) - covered} not covered. Download the answers below.")


def warm_up(workspace: Workspace, recommender: Recommender) -> None:
    """Load what the recommender needs (query embedding model, lexical index, covered model,
    theme vectors) by asking it one question, so the first real question is fast. Runs in a background thread while the app starts (see ``ui.app``)."""
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
                        label="Recommended assets (best first) and the passage that answers "
                        "(the answering sentence in bold). "
                        + SCORE_TEXT.format(bar=recommender.model.threshold),
                        datatype=["str", "markdown", "str", "markdown", "number", "str", "str"],
                        elem_id="cm-ask-recs", elem_classes="cm-table",
                        column_widths=["11%", "14%", "7%", "40%", "5%", "15%", "8%"])
    draft = gr.Textbox(label="Follow-up message draft", lines=8, buttons=["copy"],
                       interactive=True, elem_id="cm-ask-draft")
    notes = gr.Markdown(elem_id="cm-ask-draft-notes")
    with gr.Accordion("Passages the draft cites", open=False):
        citations = gr.Dataframe(headers=CITATION_HEADERS, interactive=False, wrap=True,
                                 elem_classes="cm-table", column_widths=["18%", "70%", "12%"])
    with gr.Accordion("Answer a questionnaire (security questionnaire, RFP) in one go",
                      open=False):
        with gr.Row():
            q_file = gr.File(label="Questions: .txt (one a line), .csv, .tsv or .xlsx",
                             file_types=[".txt", ".csv", ".tsv", ".xlsx"],
                             elem_id="cm-ask-qfile")
            with gr.Column():
                q_column = gr.Textbox(label="Question column (optional)",
                                      placeholder="found by its header, e.g. 'Question'")
                q_format = gr.Radio(["xlsx", "csv"], value="xlsx", label="Answers file")
                q_run = gr.Button("Answer every question", elem_id="cm-ask-qrun")
        q_summary = gr.Markdown(elem_id="cm-ask-qsummary")
        q_answers = gr.Dataframe(headers=QUESTIONNAIRE_HEADERS, interactive=False, wrap=True,
                                 elem_classes="cm-table", max_chars=300, max_height=480,
                                 column_widths=["6%", "30%", "38%", "14%", "6%", "6%"])
        q_download = gr.File(label="Answers", interactive=False, elem_id="cm-ask-qdownload")

    @shows_errors
    def recommend(text: str, k: float, public: bool):
        require(text and text.strip(), EMPTY_QUESTION)
        result = recommender.run(text.strip(), top=int(k), public_only=bool(public))
        return coverage_badge(result), recommendation_rows(result, sendable(workspace))

    @shows_errors
    def follow_up(text: str, public: bool):
        require(text and text.strip(), EMPTY_QUESTION)
        answer = answerer.run(text.strip(), Filters(public_only=bool(public)))
        return (answer.answer, citation_rows(answer, sendable(workspace)),
                draft_notes(answer))

    @shows_errors
    def questionnaire(file, column: str, fmt: str, k: float, public: bool,
                      progress=gr.Progress()):
        from ingest.questionnaire import read_questions
        from rag.questionnaire import QuestionnaireAnswerer, write_answers

        require(file, NO_QUESTIONNAIRE)
        path = Path(file if isinstance(file, str) else file.name)
        found = read_questions(path, (column or "").strip() or None)
        answering = QuestionnaireAnswerer(recommender, int(k), Filters(public_only=bool(public)))
        items = list(progress.tqdm(answering.run(found.questions), total=len(found.questions),
                                   desc="questions"))
        folder = Path(tempfile.mkdtemp(prefix="callmine-answers-"))
        target = folder / f"{path.stem}-answers.{'csv' if fmt == 'csv' else 'xlsx'}"
        return (questionnaire_summary(path.name, found.column, items),
                questionnaire_rows(items), str(write_answers(target, items)))

    gr.on([find.click, question.submit], recommend, [question, top, public_only], [badge, recs],
          api_name="recommend").success(follow_up, [question, public_only],
                                        [draft, citations, notes], api_name="draft")
    q_run.click(questionnaire, [q_file, q_column, q_format, top, public_only],
                [q_summary, q_answers, q_download], api_name="questionnaire")
