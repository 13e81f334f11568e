"""Shaping activity frames for display: naming the rows SQL summed over the chats when too many are
selected to draw one line each, and the chats-side-by-side table."""

from __future__ import annotations

import polars as pl

MAX_CHAT_LINES = 8


def name_combined(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """Rows a query summed over the chats (chat_name null, with by_chat false) get a display name."""
    return frame.with_columns(pl.col("chat_name").fill_null(label))


def comparison(base: pl.DataFrame, participation: pl.DataFrame, conversations: pl.DataFrame,
               responses: pl.DataFrame, gap_minutes: int) -> pl.DataFrame:
    """Chats side by side: speaker figures (chat_comparison), inequality (participation),
    conversations at the chosen silence gap and responsiveness, joined on chat_id."""
    parts = [
        participation.select("chat_id", "lurker_ratio", "gini", "effective_speakers", "absence_factor"),
        conversations.filter(pl.col("gap_minutes") == gap_minutes)
        .select("chat_id", "per_day", "share_two_speakers"),
        responses.filter(pl.col("chat_id").is_not_null())
        .select("chat_id", "questions", "median_s", "within_30m"),
    ]
    out = base
    for p in parts:
        out = out.join(p, on="chat_id", how="left")
    return out
