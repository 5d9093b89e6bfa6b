"""Call page: one call's metadata and outcome, its recording with the transcript beside it.

Each word of the transcript is a span carrying its start time, so a small script (given to
``gr.HTML(js_on_load=...)``) highlights the word being played, seeks when a turn, a word or a
timeline marker is clicked, and, when the page is opened at a moment (``Navigator.open_call``),
seeks there. Objections and talk-track uses are marked in the text and on the timeline.
Imported transcripts get the same page without the player.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

from ingest.records import REP_LABELS, Call, Turn
from ingest.settings import Settings
from ingest.store import Workspace
from insights.records import Objection
from insights.talk_tracks import TrackUse
from ui.views.errors import shows_errors
from ui.views.library import speakers_banner
from ui.views.navigate import parse_target
from ui.views.text import clock, html_text

if TYPE_CHECKING:
    import gradio as gr

    from ui.views.navigate import Navigator

CSS = Path(__file__).with_name("call_page.css").read_text(encoding="utf-8")
"""Styles of the call page (scoped to its ``gr.HTML``)."""

EMPTY = '<p class="cm-empty">Choose a call, or click a call or a quote in another tab.</p>'

_GENERIC = re.compile(r"(channel|speaker|spk|buyer|customer|prospect|client)[ _-]?\d*",
                      re.IGNORECASE)
"""Speaker labels that name no person: a channel, a diarized voice, a role."""


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on the timeline: what happened (``kind``: ``"objection"`` or ``"track"``),
    when (seconds) and where (percent of the call's length)."""

    kind: str
    seconds: float
    percent: float
    label: str
    turn: int


def call_duration(call: Call) -> float | None:
    """The call's length in seconds: as stored, else the end of its last timed turn."""
    if call.duration:
        return float(call.duration)
    ends = [t.end if t.end is not None else t.start for t in call.turns]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends and max(ends) > 0 else None


def _generic(label: str) -> bool:
    key = " ".join(label.split()).lower()
    return key in REP_LABELS or key in ("unknown", "") or bool(_GENERIC.fullmatch(key))


def speaker_names(call: Call) -> dict[str, str]:
    """Speaker label -> the name shown: labels that name nobody (``channel-0``, ``Rep``,
    ``speaker-2``, ``Buyer``) become the rep's name from the manifest on the rep side, and
    ``Buyer (Account)`` on the buyer side (``Buyer 1``, ``Buyer 2``... for several); people's
    names stay. Stored data is not changed.

    Example:
        >>> from ingest.records import CallMeta
        >>> turns = [Turn(0, "channel-0", "rep", "Hi."), Turn(1, "channel-1", "buyer", "Hey.")]
        >>> call = Call(CallMeta("c", rep="Sam Ortiz", account="Hooli"), "c.mp3", "h", "audio",
        ...             turns)
        >>> speaker_names(call)
        {'channel-0': 'Sam Ortiz', 'channel-1': 'Buyer (Hooli)'}
    """
    rep = " ".join((call.meta.rep or "").split()) or "Rep"
    account = " ".join((call.meta.account or "").split())
    sides: dict[str, str] = {}
    for t in call.turns:
        sides.setdefault(t.speaker, t.side)
    nobody_rep = all(side != "rep" for side in sides.values())
    buyers = [s for s, side in sides.items() if side == "buyer" and _generic(s)]
    names = {}
    for speaker, side in sides.items():
        if not _generic(speaker):
            names[speaker] = speaker
        elif nobody_rep and len(buyers) > 1 and re.search(r"\d", speaker):
            # no side is the rep's (rep channel unknown): keep the voices apart, name nobody
            names[speaker] = f"Speaker {buyers.index(speaker) + 1}"
        elif side == "rep":
            names[speaker] = rep
        else:
            base = "Buyer" if len(buyers) == 1 else f"Buyer {buyers.index(speaker) + 1}"
            names[speaker] = f"{base} ({account})" if account else base
    return names


def header_fields(call: Call) -> list[tuple[str, str]]:
    """(label, value) pairs shown above the call, empty ones left out."""
    m = call.meta
    duration = call_duration(call)
    fields = [("date", str(m.date or "")), ("rep", m.rep or ""), ("account", m.account or ""),
              ("stage", m.stage or ""), ("outcome", m.outcome or ""),
              ("deal", m.deal or ""),
              ("amount", f"{m.amount:,.0f}" if m.amount is not None else ""),
              ("duration", clock(duration) if duration else ""),
              ("kind", "recording" if call.kind == "audio" else "imported transcript")]
    return [(k, v) for k, v in fields if v]


