"""Events found in the chat itself (docs/metrics.md §5.2): an announcement with event words and a day
("【活动预告】6月14日 14:00 夏日插花课"), the reminders before it ("明天14点夏日插花课"), and the 接龙
sign-up list titled with it, gathered into one event per chat and day. The owner confirms them on
the page; store events (events.csv) are matched to them by day and name."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import duckdb
import polars as pl

from dashboard.core import queries
from dashboard.core.text.when import parse_when

AHEAD_DAYS = 60   # an announcement looks at most this far ahead
_CLEAN = re.compile(r"【[^】]*】|@\S+[\u2005 ]|\[[^\]]{1,8}\]")
_WHEN_WORDS = re.compile(r"\d{1,2}月\d{1,2}[日号]?|\d{1,2}[:：]\d{2}|(?:上午|中午|下午|晚上|早上)?\d{1,2}点半?"
                         r"|(?:本|这|下)?(?:周|星期|礼拜)[一二三四五六日天末]|今天|今晚|明天|明晚|后天")

SCHEMA = {"chat_id": pl.String, "detect_id": pl.String, "start_at": pl.Datetime(time_zone="UTC"),
          "title": pl.String, "announce_msg_id": pl.String, "announced_at": pl.Datetime(time_zone="UTC"),
          "reminders": pl.Int64, "solitaire_id": pl.String, "mentions": pl.List(pl.String), "texts": pl.String}


def _title(text: str) -> str:
    """A short name for an event from its announcement or list title: brackets, @mentions, emoji
    codes and the day and hour out, then the first phrase left ("夏日插花课")."""
    cleaned = _WHEN_WORDS.sub(" ", _CLEAN.sub(" ", text))
    phrases = [p for p in re.split(r"[\s，,。！!；;：:]+", cleaned) if p]
    return phrases[0][:40] if phrases else text[:40]


def detect(candidates: pl.DataFrame) -> pl.DataFrame:
    """Events from candidates rows (query events/candidates): every message or list whose day
    expression points 0–60 days ahead of when it was sent, grouped per chat and event day. The
    first one is the announcement; later messages are reminders; a 接龙 list names the event."""
    found: dict[tuple[str, dt.date], dict] = {}
    for r in candidates.sort("ts").iter_rows(named=True):
        sent = r["ts"]
        start = parse_when(r["text"], sent)
        # by date: "今天活动开始啦" sent at 15:00 with no hour still announces today's event
        if start is None or not (sent.date() <= start.date() <= (sent + dt.timedelta(days=AHEAD_DAYS)).date()):
            continue
        if r["sender_class"] not in ("staff", "expert", "alt") and r["solitaire_id"] is None:
            continue  # customers say "明天来店里" too; announcements come from the shop or its lists
        key = (r["chat_id"], start.date())
        ev = found.setdefault(key, {"chat_id": r["chat_id"], "start_at": start, "title": None,
                                    "announce_msg_id": r["msg_id"], "announced_at": sent, "reminders": 0,
                                    "solitaire_id": None, "mentions": [], "texts": ""})
        ev["mentions"].append(r["msg_id"])
        ev["texts"] = (ev["texts"] + "\n" + r["text"]).strip()  # where it is held is read from these
        if r["solitaire_id"] is not None:
            ev["solitaire_id"] = ev["solitaire_id"] or r["solitaire_id"]
            ev["title"] = _title(r["text"])
        elif r["msg_id"] != ev["announce_msg_id"]:
            ev["reminders"] += 1
        if ev["title"] is None:
            ev["title"] = _title(r["text"])
        if start.time() != dt.time(10, 0) and ev["start_at"].time() == dt.time(10, 0):
            ev["start_at"] = start  # a later mention with the hour beats the 10:00 default
    rows = []
    for (chat_id, day), ev in found.items():
        ev["detect_id"] = hashlib.sha1(f"{chat_id}|{day.isoformat()}".encode()).hexdigest()[:12]
        rows.append(ev)
    return pl.DataFrame(rows, schema=SCHEMA) if rows else pl.DataFrame(schema=SCHEMA)


def rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup chat_events for these chats."""
    return detect(queries.run(con, "events/candidates", chat_ids=chat_ids))
