"""Export tables (rag/tables.py): the columns and rows of each table, CSV and Markdown text,
formula cells escaped, and export paths checked before any work."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ingest.errors import InputError
from ingest.records import CallMeta
from insights.records import MessageStat, Objection, Theme
from rag.records import Table
from rag.tables import (
    OBJECTION_COLUMNS,
    check_export_path,
    message_table,
    objection_table,
    table_csv,
    table_markdown,
    theme_table,
    write_table,
)

OBJECTIONS = [
    Objection("o1", "acme-1", 1, "Priya Shah", "Honestly, the price is too high.", "price", 0.8721,
              start=9.0, end=16.0, theme_id="t-price"),
    Objection("o2", "globex-1", 3, "Lee Chen", "=HYPERLINK(\"http://evil\")", "security", 0.7,
              start=3725.5, end=3730.0, theme_id=None),
]
CALLS = {"acme-1": CallMeta("acme-1", date(2026, 1, 14), "Dana Reyes", "Acme", outcome="won"),
         "globex-1": CallMeta("globex-1", None, None, "Globex", outcome="lost")}
THEMES = [Theme("t-price", "Price · budget", "price", 4, 4, 1, 1, 2, keywords=["price", "budget"]),
          Theme("m-1", "One call's words", "other", 1, 1, 0, 0, 1, mention=True)]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_objection_rows_carry_quote_call_time_speaker_category_theme_and_outcome():
    table = objection_table(OBJECTIONS, CALLS, THEMES)
    assert table.columns == OBJECTION_COLUMNS
    parsed = rows(table_csv(table))
    assert list(parsed[0]) == list(OBJECTION_COLUMNS)
    assert parsed[0] == {
        "objection_id": "o1", "call_id": "acme-1", "date": "2026-01-14", "rep": "Dana Reyes",
        "account": "Acme", "outcome": "won", "turn": "1", "time": "00:09", "start": "9.0",
        "end": "16.0", "speaker": "Priya Shah", "category": "price", "theme_id": "t-price",
        "theme": "Price · budget", "confidence": "0.8721",
        "quote": "Honestly, the price is too high."}
    # no date, rep or theme: empty cells; an hour in: h:mm:ss; a formula is not run
    second = parsed[1]
    assert (second["date"], second["rep"], second["theme_id"], second["theme"]) == ("", "", "", "")
    assert second["time"] == "1:02:05"
    assert second["quote"] == "'=HYPERLINK(\"http://evil\")"


def test_an_objection_of_an_unknown_call_keeps_its_row():
    table = objection_table(OBJECTIONS[:1], {}, [])
    assert table.rows[0][:6] == ("o1", "acme-1", None, None, None, None)


def test_themes_first_then_other_mentions():
    parsed = rows(table_csv(theme_table(list(reversed(THEMES)))))
    assert [(r["theme_id"], r["kind"]) for r in parsed] == [("t-price", "theme"),
                                                           ("m-1", "other mention")]
    assert parsed[0]["keywords"] == "price, budget"


def test_message_rows_keep_rates_as_fractions_and_the_interval_apart():
    stat = MessageStat("roi", "Payback", 3, 2, 0.5, 0.25, 0.6667, 0.3333, 0.3333, (-0.1, 0.7),
                       verdict="not enough calls to tell")
    parsed = rows(table_csv(message_table([stat])))
    assert parsed[0]["lift_low"] == "-0.1" and parsed[0]["lift_high"] == "0.7"
    assert parsed[0]["win_rate_with"] == "0.6667" and parsed[0]["track_id"] == "roi"


def test_markdown_is_one_line_per_row_with_pipes_escaped():
    table = Table("Calls", ("call_id", "note"), (("c1", "a | b\nsecond line"), ("c2", None)))
    assert table_markdown(table) == (
        "# Calls\n\n2 row(s).\n\n| call_id | note |\n|---|---|\n"
        "| c1 | a \\| b second line |\n| c2 |  |\n")


def test_write_table_picks_the_format_by_suffix_or_kind(tmp_path):
    table = Table("T", ("a",), (("x",),))
    assert write_table(table, tmp_path / "t.md").read_text().startswith("# T")
    assert write_table(table, tmp_path / "t.csv").read_text() == "a\nx\n"
    assert write_table(table, tmp_path / "t.txt", "markdown").read_text().startswith("# T")


def test_export_paths_are_checked_before_any_work(tmp_path):
    assert check_export_path(tmp_path / "o.csv", "--export-csv") == tmp_path / "o.csv"
    with pytest.raises(InputError, match=r"^--export-csv .*/nope/o\.csv: the folder .*/nope "
                                         r"does not exist; give a path in an existing folder\.$"):
        check_export_path(tmp_path / "nope" / "o.csv", "--export-csv")
    with pytest.raises(InputError, match=r"^--export-md .* is a folder; give a file path"):
        check_export_path(tmp_path, "--export-md")


def test_each_table_row_holds_the_fields_of_its_records_json():
    from rag.export import message_json, objection_json, theme_json

    table = objection_table(OBJECTIONS, CALLS, THEMES)
    for row, o in zip(table.rows, OBJECTIONS):
        cells, record = dict(zip(table.columns, row)), objection_json(o)
        assert (cells["objection_id"], cells["call_id"], cells["turn"], cells["speaker"],
                cells["category"], cells["theme_id"], cells["quote"]) == (
            record["id"], record["call_id"], record["turn"], record["speaker"],
            record["category"], record["theme_id"], record["text"])
    table = theme_table(THEMES)
    assert [dict(zip(table.columns, r))["keywords"] for r in table.rows] == [
        ", ".join(theme_json(t)["keywords"]) for t in THEMES]
    stat = MessageStat("roi", "Payback", 3, 2, 0.5, None, 0.6, 0.4, 0.2, (-0.1, 0.5),
                       verdict="not enough calls to tell")
    row = dict(zip(message_table([stat]).columns, message_table([stat]).rows[0]))
    record = message_json(stat)
    assert (row["lift"], [row["lift_low"], row["lift_high"]], row["verdict"]) == (
        record["lift"], record["lift_ci"], record["verdict"])
