"""Activity figures: (DataFrame, labels) → plotly Figure. No streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import style


def daily_messages_and_speakers(frame: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Two stacked panels sharing the day axis: messages (bars) and speakers (lines), per chat.

    frame: chat_name, day, messages, speakers. labels: day, messages, speakers.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    for i, (chat,) in enumerate(frame.select("chat_name").unique(maintain_order=True).iter_rows()):
        part = frame.filter(pl.col("chat_name") == chat).sort("day")
        color = style.PALETTE[i % len(style.PALETTE)]
        fig.add_trace(go.Bar(x=part["day"].to_list(), y=part["messages"].to_list(), name=chat,
                             marker_color=color, legendgroup=chat), row=1, col=1)
        fig.add_trace(go.Scatter(x=part["day"].to_list(), y=part["speakers"].to_list(), name=chat,
                                 mode="lines+markers", line=dict(color=color, width=2), marker=dict(size=4),
                                 legendgroup=chat, showlegend=False), row=2, col=1)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=labels["day"], row=2, col=1, tickformat="%m-%d")
    fig.update_yaxes(title_text=labels["messages"], row=1, col=1)
    fig.update_yaxes(title_text=labels["speakers"], row=2, col=1)
    return style.apply(fig, height=460)
