"""Numbers and dates formatted for the UI language."""

from __future__ import annotations

import datetime as dt

from dashboard.ui.i18n import lang


def num(n: float | int | None) -> str:
    if n is None:
        return "—"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def day(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, dt.datetime):
        d = d.date()
    return f"{d.year}年{d.month}月{d.day}日" if lang() == "zh" else d.strftime("%b %d, %Y").replace(" 0", " ")


def pct(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x * 100:.{digits}f}%"


def duration(seconds: float | None) -> str:
    """A time span in the largest unit that keeps it short: 45秒, 6分钟, 2.5小时."""
    if seconds is None:
        return "—"
    zh = lang() == "zh"
    if seconds < 60:
        return f"{seconds:.0f}秒" if zh else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}分钟" if zh else f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}小时" if zh else f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f}天" if zh else f"{seconds / 86400:.1f} d"


def delta(now: float | int | None, before: float | int | None) -> str | None:
    """The change since the previous period for st.metric (None hides the arrow)."""
    if now is None or before is None:
        return None
    return f"{now - before:+,}" if isinstance(now, int) and isinstance(before, int) else f"{now - before:+,.1f}"
