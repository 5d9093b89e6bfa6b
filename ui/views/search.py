"""Search view: one box over what was said on calls (keyword and meaning, merged), with
filters, or over the content library. Selecting a call result opens the call page at that
moment (through the page's :class:`ui.views.navigate.Navigator`); selecting a passage shows
its asset around it, the passage marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr  # at module level: the select handlers' `gr.SelectData` hints resolve here

from ingest.records import Chunk
from ingest.settings import Settings
from ingest.store import Workspace
from rag.records import CallHit, PassageHit, SearchFilters
from rag.retriever import location, passage_text
from insights.selection import parse_date
from ui.views.errors import shows_errors
from ui.views.text import as_words, clock, html_text

CALLS, LIBRARY = "Calls", "Content library"
SIDES = {"Both sides": None, "Buyer": "buyer", "Rep": "rep"}
CALL_HEADERS = ["call", "time", "turn", "date", "rep", "outcome", "speaker", "side", "what was said",
                "found by"]
PASSAGE_HEADERS = ["asset", "title", "type", "where", "passage", "found by"]
CONTEXT_PASSAGES = 2
"""Passages of the asset shown before and after the selected one."""
LIMIT = 30


def found_by(keyword: int | None, semantic: int | None) -> str:
    """How a hit was found, in words."""
    return " and ".join(w for w, r in (("words", keyword), ("meaning", semantic)) if r) or "-"


def call_rows(hits: Sequence[CallHit]) -> list[list[Any]]:
    """One table row per call hit (:data:`CALL_HEADERS`)."""
    return [[h.call_id, clock(h.start) if h.start is not None else "", h.turn,
             h.call.date.isoformat() if h.call.date else "", h.call.rep or "",
             h.call.outcome or "", h.speaker, h.side, h.snippet,
             found_by(h.keyword, h.semantic)] for h in hits]


def passage_rows(hits: Sequence[PassageHit]) -> list[list[Any]]:
    """One table row per passage hit (:data:`PASSAGE_HEADERS`)."""
    return [[h.asset.asset_id, h.asset.title or "", as_words(h.asset.type), location(h.chunk),
             " ".join(passage_text(h.chunk).split())[:300], found_by(h.lexical, h.dense)]
            for h in hits]


def passage_context_html(title: str | None, chunks: Sequence[Chunk], chunk_id: str,
                         around: int = CONTEXT_PASSAGES) -> str:
    """An asset's passages around ``chunk_id``, that passage marked; all text escaped."""
    at = next((i for i, c in enumerate(chunks) if c.chunk_id == chunk_id), None)
    if at is None:
        return "<p>That passage is no longer in the library; search again.</p>"
    lo, hi = max(0, at - around), min(len(chunks), at + around + 1)
    parts = [f"<h3>{html_text(title or chunks[at].asset_id)}</h3>",
             f"<p class='cm-search-where'>Passage {at + 1} of {len(chunks)}"
             + (f", {html_text(location(chunks[at]))}" if location(chunks[at]) else "") + "</p>"]
    if lo > 0:
        parts.append("<p>…</p>")
    for c in chunks[lo:hi]:
        body = "<br>".join(html_text(line) for line in passage_text(c).splitlines())
        if c.chunk_id == chunk_id:
            parts.append(f"<div class='cm-search-hit'><mark>{body}</mark></div>")
        else:
            parts.append(f"<div>{body}</div>")
    if hi < len(chunks):
        parts.append("<p>…</p>")
    return "\n".join(parts)


def turn_html(hit: CallHit) -> str:
    """A call hit's whole turn with its matched words marked (a fallback when the page has no
    call page to open)."""
    text = html_text(hit.text) if not hit.marks else "".join(
        _marked_html(hit.snippet, hit.marks))
    when = f" at {clock(hit.start)}" if hit.start is not None else ""
    return (f"<p><b>{html_text(hit.call_id)}</b>{when}, {html_text(hit.speaker)} "
            f"({html_text(hit.side)})</p><p>{text}</p>")


def _marked_html(snippet: str, marks: Sequence[tuple[int, int]]):
    at = 0
    for lo, hi in marks:
        yield html_text(snippet[at:lo])
        yield f"<mark>{html_text(snippet[lo:hi])}</mark>"
        at = hi
    yield html_text(snippet[at:])


def picked(keys: Sequence[Any], evt: Any) -> Any:
    """The key of the result row a table selection points at (None: none)."""
    index = getattr(evt, "index", None)
    row = index[0] if isinstance(index, (list, tuple)) else index
    if not isinstance(row, int) or not 0 <= row < len(keys or ()):
        return None
    return keys[row]


def search_filters(reps, segments, stages, outcomes, since, until, side) -> SearchFilters:
    """The filters of the form; :class:`InputError` for a date that is not YYYY-MM-DD."""
    return SearchFilters(tuple(reps or ()), tuple(segments or ()), tuple(stages or ()),
                         tuple(outcomes or ()), parse_date(since, "From date"),
                         parse_date(until, "To date"), SIDES.get(side or "Both sides"))


