"""User actions that change a workspace, with the follow-up steps each needs, for the command
line and the app alike (so both behave the same).

Example:
    >>> remove(workspace, settings, "call", ["c01-bluestem"])   # and the analysis follows
    ['c01-bluestem']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ingest.errors import InputError
from ingest.settings import Settings
from ingest.store import Workspace


def remove(workspace: Workspace, settings: Settings, what: Literal["call", "asset"],
           ids: Sequence[str], progress: bool = False) -> list[str]:
    """Remove calls or assets and everything derived from them; returns the ids removed.

    Every id is checked first: one unknown id removes nothing (``InputError`` naming it).
    Removing calls runs the analysis again (their objections, themes and talk-track figures
    go); removing assets brings the lexical and sentence indexes in line.
    """
    if what not in ("call", "asset"):
        raise InputError(f"Remove a call or an asset, not {what!r}.")
    wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not wanted:
        raise InputError(f"Name the {what}(s) to remove.")
    known = ({c.call_id for c in workspace.calls()} if what == "call"
             else {a.asset_id for a in workspace.assets()})
    unknown = [i for i in wanted if i not in known]
    if unknown:
        listing = "callmine calls" if what == "call" else "callmine assets"
        raise InputError(f"No {what} {', '.join(repr(i) for i in unknown)} in "
                         f"{workspace.root}; see `{listing}`. Nothing was removed.")
    for record_id in wanted:
        (workspace.remove_call if what == "call" else workspace.remove_asset)(record_id)
    if what == "call":
        from insights.analysis import Analyzer

        Analyzer(workspace, settings).run(progress=progress)
    else:
        from rag import index_content

        index_content(workspace, progress=progress)
    return wanted
