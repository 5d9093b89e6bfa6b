"""``callmine reps``: the reps' enrolled voices, which tell the rep apart in mono recordings.

``callmine reps enroll NAME CLIP`` keeps a voice print of the rep from a short clip of them
talking alone (10-30 s is best; at least 2 s of speech) and re-checks the rep of their mono
calls already stored; ``callmine reps`` lists who is enrolled; ``callmine reps remove NAME``
forgets one. NAME is the rep's name as written in the call manifest's ``rep`` column.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ingest.errors import InputError
from ingest.settings import Settings


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``reps`` to the ``callmine`` parser."""
    p = sub.add_parser("reps", parents=[common],
                       help="reps' enrolled voices (who is the rep in mono recordings)")
    what = p.add_subparsers(dest="reps_action", metavar="ACTION")
    q = what.add_parser("enroll", parents=[common],
                        help="keep a rep's voice print from a clip of them talking alone")
    q.add_argument("name", help="the rep's name, as in the manifest's rep column")
    q.add_argument("clip", help="an audio clip of the rep talking (10-30 s alone is best)")
    q = what.add_parser("remove", parents=[common], help="forget a rep's voice print")
    q.add_argument("name")
    what.add_parser("list", parents=[common], help="list enrolled reps (the default)")
    p.set_defaults(handler=reps)


def reps(args: argparse.Namespace, settings: Settings) -> int:
    from ui.cli import _workspace, emit

    action = getattr(args, "reps_action", None) or "list"
    if action == "enroll":
        from ui.workflow import enroll_rep

        ws = _workspace(settings, create=True)
        result = enroll_rep(ws, settings, args.name, Path(args.clip), progress=not args.quiet)
        data = {"name": result.name, "status": result.status, "seconds": result.seconds,
                "calls_checked": result.checked, "calls_corrected": result.corrected}
        emit(args, data, lambda d: (
            f"{d['status']} the voice of {d['name']} ({d['seconds']:.1f} s of speech); "
            f"{len(d['calls_checked'])} mono call(s) of theirs checked, "
            f"{len(d['calls_corrected'])} corrected"
            + (f": {', '.join(d['calls_corrected'])}" if d["calls_corrected"] else "")))
        return 0
    ws = _workspace(settings)
    if action == "remove":
        if not ws.remove_rep_voice(args.name):
            raise InputError(f"No enrolled voice for '{args.name}'; see `callmine reps`.")
        emit(args, {"name": args.name, "status": "removed"},
             lambda d: f"removed the voice of {d['name']}")
        return 0
    voices = ws.rep_voices()
    emit(args, {"reps": voices}, lambda d: "\n".join(
        f"{v['name']:<24} {v['seconds']:>5.1f} s  {v['source'] or ''}" for v in d["reps"])
        or "no rep enrolled: callmine reps enroll NAME clip.wav")
    return 0
