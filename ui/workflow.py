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


def update_asset(workspace: Workspace, asset_id: str, *, title: str | None, type: str,
                 public: bool, url: str | None = None, audience: str | None = None,
                 stage: str | None = None, published: str | None = None) -> list[str]:
    """Correct an asset's details (as an upload in the app gets none: type "other", not
    public, no URL); returns the fields changed. The indexes follow.

    Raises:
        InputError: an unknown type, a URL that is not http(s), a date not YYYY-MM-DD.
        WorkspaceError: no such asset.
    """
    from datetime import date
    from urllib.parse import urlsplit

    from ingest.records import ASSET_TYPES, AssetMeta

    if type not in ASSET_TYPES:
        raise InputError(f"Type {type!r} is not one of {', '.join(ASSET_TYPES)}.")
    url = (url or "").strip() or None
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise InputError(f"URL {url!r}: give an address starting with https:// (or leave it "
                         "empty for an internal asset).")
    day = None
    if published and published.strip():
        try:
            day = date.fromisoformat(published.strip())
        except ValueError:
            raise InputError(f"Published {published!r}: write the date as YYYY-MM-DD.") from None
    stored = workspace.asset(asset_id).meta
    meta = AssetMeta(asset_id=asset_id, title=(title or "").strip() or stored.title, type=type,
                     url=url, audience=(audience or "").strip() or None,
                     stage=(stage or "").strip() or None, public=bool(public), published=day)
    changed = workspace.update_asset_meta(meta)
    if changed:
        from rag import index_content

        index_content(workspace)
    return changed
