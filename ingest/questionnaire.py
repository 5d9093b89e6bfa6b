"""Reading a questionnaire: the questions of a security questionnaire or an RFP, from a file.

Questionnaires come as a text file (one question a line) or as a spreadsheet (``.csv``,
``.tsv``, ``.xlsx``) with the questions in one column, often under a few title rows and
next to an id column ("Question ID", "Ref") and empty answer columns. The column is the one
named with ``column``, else the one whose header looks like "question" (of several, the one
whose cells hold the longest texts: "Question" rather than "Question ID"); a sheet with a
single column needs no header. Rows with an empty question cell are skipped.

Example:
    >>> _ = Path("questionnaire.csv").write_text(
    ...     "Security questionnaire,,\\n"
    ...     "Question ID,Question,Answer\\n"
    ...     "SEC-1,Is customer data encrypted at rest?,\\n")
    >>> q = read_questions(Path("questionnaire.csv"))
    >>> q.column, q.questions[0]
    ('Question', Question(row=3, text='Is customer data encrypted at rest?'))
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import CorruptFileError, InputError, UnsupportedFileError
from ingest.textfile import file_size, read_text

EXTENSIONS = (".txt", ".csv", ".tsv", ".xlsx")
HEADER_ROWS = 20
"""Rows searched for the header (title rows above it are common)."""
MAX_QUESTIONS = 20_000


@dataclass(slots=True)
class Question:
    """One question and where it stands: its line (text) or row (spreadsheet), from 1."""

    row: int
    text: str


@dataclass(slots=True)
class Questionnaire:
    """The questions read from a file, in file order."""

    path: Path
    questions: list[Question] = field(default_factory=list)
    column: str | None = None
    """The header of the question column (None for a text file or a headerless column)."""
    sheet: str | None = None
    """The worksheet read (XLSX only)."""


def read_questions(path: Path, column: str | None = None) -> Questionnaire:
    """The questions of a questionnaire file.

    Args:
        path: A ``.txt`` (one question a line), ``.csv``/``.tsv`` or ``.xlsx`` file.
        column: The header of the question column (spreadsheets; matched case-insensitively).

    Raises:
        InputError: for a missing file, an unsupported extension, an empty file, a file
            without questions, an unknown column (the message lists the columns), or
            ``column`` given for a text file.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        hint = " Save the workbook as .xlsx." if ext in (".xls", ".xlsm", ".ods", ".numbers") \
            else ""
        raise UnsupportedFileError(
            f"{path.name}: expected a questionnaire as .txt (one question a line), .csv, .tsv "
            f"or .xlsx, got '{path.name}'.{hint}")
    file_size(path)  # a missing file or a folder says so first
    if ext == ".txt":
        if column is not None:
            raise InputError(f"{path.name}: --column applies to .csv/.tsv/.xlsx files; a .txt "
                             "questionnaire has one question a line.")
        lines = read_text(path).split("\n")
        found = [Question(i, " ".join(line.split())) for i, line in enumerate(lines, 1)
                 if line.strip()]
        return _checked(Questionnaire(path, found), path)
    if ext in (".csv", ".tsv"):
        sheets = [(None, _csv_rows(path, "\t" if ext == ".tsv" else None))]
    else:
        sheets = _xlsx_sheets(path)
    errors = []
    for sheet, rows in sheets:
        try:
            header, col, name = _find_column(rows, column)
        except _NoColumn as exc:
            errors.append(exc)
            continue
        found = [Question(number, text) for number, cells in rows[header + 1 if name else 0:]
                 if col < len(cells) and (text := " ".join(cells[col].split()))]
        return _checked(Questionnaire(path, found, name, sheet), path)
    first = errors[0]
    where = f" (sheet '{sheets[0][0]}')" if sheets[0][0] and len(sheets) == 1 else ""
    columns = ", ".join(first.columns) if first.columns else "none"
    if column is not None:
        raise InputError(f"{path.name}{where}: no column named '{column}'; its columns are: "
                         f"{columns}.")
    raise InputError(f"{path.name}{where}: no column is named like 'question'; give the "
                     f"question column with --column NAME. Its columns are: {columns}.")


