"""The workspace's tables (objections, themes, talk tracks, calls) as CSV and Markdown files.

Each ``*_table`` function turns library records into a :class:`~rag.records.Table`: named
columns and one row of plain values per record. :func:`table_csv` and :func:`table_markdown`
render a table, :func:`write_table` writes it to a ``.csv`` or ``.md`` file. A row holds the
fields of the record's JSON (:mod:`rag.export`), so a file and ``--format json`` agree. The CLI
(``--export-csv``/``--export-md``) and the app's download buttons both use them, so their
files cannot drift apart. (The gap report has its own files: :mod:`rag.export`.)

Example:
    >>> from insights.store import load_objections, load_themes
    >>> table = objection_table(load_objections(ws), {c.call_id: c.meta for c in ws.calls()},
    ...                         load_themes(ws))
    >>> table.columns[:3], write_table(table, Path("objections.csv")).name
    (('objection_id', 'call_id', 'date'), 'objections.csv')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from ingest.errors import InputError
from ingest.records import Call, CallMeta
from insights.records import MessageStat, Objection, Theme
from rag.export import call_json, message_json, objection_json, theme_json
from rag.questionnaire import safe_cell
from rag.records import Cell, Table

OBJECTION_COLUMNS = ("objection_id", "call_id", "date", "rep", "account", "outcome", "turn",
                     "time", "start", "end", "speaker", "category", "theme_id", "theme",
                     "confidence", "quote")
"""One row per objection; ``quote`` is the buyer's verbatim words, ``time`` the start as
``mm:ss`` (``start``/``end`` in seconds), ``theme`` the label of its theme (or other mention)."""
THEME_COLUMNS = ("theme_id", "label", "kind", "category", "count", "calls", "won", "lost",
                 "open", "keywords")
"""One row per theme (``kind`` "theme"), then per other mention (``kind`` "other mention")."""
MESSAGE_COLUMNS = ("track_id", "name", "uses", "calls", "positive_reaction_rate",
                   "objection_rate", "win_rate_with", "win_rate_without", "lift", "lift_low",
                   "lift_high", "verdict", "warning")
"""One row per talk track; rates are fractions in 0..1, as in ``messages --format json``."""
CALL_COLUMNS = ("call_id", "date", "rep", "account", "stage", "outcome", "segment", "kind",
                "duration", "deal", "amount", "source")
"""One row per call."""


def clock(seconds: float | None) -> str:
    """``mm:ss`` (or ``h:mm:ss``) for a time in seconds; empty for unknown times."""
    if seconds is None:
        return ""
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60:02d}:{s % 60:02d}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def objection_table(objections: Sequence[Objection], calls: Mapping[str, CallMeta],
                    themes: Sequence[Theme] = ()) -> Table:
    """One row per objection (:data:`OBJECTION_COLUMNS`): its JSON record
    (:func:`rag.export.objection_json`) with its call's date, rep, account and outcome (from
    ``calls``, call id -> metadata) and its theme's label (from ``themes``)."""
    label = {t.id: t.label for t in themes}
    rows = []
    for o in map(objection_json, objections):
        meta = calls.get(o["call_id"]) or CallMeta(o["call_id"])
        rows.append((o["id"], o["call_id"], meta.date.isoformat() if meta.date else None,
                     meta.rep, meta.account, meta.outcome, o["turn"], clock(o["start"]),
                     _round(o["start"]), _round(o["end"]), o["speaker"], o["category"],
                     o["theme_id"], label.get(o["theme_id"] or ""), _round(o["confidence"]),
                     o["text"]))
    return Table("Objections", OBJECTION_COLUMNS, tuple(rows))


