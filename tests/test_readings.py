"""Readings follow the data they describe: each judgement is computed from the figures on screen,
and each is tested against a case where it must say the opposite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import rows
from handmade import ingest_chat

from dashboard.core.analytics import red_packets


def _weeks(shares: list[float], packets: list[int] | None = None, chats: int = 1) -> pl.DataFrame:
    """dependency_weeks rows: one chat (or several with the same shares), 100 speakers a week."""
    packets = packets or [1] * len(shares)
    out = []
    for c in range(chats):
        for i, (s, p) in enumerate(zip(shares, packets, strict=True)):
            out.append({"chat_id": f"c{c}", "week": dt.date(2025, 5, 5) + dt.timedelta(weeks=i), "speakers": 100,
                        "speakers_only_after_packet": round(s * 100), "packets": p})
    return pl.DataFrame(out)


@pytest.mark.parametrize(("shares", "trend"), [
    ([0.05, 0.10, 0.15, 0.22, 0.30, 0.41], "rising"),
    ([0.60, 0.35, 0.12, 0.05, 0.0, 0.0], "falling"),  # a spike falling to zero (the audit's chart)
    ([0.20, 0.22, 0.19, 0.21, 0.20, 0.22], "flat"),
    ([0.10, 0.10, 0.10, 0.10], "flat"),
    ([0.10, 0.30, 0.50], None),  # too few weeks with a packet to call a trend
])
def test_the_red_packet_dependency_trend_follows_the_weeks(shares: list[float], trend: str | None) -> None:
    assert red_packets.dependency_trend(_weeks(shares)) == trend
    assert red_packets.dependency_trend(_weeks(shares, chats=3)) == trend  # pooled per week


def test_weeks_without_a_packet_do_not_make_a_trend() -> None:
    # rising over packet weeks; the weeks without a packet (share 0) are left out
    got = _weeks([0.1, 0.0, 0.2, 0.0, 0.3, 0.0, 0.4, 0.5], packets=[1, 0, 1, 0, 1, 0, 1, 1])
    assert red_packets.dependency_trend(got) == "rising"


@pytest.mark.slow
def test_still_speaking_a_week_and_a_month_after_joining_can_differ(tmp_path: Path) -> None:
    """乙 joins on 03-03, talks until 03-12 and stops: still speaking in week 2, not a month later.
    丙 joins the same day, is silent for a month and speaks on 04-03: the opposite. (Measured as
    "last spoke after day N", both would read the same.)"""
    db = tmp_path / "db.duckdb"
    talk = [(f"2025-03-{d:02d} 10:00:00", "乙", "wxid_yi", "在") for d in (3, 5, 10, 12)]
    ingest_chat(db, tmp_path, "chat.csv", "留存群", [
        ("2025-03-01 09:00:00", "", "", '你邀请"甲"、"丁"加入了群聊'),
        ("2025-03-01 09:01:00", "甲", "wxid_jia", "欢迎"),
        ("2025-03-03 09:00:00", "", "", '"甲"邀请"乙"加入了群聊'),
        ("2025-03-03 09:01:00", "", "", '"甲"邀请"丙"加入了群聊'),
        *talk,
        ("2025-04-03 10:00:00", "丙", "wxid_bing", "我回来了"),
        ("2025-04-20 10:00:00", "甲", "wxid_jia", "周末好"),
    ])
    got = dict((n, (s7, a7, a30)) for n, s7, a7, a30 in rows(db, """
        select name, spoke_7, active_7, active_30 from invitation_tree where inviter_id is not null order by name"""))
    assert got == {"乙": (True, True, False), "丙": (False, False, True)}
