"""Cold-start figures, aligned on group age: (DataFrame, labels) → plotly Figure. No streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import style


def _color(i: int) -> str:
    return style.PALETTE[i % len(style.PALETTE)]


def age_curves(weeks: pl.DataFrame, ends: dict[str, int], labels: dict[str, str]) -> go.Figure:
    """Every group's weekly organic speakers against its age in weeks, one line each, with a
    diamond where its cold start ended, so a new group can be read against the older ones.

    weeks: chat_name, age_week, organic_speakers. ends: chat_name → age week of the end.
    labels: age_week, speakers, end."""
    fig = go.Figure()
    for i, (chat, part) in enumerate(weeks.sort("age_week").group_by("chat_name", maintain_order=True)):
        name = chat[0]
        fig.add_trace(go.Scatter(x=part["age_week"].to_list(), y=part["organic_speakers"].to_list(), name=name,
                                 mode="lines+markers", line=dict(color=_color(i), width=2), marker=dict(size=4),
                                 legendgroup=name))
        end = ends.get(name)
        hit = part.filter(pl.col("age_week") == end) if end is not None else part.clear()
        if hit.height:
            fig.add_trace(go.Scatter(x=[end], y=hit["organic_speakers"].to_list(), name=labels["end"],
                                     mode="markers", marker=dict(symbol="diamond", size=13, color=_color(i),
                                                                 line=dict(color="#111", width=1)),
                                     legendgroup=name, showlegend=False, text=[name],
                                     hovertemplate=f"%{{text}} · {labels['end']}<extra></extra>"))
    fig.update_xaxes(title_text=labels["age_week"], rangemode="tozero", dtick=4)
    fig.update_yaxes(title_text=labels["speakers"], rangemode="tozero")
    return style.apply(fig, height=400)


def daily_takeoff(days: pl.DataFrame, end_day: int | None, changepoint_day: int | None,
                  labels: dict[str, str]) -> go.Figure:
    """One group's first months: organic messages a day (bars) and the 7-day organic share of
    messages (line, right axis), with the cold-start end and the changepoint marked.

    days: age_day, organic_messages, window_organic_share. labels: age_day, messages, share, end,
    changepoint."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=days["age_day"].to_list(), y=days["organic_messages"].to_list(), name=labels["messages"],
                         marker=dict(color=style.PALETTE[0], opacity=0.8)), secondary_y=False)
    fig.add_trace(go.Scatter(x=days["age_day"].to_list(), y=days["window_organic_share"].to_list(),
                             name=labels["share"], mode="lines", line=dict(color=style.PALETTE[1], width=2)),
                  secondary_y=True)
    # the two marks are often a few days apart: each label sits on the side away from the other
    end_first = changepoint_day is None or end_day is None or end_day <= changepoint_day
    marks = ((end_day, labels["end"], "solid", "right" if end_first else "left"),
             (changepoint_day, labels["changepoint"], "dot", "left" if end_first else "right"))
    for day, text, dash, side in marks:
        if day is not None:
            fig.add_vline(x=day, line=dict(color="#111", width=1.5, dash=dash))
            fig.add_annotation(x=day, y=1.04, yref="paper", text=text, showarrow=False, font=dict(size=12),
                               xanchor=side, xshift=-4 if side == "right" else 4)
    fig.update_xaxes(title_text=labels["age_day"])
    fig.update_yaxes(title_text=labels["messages"], secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text=labels["share"], secondary_y=True, tickformat=".0%", range=[0, 1.05], dtick=0.2,
                     showgrid=False)
    return style.apply(fig, height=380)


def seeding(weeks: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """One group's week-by-week shares of messages from the owner, all staff and alt accounts,
    and the share of staff prompts that drew an organic reply within the hour.

    weeks: age_week, owner_share, staff_share, alt_share, prompt_conversion.
    labels: age_week, share and one per column."""
    fig = go.Figure()
    for i, col in enumerate(("staff_share", "owner_share", "alt_share", "prompt_conversion")):
        fig.add_trace(go.Scatter(x=weeks["age_week"].to_list(), y=weeks[col].to_list(), name=labels[col],
                                 mode="lines+markers", marker=dict(size=4),
                                 line=dict(color=_color(i), width=2,
                                           dash="dot" if col == "prompt_conversion" else None)))
    fig.update_xaxes(title_text=labels["age_week"], dtick=4)
    fig.update_yaxes(title_text=labels["share"], tickformat=".0%", range=[0, 1.05])
    return style.apply(fig, height=360)


def silence_weeks(weeks: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Cold spells per week (bars) and the share of waking hours without an organic message (line).

    weeks: week, cold_spells, silence_ratio. labels: week, spells, ratio."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=weeks["week"].to_list(), y=weeks["cold_spells"].to_list(), name=labels["spells"],
                         marker=dict(color=style.PALETTE[3], opacity=0.75)), secondary_y=False)
    fig.add_trace(go.Scatter(x=weeks["week"].to_list(), y=weeks["silence_ratio"].to_list(), name=labels["ratio"],
                             mode="lines+markers", marker=dict(size=4), line=dict(color=style.PALETTE[7], width=2)),
                  secondary_y=True)
    fig.update_xaxes(title_text=labels["week"])
    fig.update_yaxes(title_text=labels["spells"], secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text=labels["ratio"], secondary_y=True, tickformat=".0%", range=[0, 1.05], dtick=0.2,
                     showgrid=False)
    return style.apply(fig, height=360)
