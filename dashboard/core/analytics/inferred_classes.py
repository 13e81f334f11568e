"""The classes the app infers for members the owner gave no role (docs/metrics.md §1.3): the
group's creator and accounts with the staff patterns count as staff, answer-persons as experts,
and suspected alt accounts as alt, until she confirms or rejects them (by declaring a role).
View member_classes reads them from rollup class_inferences."""

from __future__ import annotations

import duckdb
import polars as pl

from dashboard.core import queries
from dashboard.core.analytics import cold_start

SCHEMA = {"chat_id": pl.String, "member_id": pl.String, "member_class": pl.String, "basis": pl.String}
# when one member is inferred several things, the strongest class wins, as among declared roles
STRENGTH = {"staff": 3, "alt": 2, "expert": 1}


def rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup class_inferences for these chats, from rollups member_profiles and
    alt_evidence (both measured against the declared classes)."""
    roles = queries.run(con, "roles/inferred_classes", chat_ids=chat_ids)
    accounts = cold_start.accounts(con, chat_ids)
    alts = (accounts.filter(pl.col("status") == "suspected")
            .select("chat_id", "member_id", member_class=pl.lit("alt"), basis=pl.lit("suspected_alt"))
            if not accounts.is_empty() else pl.DataFrame(schema=SCHEMA))
    both = pl.concat([roles.cast(SCHEMA), alts.cast(SCHEMA)])
    return (both.with_columns(strength=pl.col("member_class").replace_strict(STRENGTH, return_dtype=pl.Int8))
            .sort(["chat_id", "member_id", "strength"], descending=[False, False, True])
            .unique(["chat_id", "member_id"], keep="first", maintain_order=True)
            .drop("strength"))
