"""Red-packet figures: the timeline of talk and packets, each packet's lift with its interval,
and the weekly dependency on packets. (DataFrame, labels) → plotly Figure; no streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import style


def timeline(daily: pl.DataFrame, packets: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Organic messages a day per chat (lines), each packet a marker on its day sized by its claims.
    daily: chat_name, day, active_messages; packets: chat_name, day, ts, claims, label."""
    fig = go.Figure()
    chats = sorted(set(daily["chat_name"].to_list()) | set(packets["chat_name"].to_list()))
    color = {c: style.PALETTE[i % len(style.PALETTE)] for i, c in enumerate(chats)}
    for (chat,), part in daily.sort("chat_name", "day").group_by("chat_name", maintain_order=True):
        fig.add_trace(go.Scatter(x=part["day"].to_list(), y=part["active_messages"].to_list(), name=chat,
                                 mode="lines", line=dict(color=color[chat], width=1.5)))
    at = packets.join(daily.select("chat_name", "day", "active_messages"), on=["chat_name", "day"], how="left")
    fig.add_trace(go.Scatter(
        x=at["day"].to_list(), y=at["active_messages"].fill_null(0).to_list(), mode="markers", name=labels["packet"],
        marker=dict(symbol="diamond", color="#dc2626", line=dict(width=1, color="#7f1d1d"),
                    size=[10 + min(c, 30) for c in at["claims"].to_list()]),
        text=at["label"].to_list(), hovertemplate="%{text}<extra></extra>"))
    fig.update_yaxes(title_text=labels["axis"])
    fig = style.apply(fig, height=360)
    fig.update_layout(hovermode="closest")
    return fig


def lifts(per_packet: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Extra organic messages and extra speakers in the hour after each packet, with 90% intervals.
    per_packet: label, lift_msgs, lift_msgs_lo/hi, lift_speakers, lift_speakers_lo/hi."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=(labels["msgs"], labels["speakers"]))
    shown = per_packet.filter(pl.col("lift_msgs").is_not_null())
    for col, m in enumerate(("msgs", "speakers"), start=1):
        est = shown[f"lift_{m}"]
        fig.add_trace(go.Scatter(
            x=est.to_list(), y=shown["label"].to_list(), mode="markers", showlegend=False,
            marker=dict(size=11, color=style.PALETTE[col - 1], line=dict(width=1, color="#1f2937")),
            error_x=dict(type="data", symmetric=False, array=(shown[f"lift_{m}_hi"] - est).to_list(),
                         arrayminus=(est - shown[f"lift_{m}_lo"]).to_list(), thickness=2, width=6),
            hovertemplate="%{y}: %{x:+.1f}<extra></extra>"), row=1, col=col)
        fig.add_vline(x=0, line=dict(color="#111", width=1), row=1, col=col)
    fig.update_yaxes(categoryorder="array", categoryarray=shown["label"].to_list()[::-1], rangemode="normal")
    fig = style.apply(fig, height=140 + 36 * shown.height)
    fig.update_layout(hovermode="closest")
    return fig


def dependency(weeks: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Per chat and week, the share of organic speakers who spoke only right after a packet.
    weeks: chat_name, week, share_only_after_packet."""
    fig = go.Figure()
    for (chat,), part in weeks.sort("chat_name", "week").group_by("chat_name", maintain_order=True):
        fig.add_trace(go.Scatter(x=part["week"].to_list(), y=part["share_only_after_packet"].to_list(), name=chat,
                                 mode="lines+markers"))
    fig.update_yaxes(title_text=labels["axis"], tickformat=".0%")
    return style.apply(fig, height=300)
