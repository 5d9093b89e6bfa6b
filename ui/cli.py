"""The ``callmine`` command line: everything the UI does, with stable JSON (--format json).

Text output is for people; ``--format json`` prints one JSON document on stdout and nothing
else there (progress and logs go to stderr). Exit codes: 0 success, 2 bad usage or input,
3 partial success, 1 unexpected internal error.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.errors import CallmineError, InputError
from ingest.settings import Settings, offline_environment

log = logging.getLogger("callmine")

Handler = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


# -- output ----------------------------------------------------------------------------------


_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and control characters (but newlines and
    tabs) removed, so a transcript cannot move the cursor, retitle the window or hide lines.

    Example:
        >>> printable("ok\\x1b[2J\\x1b]0;pwned\\x07 done\\r")
        'ok done'
    """
    return _CONTROL.sub("", _ESCAPES.sub("", text))


def one_line(text: str) -> str:
    """A name on one line: newlines and other control characters shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def emit(args: argparse.Namespace, data: dict[str, Any], text: Callable[[dict], str]) -> None:
    """Print ``data`` as one JSON document (control characters escaped by JSON), or as text
    for people (:func:`printable`)."""
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(printable(text(data).rstrip("\n")) + "\n")
    sys.stdout.flush()


def add_export_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--export-csv FILE`` and ``--export-md FILE``: also write ``what`` (the command's
    table, every row) to a file; stdout (text or JSON) stays as it is."""
    parser.add_argument("--export-csv", metavar="FILE", help=f"also write {what} as CSV")
    parser.add_argument("--export-md", metavar="FILE",
                        help=f"also write {what} as a Markdown table")


def check_exports(args: argparse.Namespace) -> None:
    """Refuse export paths that cannot be written before any work is done (exit 2)."""
    for option in ("export_csv", "export_md"):
        if getattr(args, option, None):
            from rag.tables import check_export_path

            check_export_path(Path(getattr(args, option)), "--" + option.replace("_", "-"))


def write_exports(args: argparse.Namespace, table) -> None:
    """Write ``table`` (a :class:`rag.records.Table`) where ``--export-csv``/``--export-md``
    say, and say so on stderr."""
    from rag.tables import write_table

    for option, kind in (("export_csv", "csv"), ("export_md", "markdown")):
        if getattr(args, option, None):
            path = write_table(table, Path(getattr(args, option)), kind)
            print(f"callmine: wrote {len(table.rows)} row(s) to {path}", file=sys.stderr)


def _batch_json(batch) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in batch.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {
        "results": [
            {"path": r.path, "status": r.status, "id": r.record_id, "message": r.message}
            for r in batch.results
        ],
        "counts": counts,
    }


def _batch_text(data: dict[str, Any]) -> str:
    lines = []
    for r in data["results"]:
        mark = {"stored": "+", "replaced": "~", "unchanged": "=", "failed": "!"}[r["status"]]
        detail = f" ({one_line(r['message'])})" if r["message"] else ""
        ident = f" -> {one_line(r['id'])}" if r["id"] else ""
        lines.append(f"{mark} {r['status']:9} {one_line(r['path'])}{ident}{detail}")
    summary = ", ".join(f"{n} {s}" for s, n in sorted(data["counts"].items()))
    lines.append(summary or "nothing to ingest")
    return "\n".join(lines)


def _workspace(settings: Settings, create: bool = False):
    """The workspace the settings name, created on first use (the contract). Commands that
    only read (everything but ingest and ui) say so on stderr when they had to create it: a
    mistyped ``--workspace`` would otherwise silently answer "no calls yet"."""
    from ingest.store import Workspace

    root = Path(settings.workspace)
    if not create and not (root / "callmine.db").is_file():
        print(f"callmine: note: there was no workspace at {root}; an empty one was created. "
              "Check --workspace (or CALLMINE_WORKSPACE) if you meant another.", file=sys.stderr)
    return Workspace.from_settings(settings)


# -- ingest ----------------------------------------------------------------------------------


