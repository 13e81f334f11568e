"""What the owner enters by hand for the Growth page: the entry threshold each group had over time
(table join_regimes) and the amounts of her red packets (table red_packet_amounts). Exports hold
neither. Each save checks everything first and writes nothing when a row is wrong."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import duckdb

THRESHOLDS = ("free", "invite_only", "paid", "purchase", "question")
THRESHOLD_WORDS = {
    "free": ("free", "免费", "自由加入", "无门槛", "开放"),
    "invite_only": ("invite_only", "invite-only", "仅邀请", "邀请制", "仅限邀请", "只能邀请"),
    "paid": ("paid", "付费", "付费入群", "收费"),
    "purchase": ("purchase", "消费满", "购物满", "消费门槛", "老客", "会员"),
    "question": ("question", "答题", "问题验证", "回答问题", "验证问题"),
}
THRESHOLD_OF = {w.lower(): key for key, words in THRESHOLD_WORDS.items() for w in words}


class EntryError(ValueError):
    """A row the owner entered that cannot be kept, with which row and what was expected."""


@dataclass(frozen=True)
class Regime:
    chat_id: str
    start_on: dt.date
    end_on: dt.date | None
    threshold: str
    detail: str | None


def threshold_of(word: str) -> str | None:
    return THRESHOLD_OF.get(word.strip().lower())


def check_regimes(regimes: list[Regime], where: list[str]) -> None:
    """Raise EntryError naming the row (where[i]) when an end precedes its start or two periods of
    one chat overlap."""
    for r, w in zip(regimes, where, strict=True):
        if r.threshold not in THRESHOLDS:
            raise EntryError(f"{w}: 门槛应为 {', '.join(THRESHOLDS)} 之一，现在是 {r.threshold!r}")
        if r.end_on is not None and r.end_on < r.start_on:
            raise EntryError(f"{w}: 结束日期 {r.end_on} 早于开始日期 {r.start_on}")
    by_chat: dict[str, list[tuple[Regime, str]]] = {}
    for r, w in zip(regimes, where, strict=True):
        by_chat.setdefault(r.chat_id, []).append((r, w))
    for rows in by_chat.values():
        rows.sort(key=lambda x: x[0].start_on)
        for (a, wa), (b, wb) in itertools.pairwise(rows):
            if a.end_on is None or a.end_on >= b.start_on:
                raise EntryError(f"{wb}: 和{wa}重叠（同一个群的门槛时段不能交叉）")


def replace_regimes(con: duckdb.DuckDBPyConnection, chat_ids: list[str], regimes: list[Regime],
                    where: list[str]) -> int:
    """Make these chats' marked periods exactly `regimes` (the page's editor shows them whole).
    The caller holds the write (db.change)."""
    check_regimes(regimes, where)
    con.execute("delete from join_regimes where list_contains($c, chat_id)", {"c": chat_ids})
    upsert_regimes(con, regimes)
    return len(regimes)


def upsert_regimes(con: duckdb.DuckDBPyConnection, regimes: list[Regime]) -> None:
    now = dt.datetime.now(dt.UTC)
    for r in regimes:
        con.execute("insert or replace into join_regimes values ($c, $s, $e, $t, $d, $n)",
                    {"c": r.chat_id, "s": r.start_on, "e": r.end_on, "t": r.threshold, "d": r.detail, "n": now})


def save_amounts(con: duckdb.DuckDBPyConnection, amounts: dict[str, object]) -> int:
    """Keep the amounts of these packets (None or blank clears one). Returns how many are set."""
    parsed: dict[str, Decimal | None] = {}
    for packet_id, value in amounts.items():
        if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
            parsed[packet_id] = None
            continue
        try:
            amount = Decimal(str(value).replace("¥", "").replace("元", "").strip())
        except InvalidOperation as exc:
            raise EntryError(f"红包 {packet_id}: 金额应为数字，如 88.88，现在是 {value!r}") from exc
        if amount.is_nan():
            raise EntryError(f"红包 {packet_id}: 金额应为数字，如 88.88，现在是 {value!r}")
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise EntryError(f"红包 {packet_id}: 金额应为 0 到 9,999,999,999.99 元")
        parsed[packet_id] = amount.quantize(Decimal("0.01"))
    known = {r[0] for r in con.execute("select packet_id from red_packets where list_contains($p, packet_id)",
                                       {"p": list(parsed)}).fetchall()}
    if missing := sorted(set(parsed) - known):
        raise EntryError(f"没有这个红包：{', '.join(missing)}")
    now = dt.datetime.now(dt.UTC)
    for packet_id, amount in parsed.items():
        if amount is None:
            con.execute("delete from red_packet_amounts where packet_id = $p", {"p": packet_id})
        else:
            con.execute("insert or replace into red_packet_amounts values ($p, $a, $n)",
                        {"p": packet_id, "a": amount, "n": now})
    return sum(1 for a in parsed.values() if a is not None)
