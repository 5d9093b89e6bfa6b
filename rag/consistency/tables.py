"""Table rows as statements: ``Plan | Price`` over ``Pro | $25 / month`` reads ``Plan: Pro;
Price: $25 / month``.

Ingest keeps a table as one line per row with cells joined by `` | `` (Markdown, HTML, DOCX
and PPTX tables alike). A row alone says little ("Pro | $25 / month"); with its column headers
it is a statement the fact book can confirm or contradict, and a header that names a company
("Feature | Paystream | Acme") says whose each cell is.

A block of two or more consecutive rows with the same number of cells is a table; its first
row is the header when it holds no figures (digits or currency signs) and its cells are short.
A row whose cell count differs from the header's (ingest drops empty cells) is written without
headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL_SPLIT = re.compile(r"\s+\|\s+")
_FIGURE = re.compile(r"[\d$€£¥%]")
MAX_HEADER_WORDS = 6
"""A header cell is a label: at most this many words."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table found in a passage: its header cells (empty when none) and rows of cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def cells(line: str) -> list[str]:
    """The cells of a row line (``a | b | c``), or ``[line]`` when it is not a row."""
    line = line.strip().strip("|").strip()
    parts = [c.strip() for c in _CELL_SPLIT.split(line)]
    return parts if len(parts) >= 2 else [line]


def _is_header(row: list[str]) -> bool:
    return all(not _FIGURE.search(c) and len(c.split()) <= MAX_HEADER_WORDS for c in row)


def render_row(row: list[str] | tuple[str, ...], header: list[str] | tuple[str, ...] = ()) -> str:
    """One row as a statement: ``Header: cell`` pairs joined by ``; ``.

    Example:
        >>> render_row(["Pro", "$25 / month"], ["Plan", "Price"])
        'Plan: Pro; Price: $25 / month'
        >>> render_row(["Pro", "$25 / month"])
        'Pro; $25 / month'
    """
    if header and len(header) == len(row):
        return "; ".join(f"{h}: {c}" if h and c else c for h, c in zip(header, row) if c)
    return "; ".join(c for c in row if c)


def tables(text: str) -> list[Table]:
    """The tables of a passage (blocks of two or more rows with the same cell count)."""
    lines = text.splitlines()
    out: list[Table] = []
    i = 0
    while i < len(lines):
        block = _block_at(lines, i)
        if not block:
            i += 1
            continue
        rows = [cells(line) for line in block]
        header: tuple[str, ...] = ()
        if _is_header(rows[0]):
            header, rows = tuple(rows[0]), rows[1:]
        out.append(Table(header, tuple(tuple(r) for r in rows)))
        i += len(block)
    return out


def render_tables(text: str) -> str:
    """The passage with each table row written as a statement (see :func:`render_row`); the
    header row itself is dropped, other lines are kept as they are.

    Example:
        >>> print(render_tables("Prices:\\nPlan | Price\\nHobby | $5 / month\\nPro | $25 / month"))
        Prices:
        Plan: Hobby; Price: $5 / month
        Plan: Pro; Price: $25 / month
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        block = _block_at(lines, i)
        if not block:
            out.append(lines[i])
            i += 1
            continue
        rows = [cells(line) for line in block]
        header: list[str] = []
        if _is_header(rows[0]):
            header, rows = rows[0], rows[1:]
        out.extend(render_row(r, header) for r in rows)
        i += len(block)
    return "\n".join(out)


def _block_at(lines: list[str], i: int) -> list[str]:
    """The table block starting at line ``i`` (two or more rows of one width), else []."""
    if " | " not in lines[i]:
        return []
    width = len(cells(lines[i]))
    if width < 2:
        return []
    j = i + 1
    while j < len(lines) and " | " in lines[j] and len(cells(lines[j])) == width:
        j += 1
    return lines[i:j] if j - i >= 2 else []


__all__ = ["MAX_HEADER_WORDS", "Table", "cells", "render_row", "render_tables", "tables"]
