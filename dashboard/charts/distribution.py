"""Distributions: Lorenz curves and the time-to-first-response curve."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style


def lorenz(frame: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """One Lorenz curve per chat against the line of perfect equality.

    frame: chat_name, lorenz_members (list), lorenz_messages (list). labels: members, messages, equality.
    """
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=labels["equality"],
                               line=dict(color="#94a3b8", dash="dot")))
    for i, r in enumerate(frame.filter(pl.col("lorenz_members").is_not_null()).iter_rows(named=True)):
        fig.add_trace(go.Scatter(x=[0.0, *r["lorenz_members"]], y=[0.0, *r["lorenz_messages"]], mode="lines",
                                 name=r["chat_name"], line=dict(color=style.PALETTE[i % len(style.PALETTE)], width=2)))
    fig.update_xaxes(title_text=labels["members"], tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text=labels["messages"], tickformat=".0%", range=[0, 1])
    fig = style.apply(fig, height=380)
    fig.update_layout(hovermode="closest")
    return fig


def response_curve(frame: pl.DataFrame, labels: dict[str, str], tick_names: dict[int, str]) -> go.Figure:
    """Share of questions answered within t (Kaplan–Meier, unanswered censored), per chat, on a
    log time axis.

    frame: chat_name, curve_t (list), curve_answered (list). labels: time, answered.
    """
    fig = go.Figure()
    for i, r in enumerate(frame.iter_rows(named=True)):
        fig.add_trace(go.Scatter(x=r["curve_t"], y=r["curve_answered"], mode="lines+markers", name=r["chat_name"],
                                 line=dict(color=style.PALETTE[i % len(style.PALETTE)], width=2, shape="hv"),
                                 marker=dict(size=5)))
    fig.update_xaxes(type="log", title_text=labels["time"], tickvals=list(tick_names),
                     ticktext=list(tick_names.values()))
    fig.update_yaxes(title_text=labels["answered"], tickformat=".0%", range=[0, 1])
    fig = style.apply(fig, height=360)
    fig.update_layout(hovermode="closest")
    return fig
