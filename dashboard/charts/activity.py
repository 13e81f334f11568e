"""Activity figures over time: (DataFrame, labels) → plotly Figure. No streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import style


def _chats(frame: pl.DataFrame) -> list[str]:
    return frame["chat_name"].unique(maintain_order=True).to_list()


def daily_messages_and_speakers(frame: pl.DataFrame, labels: dict[str, str], x: str = "day",
                                visits: pl.DataFrame | None = None) -> go.Figure:
    """Stacked panels sharing the time axis: messages (bars) and speakers (lines), per chat, and,
    given `visits` (period_start, visits), the store's visit-days in a third panel.

    frame: chat_name, x (day or period_start), messages, speakers, optionally partial (bool).
    labels: day, messages, speakers, and visits when visits are given.
    """
    rows = 2 if visits is None else 3
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=None if rows == 2 else [0.45, 0.3, 0.25])
    for i, chat in enumerate(_chats(frame)):
        part = frame.filter(pl.col("chat_name") == chat).sort(x)
        color = style.PALETTE[i % len(style.PALETTE)]
        # a period the export covers only in part is drawn faint: fewer messages there is not a dip
        opacity = [0.35 if p else 1.0 for p in part["partial"].to_list()] if "partial" in part.columns else 1.0
        fig.add_trace(go.Bar(x=part[x].to_list(), y=part["messages"].to_list(), name=chat,
                             marker=dict(color=color, opacity=opacity), legendgroup=chat), row=1, col=1)
        fig.add_trace(go.Scatter(x=part[x].to_list(), y=part["speakers"].to_list(), name=chat,
                                 mode="lines+markers", line=dict(color=color, width=2), marker=dict(size=4),
                                 legendgroup=chat, showlegend=False), row=2, col=1)
    if visits is not None:
        fig.add_trace(go.Scatter(x=visits["period_start"].to_list(), y=visits["visits"].to_list(),
                                 name=labels["visits"], mode="lines", line=dict(color="#dc2626", width=2)),
                      row=3, col=1)
        fig.update_yaxes(title_text=labels["visits"], row=3, col=1)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=labels["day"], row=rows, col=1)
    fig.update_yaxes(title_text=labels["messages"], row=1, col=1)
    fig.update_yaxes(title_text=labels["speakers"], row=2, col=1)
    return style.apply(fig, height=460 if rows == 2 else 580)


def rolling_speakers(frame: pl.DataFrame, measure: str, labels: dict[str, str]) -> go.Figure:
    """One line per chat of one measure of speakers_rolling (dau, wau, mau28, stickiness or a
    speaker rate); ratios on a percent axis.

    frame: chat_name, day, <measure>. labels: day, measure.
    """
    fig = go.Figure()
    for i, chat in enumerate(_chats(frame)):
        part = frame.filter(pl.col("chat_name") == chat).sort("day")
        fig.add_trace(go.Scatter(x=part["day"].to_list(), y=part[measure].to_list(), name=chat, mode="lines",
                                 line=dict(color=style.PALETTE[i % len(style.PALETTE)], width=2)))
    ratio = measure in ("stickiness", "speaker_rate_daily", "speaker_rate_weekly")
    fig.update_yaxes(title_text=labels["measure"], tickformat=".0%" if ratio else ",d")
    fig.update_xaxes(title_text=labels["day"])
    return style.apply(fig, height=380)


def kind_mix(frame: pl.DataFrame, kind_names: dict[str, str], labels: dict[str, str]) -> go.Figure:
    """Share of each message kind per period, stacked to 100 %.

    frame: period_start, kind, messages, share. labels: period, share.
    """
    order = (frame.group_by("kind").agg(pl.col("messages").sum()).sort("messages", descending=True)["kind"]
             .to_list())
    fig = go.Figure()
    for i, kind in enumerate(order):
        part = frame.filter(pl.col("kind") == kind).sort("period_start")
        fig.add_trace(go.Bar(x=part["period_start"].to_list(), y=part["share"].to_list(),
                             name=kind_names.get(kind, kind), marker_color=style.MANY[i % len(style.MANY)],
                             customdata=part["messages"].to_list(),
                             hovertemplate="%{y:.0%} (%{customdata})"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=labels["period"])
    fig.update_yaxes(title_text=labels["share"], tickformat=".0%", range=[0, 1])
    return style.apply(fig, height=380)


def sparkline(frame: pl.DataFrame, x: str, y: str, color: str = style.PALETTE[0]) -> go.Figure:
    """A small line with no axes, for a health card."""
    fig = go.Figure(go.Scatter(x=frame[x].to_list(), y=frame[y].to_list(), mode="lines", fill="tozeroy",
                               line=dict(color=color, width=2), hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(height=70, margin=dict(l=0, r=0, t=0, b=0), showlegend=False, plot_bgcolor="white",
                      font=dict(family=style.FONT, size=11))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return style.literal(fig)


def conversations_daily(frame: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Conversations started per day (bars) and, on the right axis, the 7-day mean share with at
    least two speakers.

    frame: day, conversations, share_two_speakers. labels: day, count, two.
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=frame["day"].to_list(), y=frame["conversations"].to_list(), name=labels["count"],
                         marker_color=style.PALETTE[0], opacity=0.6), secondary_y=False)
    fig.add_trace(go.Scatter(x=frame["day"].to_list(),
                             y=frame["share_two_speakers"].rolling_mean(7, min_samples=1).to_list(),
                             name=labels["two"], mode="lines", line=dict(color=style.PALETTE[1], width=2)),
                  secondary_y=True)
    fig.update_yaxes(title_text=labels["count"], secondary_y=False)
    fig.update_yaxes(title_text=labels["two"], tickformat=".0%", range=[0, 1], tickvals=[0, 0.25, 0.5, 0.75, 1],
                     secondary_y=True, showgrid=False)
    fig.update_xaxes(title_text=labels["day"])
    return style.apply(fig, height=360)
