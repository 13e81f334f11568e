"""Shared look: CJK-capable fonts, a calm palette, compact margins."""

from __future__ import annotations

import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
# for many categories (message kinds): distinct hues, none repeated before the 16th
MANY = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b", "#ec4899",
        "#84cc16", "#0ea5e9", "#a16207", "#6366f1", "#22c55e", "#e11d48", "#94a3b8"]
PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b"]


def apply(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(
        font=dict(family=FONT, size=13),
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
        colorway=PALETTE,
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eef2f7", rangemode="tozero")
    return fig
