"""Weekly Hill numbers per chat (rollup diversity_weeks): topics, speakers and roles, raw and
rarefied to one message count per chat and dimension, so a busy week does not look diverse only for
being busy (docs/metrics.md §4.3)."""

from __future__ import annotations

import zlib

import duckdb
import numpy as np
import polars as pl

from dashboard.core import queries
from dashboard.core.analytics.diversity import common_n, hill, rarefied, rarefied_groups

ROLES = ("staff", "alt", "expert", "newcomer", "customer")

SCHEMA = {"chat_id": pl.String, "week": pl.Date, "dimension": pl.String, "messages": pl.Int64, "q0": pl.Float64,
          "q1": pl.Float64, "q2": pl.Float64, "n_star": pl.Int64, "q0_rarefied": pl.Float64,
          "q1_rarefied": pl.Float64, "q2_rarefied": pl.Float64}


def _week_row(chat_id: str, week: object, dimension: str, items: pl.DataFrame, n_star: int | None,
              rng: np.random.Generator) -> dict:
    counts = items["n"].to_numpy()
    total = int(counts.sum())
    if dimension == "roles":
        groups = np.array([ROLES.index(r) for r in items["role"]])
        raw = hill(np.bincount(groups, minlength=len(ROLES)))  # speakers per role
    else:
        raw = hill(counts)
    row = {"chat_id": chat_id, "week": week, "dimension": dimension, "messages": total,
           "q0": raw.q0, "q1": raw.q1, "q2": raw.q2, "n_star": None,
           "q0_rarefied": None, "q1_rarefied": None, "q2_rarefied": None}
    if n_star is not None and total >= n_star:
        r = (rarefied_groups(counts, groups, len(ROLES), n_star, rng) if dimension == "roles"
             else rarefied(counts, n_star, rng))
        row.update(n_star=n_star, q0_rarefied=r.q0, q1_rarefied=r.q1, q2_rarefied=r.q2)
    return row


def rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup diversity_weeks for these chats. Each chat draws from its own seeded
    stream, so its figures do not depend on which other chats were refreshed with it."""
    counts = queries.run(con, "roles/diversity_counts", chat_ids=chat_ids)
    out = []
    for (chat_id, dimension), part in counts.group_by("chat_id", "dimension", maintain_order=True):
        rng = np.random.default_rng(zlib.crc32(f"{chat_id}/{dimension}".encode()))
        weeks = part.partition_by("week", maintain_order=True)
        n_star = common_n([int(w["n"].sum()) for w in weeks])
        out.extend(_week_row(chat_id, w["week"][0], dimension, w, n_star, rng) for w in weeks)
    return pl.DataFrame(out, schema=SCHEMA, orient="row") if out else pl.DataFrame(schema=SCHEMA)
