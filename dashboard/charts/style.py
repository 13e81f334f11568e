"""Shared look: CJK-capable fonts, a calm palette, compact margins; and every text a figure shows
made literal."""

from __future__ import annotations

import numpy as np
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
    return literal(fig)


def plain(text: object) -> str:
    """Text plotly shows as it is. Plotly reads a subset of HTML in every label, legend entry, tick,
    hover box and annotation (<b>, <a href=…>, <span style=…>, <br>, entities), so a member called
    `<a href="http://…">` would be a link; escaped, it reads as typed (docs/architecture.md §7)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped(value: object) -> object:
    """A string, or a (nested) list of values, with its strings escaped; the value itself when
    nothing needed it (so untouched arrays are not set again)."""
    if isinstance(value, str):
        return plain(value) if "&" in value or "<" in value or ">" in value else value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "OUS":
            return value
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return value
    out = None
    for i, v in enumerate(value):
        e = _escaped(v)
        if e is not v:
            out = list(value) if out is None else out
            out[i] = e
    return value if out is None else out


# the trace fields whose strings plotly shows (templates are ours and keep their markup)
_TRACE_TEXT = ("name", "text", "hovertext", "labels", "x", "y", "customdata")


def literal(fig: go.Figure) -> go.Figure:
    """Escape every data-bearing text of a finished figure, once: trace names, texts, labels and
    category values, the Sankey's node labels, annotations, axis titles, tick and category lists.
    A builder that adds text after this (`events.mark_events`) escapes it with `plain` itself."""
    if getattr(fig, "_literal", False):
        return fig
    for trace in fig.data:
        for field in _TRACE_TEXT:
            value = getattr(trace, field, None)  # not every trace type has every field
            if value is not None and (escaped := _escaped(value)) is not value:
                trace[field] = escaped
        if trace.type == "sankey" and trace.node.label is not None:
            trace.node.label = _escaped(trace.node.label)
        if "colorbar" in trace and trace.colorbar.title.text is not None:
            trace.colorbar.title.text = plain(trace.colorbar.title.text)
    for annotation in fig.layout.annotations:
        if annotation.text is not None:
            annotation.text = plain(annotation.text)
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        if axis.title.text is not None:
            axis.title.text = plain(axis.title.text)
        for field in ("ticktext", "categoryarray"):
            value = axis[field]
            if value is not None and (escaped := _escaped(value)) is not value:
                axis[field] = escaped
    if fig.layout.legend.title.text is not None:
        fig.layout.legend.title.text = plain(fig.layout.legend.title.text)
    fig._literal = True
    return fig
