"""Diversity against next week's engagement (docs/metrics.md §4.4): within-chat association.

Each chat is compared with itself (group fixed effects: every variable minus the chat's own mean),
so a big group does not look like a diverse, lively one merely for being big. The slope and the
correlation describe how the outcome moved in weeks when diversity was higher: an association,
never a cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

MIN_WEEKS = 6  # fewer paired weeks say nothing


@dataclass(frozen=True)
class Association:
    predictor: str
    outcome: str
    weeks: int
    chats: int
    slope: float | None        # outcome change per unit of predictor, within chats
    correlation: float | None  # of the within-chat deviations


def within(panel: pl.DataFrame, predictor: str, outcome: str) -> Association:
    """The within-chat slope and correlation of `outcome` on `predictor` over the panel rows where
    both are known (association_weeks rows)."""
    rows = panel.filter(pl.col(predictor).is_not_null() & pl.col(outcome).is_not_null()
                        & pl.col(predictor).is_not_nan() & pl.col(outcome).cast(pl.Float64).is_not_nan())
    rows = rows.filter(pl.len().over("chat_id") >= 2)
    n, chats = rows.height, rows["chat_id"].n_unique() if rows.height else 0
    if n < MIN_WEEKS:
        return Association(predictor, outcome, n, chats, None, None)
    demeaned = rows.select(
        x=pl.col(predictor) - pl.col(predictor).mean().over("chat_id"),
        y=pl.col(outcome).cast(pl.Float64) - pl.col(outcome).cast(pl.Float64).mean().over("chat_id"),
    )
    x, y = demeaned["x"].to_numpy(), demeaned["y"].to_numpy()
    sxx, syy = float((x * x).sum()), float((y * y).sum())
    if sxx == 0:
        return Association(predictor, outcome, n, chats, None, None)
    slope = float((x * y).sum() / sxx)
    corr = float((x * y).sum() / np.sqrt(sxx * syy)) if syy > 0 else None
    return Association(predictor, outcome, n, chats, slope, corr)


PAIRS = (
    ("topic_q1", "next_week_speakers"),
    ("topic_q1", "newcomer_retention_4w"),
    ("mixed_share", "next_week_speakers"),
    ("expert_answers", "next_week_speakers"),
)


def summarise(panel: pl.DataFrame) -> list[Association]:
    return [within(panel, p, o) for p, o in PAIRS]
