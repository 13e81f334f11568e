"""Referral growth (docs/metrics.md §6): the invitation tree's shape, how many members bring others in
and how fast, and whether a reward threshold bunched the invitations.

Reads query growth/tree (one row per chat member, with inviter, generation and outcome)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import polars as pl

from dashboard.core import queries

HORIZON_DAYS = 30     # an invitation counts for K and the referrer rate within this many days of the inviter's join
THRESHOLD_WINDOW = 1  # bunching: counts this close to the threshold are left out of the smooth fit
SUNBURST_NODES = 2000  # more wedges than a browser draws smoothly or an eye can tell apart


@dataclass(frozen=True)
class TreeShape:
    root_id: str
    size: int
    depth: int
    structural_virality: float | None  # mean shortest path between all pairs; None for a lone root


@dataclass(frozen=True)
class ChatGrowth:
    chat_id: str
    chat: str
    members: int
    joiners: int                       # members with a join the export shows
    generations: dict[int, int]        # generation → members
    max_depth: int
    share_deep: float | None           # share of joiners at generation ≥ 2
    organic_referral_share: float | None  # joiners invited by organic (non-staff) members
    k_observed: float | None           # successful invitees per organic joiner within HORIZON_DAYS
    referrer_rate: float | None        # organic joiners with ≥ 1 invitee within HORIZON_DAYS
    cycle_time_days: float | None      # median days from an organic joiner's join to their first invitation
    trees: list[TreeShape]             # trees of two members or more, largest first


@dataclass(frozen=True)
class Sunburst:
    nodes: pl.DataFrame  # id, parent, label, chat, generation
    chats_shown: int
    chats: int           # chats with joiners in the period


def bunching(counts: list[int], threshold: int, degree: int = 3) -> dict:
    """Bunching at a reward threshold (docs/metrics.md §6.3): referrers per number of invitees, the
    count at the threshold against a polynomial fitted to the histogram without the counts within
    THRESHOLD_WINDOW of it. excess > 0 with a hole just above says invitations stopped at the reward."""
    top = max([threshold + 3, *counts]) if counts else threshold + 3
    hist = np.bincount(np.asarray(counts, dtype=int), minlength=top + 1)[1:]  # 1 … top invitees
    x = np.arange(1, top + 1)
    keep = np.abs(x - threshold) > THRESHOLD_WINDOW
    fit = np.polyval(np.polyfit(x[keep], hist[keep], deg=min(degree, int(keep.sum()) - 1)), x)
    at = int(hist[threshold - 1])
    expected = max(float(fit[threshold - 1]), 0.0)
    above = int(hist[threshold]) if threshold < top else 0
    return {"threshold": threshold, "histogram": dict(zip(x.tolist(), hist.tolist(), strict=True)),
            "at_threshold": at, "expected": expected, "excess": at - expected, "just_above": above,
            "bunched": at - expected >= 2 and at > 2 * max(above, 1)}


def analyze(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> list[ChatGrowth]:
    """Every chosen chat's growth figures (every chat when none are chosen): queries growth/figures
    and growth/trees."""
    figures = queries.run(con, "growth/figures", chat_ids=chat_ids, horizon_days=HORIZON_DAYS)
    trees: dict[str, list[TreeShape]] = {}
    for r in queries.run(con, "growth/trees", chat_ids=chat_ids).iter_rows(named=True):  # largest first
        trees.setdefault(r["chat_id"], []).append(
            TreeShape(r["root_id"], r["size"], r["depth"], r["structural_virality"]))
    return [ChatGrowth(
        chat_id=r["chat_id"], chat=r["chat_name"], members=r["members"], joiners=r["joiners"],
        generations={g["generation"]: g["members"] for g in r["generations"]}, max_depth=r["max_depth"],
        share_deep=r["share_deep"], organic_referral_share=r["organic_referral_share"],
        k_observed=r["k_observed"], referrer_rate=r["referrer_rate"], cycle_time_days=r["cycle_time_days"],
        trees=trees.get(r["chat_id"], []),
    ) for r in figures.iter_rows(named=True)]


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def report(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> dict:
    """`qunxi analyze growth`: per chat the tree's shape and the referral figures, and every edge
    (inviter → invitee) with its generation and the invitee's outcome."""
    tree = queries.run(con, "growth/tree", chat_ids=chat_ids)
    chats = analyze(con, chat_ids)
    edges = tree.filter(pl.col("inviter_id").is_not_null()).sort("chat_id", "joined_at", "member_id").select(
        pl.col("chat_name").alias("chat"), "inviter_name", "inviter_id", "name", "member_id", "method", "joined_at",
        "generation", "spoke_7", "active_7", "active_30", "removed", "visited")
    return {
        "chats": [{**asdict(c), "generations": {str(k): v for k, v in c.generations.items()}} for c in chats],
        "edges": [{k: _plain(v) for k, v in r.items()} for r in edges.iter_rows(named=True)],
    }


