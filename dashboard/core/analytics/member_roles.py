"""Roles inferred from behaviour, each with the evidence behind it (docs/metrics.md §4.1).

Declared roles (members.csv, the page, the platform) always win; an inferred role is a suggestion
the owner can accept, which declares it. Evidence is a list of criterion keys (`expert.answers`,
`lurker.never_spoke` …) that the pages word from the catalog with the member's own figures.
"""

from __future__ import annotations

import duckdb
import polars as pl

from dashboard.core import queries
from dashboard.core.analytics import network

# The answer-person signature (Welser et al. 2007) plus domain vocabulary. An expert is inferred
# when the domain share and the answer count hold and at least four of the five criteria do.
EXPERT_MIN_ANSWERS = 5
EXPERT_ANSWER_RATIO = 2.0          # answers_given / (questions_asked + 1)
EXPERT_LOW_ACTIVITY_SHARE = 0.25   # of the askers answered, share below the chat's median active days
EXPERT_SHORT_SHARE = 0.6           # of others' conversations joined, share with only 1–2 messages
EXPERT_DOMAIN_SHARE = 0.30         # text messages in one expert domain's vocabulary
EXPERT_MIN_CRITERIA = 4

# Staff patterns: three of four make an undeclared account look like the shop's.
STAFF_VOLUME_QUANTILE = 0.95       # active messages at or above the chat's 95th percentile speaker …
STAFF_MIN_MESSAGES = 50            # … and at least this many
STAFF_BUSINESS_HOURS_SHARE = 0.9   # messages sent 09:00–20:59
STAFF_SHOP_VOCAB_SHARE = 0.3       # product, price and stock words
STAFF_MIN_LINKS = 3                # links and mini-program cards
STAFF_MIN_CRITERIA = 3

NEWCOMER_DAYS = 14
LURKER_DAYS = 28
REGULAR_LEVELS = ("participating", "contributing", "leading")
ORGANIC = ("customer", "expert")

SCHEMA_ORDER = (
    "chat_id", "member_id", "name", "member_class", "declared_roles", "inferred_roles", "inferred_domain",
    "evidence", "expert_criteria", "staff_criteria", "n_active", "text_messages", "questions_asked",
    "answers_given", "askers_answered", "low_activity_askers", "others_conversations", "short_in_others",
    "domain_share", "shop_vocab_share", "business_hours_share", "links", "replies_received", "orbit_level",
    "entered_on", "last_spoke", "recency_days", "active_days_28", "r_score", "f_score", "m_value",
    "rfm_segment", "reach", "organic_in_degree", "pagerank", "betweenness", "clustering",
)


