"""Group-rules figures: hits by week and rule, with the owner's rule changes marked.
(DataFrame, labels) → plotly Figure; no streamlit here."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style

WEEK_MS = 7 * 86_400_000


def hits_by_week(weeks: pl.DataFrame, changes: list[dt.date], labels: dict[str, str],
                 span: tuple[dt.date, dt.date] | None = None) -> go.Figure:
    """Stacked hits per week by rule over the whole span of weeks (weeks without hits stay empty),
    dotted lines at rule changes. weeks: week, rule (legend text), hits; labels: axis."""
    fig = go.Figure()
    for i, ((rule,), part) in enumerate(weeks.sort("rule", "week").group_by("rule", maintain_order=True)):
        fig.add_trace(go.Bar(x=part["week"].to_list(), y=part["hits"].to_list(), name=rule, width=0.8 * WEEK_MS,
                             xperiod=WEEK_MS, xperiodalignment="start", marker_color=style.MANY[i % len(style.MANY)]))
    # one layout update for every change day: add_vline per change takes seconds for a chain's
    # thousand announcements
    fig.update_layout(barmode="stack", shapes=[
        dict(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
             line=dict(color="#dc2626", width=1.5, dash="dot")) for day in sorted(set(changes))])
    if span:
        fig.update_xaxes(range=[span[0] - dt.timedelta(days=7), span[1] + dt.timedelta(days=14)])
    fig.update_yaxes(title_text=labels["axis"], dtick=1 if weeks.height and weeks["hits"].max() < 8 else None)
    return style.apply(fig, height=340)
