"""Heatmaps: hour × weekday, calendar, join-week cohorts. (DataFrame, labels) → Figure."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import style


def hour_weekday(frame: pl.DataFrame, weekday_names: list[str], labels: dict[str, str]) -> go.Figure:
    """Members' messages per covered week in each hour of each weekday (left) and staff's (right),
    each cell also showing its raw count on hover.

    frame: who (members/staff), weekday 1–7, hour 0–23, messages, per_week.
    labels: members, staff, hour, per_week, count.
    """
    fig = make_subplots(rows=2, cols=1, subplot_titles=[labels["members"], labels["staff"]], shared_xaxes=True,
                        vertical_spacing=0.12)
    for row, (who, scale) in enumerate([("members", "Blues"), ("staff", "Oranges")], start=1):
        part = frame.filter(pl.col("who") == who)
        z = [[None] * 24 for _ in range(7)]
        raw = [[0] * 24 for _ in range(7)]
        for r in part.iter_rows(named=True):
            z[r["weekday"] - 1][r["hour"]] = r["per_week"]
            raw[r["weekday"] - 1][r["hour"]] = r["messages"]
        fig.add_trace(go.Heatmap(
            z=z, x=list(range(24)), y=weekday_names, colorscale=scale, customdata=raw,
            hovertemplate=f"%{{y}} %{{x}}:00<br>{labels['per_week']} %{{z:.1f}}<br>{labels['count']} %{{customdata}}"
                          "<extra></extra>",
            colorbar=dict(y=0.78 if row == 1 else 0.22, len=0.42, thickness=10),
        ), row=row, col=1)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick=2)
    fig.update_xaxes(title_text=labels["hour"], row=2, col=1)
    fig = style.apply(fig, height=520)
    fig.update_layout(hovermode="closest")
    return fig


def calendar(frame: pl.DataFrame, weekday_names: list[str], labels: dict[str, str]) -> go.Figure:
    """A GitHub-style calendar: one column per ISO week, one row per weekday, colour = messages;
    days outside the export are blank (a gap, not a quiet day). Staff's messages that day on hover.

    frame: day, messages, staff_messages (one row per covered day). labels: messages, staff, week.
    """
    days = frame.sort("day")
    weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in days["day"].to_list()})
    col_of = {w: i for i, w in enumerate(weeks)}
    z = [[None] * len(weeks) for _ in range(7)]
    staff = [[None] * len(weeks) for _ in range(7)]
    text = [[""] * len(weeks) for _ in range(7)]
    for r in days.iter_rows(named=True):
        d = r["day"]
        c = col_of[d - dt.timedelta(days=d.weekday())]
        z[d.weekday()][c] = r["messages"]
        staff[d.weekday()][c] = r["staff_messages"]
        text[d.weekday()][c] = d.isoformat()
    fig = go.Figure(go.Heatmap(
        z=z, x=weeks, y=weekday_names, colorscale="Greens", customdata=staff, text=text, xgap=2, ygap=2,
        hovertemplate=f"%{{text}}<br>{labels['messages']} %{{z}}<br>{labels['staff']} %{{customdata}}<extra></extra>",
        colorbar=dict(thickness=10),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=labels["week"])
    fig = style.apply(fig, height=260)
    fig.update_layout(hovermode="closest")
    return fig


def cohorts(frame: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Join-week cohorts: rows are weeks members entered, columns activation and weeks 1, 2, 4, 8;
    cells the share, blank where the export does not reach yet.

    frame: cohort_week, members, activated, week_1, week_2, week_4, week_8.
    labels: activated, week_1 … week_8, cohort.
    """
    cols = ["activated", "week_1", "week_2", "week_4", "week_8"]
    rows = frame.sort("cohort_week")
    y = [f"{d.isoformat()} ({n})" for d, n in zip(rows["cohort_week"].to_list(), rows["members"].to_list(),
                                                   strict=True)]
    z = [[r[c] for c in cols] for r in rows.iter_rows(named=True)]
    text = [["" if v is None else f"{v:.0%}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels[c] for c in cols], y=y, colorscale="Purples", zmin=0, zmax=1, text=text,
        texttemplate="%{text}", hovertemplate="%{y} · %{x}: %{text}<extra></extra>", colorbar=dict(thickness=10,
                                                                                                  tickformat=".0%"),
    ))
    fig.update_yaxes(autorange="reversed", title_text=labels["cohort"], type="category")
    fig = style.apply(fig, height=max(260, 28 * len(y) + 80))
    fig.update_layout(hovermode="closest")
    return fig