def header_html(call: Call) -> str:
    """The call id, its metadata and outcome, and who speaks (the rep marked; for a mono
    recording, how sure the rep is) as escaped HTML."""
    items = "".join(f'<span class="cm-field cm-field-{html_text(k)}"><b>{html_text(k)}</b> '
                    f"{html_text(v)}</span>" for k, v in header_fields(call))
    names = speaker_names(call)
    sides = {}
    for t in call.turns:
        sides.setdefault(names[t.speaker], t.side)
    who = ", ".join(html_text(n) + (" (rep)" if s == "rep" else "") for n, s in sides.items())
    return (f'<div class="cm-call-head"><h3>{html_text(call.call_id)}</h3>'
            f'<div class="cm-fields">{items}</div>'
            f'<div class="cm-call-speakers">Speakers: {who}</div>'
            f"{speakers_banner(call.speakers)}</div>")


def _moment(turn: Turn | None, start: float | None) -> float | None:
    if start is not None:
        return float(start)
    return turn.start if turn is not None else None


def markers(call: Call, objections: Sequence[Objection], uses: Sequence[TrackUse],
            track_names: dict[str, str] | None = None) -> list[Marker]:
    """Timeline markers of the call's objections and talk-track uses, in time order; those
    without a time (a transcript without timestamps) are left out.

    Example:
        >>> from ingest.records import CallMeta
        >>> call = Call(CallMeta("c"), "c.txt", "h", "transcript",
        ...             [Turn(0, "Ann", "buyer", "Too pricey.", 30.0, 40.0)], duration=120.0)
        >>> o = Objection("o1", "c", 0, "Ann", "Too pricey.", "price", 0.9)
        >>> markers(call, [o], [])
        [Marker(kind='objection', seconds=30.0, percent=25.0, label='price objection: Too pricey.', turn=0)]
    """
    duration = call_duration(call)
    if not duration:
        return []
    turns = {t.index: t for t in call.turns}
    names = track_names or {}
    found = []
    for o in objections:
        found.append(("objection", _moment(turns.get(o.turn), o.start),
                      f"{o.category} objection: {o.text}", o.turn))
    for u in uses:
        found.append(("track", _moment(turns.get(u.turn), u.start),
                      f"talk track {names.get(u.track_id, u.track_id)}: {u.text}", u.turn))
    out = [Marker(kind, round(t, 2), round(min(max(t / duration, 0.0), 1.0) * 100, 2),
                  label, turn) for kind, t, label, turn in found if t is not None]
    return sorted(out, key=lambda m: (m.seconds, m.kind))


