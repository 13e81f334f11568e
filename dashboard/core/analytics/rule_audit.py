"""The audit of the group rules over the history: hits by rule, member and week, and whether hits
fell after the group's rules changed. Reads rollup rule_hits (core/rules.py) through queries
rules/hits and rules/weekly. Hits are for the owner to review, never verdicts."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from dashboard.core import queries, rules

CHANGE_WEEKS = 4  # weeks compared before and after a rule change


def by_rule(ruleset: rules.RuleSet, hits: pl.DataFrame) -> pl.DataFrame:
    """Every rule of the set (enabled or not) with its hits, members hit and removals after a hit."""
    counts = hits.group_by("rule_id").agg(
        pl.len().alias("hits"), pl.col("member_id").n_unique().alias("members"),
        pl.col("member_id").filter(pl.col("removed_after")).n_unique().alias("removed_after"))
    table = pl.DataFrame(
        [{"rule_id": r.id, "name": r.name, "kind": r.kind, "category": r.category, "enabled": r.enabled,
          "applies_to": r.applies_to} for r in ruleset.rules],
        schema={"rule_id": pl.String, "name": pl.String, "kind": pl.String, "category": pl.String,
                "enabled": pl.Boolean, "applies_to": pl.String})
    return table.join(counts, on="rule_id", how="left").with_columns(
        pl.col("hits", "members", "removed_after").fill_null(0))


def by_member(hits: pl.DataFrame) -> pl.DataFrame:
    """Each member with a hit: how many, which rules, first and last, removed within 7 days of one."""
    return hits.group_by("chat_id", "member_id").agg(
        pl.col("chat_name").first(), pl.col("member_name").first(), pl.col("member_class").first(),
        pl.len().alias("hits"), pl.col("rule_id").unique().sort().alias("rules"),
        pl.col("ts").min().alias("first_hit"), pl.col("ts").max().alias("last_hit"),
        pl.col("removed_after").any().alias("removed_after"),
    ).sort(["hits", "member_name"], descending=[True, False])


def changes(ruleset: rules.RuleSet, announced: pl.DataFrame) -> list[tuple[rules.Change, str]]:
    """The rule changes to compare around: those the owner marked in her rule set, and the rules
    staff stated in the chats (query rules/announcements), with where each came from."""
    said = [(rules.Change(r["ts"].date(), r["chat_name"], r["text"][:40]), "chat")
            for r in announced.iter_rows(named=True)]
    return sorted([(c, "marked") for c in ruleset.changes] + said, key=lambda x: (x[0].day, x[0].chat or ""))


def around_changes(marked: list[tuple[rules.Change, str]], weekly: pl.DataFrame) -> pl.DataFrame:
    """For each rule change: hits and organic messages in the CHANGE_WEEKS weeks before the
    change's week and in the CHANGE_WEEKS weeks after it (the week of the change itself is left
    out: it mixes both), and the hits per 1,000 organic messages on each side. A change for no
    chat in particular counts every chat."""
    changes = pl.DataFrame(
        [{"n": i, "date": c.day, "chat": c.chat, "source": source, "note": c.note}
         for i, (c, source) in enumerate(marked)],
        schema={"n": pl.Int64, "date": pl.Date, "chat": pl.String, "source": pl.String, "note": pl.String},
    ).with_columns((pl.col("date") - pl.duration(days=pl.col("date").dt.weekday() - 1)).alias("change_week"))
    weeks = weekly.select("chat_name", "week", "hits", "organic_messages")
    paired = pl.concat([
        changes.filter(pl.col("chat").is_not_null()).join(weeks, left_on="chat", right_on="chat_name"),
        changes.filter(pl.col("chat").is_null()).join(weeks.drop("chat_name"), how="cross"),
    ], how="diagonal_relaxed") if changes.height else changes.with_columns(
        pl.lit(None, pl.Date).alias("week"), pl.lit(0).alias("hits"), pl.lit(0).alias("organic_messages"))
    span = pl.duration(weeks=CHANGE_WEEKS)
    before = (pl.col("week") >= pl.col("change_week") - span) & (pl.col("week") < pl.col("change_week"))
    after = (pl.col("week") > pl.col("change_week")) & (pl.col("week") <= pl.col("change_week") + span)
    sums = paired.group_by("n").agg(
        *(pl.col(c).filter(side).sum().cast(pl.Int64).alias(f"{name}_{label}")
          for label, side in (("before", before), ("after", after))
          for c, name in (("hits", "hits"), ("organic_messages", "messages"))))
    out = changes.join(sums, on="n", how="left").with_columns(
        pl.col("^hits_.*$", "^messages_.*$").fill_null(0))
    rate = {side: pl.when(pl.col(f"messages_{side}") > 0)
            .then(1000 * pl.col(f"hits_{side}") / pl.col(f"messages_{side}")).alias(f"rate_{side}")
            for side in ("before", "after")}
    return out.sort("n").select(
        "date", "chat", "source", "note", "hits_before", "messages_before", rate["before"],
        "hits_after", "messages_after", rate["after"])


def _plain(v: object) -> object:
    return v.isoformat() if isinstance(v, dt.date | dt.datetime) else v


def report(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> dict:
    """What `qunxi analyze rules` prints: the rule set in use with hits per rule, every hit with its
    message, the members hit and the comparison around each rule change (marked or announced)."""
    ruleset = rules.current(con)
    hits = queries.run(con, "rules/hits", chat_ids=chat_ids)
    weekly = queries.run(con, "rules/weekly", chat_ids=chat_ids)
    announced = queries.run(con, "rules/announcements", chat_ids=chat_ids)

    def plain(frame: pl.DataFrame) -> list[dict]:
        return [{k: _plain(v) for k, v in r.items()} for r in frame.iter_rows(named=True)]

    return {
        "rule_set": {"digest": ruleset.digest, "default": ruleset.text == rules.default_text()},
        "rules": plain(by_rule(ruleset, hits)),
        "hits": plain(hits.drop("week")),
        "members": plain(by_member(hits)),
        "changes": plain(around_changes(changes(ruleset, announced), weekly)),
    }
