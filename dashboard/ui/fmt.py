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