def _checked(q: Questionnaire, path: Path) -> Questionnaire:
    if not q.questions:
        what = f"the column '{q.column}'" if q.column else "the file"
        raise InputError(f"{path.name}: {what} holds no questions.")
    if len(q.questions) > MAX_QUESTIONS:
        raise InputError(f"{path.name}: {len(q.questions):,} questions, more than the "
                         f"{MAX_QUESTIONS:,} answered in one go; split the file.")
    return q


class _NoColumn(Exception):
    def __init__(self, columns: list[str]) -> None:
        super().__init__()
        self.columns = columns


_QUESTION = re.compile(r"\bquestions?\b", re.IGNORECASE)
"""A header that names the question column ("Question", "Questions", "Question text"; not a
title such as "Security Questionnaire")."""


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _find_column(rows: list[tuple[int, list[str]]], column: str | None,
                 ) -> tuple[int, int, str | None]:
    """(index of the header row in ``rows``, column index, header text or None)."""
    if not rows:
        raise _NoColumn([])
    head = rows[:HEADER_ROWS]
    if column is not None:
        want = _norm(column)
        for i, (_, cells) in enumerate(head):
            for j, cell in enumerate(cells):
                if _norm(cell) == want:
                    return i, j, cell.strip()
        raise _NoColumn(_header_guess(head))
    for i, (_, cells) in enumerate(head):
        named = [j for j, cell in enumerate(cells) if _QUESTION.search(cell)]
        if named:
            below = rows[i + 1:]

            def length(j: int) -> float:
                texts = [c[j] for _, c in below if j < len(c) and c[j].strip()]
                return sum(len(t) for t in texts) / len(texts) if texts else 0.0

            j = max(named, key=lambda k: (length(k), -k))
            return i, j, cells[j].strip()
    if all(sum(1 for c in cells if c.strip()) <= 1 for _, cells in rows):
        j = next(j for j, c in enumerate(rows[0][1]) if c.strip())
        if all(j < len(c) and c[j].strip() for _, c in rows):
            return 0, j, None
    raise _NoColumn(_header_guess(head))


def _header_guess(rows: list[tuple[int, list[str]]]) -> list[str]:
    """The cells of the widest of the first rows (the likely header), for error messages."""
    widest = max(rows, key=lambda r: sum(1 for c in r[1] if c.strip()), default=(0, []))
    return [f"'{c.strip()}'" for c in widest[1] if c.strip()]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _nonempty(rows: Iterable[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    return [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]


def _csv_rows(path: Path, delimiter: str | None) -> list[tuple[int, list[str]]]:
    text = read_text(path)
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = _nonempty(enumerate(reader, 1))
    except csv.Error as exc:
        raise CorruptFileError(f"{path.name}: not a readable CSV file ({exc}).") from None
    if not rows:
        raise InputError(f"{path.name}: the file is empty.")
    return rows


def _xlsx_sheets(path: Path) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    from ingest.binary_formats import _open_office

    def opener(name: str):
        from openpyxl import load_workbook

        return load_workbook(name, read_only=True, data_only=True)

    book = _open_office(path, opener, "XLSX", ".xlsx")
    try:
        sheets = [(ws.title, _nonempty((n, [_cell(v) for v in values]) for n, values in
                                       enumerate(ws.iter_rows(min_row=1, values_only=True), 1)))
                  for ws in book.worksheets]
    except Exception as exc:  # a damaged part surfaces as many exception types
        raise CorruptFileError(f"{path.name}: not a readable XLSX file ({type(exc).__name__}: "
                               f"{exc}). Open it and save it again as .xlsx.") from None
    finally:
        book.close()
    sheets = [(title, rows) for title, rows in sheets if rows]
    if not sheets:
        raise InputError(f"{path.name}: the file is empty.")
    return sheets
