"""Chinese date and time expressions in shop announcements: "6月14日 14:00", "本周六下午3点到店",
"明天14点", "下周三上午10点半", "9月27日10点" → a local datetime, read against the time the message
was sent. Only what shops write; anything unclear gives None rather than a guess."""

from __future__ import annotations

import datetime as dt
import re

_NUM = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
        "十": 10, "日": 6, "天": 6}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}

_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?")
_REL_DAY = re.compile(r"(今天|今晚|明天|明晚|后天)")
_WEEK = re.compile(r"(本|这|下下|下)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天末])")
_TIME = re.compile(r"(上午|中午|下午|晚上|早上)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})"
                   r"(?:[:：](\d{2})|点(半|\d{1,2}分?)?)")


def _cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _NUM.get(s[1:], 0)
    if s.endswith("十"):
        return _NUM.get(s[0], 0) * 10
    if "十" in s:
        a, b = s.split("十")
        return _NUM.get(a, 0) * 10 + _NUM.get(b, 0)
    return _NUM.get(s)


def _day(text: str, sent: dt.datetime) -> dt.date | None:
    today = sent.date()
    m = _DATE.search(text)
    if m:
        year = int(m.group(1)) if m.group(1) else today.year
        month, day = int(m.group(2)), int(m.group(3))
        try:
            found = dt.date(year, month, day)
        except ValueError:
            return None
        # "1月5日" written in December means next January
        if not m.group(1) and found < today - dt.timedelta(days=60):
            try:
                found = found.replace(year=year + 1)
            except ValueError:  # 2月29日 with no leap day next year
                return None
        return found
    m = _REL_DAY.search(text)
    if m:
        word = m.group(1)
        return today + dt.timedelta(days=0 if word.startswith("今") else 1 if word.startswith("明") else 2)
    m = _WEEK.search(text)
    if m:
        which, wd = m.group(1) or "", _WEEKDAY[m.group(2)]
        monday = today - dt.timedelta(days=today.weekday())
        weeks = 2 if which == "下下" else 1 if which == "下" else 0
        found = monday + dt.timedelta(weeks=weeks, days=wd)
        if not which and found < today:  # a bare "周六" said on a Sunday means the coming one
            found += dt.timedelta(weeks=1)
        return found
    return None


def _time(text: str) -> dt.time | None:
    m = _TIME.search(text)
    if not m:
        return None
    part, hour_s, minute_s, tail = m.groups()
    if part is None and re.search(r"今晚|明晚", text):
        part = "晚上"  # 今晚8点 is 20:00
    hour = _cn_number(hour_s)
    if hour is None or hour > 24:
        return None
    minute = int(minute_s) if minute_s else 30 if tail == "半" else int(re.sub(r"\D", "", tail)) if tail else 0
    if part in ("下午", "晚上") and hour < 12:
        hour += 12
    if part == "中午" and hour < 11:
        hour += 12
    if hour >= 24 or minute >= 60:
        return None
    return dt.time(hour, minute)


def parse_when(text: str, sent: dt.datetime) -> dt.datetime | None:
    """The date and time a message announces, in the message's own time zone; None without a day.
    A day with no time is read as 10:00, the hour most shop events start."""
    if not text:
        return None
    day = _day(text, sent)
    if day is None:
        return None
    at = _time(text) or dt.time(10, 0)
    return dt.datetime.combine(day, at, tzinfo=sent.tzinfo)