def theme_table(themes: Sequence[Theme]) -> Table:
    """One row per theme, most raised first, then the other mentions (:data:`THEME_COLUMNS`),
    from their JSON records (:func:`rag.export.theme_json`)."""
    ordered = [t for t in themes if not t.mention] + [t for t in themes if t.mention]
    rows = []
    for t in ordered:
        d = theme_json(t)
        rows.append((d["id"], d["label"], "other mention" if t.mention else "theme",
                     d["category"], d["count"], d["calls"], d["won"], d["lost"], d["open"],
                     ", ".join(d["keywords"])))
    return Table("Objection themes", THEME_COLUMNS, tuple(rows))


def message_table(stats: Sequence[MessageStat]) -> Table:
    """One row per talk track, in messaging order (:data:`MESSAGE_COLUMNS`), from their JSON
    records (:func:`rag.export.message_json`)."""
    rows = []
    for m in map(message_json, stats):
        ci = m["lift_ci"] or (None, None)
        rows.append((m["id"], m["name"], m["uses"], m["calls"], m["positive_reaction_rate"],
                     m["objection_rate"], m["win_rate_with"], m["win_rate_without"], m["lift"],
                     ci[0], ci[1], m["verdict"], m["warning"]))
    return Table("Talk tracks", MESSAGE_COLUMNS, tuple(rows))


def call_table(calls: Sequence[Call]) -> Table:
    """One row per call, in the workspace's order (:data:`CALL_COLUMNS`), from their JSON
    records (:func:`rag.export.call_json`)."""
    rows = tuple((c["call_id"], c["date"].isoformat() if c["date"] else None, c["rep"],
                  c["account"], c["stage"], c["outcome"], c["segment"], c["kind"],
                  _round(c["duration"]), c["deal"], c["amount"], c["source"])
                 for c in map(call_json, calls))
    return Table("Calls", CALL_COLUMNS, rows)


def table_csv(table: Table) -> str:
    """The table as CSV text: a header row, then one row per record; an empty cell for
    ``None``. Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
    prefixed with an apostrophe (:func:`rag.questionnaire.safe_cell`).

    Example:
        >>> table_csv(Table("t", ("a", "b"), (("=1+2", None),)))
        "a,b\\r\\n'=1+2,\\r\\n"
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def _markdown_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|")


def table_markdown(table: Table) -> str:
    """The table as a Markdown document: a heading, the row count and a pipe table (cells on
    one line, ``|`` escaped).

    Example:
        >>> print(table_markdown(Table("Calls", ("call_id", "rep"), (("c1", "Ann | Bo"),))))
        # Calls
        <BLANKLINE>
        1 row(s).
        <BLANKLINE>
        | call_id | rep |
        |---|---|
        | c1 | Ann \\| Bo |
        <BLANKLINE>
    """
    lines = [f"# {table.title}", "", f"{len(table.rows)} row(s).", "",
             "| " + " | ".join(table.columns) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def check_export_path(path: Path, option: str = "the export file") -> Path:
    """``path`` if a file can be written there (checked before any work is done); else
    :class:`InputError` saying what to give instead.

    Example:
        >>> check_export_path(Path("no/such/folder/t.csv"), "--export-csv")
        Traceback (most recent call last):
        ...
        ingest.errors.InputError: --export-csv no/such/folder/t.csv: the folder no/such/folder ...
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; give a file path such as "
                         f"{path / 'table.csv'}.")
    if not path.parent.is_dir():
        raise InputError(f"{option} {path}: the folder {path.parent} does not exist; give a "
                         "path in an existing folder.")
    return path


def write_table(table: Table, path: Path, kind: str | None = None) -> Path:
    """Write ``table`` to ``path`` as ``kind`` ("csv" or "markdown"; default: by the suffix,
    ``.md``/``.markdown`` for Markdown, else CSV), UTF-8."""
    path = Path(path)
    if kind is None:
        kind = "markdown" if path.suffix.lower() in (".md", ".markdown") else "csv"
    if kind not in ("csv", "markdown"):
        raise ValueError(f"kind must be 'csv' or 'markdown', got {kind!r}")
    text = table_csv(table) if kind == "csv" else table_markdown(table)
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(text)
    return path