def _span(text: str, needle: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is not None and end is not None and text[start:end] == needle:
        return start, end
    at = text.find(needle) if needle else -1
    return (at, at + len(needle)) if at >= 0 else None


def _word_spans(turn: Turn) -> list[tuple[int, int, float]]:
    """(char start, char end, seconds) of each timed word found, in order, in the turn text."""
    out, pos = [], 0
    for w in turn.words:
        word = w.text.strip()
        at = turn.text.find(word, pos) if word else -1
        if at < 0:
            continue
        out.append((at, at + len(word), float(w.start)))
        pos = at + len(word)
    return out


def turn_html(turn: Turn, name: str, objections: Sequence[Objection] = (),
              uses: Sequence[TrackUse] = (), track_names: dict[str, str] | None = None) -> str:
    """One turn as escaped HTML: each timed word a ``<span class="cm-w" data-t=SECONDS>``
    (the whole text one span at the turn's start without word timings), objections and
    talk-track uses wrapped in ``<mark>`` (grown to whole words; overlapping ones dropped)."""
    text, names = turn.text, track_names or {}
    words = _word_spans(turn)
    if not words and turn.start is not None and text:
        words = [(0, len(text), float(turn.start))]
    marks = []
    for o in objections:
        if (span := _span(text, o.text, o.char_start, o.char_end)) is not None:
            marks.append((*span, "cm-obj", o.category, f"{o.category} objection"))
    for u in uses:
        if (span := _span(text, u.text, None, None)) is not None:
            track = names.get(u.track_id, u.track_id)
            marks.append((*span, "cm-track", track, f"talk track: {track}"))
    grown = []
    for start, end, *rest in marks:
        for ws, we, _ in words:
            if ws < end and we > start:
                start, end = min(start, ws), max(end, we)
        grown.append((start, end, *rest))
    kept: list[tuple] = []
    for mark in sorted(grown, key=lambda m: (m[0], -m[1])):
        if not kept or mark[0] >= kept[-1][1]:
            kept.append(mark)
    cuts = sorted({0, len(text), *(c for w in words for c in w[:2]),
                   *(c for m in kept for c in m[:2])})
    out, open_mark = [], None
    for a, b in zip(cuts, cuts[1:]):
        mark = next((m for m in kept if m[0] <= a < m[1]), None)
        if mark is not open_mark:
            if open_mark is not None:
                out.append(f"<sup>{html_text(open_mark[3])}</sup></mark>")
            if mark is not None:
                out.append(f'<mark class="{mark[2]}" title="{html_text(mark[4])}">')
            open_mark = mark
        word = next((w for w in words if w[0] <= a < w[1]), None)
        piece = html_text(text[a:b])
        out.append(f'<span class="cm-w" data-t="{word[2]:.2f}">{piece}</span>'
                   if word is not None else piece)
    if open_mark is not None:
        out.append(f"<sup>{html_text(open_mark[3])}</sup></mark>")
    timed = f' data-t="{turn.start:.2f}"' if turn.start is not None else ""
    return (f'<div class="cm-turn cm-{html_text(turn.side)}" id="cm-turn-{turn.index}"'
            f'{timed}><span class="cm-who">{html_text(clock(turn.start))} {html_text(name)}'
            f'</span><span class="cm-said">{"".join(out)}</span></div>')


def timeline_html(found: Sequence[Marker]) -> str:
    """The bar under the player: a playhead and one clickable marker per objection (``cm-obj``)
    and talk-track use (``cm-track``)."""
    dots = "".join(
        f'<span class="cm-marker cm-marker-{"obj" if m.kind == "objection" else "track"}"'
        f' style="left:{m.percent}%" data-t="{m.seconds:.2f}" title="{html_text(clock(m.seconds))}'
        f' {html_text(m.label)}"></span>' for m in found)
    return (f'<div class="cm-timeline"><span class="cm-playhead"></span>{dots}</div>'
            '<div class="cm-legend"><span class="cm-key cm-key-obj"></span> objection '
            '<span class="cm-key cm-key-track"></span> talk track</div>')


def recording_url(path: Path | None) -> str | None:
    """The URL the app serves the call's kept recording at (its ``audio/`` folder is in the
    app's ``allowed_paths``); None without a file."""
    if path is None or not path.is_file():
        return None
    return f"gradio_api/file={url_quote(str(path.resolve()))}"


def call_page_html(call: Call, objections: Sequence[Objection], uses: Sequence[TrackUse],
                   track_names: dict[str, str] | None = None, audio: str | None = None,
                   seconds: float | None = None, key: str = "") -> str:
    """The whole call page (escaped HTML): header, player (when ``audio``), timeline and the
    transcript. ``seconds``: the moment the page opens at (``data-seek``, acted on by the
    script); ``key`` tells two openings of one call apart."""
    by_turn: dict[int, list[Objection]] = {}
    for o in objections:
        by_turn.setdefault(o.turn, []).append(o)
    uses_by_turn: dict[int, list[TrackUse]] = {}
    for u in uses:
        uses_by_turn.setdefault(u.turn, []).append(u)
    names = speaker_names(call)
    turns = "".join(turn_html(t, names[t.speaker], by_turn.get(t.index, ()),
                              uses_by_turn.get(t.index, ()), track_names) for t in call.turns)
    seek = f' data-seek="{seconds:.2f}"' if seconds is not None else ""
    player = (f'<audio class="cm-call-audio" controls preload="metadata"'
              f' src="{html_text(audio)}"></audio>' if audio else "")
    found = markers(call, objections, uses, track_names)
    timeline = timeline_html(found) if (audio or found) else ""
    return (f'<div class="cm-callpage" data-key="{html_text(key)}"{seek}>{header_html(call)}'
            f'{player}{timeline}<div class="cm-call-transcript">{turns}</div></div>')


def call_track_uses(workspace: Workspace, call_id: str) -> list[TrackUse]:
    """The call's talk-track uses as stored by the analysis."""
    return [TrackUse(r["call_id"], r["turn"], r["track_id"], r["similarity"], r["text"],
                     r["start"], r["reaction"], r["reaction_text"])
            for r in workspace.insights_store.track_uses() if r["call_id"] == call_id]


def track_names(workspace: Workspace) -> dict[str, str]:
    """Talk-track id -> name, from the ingested messaging ({} without)."""
    messaging = workspace.messaging()
    return {t.id: t.name for t in messaging.talk_tracks} if messaging else {}


def render_call(workspace: Workspace, call_id: str | None, seconds: float | None = None,
                key: str = "") -> str:
    """The call page of ``call_id`` from the workspace (:data:`EMPTY` without one)."""
    from insights import load_objections

    if not call_id:
        return EMPTY
    call = workspace.call(call_id, with_words=True)
    audio = recording_url(workspace.call_file(call_id)) if call.kind == "audio" else None
    return call_page_html(call, load_objections(workspace, call_id=call_id),
                          call_track_uses(workspace, call_id), track_names(workspace), audio,
                          seconds, key)


JS = """
const root = () => element.querySelector('.cm-callpage');
function words(page) {  // cached per opening: a new value may patch the same element
  if (page._wordsKey !== page.dataset.key) {
    page._words = Array.from(page.querySelectorAll('.cm-w[data-t]'));
    page._wordsKey = page.dataset.key;
  }
  return page._words;
}
function show(page, t, follow) {
  let now = null;
  for (const w of words(page)) { if (parseFloat(w.dataset.t) <= t + 0.01) now = w; else break; }
  page.querySelectorAll('.cm-now').forEach(e => e.classList.remove('cm-now'));
  page.querySelectorAll('.cm-turn-now').forEach(e => e.classList.remove('cm-turn-now'));
  const audio = page.querySelector('audio');
  const head = page.querySelector('.cm-playhead');
  const length = audio && audio.duration > 0 ? audio.duration : null;
  if (head && length) head.style.left = (100 * Math.min(t / length, 1)) + '%';
  if (!now) return;
  now.classList.add('cm-now');
  const turn = now.closest('.cm-turn');
  if (turn) turn.classList.add('cm-turn-now');
  const box = page.querySelector('.cm-call-transcript');
  if (follow && box && box.clientHeight) {  // keep the word in the transcript's view
    const outer = box.getBoundingClientRect(), inner = now.getBoundingClientRect();
    if (inner.top < outer.top || inner.bottom > outer.bottom - 20)
      box.scrollTop += inner.top - outer.top - box.clientHeight / 3;
  }
}
function seek(page, t) {
  const audio = page.querySelector('audio');
  if (audio) {
    const go = () => { audio.currentTime = t; show(page, t, true); };
    if (audio.readyState >= 1) go(); else audio.addEventListener('loadedmetadata', go, {once: true});
  }
  show(page, t, true);
}
function opened() {
  const page = root();
  if (!page || page._opened === page.dataset.key) return;
  page._opened = page.dataset.key;
  if (page.dataset.seek === undefined) return;
  const t = parseFloat(page.dataset.seek);
  seek(page, t);
  setTimeout(() => {  // the tab may only now be laid out
    show(page, t, true);
    const turn = page.querySelector('.cm-turn-now');
    if (turn) turn.scrollIntoView({block: 'nearest'});
  }, 300);
}
element.addEventListener('click', (event) => {
  const page = root();
  const at = event.target.closest('[data-t]');
  if (!page || !at || !page.contains(at) || event.target.closest('audio')) return;
  seek(page, parseFloat(at.dataset.t));
});
element.addEventListener('timeupdate', (event) => {
  const page = root();
  if (page && event.target.tagName === 'AUDIO') show(page, event.target.currentTime, true);
}, true);
element.addEventListener('seeked', (event) => {
  const page = root();
  if (page && event.target.tagName === 'AUDIO') show(page, event.target.currentTime, true);
}, true);
watch('value', opened);
opened();
"""
"""The page's script: ``element`` is the ``gr.HTML``'s root, which outlives its value."""


def build(workspace: Workspace, settings: Settings, nav: Navigator | None = None,
          page: gr.Blocks | None = None, tab: gr.Tab | None = None) -> None:
    """The Call tab: a picker and the call page; ``nav.target`` opens a call at a moment."""
    import gradio as gr

    def choices() -> list[tuple[str, str]]:
        return [(" · ".join(str(v) for v in (c.call_id, c.meta.date, c.meta.account) if v),
                 c.call_id) for c in workspace.calls()]

    picker = gr.Dropdown(choices=choices(), value=None, label="Call", allow_custom_value=True,
                         elem_id="cm-callpage-pick")
    view = gr.HTML(EMPTY, elem_id="cm-callpage", css_template=CSS, js_on_load=JS)

    @shows_errors
    def show(call_id: str | None) -> str:
        return render_call(workspace, call_id, key=call_id or "")

    @shows_errors
    def open_target(target: str | None) -> list[Any]:
        call_id, seconds = parse_target(target)
        if not call_id:
            return [gr.skip(), gr.skip()]
        return [gr.Dropdown(choices=choices(), value=call_id),
                render_call(workspace, call_id, seconds, key=target or "")]

    def refreshed():
        return gr.Dropdown(choices=choices())

    picker.input(show, picker, view, api_name="call_page")
    if nav is not None:
        nav.target.change(open_target, nav.target, [picker, view], api_name=False)
    if page is not None:
        page.load(refreshed, None, picker, api_name=False)
    if tab is not None:
        tab.select(refreshed, None, picker, api_name=False)
