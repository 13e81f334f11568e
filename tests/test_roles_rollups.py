"""The roles rollups (reply_edges, topic_days, member_profiles) recomputed by hand from the raw
tables of the demo database, and `qunxi analyze roles` as JSON. No SQL under test is reused: the raw
tables are read and everything else is dicts and loops."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import rows
from independent import INACTIVE, TZ, classes, local_day, monday
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db as store
from dashboard.core import rollups

OWNER = "小雨点雨姐"
WEAK_WINDOW = dt.timedelta(minutes=10)


def _raw_messages(db: Path) -> list[tuple]:
    return rows(
        db,
        """select chat_id, msg_id, member_id, ts, kind, reply_to_msg_id, mentions
                       from messages order by chat_id, ts, msg_id""",
    )


def _expected_edges(db: Path) -> dict[tuple, list[int]]:
    msgs = _raw_messages(db)
    by_chat: dict[str, list[tuple]] = defaultdict(list)
    for m in msgs:
        by_chat[m[0]].append(m)
    edges: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for chat, chat_msgs in by_chat.items():
        # sorted in Python too, by (ts, msg_id), not trusting the SQL order
        active = sorted((m for m in chat_msgs if m[4] not in INACTIVE), key=lambda m: (m[3], m[1]))
        author = {m[1]: m[2] for m in active}
        prev = None
        for m in active:
            _, _, member, ts, _, reply_to, mentions = m
            week = monday(local_day(ts))
            if member is not None:
                targets = set()
                if reply_to is not None and author.get(reply_to) is not None:
                    targets.add(author[reply_to])
                for t in mentions or []:
                    if t is not None:
                        targets.add(t)
                for t in targets - {member}:
                    edges[(chat, week, member, t)][0] += 1
                if (
                    prev is not None
                    and prev[2] is not None
                    and prev[2] != member
                    and ts - prev[3] <= WEAK_WINDOW
                    and reply_to is None
                    and not mentions
                ):
                    edges[(chat, week, member, prev[2])][1] += 1
            prev = m
    return dict(edges)


def test_reply_edges_match_a_hand_count(demo_db: Path) -> None:
    expected = _expected_edges(demo_db)
    got = {
        (c, w, s, t): [strong, weak]
        for c, w, s, t, strong, weak in rows(
            demo_db, "select chat_id, week, source_id, target_id, strong, weak from reply_edges"
        )
    }
    assert len(got) == len(rows(demo_db, "select 1 from reply_edges"))  # no duplicate keys
    assert sum(v[0] for v in expected.values()) > 0 and sum(v[1] for v in expected.values()) > 0
    assert {k for k in got if k not in expected} == set()
    assert {k for k in expected if k not in got} == set()
    diff = {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}
    assert diff == {}


def _edge_case_messages(a: str, b: str, c: str) -> list[tuple]:
    """(msg_id, member, seconds after the start, kind, reply_to, mentions, text): the start is a
    Sunday 23:50 local, so the week changes ten minutes in."""
    return [
        ("e01", a, 0, "text", None, None, "A 开场"),
        ("e02", b, 300, "text", None, [], "B 600 s 内、空 mentions 仍算弱回复"),
        ("e03", a, 900, "text", None, None, "A 刚好 600 s 后（周一）"),
        ("e04", None, 950, "text", None, None, "不知道是谁"),
        ("e05", b, 1000, "text", None, None, "B 跟在未知发送者后面：不算弱回复"),
        ("e06", None, 1010, "system", None, None, "系统消息不打断顺序"),
        ("e07", c, 1100, "text", None, None, "C 跨过系统消息接 B：弱回复"),
        ("e08", a, 1701, "text", None, None, "A 601 s 后：不算"),
        ("e09", b, 1750, "quote", "e08", [a], "B 同时引用并 @A：只算一次强回复"),
        ("e10", c, 1760, "text", None, [c], "C @ 自己：不算"),
        ("e11", a, 1770, "text", None, [b, c, b], "A @B @C @B"),
        ("e12", b, 1780, "recall", None, None, "撤回不在顺序里"),
        ("e13", c, 1790, "text", None, None, "C 接 A"),
        ("e14b", b, 1800, "text", None, None, "同一时刻，msg_id 大的在后"),
        ("e14a", a, 1800, "text", None, None, "同一时刻，msg_id 小的在前"),
        ("e15", c, 1900, "quote", "e14a", None, "C 引用 A，不算弱回复"),
    ]


@pytest.mark.slow
def test_reply_edges_edge_cases(demo_db: Path, tmp_path: Path) -> None:
    """Crafted messages in a copy of the demo: the 600 s bound, unknown senders and system rows in
    the order, quote plus @ of one target, self-mentions, repeated mentions, equal timestamps and a
    week boundary at local midnight; reply_edges refreshed for that chat must still match."""
    db = tmp_path / "edge.duckdb"
    shutil.copy(demo_db, db)
    chat, import_id, last = rows(
        db,
        """select chat_id, any_value(import_id), max(ts) from messages
                                         group by chat_id order by chat_id limit 1""",
    )[0]
    a, b, c = (
        r[0]
        for r in rows(
            db,
            """select member_id from messages where chat_id = $c and member_id is not null
                                          group by all order by count(*) desc limit 3""",
            {"c": chat},
        )
    )
    day = local_day(last) + dt.timedelta(days=14)
    day += dt.timedelta(days=6 - day.weekday())  # a Sunday
    start = dt.datetime(day.year, day.month, day.day, 23, 50, tzinfo=TZ)
    crafted = _edge_case_messages(a, b, c)
    with store.writer(db, "Asia/Shanghai") as con:
        for msg_id, member, sec, kind, reply_to, mentions, text in crafted:
            con.execute(
                """insert into messages (msg_id, chat_id, member_id, ts, kind, text, reply_to_msg_id, mentions,
                                                 import_id)
                           values ($id, $chat, $m, $ts, $kind, $text, $r, $mentions, $imp)""",
                {
                    "id": f"edge-{msg_id}",
                    "chat": chat,
                    "m": member,
                    "ts": start + dt.timedelta(seconds=sec),
                    "kind": kind,
                    "text": text,
                    "r": f"edge-{reply_to}" if reply_to else None,
                    "mentions": mentions,
                    "imp": import_id,
                },
            )
        rollups.refresh(con, [chat], ("reply_edges",))
    expected = {k: v for k, v in _expected_edges(db).items() if k[0] == chat}
    got = {
        (ch, w, s, t): [strong, weak]
        for ch, w, s, t, strong, weak in rows(
            db,
            "select chat_id, week, source_id, target_id, strong, weak from reply_edges where chat_id = $c",
            {"c": chat},
        )
    }
    assert got == expected
    # the hand count itself, checked against the reading worked out on paper (new weeks hold only
    # the crafted rows: the demo's last message is two weeks before)
    sun_week, mon_week = monday(day), monday(day) + dt.timedelta(days=7)
    assert {k[1:]: v for k, v in expected.items() if k[1] >= sun_week} == {
        (sun_week, b, a): [0, 1],  # e02 (empty mentions still weak)
        (mon_week, b, a): [1, 1],  # e09 quote + @ of A once; e14b after e14a
        (mon_week, a, b): [1, 1],  # e11 (@B twice, once); e03 exactly 600 s
        (mon_week, c, b): [0, 1],  # e07 over the system row; e05 after an unknown sender is nothing
        (mon_week, a, c): [1, 1],  # e11; e14a after e13
        (mon_week, c, a): [1, 1],  # e15 quote; e13 over the recall
    }


@pytest.mark.slow
def test_reply_edges_classes(demo_db: Path) -> None:
    known = classes(demo_db)
    for c, s, t, sc, tc in rows(
        demo_db, "select chat_id, source_id, target_id, source_class, target_class from reply_edges"
    ):
        assert sc == known.get((c, s), "customer")
        assert tc == known.get((c, t), "customer")


@pytest.mark.slow
def test_reply_edges_covers_every_chat_with_replies(demo_db: Path) -> None:
    chats_expected = {k[0] for k in _expected_edges(demo_db)}
    chats_got = {r[0] for r in rows(demo_db, "select distinct chat_id from reply_edges")}
    assert chats_got == chats_expected
    assert len(chats_got) == len(rows(demo_db, "select chat_id from chats"))


@pytest.mark.slow
def test_topic_days_match_a_hand_count(demo_db: Path) -> None:
    known = classes(demo_db)
    words: dict[str, set[str]] = defaultdict(set)
    for term, topic in rows(demo_db, "select term, topic from topic_words"):
        words[term].add(topic)
    meta = {
        msg_id: (chat, member, ts)
        for msg_id, chat, member, ts in rows(demo_db, "select msg_id, chat_id, member_id, ts from messages")
    }
    topics_of: dict[str, set[str]] = defaultdict(set)
    for msg_id, _chat, term in rows(demo_db, "select msg_id, chat_id, term from terms"):
        topics_of[msg_id] |= words.get(term, set())
    expected: dict[tuple, int] = defaultdict(int)
    for msg_id, topics in topics_of.items():
        chat, member, ts = meta[msg_id]
        for topic in topics:
            expected[(chat, local_day(ts), topic, known.get((chat, member), "customer"))] += 1
    got = {
        (c, d, t, k): n
        for c, d, t, k, n in rows(demo_db, "select chat_id, day, topic, member_class, messages from topic_days")
    }
    assert expected, "the demo names some topics"
    assert got == dict(expected)


@pytest.mark.slow
def test_member_topics_match_a_hand_count(demo_db: Path) -> None:
    """member_topics is the per-member twin of topic_days: summed over members it must agree with
    topic_days summed over days and classes (for known senders)."""
    words: dict[str, set[str]] = defaultdict(set)
    for term, topic in rows(demo_db, "select term, topic from topic_words"):
        words[term].add(topic)
    meta = {
        msg_id: (chat, member, kind)
        for msg_id, chat, member, kind in rows(demo_db, "select msg_id, chat_id, member_id, kind from messages")
    }
    topics_of: dict[str, set[str]] = defaultdict(set)
    for msg_id, _chat, term in rows(demo_db, "select msg_id, chat_id, term from terms"):
        topics_of[msg_id] |= words.get(term, set())
    expected: dict[tuple, int] = defaultdict(int)
    for msg_id, topics in topics_of.items():
        chat, member, _kind = meta[msg_id]
        if member is None:
            continue
        for topic in topics:
            expected[(chat, member, topic)] += 1
    got = {
        (c, m, t): n for c, m, t, n in rows(demo_db, "select chat_id, member_id, topic, messages from member_topics")
    }
    assert got == dict(expected)


def test_profiles_questions_and_answers(demo_db: Path) -> None:
    asked: dict[tuple, int] = defaultdict(int)
    answered: dict[tuple, int] = defaultdict(int)
    for chat, asker, responder in rows(demo_db, "select chat_id, member_id, responder_id from questions"):
        asked[(chat, asker)] += 1
        if responder is not None:
            answered[(chat, responder)] += 1
    profiles = rows(demo_db, "select chat_id, member_id, questions_asked, answers_given from member_profiles")
    assert profiles
    assert sum(answered.values()) > 0
    bad = {
        (c, m): ((asked.get((c, m), 0), answered.get((c, m), 0)), (qa, ag))
        for c, m, qa, ag in profiles
        if (qa, ag) != (asked.get((c, m), 0), answered.get((c, m), 0))
    }
    assert bad == {}
    # every asker and responder of a question has a profile row
    keys = {(c, m) for c, m, _, _ in profiles}
    assert set(asked) <= keys
    assert set(answered) <= keys


def _average_ranks(values: list[float]) -> list[float]:
    """1-based ranks, ascending, ties get the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j + 2) / 2
        i = j + 1
    return ranks


