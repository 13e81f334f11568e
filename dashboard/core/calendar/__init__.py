"""The calendar of days that are not ordinary shop days (holidays.toml beside this file)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HOLIDAYS = Path(__file__).resolve().parent / "holidays.toml"
KINDS = ("holiday", "promotion")


class CalendarFileError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: str
    kind: str
    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def read_calendar(path: Path = HOLIDAYS) -> tuple[Period, ...]:
    """Every period of a calendar file; CalendarFileError names the file, entry and problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise CalendarFileError(f"{path}: cannot read the calendar ({e})") from e
    out = []
    for i, raw in enumerate(data.get("day", []), 1):
        where = f"{path}, entry {i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise CalendarFileError(f"{where}: expected a [[day]] table with a name")
        if raw.get("kind") not in KINDS:
            raise CalendarFileError(
                f"{where} ({raw['name']}): kind must be holiday or promotion, got {raw.get('kind')!r}")
        start, end = raw.get("from"), raw.get("to", raw.get("from"))
        if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
            raise CalendarFileError(
                f"{where} ({raw['name']}): from and to must be dates (YYYY-MM-DD), to not before from")
        out.append(Period(raw["name"], raw["kind"], start, end))
    return tuple(out)


@cache
def special_days() -> dict[dt.date, str]:
    """Every holiday and promotion day of the shipped calendar, with its name."""
    return {d: p.name for p in read_calendar() for d in p.days()}
