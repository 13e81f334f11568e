"""The SQL page's quick chart: a line, bar or heatmap from any result's columns."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style

KINDS = ("line", "bar", "heatmap")
MAX_SERIES = 20     # series split by a column: the largest by total, the rest left out (and said)
MAX_CELLS = 200     # heatmap rows and columns: the first by order
WEBGL_POINTS = 5000  # beyond this a line draws with WebGL


def numeric(frame: pl.DataFrame) -> list[str]:
    return [c for c, d in frame.schema.items() if d.is_numeric() and not isinstance(d, pl.Boolean)]


def plain(frame: pl.DataFrame) -> list[str]:
    """Columns usable as an axis or a series: not lists, structs or binary."""
    return [c for c, d in frame.schema.items() if not d.is_nested() and not isinstance(d, pl.Binary | pl.Object)]


def default_x(frame: pl.DataFrame) -> str:
    """A time column if there is one, else the first text column, else the first column."""
    for want in (lambda d: d.is_temporal(), lambda d: d == pl.String or isinstance(d, pl.Categorical | pl.Enum)):
        for c, d in frame.schema.items():
            if want(d) and c in plain(frame):
                return c
    return plain(frame)[0]


def default_split(frame: pl.DataFrame, x: str) -> str | None:
    """A text column (other than x) with at most MAX_SERIES values: one series per value."""
    for c, d in frame.schema.items():
        if c != x and (d == pl.String or isinstance(d, pl.Categorical | pl.Enum)) and frame[c].n_unique() <= MAX_SERIES:
            return c
    return None


def default_kind(frame: pl.DataFrame, x: str) -> str:
    """A line over time or numbers, bars over categories."""
    d = frame.schema[x]
    return "line" if d.is_temporal() or d.is_numeric() else "bar"


def _as_float(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    # decimals (sums DuckDB did not cast) reach Plotly as Decimal objects otherwise
    return frame.with_columns(pl.col(c).cast(pl.Float64) for c in cols)


def lines_or_bars(frame: pl.DataFrame, kind: str, x: str, ys: list[str], split: str | None = None
                  ) -> tuple[go.Figure, int]:
    """One trace per y column, or per value of `split` (the MAX_SERIES largest) for a single y.
    Returns the figure and how many series were left out."""
    # a line runs along x; bars keep the result's own order (its ORDER BY)
    data = _as_float(frame.drop_nulls(x).sort(x, maintain_order=True) if kind == "line" else frame.drop_nulls(x), ys)
    traces: list[tuple[str, pl.DataFrame, str]] = []
    left_out = 0
    if split and len(ys) == 1:
        totals = (data.group_by(split).agg(pl.col(ys[0]).abs().sum().alias("t"))
                  .sort(["t", split], descending=[True, False], nulls_last=True))
        keep = totals[split].head(MAX_SERIES).to_list()
        left_out = max(totals.height - MAX_SERIES, 0)
        traces = [(str(v), data.filter(pl.col(split).eq_missing(v)), ys[0]) for v in keep]
    else:
        traces = [(y, data, y) for y in ys]
    fig = go.Figure()
    for name, raw, y in traces:
        # several rows on one x (another column varies): one point, their sum
        part = raw.group_by(x, maintain_order=True).agg(pl.col(y).sum()) if raw[x].n_unique() < raw.height else raw
        if kind == "bar":
            fig.add_trace(go.Bar(x=part[x].to_list(), y=part[y].to_list(), name=name))
        else:
            make = go.Scattergl if part.height > WEBGL_POINTS else go.Scatter
            fig.add_trace(make(x=part[x].to_list(), y=part[y].to_list(), name=name, mode="lines"))
    fig.update_layout(barmode="group", showlegend=len(traces) > 1)
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=ys[0] if len(ys) == 1 else None)
    return style.apply(fig, height=440), left_out


def heatmap(frame: pl.DataFrame, x: str, y: str, z: str | None) -> tuple[go.Figure, bool]:
    """Cells of x × y coloured by the sum of z (or the count of rows without z); at most
    MAX_CELLS values on each axis. Returns the figure and whether values were left out."""
    data = frame.drop_nulls([x, y])
    value = pl.col(z).cast(pl.Float64).sum() if z else pl.len().cast(pl.Float64)
    cells = data.group_by([x, y]).agg(value.alias("v"))
    xs = cells[x].unique().sort()
    ys = cells[y].unique().sort()
    cut = xs.len() > MAX_CELLS or ys.len() > MAX_CELLS
    xs, ys = xs.head(MAX_CELLS), ys.head(MAX_CELLS)
    timeline = frame.schema[x].is_temporal()
    grid = (pl.DataFrame({y: ys}).join(pl.DataFrame({x: xs}), how="cross")
            .join(cells, on=[x, y], how="left", nulls_equal=True)
            .sort([y, x]))
    z_rows = [grid["v"][i * xs.len():(i + 1) * xs.len()].to_list() for i in range(ys.len())]
    fig = go.Figure(go.Heatmap(z=z_rows, x=xs.to_list() if timeline else [str(v) for v in xs.to_list()],
                               y=[str(v) for v in ys.to_list()],
                               colorscale="Blues", colorbar=dict(thickness=10, title=dict(text=z or "n"))))
    fig.update_xaxes(title_text=x, type="date" if timeline else "category")
    fig.update_yaxes(title_text=y, type="category", autorange="reversed")
    fig = style.apply(fig, height=max(320, min(900, 22 * ys.len() + 140)))
    fig.update_layout(hovermode="closest")
    return fig, cut
