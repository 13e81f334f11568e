"""The SQL page's quick chart: defaults that suit the result, and traces that hold its numbers."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.charts import quick

DAYS = [dt.date(2025, 5, 1) + dt.timedelta(days=i) for i in range(4)]
FRAME = pl.DataFrame({
    "day": [d for d in DAYS for _ in range(3)],
    "kind": ["text", "image", "voice"] * 4,
    "n": [5, 1, 2, 7, 0, 3, 4, 2, 2, 9, 1, 1],
})


def test_defaults_follow_the_columns() -> None:
    assert quick.default_x(FRAME) == "day" and quick.default_kind(FRAME, "day") == "line"
    assert quick.default_split(FRAME, "day") == "kind"
    by_kind = FRAME.group_by("kind").agg(pl.col("n").sum())
    assert quick.default_x(by_kind) == "kind" and quick.default_kind(by_kind, "kind") == "bar"
    assert quick.default_split(by_kind, "kind") is None
    assert quick.numeric(FRAME) == ["n"] and quick.plain(FRAME.with_columns(l=pl.lit([1]))) == ["day", "kind", "n"]


def test_without_a_split_rows_on_one_x_are_summed() -> None:
    fig, left_out = quick.lines_or_bars(FRAME, "line", "day", ["n"])
    (trace,) = fig.data
    assert left_out == 0 and list(trace.x) == DAYS and list(trace.y) == [8, 10, 8, 11]


def test_a_split_draws_a_series_per_value_largest_first_and_says_what_it_left_out() -> None:
    fig, _ = quick.lines_or_bars(FRAME, "bar", "day", ["n"], split="kind")
    assert [t.name for t in fig.data] == ["text", "voice", "image"]
    assert list(fig.data[0].y) == [5, 7, 4, 9]
    many = pl.DataFrame({"x": list(range(30)), "who": [f"m{i}" for i in range(30)], "n": list(range(30))})
    fig, left_out = quick.lines_or_bars(many, "line", "x", ["n"], split="who")
    assert len(fig.data) == quick.MAX_SERIES and left_out == 10 and fig.data[0].name == "m29"


def test_heatmap_cells_are_sums_or_counts() -> None:
    fig, cut = quick.heatmap(FRAME, "day", "kind", "n")
    (cells,) = fig.data
    assert not cut and list(cells.y) == ["image", "text", "voice"]
    assert [list(row) for row in cells.z] == [[1, 0, 2, 1], [5, 7, 4, 9], [2, 3, 2, 1]]
    counted, _ = quick.heatmap(FRAME, "kind", "day", None)
    assert all(v == 1 for row in counted.data[0].z for v in row)
    wide = pl.DataFrame({"a": list(range(250)), "b": ["x"] * 250})
    assert quick.heatmap(wide, "a", "b", None)[1]
