"""Calls and library view: upload calls and content, the call list, and a transcript viewer.

Ingestion runs in the queue with a progress bar and a result per file; after new calls the
insights analysis runs, so objections and themes stay current.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.records import BatchResult, FileResult, Turn
from ingest.settings import Settings
from ingest.store import Workspace
from insights.records import Objection
from ui.views.errors import require, shows_errors, user_error
from ui.views.text import clock, html_text, markdown_text

CALL_HEADERS = ["call", "date", "rep", "account", "stage", "outcome", "segment", "kind",
                "speakers"]
ASSET_HEADERS = ["asset", "title", "type", "public", "published"]
TRANSCRIPT_HEADERS = ["turn", "time", "speaker", "side", "text"]
RESULT_HEADERS = ["file", "status", "id", "message"]

CALL_LABEL = ("Calls: recordings (.wav .mp3 .m4a .flac .ogg .opus .webm .mp4) or transcripts "
              "(.vtt .srt .json .txt)")
CONTENT_LABEL = "Content: documents (.md .html .htm .pdf .docx .pptx .txt)"
# Uploads are not filtered by type here: a file of another kind is reported on its own line
# of the results while the rest of the batch goes in.

if TYPE_CHECKING:
    import gradio as gr

    from ui.views.navigate import Navigator

log = logging.getLogger(__name__)


def call_rows(workspace: Workspace) -> list[list]:
    """One row per stored call: id, date and the manifest fields."""
    no_rep = workspace.calls_without_rep_side()
    return [
        [c.call_id, str(c.meta.date or ""), c.meta.rep or "", c.meta.account or "",
         c.meta.stage or "", c.meta.outcome or "", c.meta.segment or "", c.kind,
         NO_REP_LABEL if c.call_id in no_rep else speakers_label(c.speakers)]
        for c in workspace.calls()
    ]


NO_REP_LABEL = "no rep side: give the rep in the manifest"
"""Shown for a call in which nobody is on the rep side (its rep's lines count as the buyer's)."""


def speakers_label(note: dict | None) -> str:
    """How a recording's speakers were told apart, in a few words ("" for transcripts)."""
    if not note:
        return ""
    if note.get("method") == "channels":
        return "one per channel"
    label = f"{note.get('speakers')} by voice"
    return label if note.get("sure") else f"{label}, rep unsure"


def speakers_banner(note: dict | None) -> str:
    """A line above a diarized call's transcript: who the rep is and how sure that is."""
    if not note or note.get("method") != "voice":
        return ""
    text = (f"Mono recording: {note.get('speakers')} voice(s) told apart by voice. "
            f"Rep: {note.get('rep') or 'none found'} ({note.get('why')}).")
    if note.get("sure"):
        return f'<p class="cm-speakers">{html_text(text)}</p>'
    return (f'<p class="cm-speakers cm-warn">{html_text(text)} The rep is a guess: check the '
            "turns below. Enrolling the rep's voice (<code>callmine reps enroll NAME "
            "clip.wav</code>) settles it, for this call too.</p>")


def asset_rows(workspace: Workspace) -> list[list]:
    """One row per stored content asset."""
    return [[a.asset_id, a.title or "", a.type, "yes" if a.public else "no",
             str(a.published or "")] for a in workspace.assets()]


def transcript_rows(workspace: Workspace, call_id: str) -> list[list]:
    """The call's turns as table rows (turn, time, speaker, side, text)."""
    if not call_id:
        return []
    return [[t.index, clock(t.start), t.speaker, t.side, t.text]
            for t in workspace.call(call_id).turns]


def result_rows(batch: BatchResult) -> list[list]:
    """One row per ingested file: its name, status, record id and message."""
    return [[Path(r.path).name, r.status, r.record_id or "", r.message] for r in batch.results]


def batch_summary(batch: BatchResult) -> str:
    """'2 stored, 1 failed' for a batch."""
    counts: dict[str, int] = {}
    for r in batch.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing ingested"


def transcript_html(turns: Sequence[Turn], objections: Sequence[Objection],
                    speakers: dict | None = None) -> str:
    """The transcript as escaped HTML: one block per turn, objection spans marked; a diarized
    call's speakers note (``Call.speakers``) on top."""
    by_turn: dict[int, list[Objection]] = {}
    for o in objections:
        by_turn.setdefault(o.turn, []).append(o)
    blocks = []
    for t in turns:
        body = _marked(t.text, by_turn.get(t.index, []))
        blocks.append(
            f'<div class="cm-turn cm-{html_text(t.side)}" id="turn-{t.index}">'
            f'<span class="cm-who">{html_text(clock(t.start))} {html_text(t.speaker)}</span>'
            f'<span class="cm-said">{body}</span></div>'
        )
    if not blocks:
        return '<p class="cm-empty">Choose a call to read its transcript.</p>'
    return (speakers_banner(speakers) + '<div class="cm-transcript">' + "".join(blocks)
            + "</div>")


