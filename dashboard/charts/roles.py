"""Roles & diversity figures: (DataFrame, labels) → plotly Figure. No streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style


def weekly_lines(frame: pl.DataFrame, series: dict[str, str], y_title: str, percent: bool = False,
                 height: int = 380) -> go.Figure:
    """One line per column of `series` (column → legend name) against `week`."""
    fig = go.Figure()
    for i, (col, name) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=frame["week"].to_list(), y=frame[col].to_list(), name=name, mode="lines+markers",
                                 line=dict(color=style.MANY[i % len(style.MANY)], width=2), marker=dict(size=4)))
    fig.update_yaxes(title_text=y_title, tickformat=".0%" if percent else None)
    return style.apply(fig, height=height)


def by_group(frame: pl.DataFrame, group: str, y: str, y_title: str, percent: bool = False) -> go.Figure:
    """One line per value of `group` (e.g. a topic's or a chat's name) of `y` against `week`."""
    # "first", not "sum": a week with no value stays a gap instead of reading as zero
    wide = frame.pivot(on=group, index="week", values=y, aggregate_function="first").sort("week")
    return weekly_lines(wide, {c: c for c in wide.columns if c != "week"}, y_title, percent)


def rfm_grid(cells: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Members per recency × frequency cell (5 × 5), each cell labelled with its count and segment.
    cells: r_score, f_score, members, segment (already worded). labels: r, f, members."""
    z = [[0] * 5 for _ in range(5)]
    text = [[""] * 5 for _ in range(5)]
    for row in cells.iter_rows(named=True):
        z[row["f_score"] - 1][row["r_score"] - 1] = row["members"]
        text[row["f_score"] - 1][row["r_score"] - 1] = row["segment"]
    # the count and the segment on two lines: the break sits in the template, since the texts
    # themselves are made literal (style.literal)
    fig = go.Figure(go.Heatmap(z=z, x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], text=text, texttemplate="%{z}<br>%{text}",
                               colorscale="Blues", colorbar=dict(title=labels["members"]),
                               hovertemplate=f"R %{{x}} · F %{{y}}: %{{z}} {labels['members']}<extra></extra>"))
    fig.update_xaxes(title_text=labels["r"], dtick=1)
    fig.update_yaxes(title_text=labels["f"], dtick=1)
    fig = style.apply(fig, height=430)
    fig.update_layout(hovermode="closest")
    return fig


def network(nodes: pl.DataFrame, edges: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """The reply network of the top members: a dot per member (size = reach, colour = class) at
    x, y, a line per tie (width = weight), names beside the dots.
    nodes: member_id, name, x, y, reach, member_class (worded), edges: source_id, target_id, weight."""
    pos = {r["member_id"]: (r["x"], r["y"]) for r in nodes.iter_rows(named=True)}
    fig = go.Figure()
    top = max(edges["weight"].max() or 1.0, 1.0) if edges.height else 1.0
    for e in edges.iter_rows(named=True):
        (x0, y0), (x1, y1) = pos[e["source_id"]], pos[e["target_id"]]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color="rgba(100,116,139,0.35)", width=0.5 + 5 * e["weight"] / top)))
    biggest = max(nodes["reach"].max() or 1.0, 1.0)
    for i, (cls, part) in enumerate(nodes.group_by("member_class", maintain_order=True)):
        fig.add_trace(go.Scatter(
            x=part["x"].to_list(), y=part["y"].to_list(), mode="markers+text", name=cls[0],
            text=part["name"].to_list(), textposition="top center", textfont=dict(size=11),
            marker=dict(size=[10 + 30 * (r / biggest) ** 0.5 for r in part["reach"].to_list()],
                        color=style.PALETTE[i % len(style.PALETTE)], line=dict(color="white", width=1)),
            customdata=part["reach"].to_list(),
            hovertemplate="%{text}<br>" + labels["reach"] + " %{customdata:.0f}<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig = style.apply(fig, height=560)
    fig.update_layout(hovermode="closest")
    return fig


def around_classes(days: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Organic messages a day from a week before an expert's class to a week after, one line per
    class. days: rel_day, organic_messages, event (the class's name and date)."""
    fig = go.Figure()
    for i, (event, part) in enumerate(days.sort("rel_day").group_by("event", maintain_order=True)):
        fig.add_trace(go.Scatter(x=part["rel_day"].to_list(), y=part["organic_messages"].to_list(), name=event[0],
                                 mode="lines+markers", line=dict(color=style.MANY[i % len(style.MANY)], width=2)))
    fig.add_vline(x=0, line=dict(color="#111", width=1.2, dash="dot"))
    fig.update_xaxes(title_text=labels["rel_day"], dtick=1)
    fig.update_yaxes(title_text=labels["messages"])
    return style.apply(fig, height=360)


def association(panel: pl.DataFrame, x: str, y: str, labels: dict[str, str]) -> go.Figure:
    """Each chat-week as a dot: the week's diversity against next week's outcome, a colour per chat."""
    fig = go.Figure()
    for i, (chat, part) in enumerate(panel.group_by("chat_name", maintain_order=True)):
        fig.add_trace(go.Scatter(x=part[x].to_list(), y=part[y].to_list(), mode="markers", name=chat[0],
                                 marker=dict(size=8, color=style.PALETTE[i % len(style.PALETTE)], opacity=0.75),
                                 text=[str(w) for w in part["week"].to_list()],
                                 hovertemplate="%{text}: %{x:.2f} → %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title_text=labels["x"], showgrid=True, gridcolor="#eef2f7")
    fig.update_yaxes(title_text=labels["y"])
    fig = style.apply(fig, height=400)
    fig.update_layout(hovermode="closest")
    return fig
