"""The alt-account evidence score (docs/metrics.md §3.4, dashboard.core.analytics.alt_accounts), one
criterion at a time on hand-built frames shaped like queries/cold_start/alt_evidence.sql.

Every case starts from a neutral row that meets no criterion and overrides only the columns its
criterion reads, then asserts the exact set of criteria met: a case that trips a second criterion by
accident fails as loudly as one that misses its own. Thresholds are tested just over and just under,
with numbers chosen so the ratios are exact in binary floating point (3/10 / (1/10) is not 3.0)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from dashboard.core import db, queries
from dashboard.core.analytics.alt_accounts import CRITERIA, FLAG_AT, MIN_MESSAGES, criteria, score

TZ = ZoneInfo("Asia/Shanghai")
CHAT = "c1"
REF = "owner"
BORN = dt.datetime(2025, 5, 1, 10, 0, tzinfo=TZ)

# The dtypes alt_evidence.sql returns (checked against the query itself in test_row_matches_query_schema).
STAMP = pl.Datetime("us", "Asia/Shanghai")
SCHEMA: dict[str, pl.DataType] = {
    "chat_id": pl.String(), "chat_name": pl.String(), "member_id": pl.String(), "name": pl.String(),
    "reference_id": pl.String(), "reference_name": pl.String(), "messages": pl.Int64(),
    "first_at": STAMP, "last_at": STAMP, "joined_at": STAMP, "inviter_id": pl.String(), "born_at": STAMP,
    "birth_seen": pl.Boolean(), "founding_batch": pl.Boolean(),
    "pre_share": pl.Float64(),
    "period_messages": pl.Int64(), "period_reference_messages": pl.Int64(), "period_own_messages": pl.Int64(),
    "right_after_reference": pl.Int64(), "near_reference": pl.Int64(), "bursts": pl.Int64(),
    "clock_cosine": pl.Float64(), "reply_edges": pl.Int64(), "edges_to_reference": pl.Int64(),
    "addressed_by_organic": pl.Int64(), "median_chars": pl.Float64(), "chat_median_chars": pl.Float64(),
    "affirmation_share": pl.Float64(), "solitaire_lists": pl.Int64(), "solitaire_first": pl.Int64(),
    "linked_customers": pl.Int64(), "visits": pl.Int64(), "fast_claims": pl.Int64(),
}
DECISIONS_SCHEMA: dict[str, pl.DataType] = {"chat_id": pl.String(), "member_id": pl.String(), "decision": pl.String()}

# An ordinary customer against the owner: every measurement sits well clear of its threshold.
NEUTRAL: dict[str, Any] = {
    "chat_id": CHAT, "chat_name": "测试群", "member_id": "x1", "name": "小雨妈妈", "reference_id": REF,
    "reference_name": "老板娘", "messages": 40,
    "first_at": BORN + dt.timedelta(days=2), "last_at": BORN + dt.timedelta(days=90),
    # joined a month after the birth, invited by another customer, not in the founding batch
    "joined_at": BORN + dt.timedelta(days=30), "inviter_id": "c_friend", "born_at": BORN,
    "birth_seen": True, "founding_batch": False,
    # half the messages before the chat's cold-start end + 14 days (rollup alt_evidence)
    "pre_share": 0.5,
    # lift (10/100) / (40/400) = 1.0
    "period_messages": 400, "period_reference_messages": 100, "period_own_messages": 40,
    "right_after_reference": 10,
    "near_reference": 20, "bursts": 3,  # near share 0.5, and the two talk at once
    "clock_cosine": 0.3,
    "reply_edges": 20, "edges_to_reference": 4, "addressed_by_organic": 10,  # 20% of replies to the owner
    "median_chars": 12.0, "chat_median_chars": 10.0, "affirmation_share": 0.1,
    "solitaire_lists": 0, "solitaire_first": 0,
    "linked_customers": 1, "visits": 2, "fast_claims": 0,
}

# For each criterion, overrides that meet it and touch no column another criterion reads, so any
# subset can be combined into one row (test_score_is_the_count_of_met_criteria).
MEETS: dict[str, dict[str, Any]] = {
    "founding": {"founding_batch": True, "joined_at": BORN},
    "cold_start": {"pre_share": 1.0},
    "turn_taking": {"right_after_reference": 50},  # (50/100) / (40/400) = 5.0
    "co_activity": {"near_reference": 32, "bursts": 0},  # 32/40 = 0.8
    "same_clock": {"clock_cosine": 0.95},
    "exclusive": {"edges_to_reference": 16},  # 16/20 = 0.8, addressed 10 ≤ 20
    "content": {"affirmation_share": 0.6},
    "no_commerce": {"linked_customers": 0, "visits": 0},
}
assert set(MEETS) == set(CRITERIA)


def _row(**overrides: Any) -> pl.DataFrame:
    """One alt_evidence row: the neutral account with some columns overridden."""
    unknown = set(overrides) - set(SCHEMA)
    assert not unknown, f"not an alt_evidence column: {unknown}"
    return pl.DataFrame([{**NEUTRAL, **overrides}], schema=SCHEMA)


def _all_met(**overrides: Any) -> dict[str, Any]:
    """Overrides meeting all eight criteria, plus any extra."""
    return {k: v for meets in MEETS.values() for k, v in meets.items()} | overrides


def _met(frame: pl.DataFrame) -> set[str]:
    """The criteria the first row of criteria() marks as met. Every flag must be a real True or
    False: an unmeasurable criterion counts as not met, and a null would show as neither."""
    row = criteria(frame).row(0, named=True)
    assert all(row[f"c_{n}"] in (True, False) for n in CRITERIA), row
    return {n for n in CRITERIA if row[f"c_{n}"]}


def _value(frame: pl.DataFrame, name: str) -> Any:
    """The measurement criteria() shows beside a criterion (v_<name>) on the first row."""
    return criteria(frame).row(0, named=True)[f"v_{name}"]


def _decisions(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=DECISIONS_SCHEMA, orient="row")


# --- the hand-built rows are faithful to the query ----------------------------------------------


def test_row_matches_query_schema(demo_db: Path) -> None:
    # A dtype drift (say Int32 counts or a naive timestamp) would make every test below exercise
    # frames the real pipeline never produces.
    con = db.open_reader(demo_db)
    try:
        evidence = queries.run(con, "cold_start/alt_evidence")
        decisions = queries.run(con, "cold_start/alt_decisions")
    finally:
        con.close()
    assert evidence.height > 0
    assert _row().schema == evidence.schema
    assert _decisions().schema == decisions.schema


def test_neutral_row_meets_nothing() -> None:
    # The baseline every case below builds on: if it met a criterion, "just under" cases would pass
    # for the wrong reason.
    rows = criteria(_row())
    assert _met(_row()) == set()
    assert rows["score"].to_list() == [0]


# --- 1. founding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "met"), [
    pytest.param({"founding_batch": True, "joined_at": BORN}, True, id="founding_batch"),
    pytest.param({"joined_at": BORN + dt.timedelta(hours=23), "inviter_id": REF}, True, id="23h_invited_by_reference"),
    pytest.param({"joined_at": BORN + dt.timedelta(hours=24), "inviter_id": REF}, True, id="24h_exactly_invited_by_reference"),
    pytest.param({"joined_at": BORN + dt.timedelta(hours=25), "inviter_id": REF}, False, id="25h_invited_by_reference"),
    pytest.param({"joined_at": BORN + dt.timedelta(hours=1), "inviter_id": "staff2"}, False, id="1h_invited_by_someone_else"),
    # the birth was not in the export: "founding" means nothing, whatever the other columns say
    pytest.param({"birth_seen": False, "joined_at": BORN + dt.timedelta(hours=1), "inviter_id": REF}, False,
                 id="birth_unseen_invited_by_reference"),
    pytest.param({"birth_seen": False, "founding_batch": True, "joined_at": BORN, "inviter_id": REF}, False,
                 id="birth_unseen_founding_batch"),
    # the join event is missing (194 such rows in the demo): null, which must read as not met
    pytest.param({"joined_at": None, "inviter_id": None}, False, id="join_not_seen"),
])
def test_founding(overrides: dict[str, Any], met: bool) -> None:
    assert _met(_row(**overrides)) == ({"founding"} if met else set())


def test_founding_shows_the_join_time() -> None:
    assert _value(_row(joined_at=BORN + dt.timedelta(hours=23), inviter_id=REF), "founding") == "2025-05-02 09:00"


# --- 2. cold_start -------------------------------------------------------------------------------


@pytest.mark.parametrize(("share", "met"), [
    pytest.param(0.8, True, id="80pct_before"),
    pytest.param(0.79, False, id="79pct_before"),
    # the post/pre under 0.1 variant (docs/metrics.md §3.4): 95 before, 5 after
    pytest.param(0.95, True, id="post_pre_ratio_under_0.1"),
    pytest.param(1.0, True, id="nothing_after"),
    pytest.param(0.0, False, id="nothing_before"),
])
def test_cold_start(share: float, met: bool) -> None:
    row = _row(pre_share=share)
    assert _met(row) == ({"cold_start"} if met else set())
    assert _value(row, "cold_start") == share


def test_cold_start_unmeasurable_is_not_met() -> None:
    # A chat whose cold start never ended (or cannot be seen) gives a null pre_share: the criterion is
    # not met, its value stays null, and nothing errors.
    row = _row(pre_share=None)
    assert _met(row) == set()
    assert _value(row, "cold_start") is None
    assert criteria(row)["score"].to_list() == [0]


# --- 3. turn_taking ------------------------------------------------------------------------------


@pytest.mark.parametrize(("right_after", "reference", "met", "lift"), [
    pytest.param(6, 8, True, 3.0, id="lift_3"),  # (6/8) / (25/100) = 3.0 exactly
    pytest.param(29, 40, False, 29 / 40 / (25 / 100), id="lift_2.9"),
    # no reference message in X's period: 0/0 is NaN in Polars and NaN ≥ 3 is true; must be null
    pytest.param(0, 0, False, None, id="no_reference_messages"),
])
def test_turn_taking(right_after: int, reference: int, met: bool, lift: float | None) -> None:
    row = _row(right_after_reference=right_after, period_reference_messages=reference,
               period_own_messages=25, period_messages=100)
    assert _met(row) == ({"turn_taking"} if met else set())
    assert _value(row, "turn_taking") == lift


# --- 4. co_activity ------------------------------------------------------------------------------


@pytest.mark.parametrize(("near", "bursts", "met"), [
    pytest.param(32, 0, True, id="near_0.8_no_bursts"),  # 32/40
    pytest.param(32, 1, False, id="near_0.8_one_burst"),
    pytest.param(31, 0, False, id="near_0.775_no_bursts"),
    pytest.param(40, 0, True, id="always_near"),
])
def test_co_activity(near: int, bursts: int, met: bool) -> None:
    row = _row(near_reference=near, bursts=bursts)
    assert _met(row) == ({"co_activity"} if met else set())
    assert _value(row, "co_activity") == near / 40


# --- 5. same_clock -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cosine", "met"), [(0.9, True), (0.89, False), (1.0, True), (0.0, False)])
def test_same_clock(cosine: float, met: bool) -> None:
    row = _row(clock_cosine=cosine)
    assert _met(row) == ({"same_clock"} if met else set())
    assert _value(row, "same_clock") == cosine


# --- 6. exclusive --------------------------------------------------------------------------------


@pytest.mark.parametrize(("edges", "to_reference", "addressed", "met", "share"), [
    pytest.param(10, 7, 20, True, 0.7, id="share_0.7_addressed_half"),  # 20 = 0.5 × 40 messages
    pytest.param(10, 7, 21, False, 0.7, id="share_0.7_addressed_more"),
    pytest.param(100, 69, 0, False, 0.69, id="share_0.69"),
    # no reply edge at all: 0/0 must not count as "all replies to the reference"
    pytest.param(0, 0, 0, False, None, id="no_reply_edges"),
])
def test_exclusive(edges: int, to_reference: int, addressed: int, met: bool, share: float | None) -> None:
    row = _row(reply_edges=edges, edges_to_reference=to_reference, addressed_by_organic=addressed)
    assert _met(row) == ({"exclusive"} if met else set())
    assert _value(row, "exclusive") == share


# --- 7. content ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "met"), [
    pytest.param({"median_chars": 5.0, "chat_median_chars": 10.0}, True, id="median_half_the_chat"),
    pytest.param({"median_chars": 5.5, "chat_median_chars": 10.0}, False, id="median_over_half"),
    # no text messages: null median, not met and no error
    pytest.param({"median_chars": None, "chat_median_chars": 10.0}, False, id="no_text"),
    pytest.param({"affirmation_share": 0.5}, True, id="affirmations_0.5"),
    pytest.param({"affirmation_share": 0.49}, False, id="affirmations_0.49"),
    pytest.param({"solitaire_lists": 2, "solitaire_first": 1}, True, id="first_on_1_of_2_lists"),
    pytest.param({"solitaire_lists": 4, "solitaire_first": 2}, True, id="first_on_2_of_4_lists"),
    pytest.param({"solitaire_lists": 3, "solitaire_first": 1}, False, id="first_on_1_of_3_lists"),
    # one list is no evidence, even signed first
    pytest.param({"solitaire_lists": 1, "solitaire_first": 1}, False, id="first_on_1_of_1_list"),
])
def test_content(overrides: dict[str, Any], met: bool) -> None:
    assert _met(_row(**overrides)) == ({"content"} if met else set())


# --- 8. no_commerce ------------------------------------------------------------------------------


@pytest.mark.parametrize(("linked", "visits", "met"), [
    (0, 0, True), (1, 0, False), (0, 1, False), (1, 2, False),
])
def test_no_commerce(linked: int, visits: int, met: bool) -> None:
    row = _row(linked_customers=linked, visits=visits, fast_claims=3)
    assert _met(row) == ({"no_commerce"} if met else set())
    assert _value(row, "no_commerce") == 3  # the red packets claimed fast are shown beside it


# --- the score -----------------------------------------------------------------------------------


def test_score_is_the_count_of_met_criteria() -> None:
    # All 256 subsets of the criteria, one account each: the flags must be exactly the subset, the
    # score its size, and the status follow FLAG_AT (every account has 40 ≥ MIN_MESSAGES messages).
    subsets = [s for k in range(len(CRITERIA) + 1) for s in itertools.combinations(CRITERIA, k)]
    frame = pl.concat([
        _row(member_id=f"x{i}", **{k: v for name in subset for k, v in MEETS[name].items()})
        for i, subset in enumerate(subsets)])
    rows = criteria(frame)
    assert rows.height == 256
    for i, subset in enumerate(subsets):
        row = rows.row(i, named=True)
        assert row["member_id"] == f"x{i}"
        assert {n for n in CRITERIA if row[f"c_{n}"]} == set(subset)
        assert row["score"] == sum(1 for n in CRITERIA if n in subset)

    scored = score(frame, _decisions())
    assert scored.height == 256
    by_member = {r["member_id"]: r for r in scored.iter_rows(named=True)}
    for i, subset in enumerate(subsets):
        expected = sum(1 for n in CRITERIA if n in subset)
        assert by_member[f"x{i}"]["score"] == expected
        assert by_member[f"x{i}"]["status"] == ("suspected" if expected >= FLAG_AT else "clear")


def test_score_keeps_the_strongest_reference() -> None:
    evidence = pl.concat([
        # x1: 2 criteria against the owner, 5 against staff1 → staff1
        _row(member_id="x1", reference_id=REF, **MEETS["same_clock"], **MEETS["content"]),
        _row(member_id="x1", reference_id="staff1", **MEETS["same_clock"], **MEETS["content"],
             **MEETS["turn_taking"], **MEETS["exclusive"], **MEETS["no_commerce"]),
        # x2: 3 against the owner, 1 against staff1 → the owner, whatever the row order
        _row(member_id="x2", reference_id="staff1", **MEETS["content"]),
        _row(member_id="x2", reference_id=REF, **MEETS["content"], **MEETS["founding"], **MEETS["cold_start"]),
        # x3: a tie at 0 → the reference with more messages in x3's period (lift stays below 1)
        _row(member_id="x3", reference_id=REF, period_reference_messages=100),
        _row(member_id="x3", reference_id="staff1", period_reference_messages=150),
    ])
    scored = score(evidence, _decisions())
    best = {r["member_id"]: (r["reference_id"], r["score"], r["status"]) for r in scored.iter_rows(named=True)}
    assert best == {"x1": ("staff1", 5, "suspected"), "x2": (REF, 3, "clear"), "x3": ("staff1", 0, "clear")}
    assert scored.height == 3


@pytest.mark.parametrize(("overrides", "decision", "status", "points"), [
    # the owner's word beats the evidence both ways
    pytest.param({}, "alt", "alt", 0, id="alt_decision_score_0"),
    pytest.param(_all_met(), "customer", "customer", 8, id="customer_decision_score_8"),
    # ... and beats "insufficient"
    pytest.param(_all_met(messages=29, near_reference=29), "alt", "alt", 8, id="alt_decision_29_messages"),
    pytest.param(_all_met(messages=29, near_reference=29), "customer", "customer", 8, id="customer_decision_29_messages"),
    # too few messages: the criteria say nothing, however many are met
    pytest.param(_all_met(messages=29, near_reference=29), None, "insufficient", 8, id="29_messages_score_8"),
    pytest.param(_all_met(messages=30, near_reference=30), None, "suspected", 8, id="30_messages_score_8"),
    pytest.param({**MEETS["founding"], **MEETS["cold_start"], **MEETS["same_clock"], **MEETS["content"]},
                 None, "suspected", 4, id="score_4"),
    pytest.param({**MEETS["founding"], **MEETS["cold_start"], **MEETS["same_clock"]}, None, "clear", 3, id="score_3"),
    pytest.param({}, None, "clear", 0, id="score_0"),
])
def test_score_status(overrides: dict[str, Any], decision: str | None, status: str, points: int) -> None:
    decided = [(CHAT, "x1", decision)] if decision else []
    # A decision on the same member id in another chat must not leak into this one.
    decisions = _decisions(*decided, ("c2", "x1", "customer" if decision == "alt" else "alt"))
    scored = score(_row(**overrides), decisions)
    assert scored.select("member_id", "score", "status").rows() == [("x1", points, status)]
    assert "decision" not in scored.columns


def test_min_messages_and_flag_at_match_the_spec() -> None:
    # docs/metrics.md §3.4: flag at ≥ 4 of 8, "insufficient data" under 30 messages.
    assert (MIN_MESSAGES, FLAG_AT, len(CRITERIA)) == (30, 4, 8)


def test_score_orders_suspected_first() -> None:
    evidence = pl.concat([
        _row(member_id="clear"),
        _row(member_id="few", messages=10, near_reference=5),
        _row(member_id="cust", **_all_met()),
        _row(member_id="alt"),
        _row(member_id="weak", **_all_met(clock_cosine=0.3, affirmation_share=0.1, linked_customers=1, visits=1)),
        _row(member_id="strong", **_all_met()),
    ])
    decisions = _decisions((CHAT, "cust", "customer"), (CHAT, "alt", "alt"))
    scored = score(evidence, decisions)
    # suspected by score descending, then alt, clear, customer, insufficient
    assert scored.select("member_id", "status", "score").rows() == [
        ("strong", "suspected", 8), ("weak", "suspected", 5), ("alt", "alt", 0), ("clear", "clear", 0),
        ("cust", "customer", 8), ("few", "insufficient", 0)]


def test_score_of_no_evidence_is_empty() -> None:
    # A database with no staff yet has no (account, reference) pair: an empty frame, not an error.
    scored = score(_row().clear(), _decisions())
    assert scored.height == 0
    assert scored.schema["status"] == pl.String
    assert scored.schema["score"] == criteria(_row()).schema["score"]
    assert {f"c_{n}" for n in CRITERIA} <= set(scored.columns)
