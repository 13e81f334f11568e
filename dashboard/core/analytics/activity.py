"""Shaping activity frames for display: what SQL gives per chat, combined when too many chats are
selected to draw one line each, and the chats-side-by-side table."""

from __future__ import annotations

import polars as pl

MAX_CHAT_LINES = 8


def combine_chats(frame: pl.DataFrame, keys: list[str], sums: list[str], label: str,
                  max_lines: int = MAX_CHAT_LINES) -> pl.DataFrame:
    """One row per key for all chats together (chat_name = label) when there are more chats than
    max_lines; the frame unchanged otherwise. Summed speakers are person-chats: someone in two
    chats counts twice."""
    if frame.is_empty() or frame["chat_name"].n_unique() <= max_lines:
        return frame
    return (frame.group_by(keys, maintain_order=True).agg(pl.col(c).sum() for c in sums)
            .with_columns(pl.lit(label).alias("chat_name")).sort(keys))


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
