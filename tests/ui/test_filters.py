"""The filter bar above the tabs: a bad field is marked with its message and the views keep
their output; the trend legend; explanations and links in the Gaps and Messages views."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingest.records import AssetMeta, Call, CallMeta, Turn
from rag.records import BestAsset, GapReport, ThemeGap
from ui.views.charts import trend_legend
from ui.views.filters import DATE_HINT, INVALID, field_updates, read_filter


def test_read_filter_names_the_bad_field():
    call_filter, error = read_filter([], [], [], [], "2024-13-40", "")
    assert call_filter is None and error.field == "since"
    assert str(error) == "From date must be a date such as 2026-03-31, got '2024-13-40'."
    call_filter, error = read_filter(["Dana"], [], [], ["lost"], "", "2026-03-31")
    assert error is None and call_filter.reps == ("Dana",)
    assert call_filter.until == date(2026, 3, 31)


def test_field_updates_mark_only_the_bad_field():
    _, error = read_filter([], [], [], [], "", "2026-02-30")
    since, until = field_updates(error)
    assert until.info == "To date must be a date such as 2026-03-31, got '2026-02-30'."
    assert until.elem_classes == [INVALID]
    assert (since.info, since.elem_classes) == (DATE_HINT, [])
    assert [(u.info, u.elem_classes) for u in field_updates(None)] == [(DATE_HINT, [])] * 2


def test_a_typed_value_cannot_inject_markup_into_the_field_info():
    _, error = read_filter([], [], [], [], "<img src=x onerror=alert(1)>", "")
    since, _ = field_updates(error)
    assert "<img" not in since.info and "&lt;img" in since.info


def test_trend_legend_lists_only_the_shown_themes():
    frame = pd.DataFrame({"month": ["2026-01", "2026-02", "2026-01"],
                          "theme": ["Price", "Price", "Timing"]})
    assert trend_legend(frame) == ["Price", "Timing"]
    assert trend_legend(frame[frame["theme"] == "Price"]) == ["Price"]
    assert trend_legend(pd.DataFrame(columns=["month", "theme"])) == []


def _gap(amount=None) -> ThemeGap:
    return ThemeGap("t1", "EU hosting", "security", 4, 3, 0.2, 1.12,
                    BestAsset("sec", "Security FAQ", "We host in Frankfurt.", 0.2),
                    amount=amount)


def test_gap_rows_link_assets_and_show_no_ids():
    from ui.views.gaps import gap_rows, unused_rows

    public = {"sec": AssetMeta("sec", title="Security FAQ", url="https://x.example/sec",
                               public=True)}
    internal = {"sec": AssetMeta("sec", title="Security FAQ", public=False)}
    assert gap_rows([_gap()], public)[0][7] == "[Security FAQ](https://x.example/sec)"
    assert gap_rows([_gap()], internal)[0][7] == "Security FAQ (internal, stored copy)"
    assert gap_rows([_gap(48_000.0)], public)[0][-1] == "48,000"
    report = GapReport(unused_assets=[AssetMeta("bc-1", title="Routewise card",
                                                type="battle_card", public=False)])
    assert unused_rows(report) == [["Routewise card (internal, stored copy)", "battle card", ""]]


def test_gap_explanation_says_the_formula_and_the_weighting():
    from ui.views.gaps import explanation_markdown

    plain = explanation_markdown(GapReport())
    assert "**Priority** = the theme's objections as a share of the most-raised theme's" in plain
    assert "**coverage bar** (50%)" in plain and "Weight gaps and talk tracks" in plain
    weighted = explanation_markdown(GapReport(weight="amount", weight_note=(
        "Weighted by deal amount: each call counts as its deal's amount; 2 call(s) without "
        "an amount count as the median amount of the 3 that have one (60,000).")))
    assert "the deal amounts of the calls that raised it" in weighted
    assert "count as the median amount of the 3 that have one \\(60,000\\)" in weighted


# -- the app: a bad filter marks its field, the views keep their output -----------------------


@pytest.fixture()
def app_fns(fake_workspace, settings):
    from ui.views import build_blocks

    meta = CallMeta("a", date=date(2026, 1, 5), rep="Dana", outcome="won", amount=1000)
    fake_workspace.save_call(Call(meta, "a.txt", "hash-a", "transcript",
                                  [Turn(0, "Buyer", "buyer", "Too expensive.")]))
    blocks = build_blocks(fake_workspace, settings)
    return {f.api_name: f.fn for f in blocks.fns.values() if isinstance(f.api_name, str)}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("api, extra", [("objections", [""]), ("messages", [False]),
                                        ("gaps", [False])])
def test_a_bad_date_marks_its_field_and_skips_the_outputs(app_fns, api, extra):
    out = app_fns[api]([], [], [], [], "2024-13-40", "", *extra)
    *views, since, until = out
    assert all(v == {"__type__": "update"} for v in views)  # gr.skip(): output kept
    assert since.info == "From date must be a date such as 2026-03-31, got '2024-13-40'."
    assert since.elem_classes == [INVALID] and until.elem_classes == []


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_good_filter_clears_the_marks_and_fills_the_views(app_fns):
    summary, themes, trend, picker, theme_ids, since, until = app_fns["objections"](
        ["Dana"], [], [], [], "2026-01-01", "", "")
    assert summary.startswith("**0** objections in **0** of 1 calls")
    assert "Filtered to **1** of 1 calls (rep Dana · from 2026\\-01\\-01)" in summary
    assert theme_ids == []  # the row -> theme id map behind the themes table
    assert since.elem_classes == [] and until.elem_classes == []
    chart, notes, table, track, *_ = app_fns["messages"]([], [], [], [], "", "", True)
    assert "No messaging yet" in chart and "**Lift** = win rate with" in notes


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_search_reads_the_filter_bar_the_other_views_read(fake_workspace, settings):
    """One filter bar: Search's rep/segment/stage/outcome/date inputs are the bar's own
    components (not a second row of filters that would drift from it)."""
    from ui.views import build_blocks

    blocks = build_blocks(fake_workspace, settings)
    fns = {f.api_name: f for f in blocks.fns.values() if isinstance(f.api_name, str)}
    bar = [c._id for c in fns["objections"].inputs[:6]]
    assert [c._id for c in fns["search"].inputs[2:8]] == bar
    assert [c._id for c in fns["gaps"].inputs[:6]] == bar