def filter_values(workspace: Workspace) -> dict[str, list[str]]:
    """The values the rep, segment and stage filters can take."""
    metas = [c.meta for c in workspace.calls()]
    return {k: sorted({v for m in metas if (v := getattr(m, k))})
            for k in ("rep", "segment", "stage")}


def build(workspace: Workspace, settings: Settings, nav: Any = None, bar: Any = None) -> None:
    """The Search tab. ``nav``: the page's Navigator (a call result opens the Call tab at its
    moment); without one, the selected turn is shown here. ``bar``: the page's filter bar,
    whose rep, segment, stage, outcome and dates then filter the calls searched (so they stay
    set across tabs); without one, the tab has those filters of its own."""

    from rag.search import search_calls, search_library

    values = filter_values(workspace)
    gr.Markdown("Search what was said on calls (the words, or the same thing said in other "
                "words) or the content library. Select a result to open it at that moment.",
                elem_id="cm-search-intro")
    with gr.Row():
        query = gr.Textbox(label="Search", placeholder="e.g. our data has to stay in the EU",
                           scale=4, elem_id="cm-search-query")
        where = gr.Radio([CALLS, LIBRARY], value=CALLS, label="In", scale=2)
        run = gr.Button("Search", variant="primary", scale=1)
    with gr.Row(visible=True) as call_filters:
        if bar is not None:
            reps, segments, stages, outcomes, since, until = bar.inputs[:6]
            gr.Markdown("Calls searched: those the filter bar above lets through (rep, "
                        "segment, stage, outcome, dates).", elem_classes="cm-note")
        else:
            reps = gr.Dropdown(values["rep"], multiselect=True, label="Rep")
            segments = gr.Dropdown(values["segment"], multiselect=True, label="Segment")
            stages = gr.Dropdown(values["stage"], multiselect=True, label="Stage")
            outcomes = gr.Dropdown(["won", "lost", "open"], multiselect=True, label="Outcome")
            since = gr.Textbox(label="From date", placeholder="YYYY-MM-DD")
            until = gr.Textbox(label="To date", placeholder="YYYY-MM-DD")
        side = gr.Radio(list(SIDES), value="Both sides", label="Who said it")
    public_only = gr.Checkbox(label="Public assets only", visible=False)
    status = gr.Markdown(elem_id="cm-search-status")
    calls_table = gr.Dataframe(headers=CALL_HEADERS, interactive=False, wrap=True,
                               max_height=480, elem_id="cm-search-calls", elem_classes="cm-table")
    passages_table = gr.Dataframe(headers=PASSAGE_HEADERS, interactive=False, wrap=True,
                                  max_height=480, visible=False, elem_id="cm-search-passages",
                                  elem_classes="cm-table")
    shown = gr.HTML(elem_id="cm-search-shown")
    hits_state = gr.State([])

    def switch(kind):
        library = kind == LIBRARY
        return (gr.Row(visible=not library), gr.Checkbox(visible=library),
                gr.Dataframe(visible=not library), gr.Dataframe(visible=library))

    @shows_errors
    def search(text, kind, rep_v, seg_v, stage_v, out_v, since_v, until_v, side_v, public):
        if kind == LIBRARY:
            hits = search_library(workspace, text, LIMIT, bool(public))
            keys = [h.chunk.chunk_id for h in hits]
            found = f"{len(hits)} passage(s)" if hits else "No passage matches."
            return found, gr.Dataframe(value=[]), passage_rows(hits), keys, ""
        filters = search_filters(rep_v, seg_v, stage_v, out_v, since_v, until_v, side_v)
        hits = search_calls(workspace, text, filters, LIMIT)
        keys = [[h.call_id, h.turn, h.start, turn_html(h)] for h in hits]
        found = f"{len(hits)} turn(s)" if hits else "No turn matches."
        return found, call_rows(hits), gr.Dataframe(value=[]), keys, ""

    @shows_errors
    def open_passage(keys, evt: gr.SelectData):
        chunk_id = picked(keys, evt)
        if chunk_id is None:
            return ""
        chunk = workspace.chunks(ids=[chunk_id])
        if not chunk:
            return "<p>That passage is no longer in the library; search again.</p>"
        asset = workspace.asset_meta(chunk[0].asset_id)
        return passage_context_html(asset.title, workspace.chunks(chunk[0].asset_id), chunk_id)

    form = [query, where, reps, segments, stages, outcomes, since, until, side, public_only]
    outputs = [status, calls_table, passages_table, hits_state, shown]
    where.change(switch, where, [call_filters, public_only, calls_table, passages_table],
                 api_name=False)
    run.click(search, form, outputs, api_name="search")
    query.submit(search, form, outputs, api_name=False)
    passages_table.select(open_passage, hits_state, shown, api_name=False)

    if nav is not None:
        def open_call(keys, evt: gr.SelectData):
            key = picked(keys, evt)
            if key is None:
                return [gr.skip() for _ in nav.call_outputs]
            return nav.open_call(key[0], key[2])

        calls_table.select(open_call, hits_state, nav.call_outputs, api_name=False)
    else:
        def show_turn(keys, evt: gr.SelectData):
            return (picked(keys, evt) or [""] * 4)[3]

        calls_table.select(show_turn, hits_state, shown, api_name=False)
