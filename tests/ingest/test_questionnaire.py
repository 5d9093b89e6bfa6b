"""Reading questionnaires: text, CSV/TSV and XLSX, the question column found by its header."""

from __future__ import annotations

import pytest

from ingest.errors import InputError, UnsupportedFileError
from ingest.questionnaire import Question, read_questions


def _xlsx(path, sheets):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_text_file_one_question_a_line(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("\ufeffHow long does   implementation take?\n\n  Is it SOC 2?  \r\n",
                    encoding="utf-8")
    q = read_questions(path)
    assert q.questions == [Question(1, "How long does implementation take?"),
                           Question(3, "Is it SOC 2?")]
    assert q.column is None and q.sheet is None


def test_csv_question_column_under_title_rows_next_to_an_id_column(tmp_path):
    path = tmp_path / "rfp.csv"
    path.write_text("Vendor Security Questionnaire 2026,,\n,,\n"
                    "Question ID,Question,Answer\n"
                    "S-1,Is customer data encrypted at rest?,\n"
                    ",,\n"
                    "S-2,Do you hold a SOC 2 Type II report?,Yes\n"
                    "S-3,,\n", encoding="utf-8")
    q = read_questions(path)
    assert q.column == "Question"
    assert q.questions == [Question(4, "Is customer data encrypted at rest?"),
                           Question(6, "Do you hold a SOC 2 Type II report?")]


def test_named_column_semicolons_and_quoted_newlines(tmp_path):
    path = tmp_path / "rfp.csv"
    path.write_text('Ref;Requirement;Notes\nR1;"Describe your\nbackup policy";x\n'
                    "R2;Which regions host data?;\n", encoding="utf-8")
    q = read_questions(path, column="  requirement ")
    assert q.column == "Requirement"
    assert [x.text for x in q.questions] == ["Describe your backup policy",
                                            "Which regions host data?"]


def test_headerless_single_column(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("Is it SOC 2?\nWhere is data hosted?\n", encoding="utf-8")
    assert [x.text for x in read_questions(path).questions] == ["Is it SOC 2?",
                                                               "Where is data hosted?"]


def test_xlsx_first_sheet_with_a_question_column(tmp_path):
    path = _xlsx(tmp_path / "rfp.xlsx", {
        "Cover": [["Acme RFP"], ["Due", "2026-12-01"]],
        "Security": [["#", "Questions", "Answer"], [1, "Is data encrypted?", None],
                     [2, 42, None], [3, "- Do you support SSO?", None]],
    })
    q = read_questions(path)
    assert (q.sheet, q.column) == ("Security", "Questions")
    assert q.questions == [Question(2, "Is data encrypted?"), Question(3, "42"),
                           Question(4, "- Do you support SSO?")]


def test_unknown_column_lists_the_columns(tmp_path):
    path = tmp_path / "rfp.csv"
    path.write_text("Ref,Question,Answer\nS-1,Is it SOC 2?,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^rfp.csv: no column named 'Prompt'; its columns are: "
                                         r"'Ref', 'Question', 'Answer'\.$"):
        read_questions(path, column="Prompt")


def test_no_question_like_header_asks_for_column(tmp_path):
    path = tmp_path / "rfp.csv"
    path.write_text("Ref,Item,Answer\nS-1,Is it SOC 2?,\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column is named like 'question'; give the question "
                                         "column with --column NAME. Its columns are: 'Ref', "
                                         "'Item', 'Answer'."):
        read_questions(path)
    assert [x.text for x in read_questions(path, "item").questions] == ["Is it SOC 2?"]


@pytest.mark.parametrize("name, content, message", [
    ("q.txt", "", "q.txt: the file is empty."),
    ("q.txt", "\n  \n", "q.txt: the file is empty."),
    ("q.csv", "", "q.csv: the file is empty."),
    ("q.csv", "Question,Answer\n,\n", "q.csv: the column 'Question' holds no questions."),
])
def test_empty_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=f"^{message}"):
        read_questions(path)


def test_missing_file_and_unsupported_extensions(tmp_path):
    with pytest.raises(InputError, match="nothing.csv: no such file or folder."):
        read_questions(tmp_path / "nothing.csv")
    with pytest.raises(UnsupportedFileError, match=r"expected a questionnaire as \.txt \(one "
                                                   r"question a line\), \.csv, \.tsv or \.xlsx, "
                                                   r"got 'old\.xls'\. Save the workbook as \.xlsx"):
        read_questions(tmp_path / "old.xls")
    with pytest.raises(UnsupportedFileError, match="got 'q.pdf'"):
        read_questions(tmp_path / "q.pdf")


def test_column_is_refused_for_a_text_file(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("Is it SOC 2?\n", encoding="utf-8")
    with pytest.raises(InputError, match="--column applies to .csv/.tsv/.xlsx files"):
        read_questions(path, column="Question")


def test_a_broken_xlsx_is_a_clear_error(tmp_path):
    path = tmp_path / "rfp.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="rfp.xlsx: not a XLSX file|rfp.xlsx: not a readable"):
        read_questions(path)
