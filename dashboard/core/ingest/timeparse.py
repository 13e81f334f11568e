"""Instants from the many ways exports write time. Everything returned is an aware UTC datetime."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC

# 2024-10-04 11:42:05 · 2024/10/4 11:42 (Excel drops seconds) · optional 12-hour marker
_LOCAL = re.compile(
    r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*([AaPp][Mm])?\s*$"
)


class TimeFormatError(ValueError):
    pass


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeFormatError(f"未知时区 {name!r}（例如 Asia/Shanghai）") from exc


def from_epoch(value: str | int | float, unit: str = "s") -> dt.datetime:
    try:
        v = float(value)
        if unit == "ms":
            v /= 1000.0
        return dt.datetime.fromtimestamp(v, UTC)
    except (ValueError, OverflowError, OSError) as exc:  # not a number, or no date a calendar has
        raise TimeFormatError(str(value)) from exc


def epoch_unit(value: float) -> str:
    """Seconds or milliseconds, told apart by magnitude (ms epochs are > 1e11 after 1973)."""
    return "ms" if abs(value) > 1e11 else "s"


def parse_local(text: str, tz: str) -> dt.datetime:
    m = _LOCAL.match(text)
    if not m:
        raise TimeFormatError(text)
    y, mo, d, h, mi, s, frac, ampm = m.groups()
    hour = int(h)
    if ampm:
        pm = ampm.lower() == "pm"
        hour = hour % 12 + (12 if pm else 0)
    micro = int((frac or "0").ljust(6, "0"))
    try:
        local = dt.datetime(int(y), int(mo), int(d), hour, int(mi), int(s or 0), micro, tzinfo=zone(tz))
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        # 2024-02-30, hour 25 …: written like a time, but no such time; 0001-01-01 in a zone ahead of
        # UTC: a time before the first instant a datetime holds
        if isinstance(exc, TimeFormatError):
            raise
        raise TimeFormatError(text) from exc


# The window of plausible instants (docs/formats.md §0), the one rule every import applies: enrich
# skips a chat message outside it as a damaged line, store records refuse such a cell. QQ, the
# oldest platform read, began in February 1999, so no chat export holds an earlier message, and a
# shop's till records are younger still; an earlier time is an epoch of 0, Excel's day zero (1900)
# or another stand-in for "unknown". A message or a visit after now cannot have been exported yet:
# a day of slack covers a phone's clock running ahead and a wall time read in the wrong --tz. What
# is planned (an event of the calendar, a threshold period) may lie ahead, but not by decades.
PLAUSIBLE_FROM = dt.datetime(1999, 1, 1, tzinfo=UTC)
PLAUSIBLE_AHEAD = dt.timedelta(days=1)
PLANNED_AHEAD = dt.timedelta(days=3653)
IMPLAUSIBLE = "时间不合理：早于 1999 年或晚于现在"
IMPLAUSIBLE_PLANNED = "时间不合理：早于 1999 年或晚于十年后"


class ImplausibleTime(TimeFormatError):
    """A real time, but outside the window an export's times can hold."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text}（{reason}）")
        self.reason = reason


def plausible_until(ahead: dt.timedelta | None = None) -> dt.datetime:
    return dt.datetime.now(UTC) + (PLAUSIBLE_AHEAD if ahead is None else ahead)


def is_plausible(ts: dt.datetime, ahead: dt.timedelta | None = None) -> bool:
    """Whether an aware instant lies in the window a real export's times can hold."""
    return PLAUSIBLE_FROM <= ts <= plausible_until(ahead)


def check_plausible(ts: dt.datetime, text: str, ahead: dt.timedelta | None = None) -> dt.datetime:
    """`ts`, or TimeFormatError naming `text` (what the file wrote) when it is outside the window."""
    if not is_plausible(ts, ahead):
        raise ImplausibleTime(text, IMPLAUSIBLE if ahead is None else IMPLAUSIBLE_PLANNED)
    return ts
