"""Growth figures: joins by week, the invitation sunburst, bunching at a reward threshold, cohort
quality and movement between groups. (DataFrame, labels) → plotly Figure; no streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style

SERIES_COLORS = {"member_invite": "#3b82f6", "member_qr": "#0ea5e9", "staff_invite": "#f59e0b",
                 "staff_qr": "#fbbf24", "link": "#8b5cf6", "unknown": "#94a3b8", "remove": "#ef4444",
                 "leave": "#f97316"}

# generation 0, 1, 2 …: darker as the referral chain gets longer
GENERATION_COLORS = ["#94a3b8", "#93c5fd", "#3b82f6", "#1d4ed8", "#7c3aed", "#db2777", "#b91c1c"]


def joins_by_week(weeks: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Stacked weekly joins by series above zero, exits below. weeks: week, series, members (exits
    negative already); labels: series key → legend text, plus axis."""
    fig = go.Figure()
    for (key,), part in weeks.sort("series", "week").group_by("series", maintain_order=True):
        fig.add_trace(go.Bar(x=part["week"].to_list(), y=part["members"].to_list(), name=labels.get(key, key),
                             marker_color=SERIES_COLORS.get(key, "#64748b")))
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=labels["axis"], rangemode="normal")
    return style.apply(fig, height=380)


def sunburst(nodes: pl.DataFrame) -> go.Figure:
    """The invitation trees as rings: a chat in the middle, its roots next, each generation further
    out, coloured by generation. nodes: id, parent, label, generation (null for a chat)."""
    colors = ["#e2e8f0" if g is None else GENERATION_COLORS[min(g, len(GENERATION_COLORS) - 1)]
              for g in nodes["generation"].to_list()]
    fig = go.Figure(go.Sunburst(ids=nodes["id"].to_list(), parents=nodes["parent"].to_list(),
                                labels=nodes["label"].to_list(), branchvalues="remainder",
                                marker=dict(colors=colors, line=dict(color="white", width=0.5)),
                                hovertemplate="%{label}<br>%{value}<extra></extra>", insidetextorientation="radial"))
    fig = style.apply(fig, height=560)
    fig.update_layout(margin=dict(l=0, r=0, t=10, b=0))
    return fig


def bunching(hist: dict[int, int], threshold: int, expected: float, labels: dict[str, str]) -> go.Figure:
    """Referrers by how many people they invited, the reward threshold's bar highlighted and the
    smooth count expected there without the reward marked."""
    x = list(hist)
    colors = ["#ef4444" if n == threshold else "#3b82f6" for n in x]
    fig = go.Figure(go.Bar(x=x, y=list(hist.values()), marker_color=colors, name=labels["referrers"]))
    fig.add_trace(go.Scatter(x=[threshold], y=[expected], mode="markers", name=labels["expected"],
                             marker=dict(symbol="line-ew-open", size=28, line=dict(width=3, color="#111"))))
    fig.update_xaxes(title_text=labels["invitees"], dtick=1)
    fig.update_yaxes(title_text=labels["referrers"])
    return style.apply(fig, height=340)


def quality_bars(frame: pl.DataFrame, by: str, measures: dict[str, str], names: dict[str, str]) -> go.Figure:
    """Shares (0–1) of each measure per group, side by side. measures: column → legend text; names:
    group key → axis text."""
    fig = go.Figure()
    groups = frame[by].to_list()
    for i, (col, label) in enumerate(measures.items()):
        fig.add_trace(go.Bar(x=[names.get(g, g) for g in groups], y=frame[col].to_list(), name=label,
                             marker_color=style.PALETTE[i % len(style.PALETTE)],
                             hovertemplate="%{x}: %{y:.0%}"))  # the trace's name beside it
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig = style.apply(fig, height=340)
    fig.update_layout(hovermode="closest")
    return fig


def movement(flows: pl.DataFrame) -> go.Figure:
    """Members stepping from one group to the next, as a Sankey. flows: from_name, to_name, members."""
    names = sorted(set(flows["from_name"].to_list()) | set(flows["to_name"].to_list()))
    index = {n: i for i, n in enumerate(names)}
    fig = go.Figure(go.Sankey(
        node=dict(label=names, pad=24, thickness=18, color=style.PALETTE[: len(names)] * (len(names) // 8 + 1)),
        link=dict(source=[index[n] for n in flows["from_name"]], target=[index[n] for n in flows["to_name"]],
                  value=flows["members"].to_list(), color="rgba(59,130,246,0.3)")))
    return style.apply(fig, height=320)
