"""User actions that change a workspace, with the follow-up steps each needs, for the command
line, the app and the demo alike (so all three behave the same):

- ingest calls -> the analysis (incremental: only new or changed calls) and the turn
  vectors of search;
- ingest content -> the lexical and sentence indexes;
- ingest messaging -> the analysis again when calls are stored (talk tracks depend on it);
- remove calls -> the analysis; remove assets -> the indexes; edit an asset -> the indexes.

Example:
    >>> remove(workspace, settings, "call", ["c01-bluestem"])   # and the analysis follows
    ['c01-bluestem']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from ingest.records import BatchResult, FileResult

from ingest.errors import InputError
from ingest.settings import Settings
from ingest.store import Workspace


StepFn = Callable[[str], None]
"""Told each follow-up step as it starts (the app shows it on its progress bar)."""


def _analyse(workspace: Workspace, settings: Settings, progress: bool,
             on_step: StepFn | None) -> None:
    from insights.analysis import Analyzer

    if on_step:
        on_step("Finding objections, themes and talk tracks")
    Analyzer(workspace, settings).run(progress=progress)
    from rag.search import index_calls

    if on_step:
        on_step("Indexing the calls for search")
    index_calls(workspace, progress=progress)


def _index(workspace: Workspace, progress: bool, on_step: StepFn | None) -> None:
    from rag import index_content

    if on_step:
        on_step("Indexing the passages")
    index_content(workspace, progress=progress)


def ingest_calls(workspace: Workspace, settings: Settings, paths: Sequence[Path],
                 manifest: Path | None = None, *, progress: bool = False, on_file=None,
                 force: bool = False, transcriber=None,
                 on_step: StepFn | None = None) -> BatchResult:
    """Ingest call files (audio or transcripts), then bring the analysis up to date."""
    from ingest.pipeline import CallIngestor

    batch = CallIngestor(workspace, settings, transcriber=transcriber, force=force).run(
        paths, manifest, progress=progress, on_file=on_file)
    if len(batch.failed) < len(batch.results):
        _analyse(workspace, settings, progress, on_step)
    return batch


def ingest_content(workspace: Workspace, settings: Settings, paths: Sequence[Path],
                   manifest: Path | None = None, *, progress: bool = False, on_file=None,
                   force: bool = False, on_step: StepFn | None = None) -> BatchResult:
    """Ingest documents, then bring the retrieval indexes up to date."""
    from ingest.pipeline import ContentIngestor

    batch = ContentIngestor(workspace, force=force).run(paths, manifest, progress=progress,
                                                        on_file=on_file)
    if any(r.status in ("stored", "replaced") for r in batch.results):
        _index(workspace, progress, on_step)
    return batch


def ingest_messaging(workspace: Workspace, settings: Settings, path: Path, *,
                     progress: bool = False, on_step: StepFn | None = None) -> FileResult:
    """Store messaging.yaml; the talk-track figures of stored calls are recomputed."""
    from ingest.pipeline import ingest_messaging as store_messaging

    result = store_messaging(workspace, Path(path))
    if result.status in ("stored", "replaced") and workspace.stats()["calls"]:
        _analyse(workspace, settings, progress, on_step)
    return result


def ingest_deals(workspace: Workspace, settings: Settings, path: Path, *,
                 window_days: int | None = None, progress: bool = False) -> dict:
    """Read a Salesforce or HubSpot export and give each matched call its deal's outcome,
    amount and (open deals) stage; the analysis follows. Returns what was matched."""
    from ingest.deals import WINDOW_DAYS, match_deals, read_deals

    deals = read_deals(Path(path))
    matches = match_deals(deals, workspace.calls(), window_days or WINDOW_DAYS)
    updated: dict[str, list[str]] = {}
    for m in matches:
        for call_id in m.calls:
            changed = workspace.set_deal(call_id, m.deal.name, m.deal.outcome, m.deal.amount,
                                         m.deal.stage if m.deal.outcome == "open" else None)
            if changed:
                updated[call_id] = changed
    if updated:
        _analyse(workspace, settings, progress, None)
    return {
        "deals": [{"name": m.deal.name, "account": m.deal.account, "stage": m.deal.stage,
                   "outcome": m.deal.outcome, "amount": m.deal.amount,
                   "close_date": m.deal.close_date, "calls": m.calls} for m in matches],
        "updated": [{"call_id": c, "changed": f} for c, f in updated.items()],
        "unmatched_deals": [m.deal.name for m in matches if not m.calls],
    }


def enroll_rep(workspace: Workspace, settings: Settings, name: str, clip: Path, *,
               progress: bool = False):
    """Keep a rep's voice print; their stored mono calls are re-checked, and the analysis
    follows for any whose rep changed (``ingest.diarize.Enrolment``)."""
    from ingest.diarize import enroll_rep as keep_voice

    result = keep_voice(workspace, name, Path(clip), settings)
    if result.corrected:
        _analyse(workspace, settings, progress, None)
    return result


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
        _analyse(workspace, settings, progress, None)
    else:
        _index(workspace, progress, None)
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
    stored = workspace.asset_meta(asset_id)
    meta = AssetMeta(asset_id=asset_id, title=(title or "").strip() or stored.title, type=type,
                     url=url, audience=(audience or "").strip() or None,
                     stage=(stage or "").strip() or None, public=bool(public), published=day)
    changed = workspace.update_asset_meta(meta)
    if changed:
        _index(workspace, False, None)
    return changed
