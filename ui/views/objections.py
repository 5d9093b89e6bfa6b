"""Objections view (marketers): themes by outcome (then the other mentions: one call's
objections that fit no theme), a trend chart, filters, drill-down to verbatim quotes with the
surrounding turns and, for recorded calls, the audio at the quote; and the filtered objections
as a CSV download.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote as url_quote
from typing import TYPE_CHECKING

from ingest.errors import InputError
from ingest.records import Call, Turn
from ingest.settings import Settings
from ingest.store import Workspace
from ingest.text import shorten
from insights.records import Objection, Theme
from insights.selection import CallFilter
from ui.views.errors import shows_errors
from ui.views.charts import trend_plot
from ui.views.filters import FilterBar, filter_note, read_filter, skipped
from ui.views.navigate import on_row
from ui.views.text import clock, html_text

THEME_HEADERS = ["theme", "category", "objections", "calls", "won", "lost", "open", "keywords",
                 "kind"]
"""Columns on screen; :func:`theme_rows` adds the theme id last (for the picker and exports)."""
THEME = "theme"
MENTION = "other mention"
"""Kinds of rows: a theme (raised in two or more calls) or an other mention (one call's
objection that fits no theme; never a gap)."""
QUOTE_HEADERS = ["call", "date", "rep", "outcome", "time", "speaker", "quote", "confidence"]
"""Columns on screen; the objection ids stay off screen, in the order of the rows (the quote
picker's values and the exports carry them)."""
CONTEXT_TURNS = 2
"""Turns shown before and after the turn that holds a quote."""
AUDIO_LEAD_IN = 1.0
"""Seconds of audio played before a quote starts."""
TREND_THEMES = 6
TREND_COLUMNS = ["month", "theme", "% of calls", "calls with it", "calls that month"]

if TYPE_CHECKING:
    import gradio as gr

    from ui.views.navigate import Navigator


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
    rows = [(m, shorten(label[t], 48), round(100 * len(raised[(m, t)]) / per_month[m], 1),
             len(raised[(m, t)]), per_month[m])
            for t in sorted(keep, key=lambda t: label[t]) for m in sorted(per_month)]
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def quote_rows(objections: Sequence[Objection], calls: dict[str, Call]) -> list[list]:
    """One row per verbatim quote, with its call's metadata."""
    rows = []
    for o in objections:
        m = calls[o.call_id].meta
        rows.append([o.call_id, str(m.date or ""), m.rep or "", m.outcome or "",
                     clock(o.start), o.speaker, o.text, round(o.confidence, 2)])
    return rows


def quote_choices(objections: Sequence[Objection]) -> list[tuple[str, str]]:
    """(label, objection id) pairs for the quote picker."""
    return [(f"{o.call_id} · {shorten(o.text, 70)}", o.id) for o in objections]


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
          tab: gr.Tab | None = None, bar: FilterBar | None = None,
          nav: Navigator | None = None) -> None:
    """The Objections tab; ``page`` is the app's ``gr.Blocks`` (its load event refreshes),
    ``tab`` the tab itself (opening it refreshes too: calls ingested in another tab show) and
    ``bar`` the filter bar above the tabs (one of its own when None)."""
    import gradio as gr

    from insights import CATEGORIES, load_objections, load_themes

    bar = bar or FilterBar(workspace)

    def selection(call_filter: CallFilter, category: str | None = None,
                  theme: str | None = None) -> tuple[dict[str, Call], list[Objection]]:
        """The calls, and the objections of the calls that pass the filters."""
        calls = {c.call_id: c for c in workspace.calls()}
        objections = [o for o in load_objections(workspace, category=category or None)
                      if o.call_id in calls and call_filter.matches(calls[o.call_id].meta)
                      and (not theme or o.theme_id == theme)]
        return calls, objections

    category = gr.Dropdown([("all", ""), *CATEGORIES], value="", label="Category",
                           allow_custom_value=True)
    filters = bar.inputs
    summary = gr.Markdown(elem_id="cm-objections-summary")
    themes = gr.Dataframe(headers=THEME_HEADERS, interactive=False, wrap=True,
                          label="Themes, counted by deal outcome, then other mentions. "
                                "Objections: how many times buyers raised it; calls: in how "
                                "many calls; won/lost/open: its objections by the deal's "
                                "outcome",
                          max_height=420,
                          column_widths=["32%", "10%", "8%", "6%", "5%", "5%", "5%", "20%",
                                         "9%"],
                          elem_id="cm-themes", elem_classes="cm-table")
    trend = gr.BarPlot(x="month", y="% of calls", color="theme",
                       label="Share of the month's calls that raised each theme (most frequent "
                             "themes; hover for the counts)", x_title="month",
                       y_title="% of calls", sort="x",
                       tooltip=["theme", "% of calls", "calls with it", "calls that month"])
    theme = gr.Dropdown(label="Drill down into a theme (or click its row above)", choices=[],
                        allow_custom_value=True, elem_id="cm-theme")
    theme_ids = gr.State([])  # the theme id of each row of the themes table, in order
    quotes = gr.Dataframe(headers=QUOTE_HEADERS, interactive=False, wrap=True,
                          label="Verbatim quotes. Confidence: the detector's probability "
                                "(0 to 1) that the words are an objection of that category "
                                "(probability of an objection times that of the category)",
                          max_height=360, elem_id="cm-quotes", elem_classes="cm-table",
                          column_widths=["13%", "8%", "10%", "6%", "5%", "10%", "42%", "6%"])
    quote = gr.Dropdown(label="Show a quote in its call", choices=[], allow_custom_value=True,
                        elem_id="cm-quote")
    quote_ids = gr.State([])  # the objection id of each row of the quotes table, in order
    context = gr.HTML(elem_id="cm-quote-context")
    with gr.Row():
        export = gr.Button("Export the objections as CSV", elem_id="cm-export-objections")
        csv_file = gr.File(label="objections.csv", interactive=False, visible=False)

    @shows_errors
    def refresh(reps, segments, stages, outcomes, start, end, cat):
        call_filter, marks = bar.read(reps, segments, stages, outcomes, start, end)
        if call_filter is None:  # the bad field says why; the view keeps what it showed
            return (*skipped(5), *marks)
        calls, objections = selection(call_filter, cat)
        all_themes = load_themes(workspace)
        rows = theme_rows(all_themes, objections, calls)
        n_themes = sum(r[-2] == THEME for r in rows)
        text = (f"**{len(objections)}** objections in **{len({o.call_id for o in objections})}**"
                f" of {len(calls)} calls: **{n_themes}** themes, then **{len(rows) - n_themes}**"
                " other mentions (raised in one call, fit no theme).")
        if not calls:
            text = "No calls yet: add some in **Calls and library**."
        elif note := filter_note(call_filter, len(call_filter.call_ids(
                c.meta for c in calls.values())), len(calls)):
            text += " " + note
        theme_choices = [(f"{r[0]} ({r[2]})" if r[-2] == THEME else f"Other mention: {r[0]}",
                          r[-1]) for r in rows]
        return (text, [r[:-1] for r in rows],
                trend_plot(trend_frame(all_themes, objections, calls)),
                gr.Dropdown(choices=theme_choices, value=None), [r[-1] for r in rows], *marks)

    @shows_errors
    def show_quotes(theme_id, reps, segments, stages, outcomes, start, end, cat):
        if not theme_id:
            return [], gr.Dropdown(choices=[], value=None), []
        if theme_id not in {t.id for t in load_themes(workspace)}:
            raise InputError(f"No theme {theme_id!r}; the themes change when calls are added, "
                             "so refresh the view.")
        call_filter, _ = read_filter(reps, segments, stages, outcomes, start, end)
        if call_filter is None:  # the filter bar shows why; keep the quotes shown
            return skipped(3)
        calls, objections = selection(call_filter, cat, theme_id)
        return (quote_rows(objections, calls),
                gr.Dropdown(choices=quote_choices(objections), value=None),
                [o.id for o in objections])

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

        call_filter = CallFilter.parse(reps, segments, stages, outcomes, start, end)
        calls, objections = selection(call_filter, cat)
        table = objection_table(objections, {cid: c.meta for cid, c in calls.items()},
                                load_themes(workspace))
        folder = Path(tempfile.mkdtemp(prefix="callmine-objections-"))
        return str(write_table(table, folder / "objections.csv", "csv"))

    shown = [summary, themes, trend, theme, theme_ids, *bar.fields]
    gr.on([*bar.triggers, category.change], refresh, [*filters, category], shown,
          api_name="objections")
    theme.change(show_quotes, [theme, *filters, category], [quotes, quote, quote_ids],
                 api_name="quotes")
    quote.change(show_context, quote, context, api_name="objection_context")
    on_row(themes, lambda ids, row, _values: ids[row] if 0 <= row < len(ids) else gr.skip(),
           theme_ids, theme)  # clicking a theme's row drills down into it
    if nav is not None:  # clicking a quote's row opens its call at the quote
        def quote_moment(ids, row, values):
            found = [o for o in load_objections(workspace, call_id=values[0] if values else None)
                     if 0 <= row < len(ids) and o.id == ids[row]]
            if not found:
                return [gr.skip() for _ in nav.call_outputs]
            return nav.open_call(found[0].call_id, found[0].start)

        on_row(quotes, quote_moment, quote_ids, nav.call_outputs)
    export.click(export_objections, [*filters, category], csv_file,
                 api_name="export_objections").success(
        lambda: gr.File(visible=True), None, csv_file, api_name=False)
    page.load(bar.choices, None, bar.dropdowns, api_name=False).then(
        refresh, [*filters, category], shown, api_name=False)
    if tab is not None:
        tab.select(bar.choices, None, bar.dropdowns, api_name=False).then(
            refresh, [*filters, category], shown, api_name=False)
