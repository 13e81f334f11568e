"""Everything the Roles & diversity page shows, at once, for `qunxi analyze roles`."""

from __future__ import annotations

import dataclasses

import duckdb
import polars as pl

from dashboard.core import queries
from dashboard.core.analytics import association

# the figures each criterion key of `evidence` rests on, so JSON readers see the measurement
EVIDENCE_FIGURES = {
    "expert.answers": ("answers_given",),
    "expert.answer_ratio": ("answers_given", "questions_asked"),
    "expert.low_activity_ties": ("low_activity_askers", "askers_answered"),
    "expert.short_replies": ("short_in_others", "others_conversations"),
    "expert.domain_share": ("domain_share",),
    "staff.volume": ("n_active",),
    "staff.business_hours": ("business_hours_share",),
    "staff.shop_vocabulary": ("shop_vocab_share",),
    "staff.links": ("links",),
    "owner.created_chat": (),
    "newcomer.joined": ("entered_on",),
    "lurker.never_spoke": ("n_active",),
    "lurker.quiet_28": ("last_spoke", "active_days_28"),
    "regular.orbit": ("orbit_level",),
}


def _records(frame: pl.DataFrame) -> list[dict]:
    return frame.to_dicts()


def member_record(row: dict) -> dict:
    return {
        "chat": row["chat_name"], "member_id": row["member_id"], "name": row["name"],
        "declared": {"class": row["member_class"], "roles": row["declared_roles"] or [],
                     "domain": row["declared_domain"]},
        "inferred": {"roles": row["inferred_roles"], "domain": row["inferred_domain"],
                     "evidence": [{"criterion": key, **{f: row[f] for f in EVIDENCE_FIGURES[key]}}
                                  for key in row["evidence"]]},
        "rfm": {"r": row["r_score"], "f": row["f_score"], "m": row["m_value"], "segment": row["rfm_segment"]},
        "network": {k: row[k] for k in ("reach", "organic_in_degree", "pagerank", "betweenness", "clustering")},
    }


def report(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> dict:
    """Members with declared and inferred roles and evidence, the weekly diversity and mixing
    series, topic shares, each expert's pull and the association summary, in plain JSON types."""
    panel = queries.run(con, "roles/association_weeks", chat_ids=chat_ids)
    profiles = queries.run(con, "roles/profiles", chat_ids=chat_ids)
    return {
        "members": [member_record(r) for r in profiles.iter_rows(named=True)],
        "diversity": _records(queries.run(con, "roles/diversity_weeks", chat_ids=chat_ids)),
        "mixing": _records(queries.run(con, "roles/mixing_weeks", chat_ids=chat_ids)),
        "topics": _records(queries.run(con, "roles/topic_weeks", chat_ids=chat_ids)),
        "experts": _records(queries.run(con, "roles/expert_pull", chat_ids=chat_ids)),
        "association": {"note": "association, not cause: weeks compared within each chat",
                        "pairs": [dataclasses.asdict(a) for a in association.summarise(panel)],
                        "panel": _records(panel)},
    }
