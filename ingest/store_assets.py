"""Named read queries over the content catalogue (``assets``) that the later stages need.

The workspace (:class:`ingest.store.Workspace`) writes assets and their passages (two-phase,
with the vectors) and answers the common reads (``assets()``, ``asset_meta()``, ``chunks()``);
the lookups below serve retrieval and the consistency checks, reached as
``workspace.asset_catalog``. Only completely stored assets are read
(:data:`ingest.store.COMPLETE`), except where a method says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.records import AssetMeta
from ingest.store import COMPLETE

if TYPE_CHECKING:
    from ingest.store import Workspace

_CHUNK = 500
"""Ids bound in one ``IN (...)`` at most."""


@dataclass(frozen=True, slots=True)
class StoredAsset:
    """A completely stored asset's metadata, where it was read from and its kept copy."""

    meta: AssetMeta
    source: str
    """The path or URL it was ingested from."""
    file: str | None
    """Its kept copy, relative to the workspace root (:meth:`Workspace.file_path`)."""


class AssetCatalog:
    """Read queries over a workspace's assets (see the module docstring).

    Args:
        ws: The workspace (its connection).
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def has_content(self) -> bool:
        """Whether at least one asset is completely stored."""
        return self.ws.db.execute(
            f"SELECT 1 FROM assets WHERE {COMPLETE} LIMIT 1").fetchone() is not None

    def metas(self, asset_ids: Iterable[str]) -> dict[str, AssetMeta]:
        """``asset_id -> metadata`` of the given assets that are completely stored."""
        ids = sorted(set(asset_ids))
        out: dict[str, AssetMeta] = {}
        for lo in range(0, len(ids), _CHUNK):
            part = ids[lo:lo + _CHUNK]
            out.update((r["asset_id"], self.ws._asset_meta(r)) for r in self.ws.db.execute(
                f"SELECT * FROM assets WHERE {COMPLETE} AND asset_id IN "
                f"({','.join('?' * len(part))})", part))
        return out

    def locations(self, asset_ids: Iterable[str]) -> dict[str, str]:
        """Where each asset lives: its URL, else the file it was ingested from (any status:
        an asset being re-ingested still has one)."""
        ids = list(dict.fromkeys(asset_ids))
        out: dict[str, str] = {}
        for lo in range(0, len(ids), _CHUNK):
            part = ids[lo:lo + _CHUNK]
            out.update((r["asset_id"], r["url"] or r["source"] or "") for r in self.ws.db.execute(
                f"SELECT asset_id, url, source FROM assets WHERE asset_id IN "
                f"({','.join('?' * len(part))})", part))
        return out

    def stored(self) -> list[StoredAsset]:
        """Every completely stored asset with its source and kept copy, ordered by id."""
        return [StoredAsset(self.ws._asset_meta(r), r["source"], r["file"])
                for r in self.ws.db.execute(
                    f"SELECT * FROM assets WHERE {COMPLETE} ORDER BY asset_id")]


__all__ = ["AssetCatalog", "StoredAsset"]
