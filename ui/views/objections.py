"""Objections view (marketers): themes by outcome (then the other mentions: one call's
objections that fit no theme), a trend chart, filters, drill-down to verbatim quotes with the
surrounding turns and, for recorded calls, the audio at the quote; and the filtered objections
as a CSV download.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote as url_quote
from typing import TYPE_CHECKING

from ingest.errors import InputError
from ingest.records import Call, Turn
from ingest.settings import Settings
from ingest.store import Workspace
from insights.records import Objection, Theme
from ui.views.errors import shows_errors
from ui.views.text import clock, html_text

THEME_HEADERS = ["theme", "category", "objections", "calls", "won", "lost", "open", "keywords",
                 "kind"]
"""Columns on screen; :func:`theme_rows` adds the theme id last (for the picker and exports)."""
THEME = "theme"
MENTION = "other mention"
"""Kinds of rows: a theme (raised in two or more calls) or an other mention (one call's
objection that fits no theme; never a gap)."""
QUOTE_HEADERS = ["call", "date", "rep", "outcome", "time", "speaker", "quote", "confidence",
                 "objection"]
CONTEXT_TURNS = 2
"""Turns shown before and after the turn that holds a quote."""
AUDIO_LEAD_IN = 1.0
"""Seconds of audio played before a quote starts."""
TREND_THEMES = 6
TREND_COLUMNS = ["month", "theme", "% of calls", "calls with it", "calls that month"]

if TYPE_CHECKING:
    import gradio as gr


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Which calls the view looks at; empty fields match every call."""

    reps: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, reps: Sequence[str] | None, segments: Sequence[str] | None,
              stages: Sequence[str] | None, outcomes: Sequence[str] | None,
              since: str | None, until: str | None) -> CallFilter:
        """Build a filter from the form; ``InputError`` for a date that is not YYYY-MM-DD."""
        return cls(tuple(reps or ()), tuple(segments or ()), tuple(stages or ()),
                   tuple(outcomes or ()), parse_date(since, "From date"), parse_date(until, "To date"))

    def matches(self, call: Call) -> bool:
        m = call.meta
        if self.reps and (m.rep or "") not in self.reps:
            return False
        if self.segments and (m.segment or "") not in self.segments:
            return False
        if self.stages and (m.stage or "") not in self.stages:
            return False
        if self.outcomes and (m.outcome or "") not in self.outcomes:
            return False
        if (self.since or self.until) and m.date is None:
            return False
        if self.since and m.date < self.since:
            return False
        return not (self.until and m.date > self.until)