def _marked(text: str, objections: Sequence[Objection]) -> str:
    """Escaped ``text`` with each objection's verbatim span wrapped in ``<mark>``."""
    spans = []
    for o in objections:
        at = text.find(o.text) if o.text else -1
        spans.append((at, at + len(o.text), o) if at >= 0 else (0, len(text), o))
    out, pos = [], 0
    for start, end, o in sorted(spans, key=lambda s: s[0]):
        if start < pos:
            continue
        out.append(html_text(text[pos:start]))
        out.append(f'<mark title="{html_text(o.category)} objection">{html_text(text[start:end])}'
                   f'<sup>{html_text(o.category)}</sup></mark>')
        pos = end
    out.append(html_text(text[pos:]))
    return "".join(out)


class _ReportingTranscriber:
    """Hands the ingestor's transcriber a progress callback (seconds done, seconds in all).

    ``CallIngestor.run`` reports per file; this adapter lets the bar move inside a long
    recording too. Ingest events run one at a time, so one callback slot is enough.
    """

    def __init__(self, settings: Settings) -> None:
        from ingest.transcribe import Transcriber

        self.inner = Transcriber(settings)
        self.on_progress: Callable[[float, float], None] | None = None

    def run(self, path: Path, progress: bool = False):
        return self.inner.run(path, progress=progress, on_progress=self.on_progress)


def _paths(files: Sequence[str] | str | None) -> list[Path]:
    if not files:
        return []
    return [Path(f) for f in ([files] if isinstance(files, str) else files)]


