"""CSV manifests that attach metadata to call and content files.

A manifest is a CSV file with a header row. Only the ``file`` column is required: the file's
path relative to the manifest's folder (a bare file name also matches a file of that name
anywhere). Rows are numbered as a spreadsheet shows them: the header is row 1.

``calls.csv`` columns: ``file, call_id, date, rep, account, stage, outcome, segment``.
``content.csv`` columns: ``file, asset_id, title, type, url, audience, stage, public,
published``. Empty cells are ``None``; whitespace around values and a UTF-8 byte-order mark are
ignored; the delimiter may be a comma, a semicolon or a tab.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Generic, TypeVar

from ingest.errors import ManifestError
from ingest.records import ASSET_TYPES, AssetMeta, CallMeta
from ingest.textfile import read_text

log = logging.getLogger(__name__)

CALL_COLUMNS = ("file", "call_id", "date", "rep", "account", "stage", "outcome", "segment")
CONTENT_COLUMNS = ("file", "asset_id", "title", "type", "url", "audience", "stage", "public",
                   "published")
OUTCOMES = ("won", "lost", "open")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}

M = TypeVar("M", CallMeta, AssetMeta)


class _Manifest(Generic[M]):
    """Rows of a manifest by file, with :meth:`lookup` to find a file's metadata."""

    def __init__(self, path: Path, rows: dict[str, M]) -> None:
        self.path = Path(path)
        self.rows: dict[str, M] = rows
        self._folder = self.path.resolve().parent
        self._by_path: dict[Path, M] = {
            (self._folder / key).resolve(): meta for key, meta in rows.items()}
        self._by_name: dict[str, list[M]] = {}
        for key, meta in rows.items():
            self._by_name.setdefault(PurePosixPath(key).name, []).append(meta)

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, file: Path) -> M | None:
        """The metadata of ``file``, or None when the manifest has no row for it.

        A row matches when its ``file`` resolves (from the manifest's folder) to the same path,
        or else when it is the only row with that file name.

        Args:
            file: A file being ingested.

        Returns:
            A copy of the row's metadata (safe to modify), or None.
        """
        file = Path(file)
        try:
            meta = self._by_path.get(file.resolve())
        except (OSError, ValueError):  # a NUL byte in the name, a loop of links: no such row
            meta = None
        if meta is None:
            named = self._by_name.get(file.name, [])
            if len(named) > 1:
                log.warning("%s: several rows for a file named %s and none for %s; no metadata",
                            self.path.name, file.name, file)
            meta = named[0] if len(named) == 1 else None
        return dataclasses.replace(meta) if meta is not None else None


class CallManifest(_Manifest[CallMeta]):
    """A ``calls.csv`` manifest: :class:`~ingest.records.CallMeta` by file."""


class ContentManifest(_Manifest[AssetMeta]):
    """A ``content.csv`` manifest: :class:`~ingest.records.AssetMeta` by file."""


def read_call_manifest(path: Path) -> CallManifest:
    """Read and validate a calls manifest.

    Args:
        path: A CSV file with a ``file`` column and any of ``call_id, date (YYYY-MM-DD), rep,
            account, stage, outcome (won|lost|open), segment``.

    Returns:
        The manifest; without ``call_id`` a row's id is its file's stem.

    Raises:
        ManifestError: naming the manifest, the row, the bad value and what was expected.

    Example:
        >>> m = read_call_manifest(Path("demo/calls/calls.csv"))
        >>> m.lookup(Path("demo/calls/bluestem-logistics-discovery.vtt")).outcome
        'won'
    """
    rows = _read(Path(path), CALL_COLUMNS, "call_id", _call_meta)
    return CallManifest(Path(path), rows)


def read_content_manifest(path: Path) -> ContentManifest:
    """Read and validate a content manifest.

    Args:
        path: A CSV file with a ``file`` column and any of ``asset_id, title, type, url,
            audience, stage, public (true|false), published (YYYY-MM-DD)``.

    Returns:
        The manifest; without ``asset_id`` a row's id is its file's stem.

    Raises:
        ManifestError: naming the manifest, the row, the bad value and what was expected.
    """
    rows = _read(Path(path), CONTENT_COLUMNS, "asset_id", _asset_meta)
    return ContentManifest(Path(path), rows)