def join_kind() -> pl.Expr:
    """How a member came in, as docs/metrics.md §6.4 compares them: invited by a member or by staff, by
    QR code, by link, or unknown (no join notice in the export)."""
    return (pl.when(pl.col("joined_at").is_null() | pl.col("method").is_null()).then(pl.lit("unknown"))
            .when(pl.col("method") == "invite")
            .then(pl.when(pl.col("inviter_organic").fill_null(True)).then(pl.lit("member_invite"))
                  .otherwise(pl.lit("staff_invite")))
            .otherwise(pl.col("method")))


def quality(rows: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """What became of a group of members (docs/metrics.md §6.3–6.4): how many spoke within 7 days,
    still spoke 7 and 30 days after joining (of those the export follows that long), left, were
    removed, had a rule hit, and visited the shop (of those linked to a customer)."""
    def share(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.Float64).mean().alias(col)

    return rows.group_by(by).agg(
        pl.len().alias("members"), share("spoke_7"), share("active_7"), share("active_30"),
        share("left_chat"), share("removed"), (pl.col("rule_hits") > 0).mean().alias("rule_breakers"),
        pl.col("linked").sum().alias("linked"),
        pl.col("visited").filter(pl.col("linked")).cast(pl.Float64).mean().alias("visited"),
    ).sort(by)


def in_period(tree: pl.DataFrame, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Members who joined between start and end (local days, inclusive; None = open)."""
    day = pl.col("joined_at").dt.date()
    keep = pl.col("joined_at").is_not_null()
    if start:
        keep &= day >= start
    if end:
        keep &= day <= end
    return tree.filter(keep)


def inviters(joined: pl.DataFrame) -> pl.DataFrame:
    """Each inviter of these joiners with how many they brought in and what became of them;
    flagged when half or more of their invitees never spoke (neither in their first 7 days nor
    after) or left (docs/metrics.md §6.3: zero activity or early exit)."""
    invited = joined.filter(pl.col("inviter_id").is_not_null())
    q = quality(invited, ["chat_id", "inviter_id"])
    names = invited.group_by("chat_id", "inviter_id").agg(
        pl.col("chat_name").first(), pl.col("inviter_name").first(), pl.col("inviter_class").first(),
        pl.col("inviter_organic").first(),
        ((~pl.col("spoke_7") & ~pl.col("active_7").fill_null(False)) | pl.col("left_chat")).mean()
        .alias("poor_share"))
    return (q.join(names, on=["chat_id", "inviter_id"])
            .with_columns((pl.col("poor_share") >= 0.5).alias("flagged"))
            .rename({"members": "invitees"})
            .sort(["invitees", "inviter_name"], descending=[True, False]))


def threshold_groups(joined: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The invitees of organic referrers who brought in exactly the reward threshold against those
    of the other organic referrers: did the reward bring people who stay?"""
    invited = joined.filter(pl.col("inviter_id").is_not_null() & pl.col("inviter_organic").fill_null(False))
    counts = invited.group_by("chat_id", "inviter_id").agg(pl.len().alias("n"))
    tagged = invited.join(counts, on=["chat_id", "inviter_id"]).with_columns(
        pl.when(pl.col("n") == threshold).then(pl.lit("at_threshold"))
        .when(pl.col("n") > threshold).then(pl.lit("above")).otherwise(pl.lit("below")).alias("referrer_group"))
    return quality(tagged, ["referrer_group"])


def referrer_counts(joined: pl.DataFrame) -> list[int]:
    """Invitees per organic referrer among these joiners (the histogram the bunching test reads)."""
    invited = joined.filter(pl.col("inviter_id").is_not_null() & pl.col("inviter_organic").fill_null(False))
    return sorted(invited.group_by("chat_id", "inviter_id").len()["len"].to_list())


def cohorts(tree: pl.DataFrame, by: str) -> pl.DataFrame:
    """Joiners compared by how they came in (by = "join_kind") or by the entry threshold the owner
    marked for their join day (by = "regime"; members outside every marked period are "unmarked")."""
    joined = tree.filter(pl.col("joined_at").is_not_null()).with_columns(
        join_kind().alias("join_kind"), pl.col("regime").fill_null("unmarked"))
    return quality(joined, [by])


def sunburst_nodes(tree: pl.DataFrame, joined: pl.DataFrame, limit: int = SUNBURST_NODES) -> Sunburst:
    """The invitation trees of these joiners with every ancestor up to the root, as (id, parent,
    label) nodes under one node per chat: ids are chat-qualified so a member in two chats is two
    nodes, and members outside every tree (a loop of re-joins) hang from the chat. When the joiners
    of many chats make more than `limit` nodes, only the chats with the most nodes are kept, as
    many as fit (always one)."""
    key = ["chat_id", "member_id"]
    up = tree.filter(pl.col("inviter_id").is_not_null()).select(*key, "inviter_id")
    keep = frontier = joined.select(key).unique()
    while frontier.height:  # one generation up per pass; a loop of re-joins ends on members already kept
        frontier = (frontier.join(up, on=key).select("chat_id", pl.col("inviter_id").alias("member_id")).unique()
                    .join(keep, on=key, how="anti"))
        keep = pl.concat([keep, frontier])
    members = keep.join(tree.select(*key, "inviter_id", "name", "chat_name", "generation"), on=key)
    sizes = members.group_by("chat_id").len().sort(["len", "chat_id"], descending=[True, False])
    fits = sizes.filter((pl.col("len").cum_sum() <= limit) | (pl.int_range(pl.len()) == 0))
    members = members.join(fits.select("chat_id"), on="chat_id").sort("chat_id", "generation", "member_id",
                                                                     nulls_last=True)
    chats = members.group_by("chat_id").agg(pl.col("chat_name").first()).sort("chat_id")
    nodes = pl.concat([
        chats.select(pl.col("chat_id").alias("id"), pl.lit("").alias("parent"), pl.col("chat_name").alias("label"),
                     pl.col("chat_name").alias("chat"), pl.lit(None, pl.Int64).alias("generation")),
        members.select(
            (pl.col("chat_id") + "/" + pl.col("member_id")).alias("id"),
            # a loop of re-joins has no generation: its members hang from the chat, not from each other
            pl.when(pl.col("inviter_id").is_not_null() & pl.col("generation").is_not_null())
            .then(pl.col("chat_id") + "/" + pl.col("inviter_id"))
            .otherwise(pl.col("chat_id")).alias("parent"),
            pl.coalesce("name", "member_id").alias("label"), pl.col("chat_name").alias("chat"),
            pl.col("generation").cast(pl.Int64)),
    ])
    return Sunburst(nodes, chats_shown=fits.height, chats=sizes.height)
