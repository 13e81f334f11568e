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
    except ValueError as exc:  # 2024-02-30, hour 25 …: written like a time, but no such time
        if isinstance(exc, TimeFormatError):
            raise
        raise TimeFormatError(text) from exc
    return local.astimezone(UTC)