def _share(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def _criteria(pairs: list[tuple[str, pl.Expr]]) -> tuple[pl.Expr, pl.Expr]:
    """(number of criteria met, list of the keys met) for named boolean expressions; null = not met."""
    met = [e.fill_null(False) for _, e in pairs]
    count = pl.sum_horizontal([m.cast(pl.Int32) for m in met])
    keys = pl.concat_list([pl.when(m).then(pl.lit(k)).otherwise(None) for (k, _), m in zip(pairs, met, strict=True)])
    return count, keys.list.drop_nulls()


def expert_signature() -> list[tuple[str, pl.Expr]]:
    return [
        ("expert.answers", pl.col("answers_given") >= EXPERT_MIN_ANSWERS),
        ("expert.answer_ratio", pl.col("answers_given") / (pl.col("questions_asked") + 1) >= EXPERT_ANSWER_RATIO),
        ("expert.low_activity_ties", _share("low_activity_askers", "askers_answered") >= EXPERT_LOW_ACTIVITY_SHARE),
        ("expert.short_replies", _share("short_in_others", "others_conversations") >= EXPERT_SHORT_SHARE),
        ("expert.domain_share", pl.col("domain_share") >= EXPERT_DOMAIN_SHARE),
    ]


def staff_patterns() -> list[tuple[str, pl.Expr]]:
    volume_floor = pl.col("n_active").filter(pl.col("n_active") > 0).quantile(STAFF_VOLUME_QUANTILE).over("chat_id")
    return [
        ("staff.volume", (pl.col("n_active") >= volume_floor) & (pl.col("n_active") >= STAFF_MIN_MESSAGES)),
        ("staff.business_hours", (pl.col("business_hours_share") >= STAFF_BUSINESS_HOURS_SHARE)
         & (pl.col("n_active") >= STAFF_MIN_MESSAGES)),
        ("staff.shop_vocabulary", pl.col("shop_vocab_share") >= STAFF_SHOP_VOCAB_SHARE),
        ("staff.links", pl.col("links") >= STAFF_MIN_LINKS),
    ]


def _quintile(col: str, descending: bool) -> pl.Expr:
    """1–5 by rank among the chat's speakers (5 = most recent / most frequent); null for members
    who never spoke."""
    spoke = pl.col("last_spoke").is_not_null()
    rank = pl.when(spoke).then(pl.col(col)).rank("average", descending=descending).over("chat_id")
    n = spoke.sum().over("chat_id")
    return pl.when(spoke).then((rank * 5 / n).ceil().clip(1, 5).cast(pl.Int32)).otherwise(None)


def rfm_segment(r: pl.Expr, f: pl.Expr) -> pl.Expr:
    """A name for a cell of the recency × frequency grid."""
    return (
        pl.when(r.is_null()).then(None)
        .when((r >= 4) & (f >= 4)).then(pl.lit("champion"))
        .when((r >= 3) & (f >= 3)).then(pl.lit("loyal"))
        .when((r >= 4) & (f <= 2)).then(pl.lit("promising"))
        .when((r <= 2) & (f >= 3)).then(pl.lit("at_risk"))
        .when((r <= 2) & (f <= 2)).then(pl.lit("hibernating"))
        .otherwise(pl.lit("needs_attention"))
    )


def infer(features: pl.DataFrame, centrality: pl.DataFrame) -> pl.DataFrame:
    """Inferred roles, evidence, RFM and centrality per member, from member_features rows and the
    centrality of each (chat_id, member_id)."""
    f = features.join(centrality, on=["chat_id", "member_id"], how="left").with_columns(
        pl.col("reach", "organic_in_degree").fill_null(0),
        declared=pl.col("member_class") != "customer",
    )
    expert_n, expert_keys = _criteria(expert_signature())
    staff_n, staff_keys = _criteria(staff_patterns())
    f = f.with_columns(expert_criteria=expert_n, expert_keys=expert_keys, staff_criteria=staff_n, staff_keys=staff_keys)
    present = pl.col("left_at").is_null()
    is_expert = (
        pl.col("member_class").is_in(ORGANIC) & pl.col("expert_keys").list.contains("expert.domain_share")
        & pl.col("expert_keys").list.contains("expert.answers") & (pl.col("expert_criteria") >= EXPERT_MIN_CRITERIA)
    )
    is_staff = (pl.col("member_class") != "staff") & (pl.col("member_class") != "bot") & (
        pl.col("staff_criteria") >= STAFF_MIN_CRITERIA)
    is_owner = pl.col("created_chat")
    is_newcomer = present & pl.col("entered_on").is_not_null() & ~pl.col("predates").fill_null(False) & (
        pl.col("entered_on") > pl.col("last_day") - pl.duration(days=NEWCOMER_DAYS))
    is_lurker = present & (pl.col("member_class") == "customer") & (pl.col("active_days_28") == 0)
    is_regular = pl.col("member_class").is_in(ORGANIC) & pl.col("orbit_level").is_in(REGULAR_LEVELS)
    role = lambda cond, name: pl.when(cond).then(pl.lit(name)).otherwise(None)  # noqa: E731
    lurk_key = pl.when(pl.col("n_active") == 0).then(pl.lit("lurker.never_spoke")).otherwise(pl.lit("lurker.quiet_28"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    f = f.with_columns(
        inferred_roles=pl.concat_list([role(is_owner, "owner"), role(is_staff, "staff"), role(is_expert, "expert"),
                                       role(is_newcomer, "newcomer"), role(is_lurker, "lurker"),
                                       role(is_regular, "regular")]).list.drop_nulls(),
        inferred_domain=pl.when(is_expert).then(pl.col("best_domain")).otherwise(None),
        evidence=pl.concat_list([
            pl.when(is_owner).then(pl.lit(["owner.created_chat"])).otherwise(empty),
            pl.when(is_staff).then(pl.col("staff_keys")).otherwise(empty),
            pl.when(is_expert).then(pl.col("expert_keys")).otherwise(empty),
            pl.when(is_newcomer).then(pl.lit(["newcomer.joined"])).otherwise(empty),
            pl.when(is_lurker).then(pl.concat_list([lurk_key])).otherwise(empty),
            pl.when(is_regular).then(pl.lit(["regular.orbit"])).otherwise(empty),
        ]),
        r_score=_quintile("recency_days", descending=True),
        f_score=_quintile("active_days_28", descending=False),
        m_value=(pl.col("answers_given") + pl.col("replies_received")).cast(pl.Int64),
    ).with_columns(rfm_segment=rfm_segment(pl.col("r_score"), pl.col("f_score")))
    return f.select(SCHEMA_ORDER)


def chat_centrality(edges: pl.DataFrame) -> pl.DataFrame:
    """Centrality of every member of the chats in `edges` (reply_edges rows)."""
    frames = []
    for (chat_id,), chat_edges in edges.group_by("chat_id", maintain_order=True):
        weighted = network.weighted_edges(chat_edges)
        c = network.centrality(weighted)
        organic_in = (chat_edges.filter(pl.col("source_class").is_in(ORGANIC))
                      .group_by(member_id="target_id").agg(organic_in_degree=pl.col("source_id").n_unique()))
        frames.append(c.join(organic_in, on="member_id", how="left").with_columns(chat_id=pl.lit(chat_id)))
    schema = {"member_id": pl.String, "reach": pl.Float64, "pagerank": pl.Float64, "betweenness": pl.Float64,
              "clustering": pl.Float64, "organic_in_degree": pl.UInt32, "chat_id": pl.String}
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat([fr.cast(schema) for fr in frames]).cast({"organic_in_degree": pl.Int64})


def profile_rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup member_profiles for these chats."""
    features = queries.run(con, "roles/member_features", chat_ids=chat_ids)
    edges = queries.run(con, "roles/edges", chat_ids=chat_ids)
    return infer(features, chat_centrality(edges))
