"""Events & visits figures: (DataFrame, labels) → plotly Figure. No streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import style

VERDICT_COLORS = {"clear_lift": "#16a34a", "possible_lift": "#84cc16", "no_difference": "#94a3b8",
                  "possible_drop": "#f97316", "clear_drop": "#dc2626"}


def actual_vs_expected(days: pl.DataFrame, event_day: object, labels: dict[str, str]) -> go.Figure:
    """The exposed members' visits each day after the event against the same-weekday expectation,
    with its 90% band. days: day, observed, expected, low90, high90."""
    fig = go.Figure()
    x = days["day"].to_list()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=days["high90"].to_list() + days["low90"].to_list()[::-1],
                             fill="toself", fillcolor="rgba(148,163,184,0.3)", line=dict(width=0), mode="lines",
                             name=labels["band"], hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=days["expected"].to_list(), name=labels["expected"], mode="lines",
                             line=dict(color="#64748b", dash="dash", width=2)))
    fig.add_trace(go.Scatter(x=x, y=days["observed"].to_list(), name=labels["observed"], mode="lines+markers",
                             line=dict(color=style.PALETTE[0], width=3)))
    fig.add_vline(x=event_day, line=dict(color="#111", width=1.2, dash="dot"))
    fig.update_yaxes(title_text=labels["visits"])
    return style.apply(fig, height=380)


def forest(events: pl.DataFrame, types: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Each type's mean extra visits (a diamond) above its events' estimates (dots), each with its
    90% interval and coloured by verdict. events and types: label, category, estimate, low90,
    high90, verdict (key), verdict_text; either may be empty. labels: extra (x axis), mean (legend)."""
    # the types that worked best on top; a type with no mean after them, by name
    ranked = types.sort("estimate", descending=True)["category"].to_list()
    order: list[str] = []
    for category in ranked + sorted(set(events["category"].to_list()) - set(ranked)):
        order += types.filter(pl.col("category") == category)["label"].to_list()
        order += events.filter(pl.col("category") == category).sort("label", descending=True)["label"].to_list()
    fig = go.Figure()

    def points(part: pl.DataFrame, name: str, symbol: str, size: int, color: object) -> None:
        fig.add_trace(go.Scatter(
            x=part["estimate"].to_list(), y=part["label"].to_list(), mode="markers", name=name,
            marker=dict(size=size, color=color, symbol=symbol, line=dict(width=1, color="#1f2937")),
            error_x=dict(type="data", symmetric=False, array=(part["high90"] - part["estimate"]).to_list(),
                         arrayminus=(part["estimate"] - part["low90"]).to_list(), thickness=2, width=6),
            hovertemplate="%{y}: %{x:+.1f}<extra></extra>"))

    if types.height:
        points(types, labels["mean"], "diamond", 16, [VERDICT_COLORS.get(v, "#64748b") for v in types["verdict"]])
    for (key,), part in events.sort("verdict").group_by("verdict", maintain_order=True):
        points(part, part["verdict_text"][0], "circle", 11, VERDICT_COLORS.get(key, "#64748b"))
    fig.add_vline(x=0, line=dict(color="#111", width=1))
    fig.update_xaxes(title_text=labels["extra"], zeroline=False)
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], rangemode="normal")
    fig = style.apply(fig, height=120 + 42 * len(order))
    fig.update_layout(hovermode="closest")
    return fig


def funnel(steps: list[tuple[str, int]]) -> go.Figure:
    fig = go.Figure(go.Funnel(y=[s for s, _ in steps], x=[n for _, n in steps], textinfo="value+percent initial",
                              marker=dict(color=style.PALETTE[: len(steps)])))
    fig = style.apply(fig, height=320)
    fig.update_layout(hovermode="closest")
    return fig


def timeline(daily: pl.DataFrame, events: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Messages and store visits per day on one time axis, every event's day marked.
    daily: day, messages, visits. events: event_id, event_day, name."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=daily["day"].to_list(), y=daily["messages"].to_list(), name=labels["messages"],
                         marker=dict(color=style.PALETTE[0], opacity=0.55)))
    fig.add_trace(go.Scatter(x=daily["day"].to_list(), y=daily["visits"].to_list(), name=labels["visits"],
                             mode="lines", line=dict(color=style.PALETTE[1], width=2), yaxis="y2"))
    fig.update_layout(yaxis=dict(title=labels["messages"]),
                      yaxis2=dict(title=labels["visits"], overlaying="y", side="right", rangemode="tozero",
                                  showgrid=False, tickformat=",d"))
    return mark_events(style.apply(fig, height=420), events)


def mark_events(fig: go.Figure, events: pl.DataFrame) -> go.Figure:
    """Each day with an event as a dotted red line across all of a figure's panels, named after its
    event; a day a chain's shops share is named after its commonest event, "+N" telling how many
    more. events: event_id, event_day, name (an event announced in two chats counts once). The
    figure may be finished already (style.apply), so the names are escaped here."""
    days = (events.unique("event_id").group_by("event_day")
            .agg(pl.len().alias("n"), pl.col("name").mode().sort().first().alias("name")).sort("event_day"))
    for r in days.iter_rows(named=True):
        fig.add_vline(x=r["event_day"], line=dict(color="#dc2626", width=1, dash="dot"), row="all", col="all")
        text = style.plain(r["name"] if r["n"] == 1 else f"{r['name']} +{r['n'] - 1}")
        fig.add_annotation(x=r["event_day"], y=1.0, yref="paper", text=text, showarrow=False, textangle=-90,
                           xanchor="right", yanchor="top", font=dict(size=10, color="#991b1b"))
    return fig
