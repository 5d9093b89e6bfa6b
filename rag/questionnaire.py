"""A questionnaire in one go: every question of a security questionnaire or RFP recommended in
one process, and the answers written as a CSV or XLSX file a sales engineer can work from.

:class:`QuestionnaireAnswerer` runs one :class:`rag.recommend.Recommender` over the questions
that :func:`ingest.questionnaire.read_questions` read, and yields each answer as it is found
(the models load once, so each question after the first costs what a warm recommendation
costs). :func:`write_answers` writes one row per question with :data:`ANSWER_COLUMNS`: the
answer is the best passage's answering sentence, ``covered`` whether some asset really
answers. Text cells of a CSV that a spreadsheet would run as a formula (starting with
``= + - @``, tab or carriage return) get a leading apostrophe; XLSX cells are typed as text.

Example:
    >>> q = read_questions(Path("rfp.xlsx"))  # doctest: +SKIP
    >>> answers = list(QuestionnaireAnswerer(Recommender(ws)).run(q.questions))  # doctest: +SKIP
    >>> write_answers(Path("answers.xlsx"), answers)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import InputError, UnsupportedFileError
from rag.records import Filters, Recommendation

if TYPE_CHECKING:
    from ingest.questionnaire import Question
    from rag.recommend import Recommender

ANSWER_COLUMNS = ("row", "question", "answer", "asset", "title", "url", "passage", "covered",
                  "score")
"""Columns of the answers file; ``row`` is the question's line or row in the questionnaire."""
OUTPUT_EXTENSIONS = (".csv", ".xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTHS = {"row": 6, "question": 50, "answer": 60, "asset": 22, "title": 30, "url": 30,
           "passage": 80, "covered": 9, "score": 7}


@dataclass(slots=True)
class QuestionAnswer:
    """One question of a questionnaire with its recommendation (or why it has none)."""

    question: Question
    recommendation: Recommendation | None = None
    error: str | None = None


def check_output(path: Path) -> Path:
    """The answers file to write, checked before any question is answered.

    Raises:
        InputError: for an extension other than .csv/.xlsx, or a folder that does not exist.
    """
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_EXTENSIONS:
        raise UnsupportedFileError(f"Cannot write answers to '{path.name}': give a .csv or "
                                   ".xlsx file name, e.g. --output answers.xlsx.")
    if not path.parent.is_dir():
        raise InputError(f"Cannot write {path}: folder {path.parent} does not exist.")
    return path


class QuestionnaireAnswerer:
    """Recommends assets for every question of a questionnaire, in one process.

    Args:
        recommender: The recommender (its models load on the first question).
        top: Assets per question.
        filters: Which assets may be recommended.
    """

    def __init__(self, recommender: Recommender, top: int = 3,
                 filters: Filters | None = None) -> None:
        if top < 1:
            raise InputError(f"--top must be at least 1, got {top}.")
        self.recommender = recommender
        self.top = top
        self.filters = filters

    def run(self, questions: Sequence[Question], progress: bool = False,
            ) -> Iterator[QuestionAnswer]:
        """Yield each question's answer, in questionnaire order, with a progress bar on
        stderr when ``progress``. A question that cannot be answered (its text is refused)
        gets ``error``; a workspace without content stops the run (``WorkspaceError``)."""
        from tqdm.auto import tqdm

        self.recommender.retriever.check_content()
        with tqdm(total=len(questions), desc="questions", unit="question",
                  disable=not progress) as bar:
            for q in questions:
                try:
                    rec = self.recommender.run(q.text, top=self.top, filters=self.filters)
                except InputError as exc:
                    yield QuestionAnswer(q, None, str(exc))
                else:
                    yield QuestionAnswer(q, rec)
                bar.update(1)


def answer_row(item: QuestionAnswer) -> dict[str, Any]:
    """One row of the answers file (:data:`ANSWER_COLUMNS`)."""
    rec = item.recommendation
    best = rec.recommendations[0] if rec is not None and rec.recommendations else None
    return {
        "row": item.question.row,
        "question": item.question.text,
        "answer": _BULLET.sub("", best.highlight or "") if best else (item.error or ""),
        "asset": best.asset_id if best else "",
        "title": best.title if best else "",
        "url": (best.url or "") if best else "",
        "passage": best.passage if best else "",
        "covered": bool(rec.covered) if rec is not None else False,
        "score": best.score if best else 0.0,
    }


def safe_cell(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would read as a formula is prefixed
    with an apostrophe (OWASP's advice against CSV injection).

    Example:
        >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-5 days"), safe_cell(0.5)
        ('\\'=HYPERLINK("http://x")', "'-5 days", 0.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_answers(path: Path, items: Sequence[QuestionAnswer]) -> Path:
    """Write one row per question to a .csv (UTF-8 with a byte-order mark, for Excel) or
    .xlsx file; see :data:`ANSWER_COLUMNS`."""
    path = check_output(path)
    rows = [answer_row(i) for i in items]
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(ANSWER_COLUMNS)
            for row in rows:
                writer.writerow([safe_cell(_csv_value(row[c])) for c in ANSWER_COLUMNS])
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Answers"
    sheet.append(list(ANSWER_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, name in enumerate(ANSWER_COLUMNS, 1):
            value = row[name]
            cell = sheet.cell(r, c)
            if isinstance(value, str):
                cell.value = _ILLEGAL_XML.sub("", value)
                cell.data_type = "s"  # text, never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = value
                cell.alignment = Alignment(vertical="top")
    for c, name in enumerate(ANSWER_COLUMNS, 1):
        sheet.column_dimensions[sheet.cell(1, c).column_letter].width = _WIDTHS[name]
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
