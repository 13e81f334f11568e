"""The store's own records: POS visits, the events calendar, and the owner's notes on members.

Each is a CSV a shop owner can fill from her POS export or a spreadsheet, recognised by its
header (Chinese or English column names, in any order). Every row is checked before anything is
written; the first bad cell stops the import with its file, line and column, and the database is
left as it was. Rows are written in one transaction with the import that wrote them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from dashboard.core import owner_entries, rollups
from dashboard.core.analytics import events
from dashboard.core.ingest import ids
from dashboard.core.ingest.csvrows import iter_records, read_header
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.textio import Sniffed
from dashboard.core.ingest.timeparse import (
    PLANNED_AHEAD,
    ImplausibleTime,
    TimeFormatError,
    check_plausible,
    parse_local,
)


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]  # accepted header names, compared case- and space-insensitively
    kind: str = "text"  # text | time | date | amount | flag | role | phone | threshold
    required: bool = False
    planned: bool = False  # a time that may lie ahead (an event, a threshold period), not one that happened


@dataclass(frozen=True)
class RecordKind:
    name: str  # the imports.format it is recorded as
    label: str
    columns: tuple[Column, ...]
    example: str

    def locate(self, header: list[str]) -> dict[str, int] | None:
        """Column key → position, when the header has every required column."""
        norm = [_norm(h) for h in header]
        found: dict[str, int] = {}
        for col in self.columns:
            for name in col.names:
                if _norm(name) in norm:
                    found[col.key] = norm.index(_norm(name))
                    break
        if all(c.key in found for c in self.columns if c.required):
            return found
        return None


def _norm(s: str) -> str:
    return re.sub(r"[\s_（）()]", "", s.strip().lstrip("\ufeff")).lower()


VISITS = RecordKind("store_visits", "门店消费记录 visits.csv", (
    Column("visit_id", ("单号", "订单号", "流水号", "小票号", "visit_id", "order_id"), required=True),
    Column("store", ("门店", "店铺", "门店名称", "store")),
    Column("customer_id", ("会员号", "会员编号", "会员卡号", "customer_id", "member_no")),
    Column("ts", ("时间", "下单时间", "消费时间", "交易时间", "time", "datetime"), "time", required=True),
    Column("amount", ("金额", "实付金额", "消费金额", "实收金额", "amount"), "amount"),
), "单号,门店,会员号,时间,金额")

EVENTS = RecordKind("store_events", "活动日历 events.csv", (
    Column("event_id", ("活动编号", "活动id", "event_id"), required=True),
    Column("store", ("门店", "店铺", "store")),
    Column("name", ("活动名称", "名称", "活动", "name"), required=True),
    Column("category", ("类别", "类型", "活动类型", "category")),
    Column("announce_at", ("公布时间", "发布时间", "通知时间", "announce_at", "announced_at"), "time", planned=True),
    Column("start_at", ("开始时间", "start_at", "start"), "time", required=True, planned=True),
    Column("end_at", ("结束时间", "end_at", "end"), "time", planned=True),
    Column("cost", ("费用", "成本", "花费", "cost"), "amount"),
), "活动编号,门店,活动名称,类别,公布时间,开始时间,结束时间,费用")

MEMBERS = RecordKind("store_members", "成员备注 members.csv", (
    Column("chat", ("群", "群名", "群聊", "chat")),
    Column("wxid", ("微信号", "wxid", "账号", "user_id")),
    Column("nickname", ("群昵称", "昵称", "nickname")),
    Column("role", ("角色", "身份", "role"), "role"),
    Column("domain", ("领域", "专长", "domain")),
    Column("customer_id", ("会员号", "会员编号", "customer_id")),
    Column("phone_last4", ("手机尾号", "手机后四位", "phone_last4"), "phone"),
    Column("is_alt", ("是否小号", "小号", "is_alt"), "flag"),
    Column("note", ("备注", "note")),
), "群,微信号,群昵称,角色,领域,会员号,手机尾号,是否小号,备注")

REGIMES = RecordKind("join_regimes", "入群门槛 regimes.csv", (
    Column("chat", ("群", "群名", "群聊", "chat"), required=True),
    Column("start", ("开始日期", "开始", "起始日期", "start", "start_on"), "date", required=True, planned=True),
    Column("end", ("结束日期", "结束", "截止日期", "end", "end_on"), "date", planned=True),
    Column("threshold", ("入群门槛", "门槛", "threshold"), "threshold", required=True),
    Column("detail", ("说明", "备注", "detail", "note")),
), "群,开始日期,结束日期,入群门槛,说明")

KINDS = (VISITS, EVENTS, MEMBERS, REGIMES)
ROLE_WORDS = {
    "owner": ("owner", "店长", "群主", "老板", "老板娘"), "admin": ("admin", "管理员", "群管"),
    "staff": ("staff", "店员", "员工", "导购", "客服"),
    "expert": ("expert", "专家", "老师", "育儿师", "营养师", "kol", "达人"),
    "alt": ("alt", "小号"), "bot": ("bot", "机器人"), "customer": ("customer", "顾客", "客户", "会员", "宝妈"),
}
ROLE_OF = {w: role for role, words in ROLE_WORDS.items() for w in words}
YES = {"是", "y", "yes", "true", "1", "✓", "√", "对"}
NO = {"", "否", "n", "no", "false", "0", "不是"}
_DATE_ONLY = re.compile(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")


def nearest(header: list[str] | None) -> tuple[RecordKind, list[str]] | None:
    """A header that looks like a store-records file but lacks required columns: (kind, missing names)."""
    if not header:
        return None
    norm = {_norm(h) for h in header}
    best = None
    for kind in KINDS:
        hits = [c for c in kind.columns if any(_norm(n) in norm for n in c.names)]
        missing = [c.names[0] for c in kind.columns if c.required and c not in hits]
        if len(hits) >= 2 and missing and (best is None or len(hits) > best[2]):
            best = (kind, missing, len(hits))
    return (best[0], best[1]) if best else None


def detect(header: list[str] | None) -> tuple[RecordKind, dict[str, int]] | None:
    if not header:
        return None
    best = None
    for kind in KINDS:
        found = kind.locate(header)
        if found is not None and (best is None or len(found) > len(best[1])):
            best = (kind, found)
    if best and best[0] is MEMBERS and not ({"wxid", "nickname"} & set(best[1])):
        return None
    if best and best[0] is MEMBERS and len(best[1]) < 3:
        return None  # two loose words are not a members file
    return best


# ---------------------------------------------------------------------------------------------
# reading and checking

@dataclass
class Records:
    kind: RecordKind
    rows: list[dict]
    n_read: int = 0
    lines: list[int] = field(default_factory=list)


def _cell(path: Path, line: int, header: str, problem: str, expected: str) -> IngestError:
    return IngestError(path, f"“{header}”列 {problem}", line=line, expected=expected)


def _time(value: str, tz: str, planned: bool = False) -> dt.datetime:
    """A time in the plausible window of timeparse, like every time an import reads: a visit in
    1900 or 9999 is a damaged cell; an event may lie ahead, but not beyond PLANNED_AHEAD."""
    text = value.strip()
    if _DATE_ONLY.match(value):
        value = text + " 00:00:00"
    return check_plausible(parse_local(value, tz), text, PLANNED_AHEAD if planned else None)


# visits.amount and store_events.cost are decimal(12, 2)
AMOUNT_LIMIT = Decimal("1e10")


def _amount(value: str) -> Decimal:
    v = re.sub(r"[¥￥元,，\s]", "", value)
    amount = Decimal(v)
    if not amount.is_finite():  # inf, nan: Decimal reads them, no till writes them
        raise ValueError(value)
    if abs(amount) >= AMOUNT_LIMIT:
        raise ValueError("too large")
    return amount


def _convert(col: Column, value: str, tz: str):
    value = value.strip()
    if col.kind == "text" or value == "":
        return value or None
    if col.kind == "time":
        return _time(value, tz, col.planned)
    if col.kind == "date":  # the local calendar day
        return _time(value, tz, col.planned).astimezone(ZoneInfo(tz)).date()
    if col.kind == "amount":
        amount = _amount(value)
        if amount < 0:
            raise ValueError("negative")
        return amount
    if col.kind == "flag":
        low = value.lower()
        if low in YES:
            return True
        if low in NO:
            return False
        raise ValueError("flag")
    if col.kind == "role":
        role = ROLE_OF.get(value.lower())
        if role is None:
            raise ValueError("role")
        return role
    if col.kind == "threshold":
        threshold = owner_entries.threshold_of(value)
        if threshold is None:
            raise ValueError("threshold")
        return threshold
    if col.kind == "phone":
        digits = re.sub(r"\D", "", value)
        if len(digits) < 4:
            raise ValueError("phone")
        return digits[-4:]
    raise AssertionError(col.kind)


EXPECTED = {
    "time": "日期时间，如 2025-05-24 10:00:00 或 2025/5/24 10:00",
    "date": "日期，如 2025-05-24 或 2025/5/24",
    "amount": "不小于 0、小于 100 亿的金额，如 128.00",
    "flag": "是 / 否（或 yes / no）",
    "role": "店长、管理员、店员、专家、小号、机器人、顾客之一",
    "phone": "手机号后四位，如 1234",
    "threshold": "免费、邀请制、付费、消费满、答题之一（或 free / invite_only / paid / purchase / question）",
}


def read_records(path: Path, sniffed: Sniffed, tz: str, default_store: str | None = None) -> Records:
    """Every row checked. `default_store` (`qunxi ingest --store`) is the shop of visits and events
    whose row names none, so two shops' files that both number from 1 stay apart (_scope_ids)."""
    header = read_header(path, sniffed)
    found = detect(header)
    if found is None:
        near = nearest(header)
        if near:
            kind, missing = near
            raise IngestError(path, f"{kind.label} 缺少“{'”、“'.join(missing)}”列", line=1, expected=kind.example)
        raise IngestError(path, "不是门店记录文件", line=1, expected=" 或 ".join(k.example for k in KINDS))
    kind, where = found
    by_key = {c.key: c for c in kind.columns}
    out = Records(kind, [])
    seen: dict[str, list[tuple[str | None, int]]] = {}
    id_key = kind.columns[0].key if kind not in (MEMBERS, REGIMES) else None  # regimes: write_regimes checks
    for line, row, readable in iter_records(path, sniffed):
        out.n_read += 1
        if not readable:
            raise IngestError(path, "包含无法解码的字节", line=line, expected="UTF-8 或 GBK 编码的文本")
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise IngestError(path, f"这一行有 {len(row)} 个字段，表头只有 {len(header)} 个", line=line,
                              expected="含逗号的内容用英文双引号括起来，如 \"1,024.50\"")
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        rec: dict = {}
        for key, i in where.items():
            col = by_key[key]
            try:
                rec[key] = _convert(col, row[i], tz)
            except (ValueError, InvalidOperation, TimeFormatError) as exc:
                problem = {"negative": "不能是负数", "too large": f"金额过大 “{row[i].strip()}”"}.get(
                    str(exc), f"无法识别 “{row[i].strip()}”")
                if isinstance(exc, ImplausibleTime):
                    problem = f"“{row[i].strip()}”{exc.reason}"
                raise _cell(path, line, header[i], problem, EXPECTED[col.kind]) from exc
            if col.required and rec[key] is None:
                raise _cell(path, line, header[i], "不能为空", col.names[0])
        if default_store and kind in (VISITS, EVENTS) and not rec.get("store"):
            rec["store"] = default_store
        if kind is MEMBERS and not (rec.get("wxid") or rec.get("nickname")):
            raise IngestError(path, "这一行既没有微信号也没有群昵称", line=line, expected="至少填写其中一项")
        if id_key:
            ident, store = rec[id_key], rec.get("store")
            # a chain-wide file may reuse an id in different shops; within one shop (or with no shop
            # named) the same id twice is a mistake
            for other_store, other_line in seen.get(ident, ()):
                if store is None or other_store is None or store == other_store:
                    raise _cell(path, line, header[where[id_key]], f"“{ident}”与第 {other_line} 行重复",
                                "每行一个不同的编号（不同门店可以用同一个编号）")
            seen.setdefault(ident, []).append((store, line))
        out.rows.append(rec)
        out.lines.append(line)
    if not out.rows:
        raise IngestError(path, "文件只有表头，没有任何记录", expected=f"表头下至少一行 {kind.example}")
    return out