def parse_date(value: str | None, name: str) -> date | None:
    """A date typed in a form field (``YYYY-MM-DD``); None when empty; :class:`InputError`
    naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must look like 2026-03-31, got {value!r}.") from None


def filter_choices(calls: Sequence[Call]) -> dict[str, list[str]]:
    """The values each filter can take in these calls."""
    def values(get) -> list[str]:
        return sorted({v for c in calls if (v := get(c.meta))})

    return {"rep": values(lambda m: m.rep), "segment": values(lambda m: m.segment),
            "stage": values(lambda m: m.stage), "outcome": ["won", "lost", "open"]}


def theme_rows(themes: Sequence[Theme], objections: Sequence[Objection],
               calls: dict[str, Call]) -> list[list]:
    """Theme rows counted over the objections shown (those of the filtered calls): the themes,
    most objections first, then the other mentions. Each row is :data:`THEME_HEADERS` plus the
    theme id (the picker's value; not shown)."""
    by_theme: dict[str, list[Objection]] = defaultdict(list)
    for o in objections:
        if o.theme_id:
            by_theme[o.theme_id].append(o)
    rows = []
    for t in themes:
        members = by_theme.get(t.id, [])
        if not members:
            continue
        outcomes = Counter(calls[o.call_id].meta.outcome for o in members)
        rows.append([t.label, t.category, len(members), len({o.call_id for o in members}),
                     outcomes["won"], outcomes["lost"], outcomes["open"],
                     ", ".join(t.keywords[:5]), MENTION if t.mention else THEME, t.id])
    return sorted(rows, key=lambda r: (r[-2] == MENTION, -r[2]))


def trend_frame(themes: Sequence[Theme], objections: Sequence[Objection],
                calls: dict[str, Call], top: int = TREND_THEMES):
    """For the most frequent themes (by calls), the share of each month's calls that raised
    the theme, with the counts it comes from, as a DataFrame for ``gr.BarPlot``. Months with
    no dated call are left out; the calls are those of the current filters.

    Example:
        >>> from ingest.records import CallMeta
        >>> from datetime import date
        >>> calls = {c: Call(CallMeta(c, date=date(2026, 3, d)), c, c, "transcript", [])
        ...          for c, d in (("a", 2), ("b", 9), ("c", 20), ("d", 27))}
        >>> price = Theme("t1", "Price is too high", "price", 3, 2, 1, 1, 0)
        >>> objections = [Objection(f"o{i}", c, 1, "Buyer", "Too much.", "price", 0.9,
        ...                         theme_id="t1") for i, c in enumerate(["a", "a", "c"])]
        >>> trend_frame([price], objections, calls).to_dict("records")[0]
        ... # doctest: +NORMALIZE_WHITESPACE
        {'month': '2026-03', 'theme': 'Price is too high', '% of calls': 50.0,
         'calls with it': 2, 'calls that month': 4}
    """
    import pandas as pd

    label = {t.id: t.label for t in themes if not t.mention}
    month_of = {c: call.meta.date.strftime("%Y-%m") for c, call in calls.items()
                if call.meta.date is not None}
    per_month = Counter(month_of.values())
    raised: dict[tuple[str, str], set[str]] = defaultdict(set)
    theme_calls: dict[str, set[str]] = defaultdict(set)
    for o in objections:
        if o.theme_id in label and o.call_id in month_of:
            raised[(month_of[o.call_id], o.theme_id)].add(o.call_id)
            theme_calls[o.theme_id].add(o.call_id)
    keep = sorted(theme_calls, key=lambda t: (-len(theme_calls[t]), label[t]))[:top]
    rows = [(m, _short(label[t], 48), round(100 * len(raised[(m, t)]) / per_month[m], 1),
             len(raised[(m, t)]), per_month[m])
            for t in sorted(keep, key=lambda t: label[t]) for m in sorted(per_month)]
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def quote_rows(objections: Sequence[Objection], calls: dict[str, Call]) -> list[list]:
    """One row per verbatim quote, with its call's metadata."""
    rows = []
    for o in objections:
        m = calls[o.call_id].meta
        rows.append([o.call_id, str(m.date or ""), m.rep or "", m.outcome or "",
                     clock(o.start), o.speaker, o.text, round(o.confidence, 2), o.id])
    return rows


def quote_choices(objections: Sequence[Objection]) -> list[tuple[str, str]]:
    """(label, objection id) pairs for the quote picker."""
    return [(f"{o.call_id} · {_short(o.text)}", o.id) for o in objections]


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def context_html(call: Call, objection: Objection, audio_url: str | None) -> str:
    """The quote's turn with the turns around it, the quote marked; an audio player that starts
    at the quote when the call is a recording. Everything from the call is escaped."""
    turns = [t for t in call.turns
             if abs(t.index - objection.turn) <= CONTEXT_TURNS]
    m = call.meta
    head = " · ".join(html_text(v) for v in (call.call_id, m.date, m.rep, m.account, m.outcome)
                      if v)
    parts = [f'<div class="cm-context"><div class="cm-context-head">{head}</div>']
    if audio_url:
        parts.append(f'<audio class="cm-quote-audio" controls preload="metadata"'
                     f' src="{html_text(audio_url)}"></audio>')
    parts.extend(_turn_html(t, objection) for t in turns)
    parts.append("</div>")
    return "".join(parts)


def _turn_html(turn: Turn, objection: Objection) -> str:
    text = turn.text
    if turn.index == objection.turn:
        start, end = objection.char_start, objection.char_end
        if start is None or end is None or text[start:end] != objection.text:
            at = text.find(objection.text)
            start, end = (at, at + len(objection.text)) if at >= 0 else (0, len(text))
        body = (f"{html_text(text[:start])}<mark>{html_text(text[start:end])}</mark>"
                f"{html_text(text[end:])}")
        cls = " cm-focus"
    else:
        body, cls = html_text(text), ""
    return (f'<div class="cm-turn cm-{html_text(turn.side)}{cls}">'
            f'<span class="cm-who">{html_text(clock(turn.start))} {html_text(turn.speaker)}'
            f'</span><span class="cm-said">{body}</span></div>')


def audio_url(path: Path | None, start: float | None, end: float | None) -> str | None:
    """A URL of the kept recording with a media fragment: the browser starts at the quote.

    The workspace ``files/`` folder is in the app's ``allowed_paths``; ``#t=a,b`` makes an
    HTML5 player seek to ``a`` and pause at ``b``.
    """
    if path is None or start is None or not path.is_file():
        return None
    begin = max(0.0, start - AUDIO_LEAD_IN)
    fragment = f"#t={begin:.2f}" + (f",{end + AUDIO_LEAD_IN:.2f}" if end is not None else "")
    return f"gradio_api/file={url_quote(str(path.resolve()))}{fragment}"


def build(workspace: Workspace, settings: Settings, page: gr.Blocks,
          tab: gr.Tab | None = None) -> None:
    """The Objections tab; ``page`` is the app's ``gr.Blocks`` (its load event refreshes) and
    ``tab`` the tab itself (opening it refreshes too: calls ingested in another tab show)."""
    import gradio as gr

    from insights import CATEGORIES, load_objections, load_themes

    def selection(reps: list[str], segments: list[str], stages: list[str], outcomes: list[str],
                  since: str, until: str, category: str | None = None,
                  theme: str | None = None) -> tuple[dict[str, Call], list[Objection]]:
        """The calls, and the objections of the calls that pass the filters."""
        f = CallFilter.parse(reps, segments, stages, outcomes, since, until)
        calls = {c.call_id: c for c in workspace.calls()}
        objections = [o for o in load_objections(workspace, category=category or None)
                      if o.call_id in calls and f.matches(calls[o.call_id])
                      and (not theme or o.theme_id == theme)]
        return calls, objections

    choices = filter_choices(workspace.calls())
    with gr.Row():
        rep = gr.Dropdown(choices["rep"], multiselect=True, label="Rep", allow_custom_value=True)
        segment = gr.Dropdown(choices["segment"], multiselect=True, label="Segment",
                              allow_custom_value=True)
        stage = gr.Dropdown(choices["stage"], multiselect=True, label="Stage",
                            allow_custom_value=True)
        outcome = gr.Dropdown(choices["outcome"], multiselect=True, label="Outcome")
    with gr.Row():
        category = gr.Dropdown([("all", ""), *CATEGORIES], value="", label="Category",
                               allow_custom_value=True)
        since = gr.Textbox(label="From (YYYY-MM-DD)", placeholder="2026-01-01")
        until = gr.Textbox(label="To (YYYY-MM-DD)", placeholder="2026-12-31")
        apply = gr.Button("Apply filters", variant="primary")
    filters = [rep, segment, stage, outcome, since, until]
    summary = gr.Markdown(elem_id="cm-objections-summary")
    themes = gr.Dataframe(headers=THEME_HEADERS, interactive=False, wrap=True,
                          label="Themes, counted by deal outcome, then other mentions",
                          max_height=420,
                          column_widths=["32%", "10%", "8%", "6%", "5%", "5%", "5%", "20%",
                                         "9%"],
                          elem_id="cm-themes", elem_classes="cm-table")
    trend = gr.BarPlot(x="month", y="% of calls", color="theme",
                       label="Share of the month's calls that raised each theme (most frequent "
                             "themes; hover for the counts)", x_title="month",
                       y_title="% of calls", sort="x",
                       tooltip=["theme", "% of calls", "calls with it", "calls that month"])
    theme = gr.Dropdown(label="Drill down into a theme", choices=[], allow_custom_value=True,
                        elem_id="cm-theme")
    quotes = gr.Dataframe(headers=QUOTE_HEADERS, interactive=False, wrap=True,
                          label="Verbatim quotes", max_height=360, elem_classes="cm-table",
                          column_widths=["13%", "8%", "10%", "6%", "5%", "10%", "36%", "6%",
                                         "6%"])
    quote = gr.Dropdown(label="Show a quote in its call", choices=[], allow_custom_value=True,
                        elem_id="cm-quote")
    context = gr.HTML(elem_id="cm-quote-context")
    with gr.Row():
        export = gr.Button("Export the objections as CSV", elem_id="cm-export-objections")
        csv_file = gr.File(label="objections.csv", interactive=False, visible=False)

    @shows_errors
    def refresh(reps, segments, stages, outcomes, start, end, cat):
        calls, objections = selection(reps, segments, stages, outcomes, start, end, cat)
        all_themes = load_themes(workspace)
        rows = theme_rows(all_themes, objections, calls)
        n_themes = sum(r[-2] == THEME for r in rows)
        text = (f"**{len(objections)}** objections in **{len({o.call_id for o in objections})}**"
                f" of {len(calls)} calls: **{n_themes}** themes, then **{len(rows) - n_themes}**"
                " other mentions (raised in one call, fit no theme).")
        if not calls:
            text = "No calls yet: add some in **Calls and library**."
        theme_choices = [(f"{r[0]} ({r[2]})" if r[-2] == THEME else f"Other mention: {r[0]}",
                          r[-1]) for r in rows]
        return (text, [r[:-1] for r in rows], trend_frame(all_themes, objections, calls),
                gr.Dropdown(choices=theme_choices, value=None))

    @shows_errors
    def show_quotes(theme_id, reps, segments, stages, outcomes, start, end, cat):
        if not theme_id:
            return [], gr.Dropdown(choices=[], value=None)
        if theme_id not in {t.id for t in load_themes(workspace)}:
            raise InputError(f"No theme {theme_id!r}; the themes change when calls are added, "
                             "so refresh the view.")
        calls, objections = selection(reps, segments, stages, outcomes, start, end, cat,
                                      theme_id)
        return quote_rows(objections, calls), gr.Dropdown(choices=quote_choices(objections),
                                                          value=None)

    @shows_errors
    def show_context(objection_id):
        if not objection_id:
            return ""
        found = [o for o in load_objections(workspace) if o.id == objection_id]
        if not found:
            raise InputError(f"No objection {objection_id!r}; refresh the view.")
        o = found[0]
        call = workspace.call(o.call_id)
        url = (audio_url(workspace.call_file(o.call_id), o.start, o.end)
               if call.kind == "audio" else None)
        return context_html(call, o, url)

    @shows_errors
    def export_objections(reps, segments, stages, outcomes, start, end, cat):
        """Every objection of the filtered calls (and category), one CSV row each."""
        from rag.tables import objection_table, write_table

        calls, objections = selection(reps, segments, stages, outcomes, start, end, cat)
        table = objection_table(objections, {cid: c.meta for cid, c in calls.items()},
                                load_themes(workspace))
        folder = Path(tempfile.mkdtemp(prefix="callmine-objections-"))
        return str(write_table(table, folder / "objections.csv", "csv"))

    def refreshed_choices():
        c = filter_choices(workspace.calls())
        return (gr.Dropdown(choices=c["rep"]), gr.Dropdown(choices=c["segment"]),
                gr.Dropdown(choices=c["stage"]))

    gr.on([apply.click, category.change, rep.change, segment.change, stage.change,
           outcome.change, since.submit, until.submit],
          refresh, [*filters, category], [summary, themes, trend, theme], api_name="objections")
    theme.change(show_quotes, [theme, *filters, category], [quotes, quote], api_name="quotes")
    quote.change(show_context, quote, context, api_name="objection_context")
    export.click(export_objections, [*filters, category], csv_file,
                 api_name="export_objections").success(
        lambda: gr.File(visible=True), None, csv_file, api_name=False)
    page.load(refreshed_choices, None, [rep, segment, stage], api_name=False).then(
        refresh, [*filters, category], [summary, themes, trend, theme], api_name=False)
    if tab is not None:
        tab.select(refreshed_choices, None, [rep, segment, stage], api_name=False).then(
            refresh, [*filters, category], [summary, themes, trend, theme], api_name=False)
