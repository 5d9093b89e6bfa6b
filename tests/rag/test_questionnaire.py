"""Answers files of a questionnaire: columns, CSV formula escaping, XLSX text cells, and the
answerer on a real library."""

from __future__ import annotations

import csv

import pytest

from ingest.errors import InputError, UnsupportedFileError
from ingest.questionnaire import Question
from rag.questionnaire import (
    ANSWER_COLUMNS,
    QuestionAnswer,
    QuestionnaireAnswerer,
    answer_row,
    check_output,
    safe_cell,
    write_answers,
)
from rag.records import Recommendation, RecommendedAsset


def _item(row: int, text: str, covered: bool, highlight: str = "") -> QuestionAnswer:
    best = RecommendedAsset(asset_id="sec", title="=Security FAQ", type="faq", source="",
                            passage="+1 555 0100 is our security line.\nAES-256.", score=0.91,
                            why="", url="https://x.example/sec", highlight=highlight)
    return QuestionAnswer(Question(row, text), Recommendation(text, covered, [best], 0.91))


ITEMS = [_item(2, "Is data encrypted?", True, "Data is encrypted with AES-256."),
         _item(3, "@SUM(A1:A9)", False, "-1 means never."),
         QuestionAnswer(Question(4, "Anything?"), Recommendation("Anything?", False, []))]


def test_safe_cell_escapes_what_a_spreadsheet_would_run():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Is it SOC 2?") == "Is it SOC 2?"
    assert safe_cell(0.5) == 0.5 and safe_cell(3) == 3


def test_answer_row_takes_the_best_passages_answering_sentence():
    assert answer_row(ITEMS[0]) == {
        "row": 2, "question": "Is data encrypted?", "answer": "Data is encrypted with AES-256.",
        "asset": "sec", "title": "=Security FAQ", "url": "https://x.example/sec",
        "passage": "+1 555 0100 is our security line.\nAES-256.", "covered": True,
        "score": 0.91}
    bullet = _item(5, "Encrypted?", True, "- Data encrypted in transit and at rest")
    assert answer_row(bullet)["answer"] == "Data encrypted in transit and at rest"
    assert answer_row(ITEMS[2]) == {"row": 4, "question": "Anything?", "answer": "",
                                    "asset": "", "title": "", "url": "", "passage": "",
                                    "covered": False, "score": 0.0}


def test_csv_answers_are_escaped(tmp_path):
    path = write_answers(tmp_path / "answers.csv", ITEMS)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(ANSWER_COLUMNS)
    assert rows[1] == ["2", "Is data encrypted?", "Data is encrypted with AES-256.", "sec",
                       "'=Security FAQ", "https://x.example/sec",
                       "'+1 555 0100 is our security line.\nAES-256.", "true", "0.91"]
    assert rows[2][1:3] == ["'@SUM(A1:A9)", "'-1 means never."] and rows[2][7] == "false"
    assert len(rows) == 4
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8


def test_xlsx_answers_are_text_cells(tmp_path):
    from openpyxl import load_workbook

    path = write_answers(tmp_path / "answers.xlsx", ITEMS)
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == list(ANSWER_COLUMNS)
    title = sheet.cell(2, ANSWER_COLUMNS.index("title") + 1)
    assert (title.value, title.data_type) == ("=Security FAQ", "s")  # shown, never computed
    assert [c.value for c in sheet[3]][:3] == [3, "@SUM(A1:A9)", "-1 means never."]
    assert sheet.cell(2, 8).value is True and sheet.cell(2, 9).value == 0.91
    assert sheet.max_row == 4


def test_output_must_be_csv_or_xlsx_in_an_existing_folder(tmp_path):
    with pytest.raises(UnsupportedFileError, match="Cannot write answers to 'answers.json': "
                                                   "give a .csv or .xlsx file name"):
        check_output(tmp_path / "answers.json")
    with pytest.raises(InputError, match="folder .*nope does not exist"):
        check_output(tmp_path / "nope" / "answers.csv")
    assert check_output(tmp_path / "A.XLSX") == tmp_path / "A.XLSX"


@pytest.mark.slow
def test_answerer_answers_each_question_as_a_single_recommendation_would(lumio_ws):
    from rag import Recommender

    recommender = Recommender(lumio_ws)
    questions = [Question(1, "Where is our data hosted?"), Question(2, "Is our data stored in "
                                                                       "the EU?")]
    items = list(QuestionnaireAnswerer(recommender, top=2).run(questions))
    assert [i.question.row for i in items] == [1, 2] and not any(i.error for i in items)
    for item in items:
        alone = Recommender(lumio_ws).run(item.question.text, top=2)
        assert item.recommendation == alone
    assert answer_row(items[0])["asset"] == "lumio-security"
    with pytest.raises(InputError, match="--top must be at least 1, got 0"):
        QuestionnaireAnswerer(recommender, top=0)