class _Row:
    """One data row's cells with validating accessors that name the row in errors."""

    def __init__(self, manifest: str, number: int, cells: Mapping[str, str]) -> None:
        self.manifest = manifest
        self.number = number
        self.cells = cells

    def error(self, column: str, value: str, expected: str) -> ManifestError:
        return ManifestError(
            f"{self.manifest}: row {self.number}: {column} '{value}' is not {expected}. Fix "
            "that cell (or leave it empty).")

    def text(self, column: str) -> str | None:
        return self.cells.get(column) or None

    def date(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(column, value, "a date in YYYY-MM-DD form (e.g. 2026-05-01)") from None

    def choice(self, column: str, allowed: tuple[str, ...]) -> str | None:
        value = self.text(column)
        if value is None:
            return None
        norm = re.sub(r"[\s\-]+", "_", value.lower())
        if norm not in allowed:
            raise self.error(column, value, f"one of {', '.join(allowed)}")
        return norm

    def flag(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise self.error(column, value, "true or false (also yes/no, 1/0)")


def _call_meta(row: _Row, record_id: str) -> CallMeta:
    return CallMeta(
        call_id=record_id, date=row.date("date"), rep=row.text("rep"),
        account=row.text("account"), stage=row.text("stage"),
        outcome=row.choice("outcome", OUTCOMES),  # type: ignore[arg-type]
        segment=row.text("segment"),
    )


def _asset_meta(row: _Row, record_id: str) -> AssetMeta:
    return AssetMeta(
        asset_id=record_id, title=row.text("title"),
        type=row.choice("type", ASSET_TYPES) or "other",
        url=row.text("url"), audience=row.text("audience"), stage=row.text("stage"),
        public=bool(row.flag("public")), published=row.date("published"),
    )


def _normalise_file(value: str) -> str:
    """A ``file`` cell as a POSIX path relative to the manifest's folder."""
    parts = [p for p in PurePosixPath(value.replace("\\", "/")).parts if p not in (".", "")]
    return str(PurePosixPath(*parts)) if parts else ""


def _read(path: Path, columns: tuple[str, ...], id_column: str,
          build: Callable[[_Row, str], M]) -> dict[str, M]:
    name = path.name
    if not path.is_file():
        raise ManifestError(f"{path}: no such manifest file. Give the path of a CSV file.")
    text = read_text(path, ManifestError)
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ManifestError(f"{name}: cannot read the header row ({exc}).") from None
    if "file" not in header:
        found = ", ".join(f"'{h}'" for h in header if h) or "none"
        raise ManifestError(
            f"{name}: no 'file' column; found columns {found}. Add a 'file' column with each "
            "file's path relative to the manifest's folder.")
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        log.info("%s: ignoring unknown columns %s (known: %s)", name, ", ".join(unknown),
                 ", ".join(columns))
    rows: dict[str, M] = {}
    first_row: dict[str, int] = {}
    ids: dict[str, int] = {}
    line = reader.line_num + 1  # the line the next row starts on
    try:
        for number, cells in enumerate(reader, start=2):
            if any("\n" in c or "\r" in c for c in cells):
                raise ManifestError(
                    f"{name}: line {line}: a quoted value runs over several lines (through "
                    f"line {reader.line_num}); is a quote left open? Close it, or remove the "
                    "line break from the value.")
            line = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise ManifestError(
                    f"{name}: row {number}: {len(cells)} cells but the header has "
                    f"{len(header)} columns. Quote values that hold a '{delimiter}'.")
            values = {h: cells[i].strip() if i < len(cells) else ""
                      for i, h in enumerate(header)}
            row = _Row(name, number, values)
            file = _normalise_file(values["file"])
            if not file:
                raise ManifestError(f"{name}: row {number}: the 'file' cell is empty. Give the "
                                    "file's path relative to the manifest's folder.")
            if file in first_row:
                raise ManifestError(
                    f"{name}: row {number}: file '{values['file']}' is listed twice (also row "
                    f"{first_row[file]}). Keep one row per file.")
            record_id = row.text(id_column) or PurePosixPath(file).stem
            if record_id in ids:
                raise ManifestError(
                    f"{name}: row {number}: {id_column} '{record_id}' is used twice (also row "
                    f"{ids[record_id]}). Give each file its own {id_column}.")
            rows[file] = build(row, record_id)
            first_row[file] = number
            ids[record_id] = number
    except csv.Error as exc:
        raise ManifestError(f"{name}: line {line}: not valid CSV ({exc}); is a quote left "
                            "open? Rows from there on would be lost, so nothing was read.") from None
    return rows


__all__ = ["CallManifest", "ContentManifest", "read_call_manifest", "read_content_manifest",
           "CALL_COLUMNS", "CONTENT_COLUMNS"]