@command("transcribe")
def _transcribe(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.transcribe import Transcriber

    path = Path(args.audio)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of an audio file.")
    transcript = Transcriber(settings).run(path, progress=not args.quiet)
    data = {
        "audio": str(path),
        "duration": transcript.duration,
        "language": transcript.language,
        "segments": [
            {"start": s.start, "end": s.end, "speaker": s.speaker, "text": s.text,
             "words": [{"start": w.start, "end": w.end, "word": w.text,
                        "probability": w.probability} for w in s.words]}
            for s in transcript.segments
        ],
        "text": transcript.text,
    }
    if transcript.diarization is not None:  # a mono recording: speakers found by voice
        data["diarization"] = {"speakers": transcript.diarization.speakers,
                               "speech": transcript.diarization.speech,
                               "seconds": transcript.diarization.seconds}
    emit(args, data, lambda d: "\n".join(
        f"[{_clock(s['start'])}] {s['speaker']}: {s['text']}" for s in d["segments"]))
    return 0


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


@command("ingest")
def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ui import workflow

    ws = _workspace(settings, create=True)
    progress = not args.quiet
    if args.what == "deals":
        if args.window_days is not None and args.window_days < 1:
            raise InputError(f"--window-days must be 1 or more, got {args.window_days}.")
        data = workflow.ingest_deals(ws, settings, Path(args.file),
                                     window_days=args.window_days, progress=progress)
        emit(args, data, _deals_text)
        return 0
    if args.what == "messaging":
        result = workflow.ingest_messaging(ws, settings, Path(args.file), progress=progress)
        data = {"results": [{"path": result.path, "status": result.status,
                             "id": result.record_id, "message": result.message}],
                "counts": {result.status: 1}}
        emit(args, data, _batch_text)
        return 0
    paths = [Path(p) for p in args.paths]
    manifest = Path(args.manifest) if args.manifest else None
    if manifest is not None and not manifest.is_file():
        raise InputError(f"{manifest}: no such manifest file. Give the path of a CSV file.")
    if args.what == "calls":
        if args.workers is not None:
            if args.workers < 1:
                raise InputError(f"--workers must be 1 or more, got {args.workers}.")
            settings = settings.model_copy(update={"workers": args.workers})
        batch = workflow.ingest_calls(ws, settings, paths, manifest, progress=progress,
                                      force=args.force)
    else:
        batch = workflow.ingest_content(ws, settings, paths, manifest, progress=progress,
                                        force=args.force)
    data = _batch_json(batch)
    emit(args, data, _batch_text)
    for r in batch.failed:
        print(f"callmine: {r.message}", file=sys.stderr)
    if batch.results and len(batch.failed) == len(batch.results):
        return 2
    return batch.exit_code


def _deals_text(d: dict) -> str:
    lines = []
    for deal in d["deals"]:
        amount = f"{deal['amount']:,.0f}" if deal["amount"] is not None else "-"
        calls = ", ".join(deal["calls"]) or "no call matched"
        lines.append(f"{one_line(deal['name'])} ({deal['outcome']}, {amount}): {calls}")
    lines.append(f"{len(d['updated'])} call(s) updated; {len(d['unmatched_deals'])} deal(s) "
                 "matched no call")
    return "\n".join(lines)


@command("remove")
def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from ui.workflow import remove

    ids = remove(_workspace(settings), settings, args.what, args.ids, progress=not args.quiet)
    emit(args, {"removed": ids, "what": args.what},
         lambda d: f"removed {len(d['removed'])} {d['what']}(s): " + ", ".join(d["removed"]))
    return 0


@command("calls")
def _calls(args: argparse.Namespace, settings: Settings) -> int:
    check_exports(args)
    ws = _workspace(settings)
    calls = ws.calls()
    from rag.export import call_json

    data = {"calls": [call_json(c) for c in calls]}
    if args.export_csv or args.export_md:
        from rag.tables import call_table

        write_exports(args, call_table(calls))
    emit(args, data, lambda d: "\n".join(
        f"{c['call_id']:<24} {str(c['date'] or ''):<10} {c['outcome'] or '':<5} {c['rep'] or '':<18} "
        f"{c['account'] or ''}" for c in d["calls"]) or "no calls yet: callmine ingest calls PATH")
    return 0


@command("transcript")
def _transcript(args: argparse.Namespace, settings: Settings) -> int:
    from rag.export import speakers_json

    call = _workspace(settings).call(args.call_id)
    data = {"call_id": call.call_id, "speakers": speakers_json(call.speakers), "turns": [
        {"turn": t.index, "speaker": t.speaker, "side": t.side, "start": t.start, "end": t.end,
         "text": t.text} for t in call.turns]}

    def text(d: dict) -> str:
        lines = [f"{t['turn']:>3} [{_clock(t['start'])}] {t['speaker']} ({t['side']}): {t['text']}"
                 for t in d["turns"]]
        note = d["speakers"] or {}
        if note.get("method") == "voice":
            sure = "" if note.get("sure") else " (UNSURE: check it; `callmine reps enroll` " \
                "settles it)"
            lines.insert(0, f"{note.get('speakers')} voice(s) told apart in a mono recording; "
                            f"rep: {note.get('rep') or 'none'} ({note.get('why')}){sure}")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


@command("assets")
def _assets(args: argparse.Namespace, settings: Settings) -> int:
    ws = _workspace(settings)
    counts: dict[str, int] = {}
    for chunk in ws.chunks():
        counts[chunk.asset_id] = counts.get(chunk.asset_id, 0) + 1
    data = {"assets": [
        {"asset_id": a.asset_id, "title": a.title, "type": a.type, "url": a.url,
         "public": a.public, "published": a.published, "passages": counts.get(a.asset_id, 0)}
        for a in ws.assets()]}
    emit(args, data, lambda d: "\n".join(
        f"{a['asset_id']:<28} {a['type']:<13} {'public ' if a['public'] else 'private'} "
        f"{a['passages']:>3} passages  {a['title'] or ''}" for a in d["assets"])
        or "no content yet: callmine ingest content PATH")
    return 0


# -- serving ---------------------------------------------------------------------------------


@command("ui")
def _ui(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve

    if args.allowed_hosts:
        settings = settings.model_copy(update={"allowed_hosts": args.allowed_hosts})
    serve(_workspace(settings, create=True), settings, host=args.host, port=args.port,
          auth=args.auth)
    return 0


@command("demo")
def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve
    from ui.demo import build_demo

    if args.allowed_hosts:
        settings = settings.model_copy(update={"allowed_hosts": args.allowed_hosts})
    ws = build_demo(settings, progress=not args.quiet)
    if args.build_only:
        print(f"demo workspace ready at {ws.root}", file=sys.stderr)
        return 0
    serve(ws, settings, host=args.host, port=args.port, auth=args.auth)
    return 0


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=("text", "json"), default=argparse.SUPPRESS,
                        help="text for people (default) or one JSON document on stdout")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars")

    parser = argparse.ArgumentParser(
        prog="callmine",
        description="Mine recorded sales calls for objections, talk-track performance, content "
        "gaps and messaging consistency.",
    )
    parser.add_argument("--workspace", help="workspace folder (env CALLMINE_WORKSPACE; "
                        "default ./callmine-workspace)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("-q", "--quiet", action="store_true", default=False)
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("transcribe", parents=[common], help="transcribe one audio file")
    p.add_argument("audio")

    p = sub.add_parser("ingest", help="ingest calls, content or messaging")
    what = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    for name, helptext in (("calls", "audio files or transcripts"),
                           ("content", "marketing content: md, html, pdf, docx, pptx, txt")):
        q = what.add_parser(name, parents=[common], help=helptext)
        q.add_argument("paths", nargs="+", metavar="PATH")
        q.add_argument("--manifest", help=f"{name}.csv with metadata")
        q.add_argument("--force", action="store_true",
                       help="read every file again, even one already stored unchanged")
        if name == "calls":
            q.add_argument("--workers", type=int, help="processes transcribing in parallel")
    q = what.add_parser("messaging", parents=[common], help="messaging.yaml")
    q.add_argument("file")
    q = what.add_parser("deals", parents=[common],
                        help="a Salesforce opportunity or HubSpot deals CSV export")
    q.add_argument("file")
    q.add_argument("--window-days", type=int, help="calls up to this many days before a "
                   "deal's close date belong to it (default 180)")

    p = sub.add_parser("remove", parents=[common],
                       help="remove calls or assets (and everything derived from them)")
    p.add_argument("what", choices=("call", "asset"))
    p.add_argument("ids", nargs="+", metavar="ID", help="call or asset ids (see calls, assets)")

    p = sub.add_parser("calls", parents=[common], help="list ingested calls")
    add_export_options(p, "the calls")
    p = sub.add_parser("transcript", parents=[common], help="show one call's turns")
    p.add_argument("call_id")
    sub.add_parser("assets", parents=[common], help="list ingested content assets")

    for name, helptext in (("ui", "serve the Gradio app on the workspace"),
                           ("demo", "build (or reuse) the demo workspace and serve the app")):
        p = sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=7860)
        p.add_argument("--auth", help="user:password, required to serve off loopback")
        p.add_argument("--allowed-hosts", help="host names the app answers to, comma-separated "
                       "(e.g. a reverse proxy's name); other Host headers are refused")
        if name == "demo":
            p.add_argument("--build-only", action="store_true", help="build, do not serve")

    from ui.commands import register_all

    register_all(sub, common)
    return parser


def _no_progress_bars() -> None:
    """``-q``: no progress bars from the model libraries either ("Loading weights ...")."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # read when huggingface_hub is imported
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so nothing more is written to a closed pipe at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``callmine`` command."""
    offline_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.quiet:
        _no_progress_bars()
    for noisy in ("httpx", "chromadb", "faster_whisper", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.WARNING - 10 * (args.verbose - 1)))
    try:
        overrides = {"workspace": Path(args.workspace)} if args.workspace else {}
        settings = Settings(**overrides)
    except Exception as exc:  # pydantic ValidationError: a bad CALLMINE_* value
        print(f"callmine: bad setting: {exc}", file=sys.stderr)
        return 2
    try:
        handler = getattr(args, "handler", None) or _COMMANDS[args.command]
        code = handler(args, settings)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except BrokenPipeError:  # `callmine ... | head`: the reader left; end quietly
        _detach_stdout()
        return 141
    except CallmineError as exc:
        print(f"callmine: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("callmine: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from ingest.errors import is_disk_full

        if is_disk_full(exc) and not args.verbose:  # after a batch: indexing, analysis
            print(f"callmine: disk full where the workspace is ({settings.workspace}): "
                  f"{type(exc).__name__}: {exc}. Free some space and run the same command "
                  "again.", file=sys.stderr)
            return 2
        if args.verbose:
            raise
        print(f"callmine: internal error: {type(exc).__name__}: {exc} "
              "(run with -v for the traceback and report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