# ---------------------------------------------------------------------------------------------
# writing

@dataclass
class WriteCounts:
    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    extra: dict = field(default_factory=dict)


def _stores(con: duckdb.DuckDBPyConnection, names: set[str | None]) -> None:
    for name in sorted(n for n in names if n):
        con.execute("insert into stores (store_id, name) values ($n, $n) on conflict do nothing", {"n": name})


def _scope_ids(con: duckdb.DuckDBPyConnection, table: str, key: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Give an id another shop already holds the shop's name as a prefix (门店B:E01).

    A chain's shops number their visits and events independently, so every shop has an E01. The
    shop that first used an id (in the database, else first in this file) keeps it; another shop's
    record with that id becomes `shop:id` instead of overwriting it. Re-importing either shop's
    file lands on the same ids again."""
    con.register("incoming_ids", frame.select(key).unique())
    try:
        held = con.sql(
            f"select t.{key}, t.store_id as held from {table} t semi join incoming_ids i on t.{key} = i.{key}"
        ).pl()
    finally:
        con.unregister("incoming_ids")
    owner = pl.coalesce("held", pl.col("store_id").drop_nulls().first().over(key))
    clash = pl.col("store_id").is_not_null() & owner.is_not_null() & (pl.col("store_id") != owner)
    return (
        frame.join(held, on=key, how="left", maintain_order="left")
        .with_columns(pl.when(clash).then(pl.format("{}:{}", "store_id", key)).otherwise(pl.col(key)).alias(key))
        .drop("held")
    )


def _upsert(con: duckdb.DuckDBPyConnection, table: str, key: str, rows: list[dict], cols: list[str]) -> WriteCounts:
    """Insert new keys, update changed ones, count identical ones: re-importing a file is a no-op."""
    frame = pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], infer_schema_length=None)
    original = frame[key]
    frame = _scope_ids(con, table, key, frame)
    n_scoped = int((frame[key] != original).sum())
    con.register("incoming", frame)
    try:
        cmp = " or ".join(f"t.{c} is distinct from i.{c}" for c in cols if c not in (key, "import_id"))
        n_new = con.execute(f"select count(*) from incoming i anti join {table} t on t.{key} = i.{key}").fetchone()[0]
        n_changed = con.execute(
            f"select count(*) from incoming i join {table} t on t.{key} = i.{key} where {cmp}"
        ).fetchone()[0]
        collist = ", ".join(cols)
        con.execute(
            f"delete from {table} where {key} in "
            f"(select i.{key} from incoming i join {table} t on t.{key} = i.{key} where {cmp})"
        )
        con.execute(
            f"insert into {table} ({collist}) select {collist} from incoming i anti join {table} t on t.{key} = i.{key}"
        )
    finally:
        con.unregister("incoming")
    counts = WriteCounts(n_new, n_changed, len(rows) - n_new - n_changed)
    if n_scoped:
        counts.extra["shop_prefixed_ids"] = n_scoped
    return counts


def write_visits(con: duckdb.DuckDBPyConnection, recs: Records, import_id: int) -> WriteCounts:
    _stores(con, {r.get("store") for r in recs.rows})
    rows = [{**r, "store_id": r.get("store"), "import_id": import_id} for r in recs.rows]
    customers = sorted({(r["customer_id"], r.get("store")) for r in recs.rows if r.get("customer_id")},
                       key=lambda x: x[0])
    first_store: dict[str, str | None] = {}
    for cid, store in customers:
        first_store.setdefault(cid, store)
    for cid, store in first_store.items():
        con.execute(
            "insert into customers (customer_id, store_id, import_id) values ($c, $s, $i) on conflict do nothing",
            {"c": cid, "s": store, "i": import_id},
        )
    counts = _upsert(con, "visits", "visit_id", rows, ["visit_id", "store_id", "customer_id", "ts", "amount",
                                                         "import_id"])
    counts.extra["customers"] = len(first_store)
    return counts


def write_events(con: duckdb.DuckDBPyConnection, recs: Records, import_id: int) -> WriteCounts:
    _stores(con, {r.get("store") for r in recs.rows})
    rows = [{**r, "store_id": r.get("store"), "import_id": import_id} for r in recs.rows]
    return _upsert(con, "store_events", "event_id", rows, ["event_id", "store_id", "name", "category",
                                                            "announce_at", "start_at", "end_at", "cost", "import_id"])


@dataclass(frozen=True)
class _Chat:
    chat_id: str
    platform: str
    key: str
    name: str


def _find_chat(con: duckdb.DuckDBPyConnection, path: Path, line: int, text: str) -> _Chat:
    rows = con.execute(
        "select chat_id, platform, platform_key, name from chats where name = $t or platform_key = $t", {"t": text}
    ).fetchall()
    if not rows:
        raise IngestError(path, f"“群”列: 还没有导入名为“{text}”的群", line=line,
                          expected="已导入的群名（先导入这个群的聊天记录，再导入 members.csv），或留空")
    if len(rows) > 1:
        raise IngestError(path, f"“群”列: 有 {len(rows)} 个群都叫“{text}”", line=line,
                          expected="群的 ID（如 12345@chatroom）以区分")
    return _Chat(*rows[0])


def _resolve_member(con: duckdb.DuckDBPyConnection, path: Path, line: int, rec: dict,
                    chat: _Chat | None) -> tuple[str, str, str, str]:
    """(member_id, platform, platform_key, key_kind) of a members.csv row."""
    if rec.get("wxid"):
        platform = chat.platform if chat else "wechat"
        return ids.member_id(platform, rec["wxid"]), platform, rec["wxid"], "id"
    name = rec["nickname"]
    if chat is not None:
        known = con.execute(
            "select distinct member_id from member_names where chat_id = $c and name = $n",
            {"c": chat.chat_id, "n": name},
        ).fetchall()
        if len(known) == 1:
            found = con.execute("select member_id, platform, platform_key, key_kind from members "
                                "where member_id = $m", {"m": known[0][0]}).fetchall()
            if found:
                return found[0]
        key = ids.name_key(chat.key, name)
        return ids.member_id(chat.platform, key), chat.platform, key, "name"
    known = con.execute(
        "select distinct m.member_id, m.platform, m.platform_key, m.key_kind "
        "from member_names n join members m using (member_id) where n.name = $n",
        {"n": name},
    ).fetchall()
    if len(known) == 1:
        return known[0]
    problem = "在已导入的群里找不到" if not known else f"在 {len(known)} 个人身上都出现过"
    raise IngestError(path, f"群昵称“{name}”{problem}", line=line, expected="填写“群”列，或填写微信号")


def write_members(con: duckdb.DuckDBPyConnection, path: Path, recs: Records, import_id: int) -> WriteCounts:
    """Declared roles, alt accounts and member ↔ customer links. A newer members.csv replaces what
    an older one said about the same person; roles set in the app are kept."""
    counts = WriteCounts()
    resolved = []
    for line, rec in zip(recs.lines, recs.rows, strict=True):
        chat = _find_chat(con, path, line, rec["chat"]) if rec.get("chat") else None
        resolved.append((rec, chat, *_resolve_member(con, path, line, rec, chat)))
    member_ids = sorted({r[2] for r in resolved})
    con.execute("delete from roles where list_contains($m, member_id) and source = 'declared' "
                "and import_id is not null", {"m": member_ids})
    con.execute("delete from member_customers where list_contains($m, member_id) and method = 'declared' "
                "and import_id is not null", {"m": member_ids})
    n_roles = n_links = 0
    for rec, chat, member_id, platform, key, key_kind in resolved:
        exists = con.execute("select count(*) from members where member_id = $m", {"m": member_id}).fetchall()[0][0]
        if not exists:
            counts.n_new += 1
            con.execute("insert into members values ($m, $p, $k, $kk, $d)",
                        {"m": member_id, "p": platform, "k": key, "kk": key_kind, "d": rec.get("nickname")})
        if chat is not None and rec.get("nickname"):
            con.execute("insert into member_names values ($m, $c, $n, null, null) on conflict do nothing",
                        {"m": member_id, "c": chat.chat_id, "n": rec["nickname"]})
        role = "alt" if rec.get("is_alt") else rec.get("role")
        if role:
            n_roles += 1
            con.execute(
                "insert into roles (chat_id, member_id, role, domain, source, note, import_id) "
                "values ($c, $m, $r, $d, 'declared', $note, $i)",
                {"c": chat.chat_id if chat else None, "m": member_id, "r": role, "d": rec.get("domain"),
                 "note": rec.get("note"), "i": import_id},
            )
        if rec.get("customer_id"):
            n_links += 1
            con.execute(
                "insert into customers (customer_id, phone_last4, import_id) values ($c, $p, $i) "
                "on conflict do update set phone_last4 = coalesce(excluded.phone_last4, customers.phone_last4)",
                {"c": rec["customer_id"], "p": rec.get("phone_last4"), "i": import_id},
            )
            con.execute(
                "insert into member_customers (member_id, customer_id, method, confidence, import_id, status) "
                "values ($m, $c, 'declared', 1.0, $i, 'confirmed') "
                "on conflict do update set method = 'declared', confidence = 1.0, import_id = excluded.import_id, "
                "status = 'confirmed'",
                {"m": member_id, "c": rec["customer_id"], "i": import_id},
            )
    counts.n_unchanged = len(resolved) - counts.n_new
    counts.extra.update(roles=n_roles, customer_links=n_links)
    # organic figures depend on roles: recompute the rollups of every chat these members are in
    chats = rollups.chats_of_members(con, member_ids)
    paired = events.announcements(con)
    rollups.refresh(con, chats)
    rollups.refresh_events(con, sorted(set(events.chats_to_recount(con, chats, paired)) - set(chats)))
    return counts


def write(con: duckdb.DuckDBPyConnection, path: Path, recs: Records, import_id: int) -> WriteCounts:
    """Write the records and recount what they move: visits move the visits per day and the
    effects of events their customers were exposed to; events move the effects of their shops'
    events (a members.csv recounts its members' chats itself)."""
    if recs.kind is VISITS:
        counts = write_visits(con, recs, import_id)
        rollups.refresh_store_days(con)
        customers = sorted({r["customer_id"] for r in recs.rows if r.get("customer_id")})
        rollups.refresh_events(con, events.with_shared_events(con, rollups.chats_of_customers(con, customers)))
    elif recs.kind is EVENTS:
        stores = {r.get("store") for r in recs.rows}
        before = set(rollups.chats_of_shops(con, stores))  # an event moved to another day leaves its old chat
        paired = events.announcements(con)
        counts = write_events(con, recs, import_id)
        rollups.rematch_events(con, [r["start_at"] for r in recs.rows], stores, also=before)
        rollups.refresh_events(con, events.chats_to_recount(
            con, sorted(before | set(rollups.chats_of_shops(con, stores))), paired))
    elif recs.kind is REGIMES:
        counts = write_regimes(con, path, recs)
    else:
        counts = write_members(con, path, recs, import_id)
    return counts


def write_regimes(con: duckdb.DuckDBPyConnection, path: Path, recs: Records) -> WriteCounts:
    """Entry thresholds by period: a row replaces the chat's period starting the same day; periods
    of one chat must not overlap (checked against those already kept, naming the line)."""
    regimes, where = [], []
    for line, rec in zip(recs.lines, recs.rows, strict=True):
        chat = _find_chat(con, path, line, rec["chat"])
        regimes.append(owner_entries.Regime(chat.chat_id, rec["start"], rec.get("end"), rec["threshold"],
                                            rec.get("detail")))
        where.append(f"第 {line} 行")
    kept = con.execute(
        "select chat_id, start_on, end_on, threshold, detail from join_regimes where list_contains($c, chat_id)",
        {"c": sorted({r.chat_id for r in regimes})}).fetchall()
    new_keys = {(r.chat_id, r.start_on) for r in regimes}
    old = [owner_entries.Regime(*row) for row in kept if (row[0], row[1]) not in new_keys]
    try:
        owner_entries.check_regimes(old + regimes, ["已保存的一段"] * len(old) + where)
    except owner_entries.EntryError as exc:
        raise IngestError(path, str(exc), expected="同一个群的门槛时段互不重叠、结束不早于开始") from exc
    counts = WriteCounts()
    kept_keys = {(row[0], row[1]) for row in kept}
    counts.n_new = sum(1 for r in regimes if (r.chat_id, r.start_on) not in kept_keys)
    counts.n_unchanged = len(regimes) - counts.n_new
    owner_entries.upsert_regimes(con, regimes)
    return counts


def coverage(recs: Records) -> tuple[dt.datetime | None, dt.datetime | None]:
    key = {"store_visits": "ts", "store_events": "start_at"}.get(recs.kind.name)
    times = [r[key] for r in recs.rows if key and r.get(key)]
    return (min(times), max(times)) if times else (None, None)