def discard_uploads(paths: Sequence[Path | str | None]) -> int:
    """Delete files Gradio received as uploads (the workspace keeps its own copy, and a
    redacting workspace none of a transcript): only files inside Gradio's upload folder, so a
    local path handed to the API is never touched. Returns the files deleted."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()).resolve()
    gone = 0
    for path in paths:
        if not path:
            continue
        try:
            path = Path(path).resolve()
            if path.is_file() and path.is_relative_to(folder):
                path.unlink()
                gone += 1
                if path.parent != folder and not any(path.parent.iterdir()):
                    path.parent.rmdir()  # Gradio keeps each upload in a folder of its own
        except (OSError, ValueError):  # a name with a NUL byte, a file already gone
            log.debug("could not delete the upload %r", path, exc_info=True)
    return gone


def _check_batch(batch: BatchResult, what: str) -> None:
    """Every file failed: tell the user why, as an error."""
    require(batch.results, f"No {what} files found in the upload.")
    if len(batch.failed) == len(batch.results):
        raise user_error("Nothing was ingested. " + " ".join(r.message for r in batch.failed))


def build(workspace: Workspace, settings: Settings, page: gr.Blocks,
          nav: Navigator | None = None) -> None:
    """The Calls and library tab; ``page`` is the app's ``gr.Blocks`` (refreshed on load);
    with ``nav``, clicking a call's row opens it in the Call tab."""
    import gradio as gr

    from insights import load_objections
    from ui import workflow

    transcriber = _ReportingTranscriber(settings)

    def stats_md() -> str:
        s = workspace.stats()
        return (f"**{s['calls']}** calls · **{s['turns']}** turns · **{s['assets']}** assets · "
                f"**{s['chunks']}** passages")

    def call_choices() -> list[str]:
        return [c.call_id for c in workspace.calls()]

    def asset_ids() -> list[str]:
        return [a.asset_id for a in workspace.assets()]

    def refreshed():
        return (stats_md(), call_rows(workspace), asset_rows(workspace),
                gr.Dropdown(choices=call_choices()))

    stats = gr.Markdown(stats_md())
    with gr.Accordion("Add calls, content or messaging", open=False):
        with gr.Row():
            with gr.Column():
                call_files = gr.File(file_count="multiple", label=CALL_LABEL)
                call_manifest = gr.File(file_types=[".csv"], label="Manifest (calls.csv, optional)")
                ingest_calls_btn = gr.Button("Ingest calls", variant="primary")
            with gr.Column():
                content_files = gr.File(file_count="multiple", label=CONTENT_LABEL)
                content_manifest = gr.File(file_types=[".csv"],
                                           label="Manifest (content.csv, optional)")
                ingest_content_btn = gr.Button("Ingest content", variant="primary")
            with gr.Column():
                messaging_file = gr.File(file_types=[".yaml", ".yml"], label="messaging.yaml")
                ingest_messaging_btn = gr.Button("Ingest messaging")
        summary = gr.Markdown()
        results = gr.Dataframe(headers=RESULT_HEADERS, interactive=False, wrap=True,
                               label="Result per file", elem_classes="cm-table",
                               column_widths=["30%", "10%", "20%", "40%"])

    calls = gr.Dataframe(value=call_rows(workspace), headers=CALL_HEADERS, interactive=False,
                         label="Calls", max_height=320, elem_classes="cm-table")
    call_id = gr.Dropdown(choices=call_choices(), value=None, label="Transcript of",
                          allow_custom_value=True, elem_id="cm-call")
    transcript_view = gr.HTML(transcript_html([], []), elem_id="cm-transcript")
    with gr.Accordion("Transcript as a table", open=False):
        transcript = gr.Dataframe(headers=TRANSCRIPT_HEADERS, interactive=False, wrap=True,
                                  label="Transcript", elem_classes="cm-table",
                                  column_widths=["6%", "7%", "15%", "7%", "65%"])
    assets = gr.Dataframe(value=asset_rows(workspace), headers=ASSET_HEADERS, interactive=False,
                          label="Content library", max_height=320, elem_classes="cm-table",
                          elem_id="cm-assets",
                          column_widths=["25%", "45%", "12%", "8%", "10%"])
    with gr.Accordion("Edit an asset's details (type, public, URL, ...)", open=False):
        from ingest.records import ASSET_TYPES

        edit_id = gr.Dropdown(choices=asset_ids(), label="Asset",
                              allow_custom_value=True, elem_id="cm-edit-asset")
        with gr.Row():
            edit_title = gr.Textbox(label="Title")
            edit_type = gr.Dropdown(list(ASSET_TYPES), value="other", label="Type")
            edit_public = gr.Checkbox(label="Public (may be sent to buyers)")
        with gr.Row():
            edit_url = gr.Textbox(label="URL", placeholder="https://...")
            edit_audience = gr.Textbox(label="Audience")
            edit_stage = gr.Textbox(label="Stage")
            edit_published = gr.Textbox(label="Published (YYYY-MM-DD)")
        edit_save = gr.Button("Save the details", variant="primary")
    with gr.Accordion("Remove a call or an asset", open=False):
        with gr.Row():
            remove_kind = gr.Radio(["call", "asset"], value="call", label="Remove a")
            remove_id = gr.Dropdown(choices=call_choices(), label="Id", allow_custom_value=True,
                                    elem_id="cm-remove-id")
            remove_btn = gr.Button("Remove it and what was found in it", variant="stop")
        gr.Markdown("Its turns or passages, vectors, objections and kept copy go; the "
                    "analysis and the indexes are brought up to date. Ingesting the file "
                    "again brings it back.", elem_classes="cm-note")
    refresh = gr.Button("Refresh")

    @shows_errors
    def show_transcript(cid: str | None):
        if not cid:
            return transcript_html([], []), []
        call = workspace.call(cid)
        return (transcript_html(call.turns, load_objections(workspace, call_id=cid),
                                call.speakers),
                transcript_rows(workspace, cid))

    @shows_errors
    def ingest_calls(files, manifest, progress=gr.Progress()):
        paths = _paths(files)
        require(paths, "Choose one or more call files (audio or .vtt/.srt/.json/.txt "
                       "transcripts) to ingest.")
        progress(0, desc="Ingesting calls")

        done = [0]

        def on_file(i: int, n: int, result: FileResult) -> None:
            done[0] = i
            progress((i, n), desc=f"{Path(result.path).name}: {result.status}")

        def on_audio(seconds: float, total: float) -> None:
            n = len(paths)
            share = seconds / total if total else 0.0
            progress((done[0] + share) / n, desc=f"file {done[0] + 1} of {n}: transcribing "
                                                 f"{seconds:.0f} of {total:.0f} s")

        transcriber.on_progress = on_audio
        try:
            batch = workflow.ingest_calls(
                workspace, settings, paths, Path(manifest) if manifest else None,
                on_file=on_file, transcriber=transcriber,
                on_step=lambda desc: progress(1.0, desc=desc))
        finally:
            transcriber.on_progress = None
            discard_uploads([*paths, manifest])
        _check_batch(batch, "call")
        return (f"Calls: {batch_summary(batch)}", result_rows(batch), *refreshed())

    @shows_errors
    def ingest_content(files, manifest, progress=gr.Progress()):
        paths = _paths(files)
        require(paths, "Choose one or more documents (.md .html .pdf .docx .pptx .txt) to ingest.")
        progress(0, desc="Ingesting content")

        def on_file(i: int, n: int, result: FileResult) -> None:
            progress((i, n), desc=f"{Path(result.path).name}: {result.status}")

        try:
            batch = workflow.ingest_content(
                workspace, settings, paths, Path(manifest) if manifest else None,
                on_file=on_file, on_step=lambda desc: progress(1.0, desc=desc))
        finally:
            discard_uploads([*paths, manifest])
        _check_batch(batch, "content")
        return (f"Content: {batch_summary(batch)}", result_rows(batch), *refreshed())

    @shows_errors
    def ingest_messaging_file(file, progress=gr.Progress()):
        require(file, "Choose a messaging.yaml file to ingest.")
        try:
            r = workflow.ingest_messaging(workspace, settings, Path(file),
                                          on_step=lambda desc: progress(0.5, desc=desc))
        finally:
            discard_uploads([file])
        return (f"Messaging: {r.status} ({markdown_text(r.message)})",
                [[Path(file).name, r.status, "messaging", r.message]])

    def remove_choices(kind: str):
        return gr.Dropdown(choices=call_choices() if kind == "call" else asset_ids(),
                           value=None)

    @shows_errors
    def remove_record(kind: str, record_id: str | None, progress=gr.Progress()):
        from ui.workflow import remove

        require(record_id, f"Choose the {kind} to remove.")
        progress(0.5, desc=f"Removing {record_id} and bringing the analysis up to date")
        removed = remove(workspace, settings, kind, [record_id])
        return (f"Removed {kind} {markdown_text(removed[0])}.", [], *refreshed(),
                remove_choices(kind))

    edit_fields = [edit_title, edit_type, edit_public, edit_url, edit_audience, edit_stage,
                   edit_published]

    @shows_errors
    def load_asset(asset_id: str | None):
        if not asset_id:
            return ["", "other", False, "", "", "", ""]
        m = workspace.asset_meta(asset_id)
        return [m.title or "", m.type, m.public, m.url or "", m.audience or "", m.stage or "",
                str(m.published or "")]

    @shows_errors
    def save_asset(asset_id, title, kind, public, url, audience, stage, published):
        from ui.workflow import update_asset

        require(asset_id, "Choose the asset to edit.")
        changed = update_asset(workspace, asset_id, title=title, type=kind, public=public,
                               url=url, audience=audience, stage=stage, published=published)
        text = (f"Asset {markdown_text(asset_id)}: updated {', '.join(changed)}." if changed
                else f"Asset {markdown_text(asset_id)}: nothing changed.")
        return (text, [], *refreshed())

    edit_id.change(load_asset, edit_id, edit_fields, api_name=False)
    edit_save.click(save_asset, [edit_id, *edit_fields],
                    [summary, results, stats, calls, assets, call_id], api_name="edit_asset",
                    concurrency_id="ingest", concurrency_limit=1)
    remove_kind.change(remove_choices, remove_kind, remove_id, api_name=False)
    remove_btn.click(remove_record, [remove_kind, remove_id],
                     [summary, results, stats, calls, assets, call_id, remove_id],
                     api_name="remove", concurrency_id="ingest", concurrency_limit=1)

    outputs = [summary, results, stats, calls, assets, call_id]
    ingest_calls_btn.click(ingest_calls, [call_files, call_manifest], outputs,
                           api_name="ingest_calls", concurrency_id="ingest", concurrency_limit=1)
    def asset_choices():
        return gr.Dropdown(choices=asset_ids())

    ingest_content_btn.click(ingest_content, [content_files, content_manifest], outputs,
                             api_name="ingest_content", concurrency_id="ingest",
                             concurrency_limit=1).then(asset_choices, None, edit_id,
                                                       api_name=False)
    ingest_messaging_btn.click(ingest_messaging_file, messaging_file, [summary, results],
                               api_name="ingest_messaging", concurrency_id="ingest",
                               concurrency_limit=1)
    call_id.change(show_transcript, call_id, [transcript_view, transcript], api_name="transcript")
    if nav is not None:  # clicking a call's row opens it in the Call tab
        nav.open_rows(calls, lambda row: (row[0], None))
    refresh.click(refreshed, None, [stats, calls, assets, call_id], api_name="library").then(
        asset_choices, None, edit_id, api_name=False)
    page.load(refreshed, None, [stats, calls, assets, call_id], api_name=False).then(
        asset_choices, None, edit_id, api_name=False)
