"""Table rows read as statements: "Plan | Price" over "Pro | $25 / month"."""

from __future__ import annotations

from rag.consistency.claims import split_text
from rag.consistency.tables import cells, render_row, render_tables, tables

PRICES = "Prices:\nPlan | Price\nStarter | $29 / month\nTeam | $99 / month\nThat is all."


def test_rows_are_written_with_their_headers():
    assert render_tables(PRICES).splitlines() == [
        "Prices:", "Plan: Starter; Price: $29 / month", "Plan: Team; Price: $99 / month",
        "That is all."]


def test_a_first_row_with_figures_is_no_header():
    text = "Starter | $29 / month\nTeam | $99 / month"
    assert render_tables(text).splitlines() == ["Starter; $29 / month", "Team; $99 / month"]


def test_a_row_of_another_width_ends_the_table():
    text = "Plan | Price\nStarter | $29 / month\nNote | see | below"
    assert render_tables(text).splitlines() == [
        "Plan: Starter; Price: $29 / month", "Note | see | below"]


def test_a_single_row_is_left_as_it_is():
    assert render_tables("Only | one row") == "Only | one row"


def test_tables_and_cells():
    [table] = tables(PRICES)
    assert table.header == ("Plan", "Price")
    assert table.rows == (("Starter", "$29 / month"), ("Team", "$99 / month"))
    assert cells("| a | b |") == ["a", "b"]
    assert render_row(["Pro", "", "Yes"], ["Plan", "Note", "SSO"]) == "Plan: Pro; SSO: Yes"


def test_split_text_reads_table_rows_as_sentences():
    assert split_text("Feature | Neon | Quarry\nGPU instances | Yes | No") == [
        "Feature: GPU instances; Neon: Yes; Quarry: No"]
