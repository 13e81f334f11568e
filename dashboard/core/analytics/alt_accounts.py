"""The alt-account evidence score (docs/metrics.md §3.4): eight yes/no criteria per account against the
owner and each staff member, from the measurements of queries/cold_start/alt_evidence.sql.

Always shown with its evidence, never as a bare verdict: a shop assistant's own phone or a spouse
matches many criteria too, and the owner is the one who knows.
"""

from __future__ import annotations

import polars as pl

MIN_MESSAGES = 30  # below this the criteria say nothing (docs/metrics.md §3.4)
FLAG_AT = 4  # of the eight criteria

CRITERIA = ("founding", "cold_start", "turn_taking", "co_activity", "same_clock", "exclusive", "content",
            "no_commerce")



def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den, null when den is 0: Polars reads NaN as larger than any number, so 0/0 would pass
    every "at least" test."""
    return pl.when(den > 0).then(num / den)


# A criterion's flag and the measurement shown beside it, as Polars expressions over one
# (account, reference) row of alt_evidence.
_lift = _ratio(_ratio(pl.col("right_after_reference"), pl.col("period_reference_messages")),
               _ratio(pl.col("period_own_messages"), pl.col("period_messages")))
_near = _ratio(pl.col("near_reference"), pl.col("messages"))
_to_ref = _ratio(pl.col("edges_to_reference"), pl.col("reply_edges"))
_first = _ratio(pl.col("solitaire_first"), pl.col("solitaire_lists"))
_short = pl.col("median_chars") <= 0.5 * pl.col("chat_median_chars")
RULES: dict[str, tuple[pl.Expr, pl.Expr]] = {
    # joined in the founding batch, or within a day of the birth at the reference's invitation
    "founding": (pl.col("birth_seen") & (pl.col("founding_batch") | (
        (pl.col("joined_at") <= pl.col("born_at") + pl.duration(hours=24))
        & (pl.col("inviter_id") == pl.col("reference_id")))), pl.col("joined_at").dt.strftime("%Y-%m-%d %H:%M")),
    # most messages before the end of cold start plus two weeks (rollup alt_evidence; the variant
    # docs/metrics.md §3.4 leaves out, a post/pre message ratio under 0.1, means a share over 10/11,
    # which this already covers)
    "cold_start": (pl.col("pre_share") >= 0.8, pl.col("pre_share")),
    # speaks right after the reference far more often than at random (lift within the account's active time)
    "turn_taking": (_lift >= 3, _lift),
    # the reference is nearly always around, yet the two never talk at once
    "co_activity": ((_near >= 0.8) & (pl.col("bursts") == 0), _near),
    "same_clock": (pl.col("clock_cosine") >= 0.9, pl.col("clock_cosine")),
    # replies go to the reference, and organic members seldom answer the account
    "exclusive": ((_to_ref >= 0.7) & (pl.col("addressed_by_organic") <= 0.5 * pl.col("messages")), _to_ref),
    # short affirmations, first on 接龙 lists, or much shorter messages than the chat's
    "content": (_short | (pl.col("affirmation_share") >= 0.5) | ((pl.col("solitaire_lists") >= 2) & (_first >= 0.5)),
                pl.col("affirmation_share")),
    # no store customer linked, no visit
    "no_commerce": ((pl.col("linked_customers") == 0) & (pl.col("visits") == 0), pl.col("fast_claims")),
}


def criteria(evidence: pl.DataFrame) -> pl.DataFrame:
    """Every (account, reference) row with each criterion's flag (c_<name>), its measurement
    (v_<name>) and the score; a criterion that cannot be measured counts as not met."""
    rows = evidence.with_columns(
        *[flag.fill_null(False).alias(f"c_{name}") for name, (flag, _) in RULES.items()],
        *[value.alias(f"v_{name}") for name, (_, value) in RULES.items()])
    return rows.with_columns(pl.sum_horizontal([pl.col(f"c_{n}").cast(pl.Int8) for n in CRITERIA]).alias("score"))


def score(evidence: pl.DataFrame, decisions: pl.DataFrame) -> pl.DataFrame:
    """One row per account: its strongest reference (highest score, then most messages from it),
    the criteria against it, and a status: alt (the owner confirmed), customer (the owner said real
    customer: never flagged), insufficient (fewer than MIN_MESSAGES), suspected (score ≥ FLAG_AT) or
    clear."""
    if evidence.is_empty():
        return criteria(evidence).with_columns(pl.lit(None, pl.String).alias("status"))
    rows = criteria(evidence)
    best = rows.sort(["score", "period_reference_messages"], descending=True).unique(
        ["chat_id", "member_id"], keep="first", maintain_order=True)
    best = best.join(decisions.select("chat_id", "member_id", "decision"), on=["chat_id", "member_id"], how="left")
    status = (pl.when(pl.col("decision") == "alt").then(pl.lit("alt"))
              .when(pl.col("decision") == "customer").then(pl.lit("customer"))
              .when(pl.col("messages") < MIN_MESSAGES).then(pl.lit("insufficient"))
              .when(pl.col("score") >= FLAG_AT).then(pl.lit("suspected"))
              .otherwise(pl.lit("clear")))
    order = pl.col("status").replace_strict(
        {"suspected": 0, "alt": 1, "clear": 2, "customer": 3, "insufficient": 4}, return_dtype=pl.Int8)
    return (best.with_columns(status.alias("status"))
            .sort([order, pl.col("score"), pl.col("messages")], descending=[False, True, True])
            .drop("decision"))