def _score(rank: float, n: int) -> int:
    return min(5, max(1, math.ceil(5 * rank / n)))


def test_rfm_scores_by_hand(demo_db: Path) -> None:
    chat = rows(demo_db, "select chat_id from member_profiles group by chat_id order by count(*) desc limit 1")[0][0]
    profiles = rows(
        demo_db,
        """select member_id, last_spoke, recency_days, active_days_28, r_score, f_score
                                from member_profiles where chat_id = $c""",
        {"c": chat},
    )
    spoke = [p for p in profiles if p[1] is not None]
    assert len(spoke) >= 10
    n = len(spoke)
    r_rank = _average_ranks([-p[2] for p in spoke])  # smaller recency = higher rank
    f_rank = _average_ranks([p[3] for p in spoke])  # more active days = higher rank
    # the ranking must actually have ties in this chat, so average ties are exercised
    assert len({p[3] for p in spoke}) < n
    for p, rr, fr in zip(spoke, r_rank, f_rank, strict=True):
        assert (p[0], p[4], p[5]) == (p[0], _score(rr, n), _score(fr, n))
    for p in profiles:
        if p[1] is None:
            assert (p[4], p[5]) == (None, None)


runner = CliRunner()


@pytest.mark.slow
def test_analyze_roles_json(demo_db: Path) -> None:
    r = runner.invoke(app, ["analyze", "roles", "--format", "json", "--db", str(demo_db)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"members", "diversity", "mixing", "topics", "experts", "association"} <= set(out)
    assert out["members"]
    for m in out["members"]:
        assert "declared" in m and "inferred" in m
        assert isinstance(m["declared"]["roles"], list)
        assert isinstance(m["inferred"]["evidence"], list)
        for e in m["inferred"]["evidence"]:
            assert isinstance(e, dict) and isinstance(e["criterion"], str)
    chats = {c for (c,) in rows(demo_db, "select name from chats")}
    assert len(chats) == 3
    owner_chats = {m["chat"] for m in out["members"] if m["name"] == OWNER and "owner" in m["declared"]["roles"]}
    assert owner_chats == chats
    dims: dict[str, set[str]] = defaultdict(set)
    chat_of_id = dict(rows(demo_db, "select chat_id, name from chats"))
    for row in out["diversity"]:
        chat = row.get("chat_name") or chat_of_id.get(row.get("chat_id"), row.get("chat"))
        dims[chat].add(row["dimension"])
    assert dict(dims) == {c: {"topics", "speakers", "roles"} for c in chats}


def test_analyze_roles_unknown_chat(demo_db: Path) -> None:
    r = runner.invoke(app, ["analyze", "roles", "--db", str(demo_db), "--chat", "不存在的群"])
    assert r.exit_code != 0
    assert "不存在的群" in r.output


@pytest.mark.slow
def test_analyze_roles_one_chat(demo_db: Path) -> None:
    name = rows(demo_db, "select name from chats order by name limit 1")[0][0]
    r = runner.invoke(app, ["analyze", "roles", "--db", str(demo_db), "--chat", name, "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["members"] and {m["chat"] for m in out["members"]} == {name}
    table = runner.invoke(app, ["analyze", "roles", "--db", str(demo_db), "--chat", name])
    assert table.exit_code == 0, table.output
