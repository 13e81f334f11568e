"""Linking chat members to store customers (docs/metrics.md §5.1), beyond what members.csv declares:
suggestions by a phone's last four digits in a 接龙 line, by name (rapidfuzz, and pypinyin so
朵朵妈 finds "Duoduo Ma"), and by "到店了" messages followed by the same customer's visit. Each
suggestion has a method and a confidence; only the owner's confirmation turns it into a link
(member_customers status confirmed), and a rejection keeps it from coming back."""

from __future__ import annotations

import duckdb
import polars as pl
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from dashboard.core import db, queries, rollups

NAME_MIN = 85          # rapidfuzz WRatio, on the names or on their pinyin
VISIT_MIN_TIMES = 2    # "到店了" followed by this customer's visit at least this often

SCHEMA = {"member_id": pl.String, "customer_id": pl.String, "method": pl.String, "confidence": pl.Float64,
          "evidence": pl.String}


def _pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name)).lower()


def name_score(member: str, customer: str) -> float:
    """How alike two names are, 0–100: as written, or as pinyin (朵朵妈 ~ Duoduo Ma)."""
    plain = fuzz.WRatio(member, customer)
    sound = fuzz.WRatio(_pinyin(member), _pinyin(customer).replace(" ", ""))
    return float(max(plain, sound))


def suggest(clues: pl.DataFrame) -> pl.DataFrame:
    """Suggestions from link_candidates rows, best first; one per (member, customer), the strongest
    method kept. A phone clue must point at one customer only to count."""
    rows = []
    phone = clues.filter(pl.col("clue") == "phone")
    unique = phone.group_by("member_id", "evidence").agg(pl.col("customer_id").n_unique().alias("n"))
    for r in phone.join(unique, on=["member_id", "evidence"]).filter(pl.col("n") == 1).iter_rows(named=True):
        rows.append((r["member_id"], r["customer_id"], "phone", 0.9, r["evidence"]))
    for r in clues.filter(pl.col("clue") == "name").iter_rows(named=True):
        member, customer = r["evidence"].split(" ↔ ", 1)
        score = name_score(member, customer)
        if score >= NAME_MIN:
            rows.append((r["member_id"], r["customer_id"], "name_match", round(0.8 * score / 100, 3), r["evidence"]))
    visits = (clues.filter(pl.col("clue") == "visit").group_by("member_id", "customer_id")
              .agg(times=pl.len(), evidence=pl.col("evidence").first()))
    for r in visits.filter(pl.col("times") >= VISIT_MIN_TIMES).iter_rows(named=True):
        rows.append((r["member_id"], r["customer_id"], "visit_after_message", min(0.8, 0.3 + 0.1 * r["times"]),
                     f"{r['times']}× {r['evidence']}"))
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return (pl.DataFrame(rows, schema=SCHEMA, orient="row").sort("confidence", descending=True)
            .unique(["member_id", "customer_id"], keep="first", maintain_order=True))


def suggestions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The open suggestions, with the member's and customer's names (rejected pairs left out)."""
    found = suggest(queries.run(con, "events/link_candidates"))
    rejected = con.sql("select member_id, customer_id from member_customers where status = 'rejected'").pl()
    return found.join(rejected, on=["member_id", "customer_id"], how="anti")


def decide(con: duckdb.DuckDBPyConnection, member_id: str, customer_id: str, method: str,
           confidence: float | None, accept: bool) -> list[str]:
    """The owner's answer to a suggestion: a confirmed link (with how it was found) or a rejection.
    Returns the chats refreshed."""
    with db.change(con):
        con.execute("delete from member_customers where member_id = $m and customer_id = $c",
                    {"m": member_id, "c": customer_id})
        con.execute("insert into member_customers (member_id, customer_id, method, confidence, status) "
                    "values ($m, $c, $method, $conf, $s)",
                    {"m": member_id, "c": customer_id, "method": method, "conf": confidence,
                     "s": "confirmed" if accept else "rejected"})
        chats = rollups.chats_of_members(con, [member_id])
        rollups.refresh(con, chats, rollups.LINK_ROLLUPS)
    return chats
