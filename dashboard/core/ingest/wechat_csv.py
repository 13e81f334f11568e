"""WeChat CSV exports: MemoTrace (留痕) 1.x and 2.x, PyWxDump, and raw message tables dumped to CSV.

Field meanings and quirks: docs/formats.md §1.1–1.9. Each reader maps CSV records to raw rows
(model.RAW_SCHEMA); identity, events and de-duplication happen later, in `enrich`.

The parse is vectorised: `csvrows.iter_record_blocks` hands over blocks of records as Polars frames
(never the whole file), and each reader computes its raw columns with expressions. Type codes and
names go through small lookup tables, contents through `wechat_kinds`, which sends only the rows that
need XML, system-text or quote rules to the per-row decoders. Times are read by expressions where
that is exact (plain epoch digits; `YYYY-MM-DD HH:MM[:SS[.f]]` on days without a UTC-offset change);
every other value goes through `timeparse` one by one. The result is row for row what reading one
record at a time gives: the same rows, skips (with their lines and reasons), chats and exporter.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import polars as pl

from dashboard.core.ingest import wechat_content as wc
from dashboard.core.ingest import wechat_kinds as wk
from dashboard.core.ingest.csvrows import RecordBlock, ends_with_newline, iter_record_blocks
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BATCH_ROWS, ChatInfo, Options, Parsed, ParseState, conform
from dashboard.core.ingest.textio import Sniffed
from dashboard.core.ingest.timeparse import TimeFormatError, epoch_unit, from_epoch, parse_local, zone

MEMOTRACE1_HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status",
                     "StrContent", "StrTime", "Remark", "NickName", "Sender"]
MEMOTRACE1_ALL_HEADER = MEMOTRACE1_HEADER[:9]
MEMOTRACE2_HEADER = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]
PYWXDUMP_HEADER = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
SELF_NAMES = {"我", "self", "me"}
SYSTEM_TALKERS = {"系统", "系统消息", "system"}

UTC_US = pl.Datetime("us", "UTC")
_NO_TEXT = pl.lit(None, pl.String)


# ---------------------------------------------------------------------------------------------
# time, vectorised where that is exact

def _epoch(s: pl.Expr, unit: str | None) -> pl.Expr:
    """from_epoch(s, unit or epoch_unit(float(s))) for plain digits of 1970–2096 (where float seconds
    round to the same microsecond); null for anything else (signs, spaces, exponents, far dates)."""
    v = pl.when(s.str.contains(r"^[0-9]{1,18}$")).then(s.cast(pl.Int64, strict=False))
    seconds = v < 100_000_000_000
    if unit == "s":
        ms, ok = pl.lit(False), seconds
    elif unit == "ms":
        ms, ok = pl.lit(True), v < 4_000_000_000_000
    else:
        ms = v > 100_000_000_000
        ok = seconds | (ms & (v < 4_000_000_000_000))
    v = pl.when(ok).then(v)
    us = pl.when(ms).then(v * 1000).otherwise(v * 1_000_000)
    return pl.from_epoch(us, time_unit="us").dt.replace_time_zone("UTC")


# parse_local's pattern without its Unicode digits and spaces or the 12-hour marker
_LOCAL = (r"^(?P<y>[0-9]{4})[-/.](?P<mo>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})[ T]+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})"
          r"(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?$")


_CANONICAL = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"


@lru_cache(maxsize=1 << 16)
def _day_offset(tz: str, day: int) -> int | None:
    """The UTC offset (µs) of every local time of `day` (yyyymmdd) in `tz`, as zoneinfo gives it;
    None when it changes that day (a DST switch: those rows go through parse_local)."""
    z = zone(tz)
    y, m, d = day // 10000, day // 100 % 100, day % 100
    probes = [dt.datetime(y, m, d, h, mi, tzinfo=z) for h in range(24) for mi in (0, 30)]
    probes.append(dt.datetime(y, m, d, 23, 59, 59, 999999, tzinfo=z))
    offsets = {p.utcoffset() for p in probes}
    if len(offsets) != 1:
        return None
    return offsets.pop() // dt.timedelta(microseconds=1)  # type: ignore[operator]


def _local_instants(values: pl.Series, tz: str) -> pl.Series:
    """parse_local(value, tz) where the vectorised rule is exact; null for every other value."""
    nulls = pl.Series(values.name, [None] * len(values), dtype=UTC_US)
    try:
        zone(tz)
    except TimeFormatError:
        return nulls
    present = values.is_not_null()
    if not present.all():  # (quote times: only the quotes have one)
        if not present.any():
            return nulls
        return nulls.scatter(present.arg_true(), _local_instants(values.filter(present), tz))
    v = pl.col("v")
    canonical = v.str.contains(_CANONICAL)  # sliced; the other forms need the capturing regex
    groups = pl.when(~canonical).then(v).str.extract_groups(_LOCAL)
    y, mo, d, h, mi = (pl.col(k).cast(pl.Int32) for k in ("y", "mo", "d", "h", "mi"))
    s = pl.col("s").cast(pl.Int32).fill_null(0)
    us = pl.col("f").str.pad_end(6, "0").cast(pl.Int32).fill_null(0)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = (pl.when(mo == 2).then(pl.when(leap).then(29).otherwise(28))
                  .when(mo.is_in([4, 6, 9, 11])).then(30).otherwise(31))
    ok = (y.is_between(2, 9998) & mo.is_between(1, 12) & d.is_between(1, month_days) & (h <= 23) & (mi <= 59)
          & (s <= 59)).fill_null(False)
    parts = (values.to_frame("v").lazy().select(
        *(pl.when(canonical).then(v.str.slice(at, n)).otherwise(groups.struct.field(k)).alias(k)
          for k, at, n in (("y", 0, 4), ("mo", 5, 2), ("d", 8, 2), ("h", 11, 2), ("mi", 14, 2), ("s", 17, 2))),
        groups.struct.field("f").alias("f"))
        .with_columns(ok.alias("ok"), (y.cast(pl.Int64) * 10000 + mo * 100 + d).alias("day")).collect())
    days = parts.get_column("day").filter(parts.get_column("ok")).unique().to_list()
    offsets = {day: _day_offset(tz, day) for day in days}
    off = pl.col("day").replace_strict(offsets, default=None, return_dtype=pl.Int64)
    defaults = ((y, 2000), (mo, 1), (d, 1), (h, 0), (mi, 0), (s, 0), (us, 0))
    safe = [pl.when("ok").then(e).otherwise(v) for e, v in defaults]
    naive = pl.datetime(*safe[:6], microsecond=safe[6], time_unit="us")
    ts = pl.when(pl.col("ok") & off.is_not_null()).then(naive - pl.duration(microseconds=off))
    return parts.select(ts.dt.replace_time_zone("UTC").alias(values.name)).to_series()


def _local_rule(tz: str) -> Callable[[str], dt.datetime | None]:
    def rule(value: str) -> dt.datetime | None:
        try:
            return parse_local(value, tz)
        except TimeFormatError:
            return None  # skipped; any other error stops the parse, as it always did

    return rule


# ---------------------------------------------------------------------------------------------
# blocks of records → raw rows

def _columns(names: list[str]) -> dict[str, str]:
    """Field name → the block's column (f0, f1 …); a repeated name means its last column."""
    return {n: f"f{i}" for i, n in enumerate(names)}


def _col(cols: dict[str, str], name: str | None) -> pl.Expr:
    """A field, or null when the file has no such column (`r.get(name)`)."""
    return pl.col(cols[name]) if name is not None and name in cols else pl.lit(None, pl.String)


class _Block:
    """One block of records on its way to raw rows, on a worker thread: nothing here touches the parse
    state. Skips, errors and the state changes the rows call for (`effects`, in file order) are kept
    and applied by `_read` on the caller's thread, block after block."""

    def __init__(self, rb: RecordBlock, stop: tuple[int, str] | None = None) -> None:
        self.rb = rb
        # (line, stage) of a row whose rule raised: the row is read again up to that stage
        self.stop, self.stop_stage = stop if stop is not None else (None, None)
        self.rules = wk.RowRules()
        self.skipped = list(rb.skipped)
        self.frame = rb.frame
        self.fields = [c for c in rb.frame.columns if c != "line"]
        self.effects: list[Callable[[ParseState], None]] = []
        self.out: pl.DataFrame | None = None

    def timed(self, frame: pl.DataFrame, ts: pl.Series, cols: list[str], rule: Callable, name: str) -> pl.DataFrame:
        """`frame` with `ts`; rows the vectorised rule left null get rule(*cols), whose None means the
        time is unreadable: the row is skipped."""
        missing = ts.is_null()
        if missing.any():
            found = self.rules.apply(frame.filter(missing), cols, rule, name)
            ts = ts.clone().scatter(missing.arg_true(), pl.Series(found, dtype=UTC_US))
        frame = frame.with_columns(ts.alias("ts"))
        if not ts.null_count():
            return frame
        bad = frame.filter(pl.col("ts").is_null())
        samples = bad.select(pl.concat_str(self.fields, separator=",")).to_series().to_list()
        self.skipped.extend((ln, "时间无法识别", s) for ln, s in zip(bad["line"].to_list(), samples, strict=True))
        return frame.filter(pl.col("ts").is_not_null())

    def local_times(self, frame: pl.DataFrame, col: str, tz: str) -> pl.DataFrame:
        return self.timed(frame, _local_instants(frame.get_column(col), tz), [col], _local_rule(tz), "time")

    def cut(self, frame: pl.DataFrame, stage: str) -> pl.DataFrame:
        """The rows that go on to `stage` (all of them, but the row that failed there)."""
        return frame if stage != self.stop_stage else frame.filter(pl.col("line") < self.stop)

    def effect(self, change: Callable[[ParseState], None]) -> None:
        self.effects.append(change)

    def commit(self, state: ParseState) -> None:
        state.n_read += self.rb.n_read
        skipped = self.skipped if self.stop is None else [s for s in self.skipped if s[0] < self.stop]
        for line, reason, sample in sorted(skipped, key=lambda s: s[0]):
            state.skip(line, reason, sample)
        for change in self.effects:
            change(state)


class _Batches:
    """Raw frames regrouped into batches of BATCH_ROWS rows, as BatchBuilder cuts them."""

    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []
        self.n = 0

    def add(self, frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
        if frame.height:
            self.parts.append(conform(frame))
            self.n += frame.height
        while self.n >= BATCH_ROWS:
            rows = pl.concat(self.parts, rechunk=False)  # no copy but the batch's own
            yield rows.slice(0, BATCH_ROWS).rechunk()
            rest = rows.slice(BATCH_ROWS)
            self.parts, self.n = ([rest] if rest.height else []), rest.height

    def rest(self) -> Iterator[pl.DataFrame]:
        if self.n:
            yield pl.concat(self.parts).rechunk()


def _read(path: Path, sniffed: Sniffed, n_fields: int, state: ParseState,
          rows: Callable[[_Block], pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Raw batches of the file: `rows` makes each block's raw rows on a worker thread (two blocks at a
    time: Polars runs while the other block's per-row rules hold the GIL); their state changes are
    applied here, in file order.

    A per-row rule that raises stops the parse where reading one record at a time stopped: the block is
    read again up to that row (state, full batches; the row itself only as far as it got), then the
    error is raised."""

    def work(rb: RecordBlock, stop: tuple[int, str] | None = None) -> _Block:
        blk = _Block(rb, stop)
        blk.out = rows(blk)
        return blk

    out = _Batches()
    blocks = iter_record_blocks(path, sniffed, n_fields)
    with closing(blocks), ThreadPoolExecutor(max_workers=2, thread_name_prefix="wechat-csv") as pool:
        pending: deque[Future[_Block]] = deque()

        def done() -> Iterator[pl.DataFrame]:
            blk = pending.popleft().result()
            error: BaseException | None = blk.rb.error
            if blk.rules.fatal:
                stop = min(blk.rules.fatal)
                error, stage = blk.rules.fatal[stop]
                blk = work(blk.rb.upto(stop), (stop, stage))
            blk.commit(state)
            assert blk.out is not None
            yield from out.add(blk.out)
            if error is not None:
                for f in pending:
                    f.cancel()
                raise error

        for rb in blocks:
            pending.append(pool.submit(work, rb))
            while len(pending) >= 2:
                yield from done()
        while pending:
            yield from done()
    yield from out.rest()


def _codes(t: int, s: int) -> tuple[str, str, bool, bool]:
    """(code, kind, dropped, system) of PC Type/SubType codes."""
    kind = wc.kind_from_pc(t, s)
    return f"{t}/{s}", kind, t in wc.DROPPED_PC_TYPES, kind == "system" or t in (10000, 10002)


CODES = {"_code": pl.String(), "_kind0": pl.String(), "_dropped": pl.Boolean(), "_system": pl.Boolean()}
TYPE_NAME = {"_kind0": pl.String()}
_PREFIX = r"^([A-Za-z0-9_\-@.]{3,64}):\n"  # wechat_content.split_sender_prefix


def _set_exporter(key: str, name: str | None, state: ParseState) -> None:
    state.exporter_key, state.exporter_name = key, name


def _kept(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of types that are messages (decode_pc's None: client sync ops)."""
    dropped = frame.get_column("_dropped")
    return frame.filter(~dropped) if dropped.any() else frame


def _first_rows(frame: pl.DataFrame, key: str, *cols: str) -> list[tuple]:
    """(key, cols…) of each key's first row, in order of first appearance."""
    return frame.select(key, *cols).unique(subset=key, keep="first", maintain_order=True).rows()


# ---------------------------------------------------------------------------------------------
# MemoTrace 1.x CSV (per-contact and "export all")

def _chat_key_from_path(path: Path, override: str | None) -> tuple[str, str]:
    """Per-contact exports name the file after the contact's remark: `<备注>_utf8.csv`."""
    if override:
        return override, override
    folder = re.match(r"^(.*)\(((?:wxid_|gh_)?[\w\-]+@chatroom|wxid_[\w\-]+)\)$", path.parent.name)
    if folder:
        return folder.group(2), folder.group(1)
    stem = re.sub(r"_utf8$", "", path.stem)
    return stem, stem


def _memotrace1_time(tz: str) -> Callable[[str, str], dt.datetime | None]:
    def rule(created: str, str_time: str) -> dt.datetime | None:
        try:
            if created.strip().lstrip("-").isdigit():
                return from_epoch(created, epoch_unit(float(created)))
            return parse_local(str_time, tz)
        except (TimeFormatError, ValueError, OverflowError):
            return None

    return rule


def _pc_codes(type_code: str, sub_type: str) -> tuple[str, str, bool, bool]:
    return _codes(wk.parse_int(type_code), wk.parse_int(sub_type))


def parse_memotrace1(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    export_all = header == MEMOTRACE1_ALL_HEADER
    names = [*MEMOTRACE1_ALL_HEADER, "MsgSvrID"] if export_all else header
    c = _columns(names)
    chat_key, chat_name = _chat_key_from_path(path, opts.chat_name)
    time_rule = _memotrace1_time(opts.tz)

    senders: set[str] = set()

    def rows(blk: _Block) -> pl.DataFrame:
        f = blk.frame
        created = f.get_column(c["CreateTime"])
        ts = f.select(_epoch(pl.col(c["CreateTime"]), None)).to_series()
        if (created == "").any():  # no epoch: StrTime, local
            local = _local_instants(f.get_column(c["StrTime"]), opts.tz)
            ts = pl.select(pl.when(created == "").then(local).otherwise(ts)).to_series()
        f = blk.timed(f, ts, [c["CreateTime"], c["StrTime"]], time_rule, "time")
        f = wk.lookup(blk.cut(f, "codes"), [c["Type"], c["SubType"]], _pc_codes, CODES, blk.rules, "codes")
        f = wk.pc_texts(blk.cut(_kept(f), "pc"), c["StrContent"], blk.rules)
        is_self = wk.strip(pl.col(c["IsSender"])) == "1"
        content = pl.col(c["StrContent"])
        if export_all:
            f = f.with_columns(pl.concat_str(pl.lit("talker:"), pl.col(c["TalkerId"])).alias("chat_key"),
                               content.str.extract(_PREFIX, 1).alias("_prefix"))
            talkers = _first_rows(f, "chat_key", c["TalkerId"])

            def add_chats(state: ParseState) -> None:
                for key, talker in talkers:
                    state.chats.setdefault(key, ChatInfo(key, f"会话 {talker}", "unknown"))

            blk.effect(add_chats)
            prefix = pl.col("_prefix")
            f = f.with_columns(
                pl.when(pl.col("text").str.starts_with(pl.concat_str(prefix, pl.lit(":\n"))))
                .then(content.str.replace(_PREFIX, "")).otherwise(pl.col("text")).alias("text"),
                pl.when(is_self).then(_NO_TEXT).otherwise(prefix).alias("sender_key"),
                _NO_TEXT.alias("sender_name"),
                wk.or_none(wk.strip(pl.col(c["MsgSvrID"]))).alias("platform_msg_id"),
            )
        else:
            sender = wk.or_none(wk.strip(pl.col(c["Sender"])))
            nick = wk.strip(pl.col(c["NickName"]))
            name = pl.coalesce(wk.or_none(wk.strip(pl.col(c["Remark"]))), wk.or_none(nick))
            f = f.with_columns(pl.lit(chat_key).alias("chat_key"), sender.alias("sender_key"),
                               name.alias("sender_name"), nick.alias("_nick"), _NO_TEXT.alias("platform_msg_id"))
            f = _remember_nicknames(f)
            own = f.filter(is_self & pl.col("sender_key").is_not_null())
            if own.height:
                blk.effect(partial(_set_exporter, *own.select("sender_key", "sender_name").row(-1)))
        system = pl.col("kind").is_in(["system", "recall"]) & ~is_self
        f = f.with_columns(
            is_self.alias("is_self"),
            pl.when(system).then(_NO_TEXT).otherwise(pl.col("sender_key")).alias("sender_key"),
            pl.when(system).then(_NO_TEXT).otherwise(pl.col("sender_name")).alias("sender_name"),
            pl.concat_str(pl.col(c["Type"]), pl.lit("/"), pl.col(c["SubType"])).alias("raw_type"),
        )
        if not export_all:
            others = f.filter(~pl.col("is_self")).get_column("sender_key").drop_nulls().unique().to_list()
            blk.effect(lambda _: senders.update(others))
        return f

    def batches() -> Iterator[pl.DataFrame]:
        yield from _read(path, sniffed, len(names), state, rows)
        if not export_all:
            kind = "private" if len(senders) == 1 and not chat_key.endswith("@chatroom") else "group"
            state.chats[chat_key] = ChatInfo(chat_key, chat_name, kind)

    return Parsed("wechat_memotrace_csv", "wechat", sniffed.label, state, batches(), opts.tz)


def _remember_nicknames(f: pl.DataFrame) -> pl.DataFrame:
    """System texts name people by nickname: a row whose nickname differs from its display name
    remembers {nickname: wxid} in names_json (unless the row already names people)."""
    nick, key = pl.col("_nick"), pl.col("sender_key")
    wanted = key.is_not_null() & (nick != "") & (nick != pl.col("sender_name")) & pl.col("names_json").is_null()
    f = f.with_columns(pl.when(wanted).then(wk.one_name_json(nick, key)).otherwise(pl.col("names_json"))
                       .alias("names_json"))
    odd = wanted & wk.name_needs_python(nick, key)
    if f.select(odd.any()).item():
        idx = f.select(odd.arg_true()).to_series()
        pairs = f[idx].select("_nick", "sender_key").rows()
        found = pl.Series([wc.names_json({n: k}) for n, k in pairs], dtype=pl.String)
        f = f.with_columns(f.get_column("names_json").clone().scatter(idx, found))
    return f


# ---------------------------------------------------------------------------------------------
# MemoTrace 2.x CSV (Chinese header; names only, local times)

def _type_name(name: str) -> tuple[str]:
    return (wc.kind_from_type_name(name),)


def parse_memotrace2(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    c = _columns(header)
    chat_key, chat_name = _chat_key_from_path(path, opts.chat_name)

    people: set[str] = set()

    def rows(blk: _Block) -> pl.DataFrame:
        f = blk.local_times(blk.frame, c["时间"], opts.tz)
        f = wk.lookup(f, [c["类型"]], _type_name, TYPE_NAME, blk.rules, "names")
        f = wk.typename_texts(blk.cut(f, "typename"), c["内容"], blk.rules)
        name = wk.or_none(wk.strip(pl.col(c["发送人"])))
        f = f.with_columns(
            pl.lit(chat_key).alias("chat_key"),
            pl.when(pl.col("kind").is_in(["system", "recall"])).then(_NO_TEXT).otherwise(name).alias("sender_name"),
            pl.col(c["类型"]).alias("raw_type"),
            wk.or_none(wk.strip(pl.col(c["消息ID"]))).alias("platform_msg_id"),
            _NO_TEXT.alias("quote_id"),
        )
        names = f.get_column("sender_name").drop_nulls().unique().to_list()
        blk.effect(lambda _: people.update(names))
        return f

    def batches() -> Iterator[pl.DataFrame]:
        yield from _read(path, sniffed, len(header), state, rows)
        kind = "group" if len(people) > 2 or chat_key.endswith("@chatroom") else "private"
        state.chats[chat_key] = ChatInfo(chat_key, chat_name, kind)

    return Parsed("wechat_memotrace_csv", "wechat", sniffed.label, state, batches(), opts.tz)


# ---------------------------------------------------------------------------------------------
# PyWxDump CSV (+ users.json)

_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.I)


def _load_users(path: Path) -> dict[str, dict]:
    f = path.parent / "users.json"
    if not f.exists():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return {}
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if isinstance(v, dict)}
    if isinstance(data, list):
        return {d.get("wxid") or d.get("username"): d for d in data if isinstance(d, dict)}
    return {}


def _user_name(info: dict | None) -> str | None:
    if not info:
        return None
    for k in ("roomNickname", "room_nickname", "remark", "nickname", "nickName", "NickName", "Remark"):
        v = info.get(k)
        if v:
            return str(v)
    return None


_QUOTE_TIME = r'^\{"quote_time": "([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})"\}$'


def _quote_time_rule(tz: str) -> Callable[[str], dt.datetime | None]:
    def rule(names_json: str) -> dt.datetime | None:
        try:
            return parse_local(json.loads(names_json)["quote_time"], tz)
        except TimeFormatError:
            return None

    return rule


def _quote_times(blk: _Block, f: pl.DataFrame, tz: str) -> pl.DataFrame:
    """PyWxDump quotes carry the quoted message's time, `[引用](time)`: it becomes quote_ts, and the
    names_json that held it goes."""
    names = pl.col("names_json")
    holds = names.str.contains("quote_time", literal=True).fill_null(False)
    times = _local_instants(f.select(pl.when(holds).then(names.str.extract(_QUOTE_TIME, 1))).to_series(), tz)
    missing = f.select(holds).to_series() & times.is_null()  # other forms, and times parse_local must read
    if missing.any():
        found = blk.rules.apply(f.filter(missing), ["names_json"], _quote_time_rule(tz), "quote_time")
        times = times.scatter(missing.arg_true(), pl.Series(found, dtype=UTC_US))
    return f.with_columns(times.alias("quote_ts"), pl.when(holds).then(_NO_TEXT).otherwise(names).alias("names_json"))


def _svr_id(svr: str) -> str | None:
    return svr if svr and svr.isdigit() and not _SCIENTIFIC.match(svr) else None


def parse_pywxdump(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    c = _columns(header)
    users = _load_users(path)
    folder_wxid = path.parent.name if re.match(r"^(wxid_|[\w\-]+@chatroom)", path.parent.name) else None

    def add_chats(first_rows: list[tuple], state: ParseState) -> None:
        for key, first_room in first_rows:
            if key not in state.chats:
                state.chats[key] = ChatInfo(
                    key, opts.chat_name or _user_name(users.get(first_room)) or first_room,
                    "group" if first_room.endswith("@chatroom") else "private")

    def rows(blk: _Block) -> pl.DataFrame:
        f = blk.local_times(blk.frame, c["CreateTime"], opts.tz)
        room = pl.coalesce(wk.or_none(wk.strip(pl.col(c["room_name"]))), pl.lit(folder_wxid or path.stem))
        f = f.with_columns(room.alias("_room"), (pl.lit(opts.chat_name) if opts.chat_name else room).alias("chat_key"))
        blk.effect(partial(add_chats, _first_rows(f, "chat_key", "_room")))
        f = wk.lookup(f, [c["type_name"]], _type_name, TYPE_NAME, blk.rules, "names")
        f = wk.typename_texts(blk.cut(f, "typename"), c["msg"], blk.rules)
        talker = wk.strip(pl.col(c["talker"]))
        is_self = wk.strip(pl.col(c["is_sender"])) == "1"
        own = is_self & (talker != "") & ~talker.is_in(list(SELF_NAMES))
        other = (~is_self & (talker != "") & ~talker.is_in([*SYSTEM_TALKERS, "未知"])
                 & ~pl.col("kind").is_in(["system", "recall"]))
        svr = wk.strip(pl.col(c["MsgSvrID"]))
        f = f.with_columns(
            is_self.alias("is_self"),
            pl.when(own | other).then(talker).alias("sender_key"),
            pl.when(own).then(talker).alias("_own"),
            pl.when(svr.str.contains(r"^[0-9]+$")).then(svr).alias("platform_msg_id"),
            svr.alias("_svr"),
            pl.col(c["type_name"]).alias("raw_type"),
        )
        exporter = f.get_column("_own").drop_nulls()
        if exporter.len():
            blk.effect(partial(_set_exporter, exporter[-1], None))
        odd = (pl.col("_svr") != "") & pl.col("platform_msg_id").is_null()
        odd_ids = f.filter(odd).get_column("_svr").unique().to_list()
        if odd_ids:  # full-width digits, Excel's 7.43728E+18 and the like: str.isdigit decides
            fixed = pl.col("_svr").replace_strict({v: _svr_id(v) for v in odd_ids}, default=None,
                                                  return_dtype=pl.String)
            f = f.with_columns(pl.when(odd).then(fixed).otherwise(pl.col("platform_msg_id")).alias("platform_msg_id"))
        keys = f.get_column("sender_key").drop_nulls().unique().to_list()
        known = {k: _user_name(users.get(k)) for k in keys}
        f = f.with_columns(pl.col("sender_key").replace_strict(known, default=None, return_dtype=pl.String)
                           .alias("sender_name"))
        return _quote_times(blk, blk.cut(f, "quote_time"), opts.tz)

    def batches() -> Iterator[pl.DataFrame]:
        yield from _read(path, sniffed, len(header), state, rows)
        if state.exporter_key:
            state.exporter_name = _user_name(users.get(state.exporter_key))

    return Parsed("wechat_pywxdump_csv", "wechat", sniffed.label, state, batches(), opts.tz)


# ---------------------------------------------------------------------------------------------
# raw message tables dumped to CSV (PC 3.x MSG, Android message, Weixin 4.x Msg_*)

@dataclass(frozen=True)
class RawFlavour:
    name: str
    required: tuple[str, ...]
    time: str
    content: str
    talker: str | None
    svr_id: str
    is_send: str | None
    decode_type: Callable[[dict], tuple[int, int]]  # the row's (PC Type, SubType)
    time_unit: str | None = None  # None: decide by magnitude
    type_fields: tuple[str, ...] = ()  # the fields decode_type reads


def _pc_type(r: dict) -> tuple[int, int]:
    return wk.parse_int(r.get("Type")), wk.parse_int(r.get("SubType"))


def _android_type(r: dict) -> tuple[int, int]:
    return wc.ANDROID_TYPE_PC.get(wk.parse_int(r.get("type")), (11000, 0))


def _v4_type(r: dict) -> tuple[int, int]:
    return wc.unpack_v4_type(wk.parse_int(r.get("local_type")))


RAW_FLAVOURS = (
    RawFlavour("pc3", ("StrTalker", "StrContent", "CreateTime", "Type", "IsSender"), "CreateTime", "StrContent",
               "StrTalker", "MsgSvrID", "IsSender", _pc_type, "s", ("Type", "SubType")),
    RawFlavour("android", ("talker", "content", "createTime", "type", "isSend"), "createTime", "content",
               "talker", "msgSvrId", "isSend", _android_type, "ms", ("type",)),
    RawFlavour("v4", ("local_type", "create_time", "message_content"), "create_time", "message_content",
               None, "server_id", None, _v4_type, "s", ("local_type",)),
)


def raw_flavour(header: list[str]) -> RawFlavour | None:
    names = set(header)
    for f in RAW_FLAVOURS:
        if all(c in names for c in f.required):
            return f
    return None


def _raw_time(unit: str | None) -> Callable[[str], dt.datetime | None]:
    def rule(raw_time: str) -> dt.datetime | None:
        try:
            return from_epoch(raw_time, unit or epoch_unit(float(raw_time)))
        except (ValueError, OverflowError):
            return None

    return rule


def parse_raw_table(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    flavour = raw_flavour(header)
    assert flavour is not None
    state = ParseState()
    c = _columns(header)
    fallback_key, fallback_name = _chat_key_from_path(path, opts.chat_name)
    type_fields = [n for n in flavour.type_fields if n in c]

    def add_chats(first_rows: list[tuple], state: ParseState) -> None:
        for key, first_talker, group in first_rows:
            if key not in state.chats:
                name = opts.chat_name or first_talker or fallback_name
                state.chats[key] = ChatInfo(key, name, "group" if group else "private")

    def codes(*values: str) -> tuple[str, str, bool, bool]:
        return _codes(*flavour.decode_type(dict(zip(type_fields, values, strict=True))))

    def rows(blk: _Block) -> pl.DataFrame:
        f = blk.frame.with_columns(wk.strip(pl.col(c[flavour.time])).alias("_time"))
        ts = f.select(_epoch(pl.col("_time"), flavour.time_unit)).to_series()
        f = blk.timed(f, ts, ["_time"], _raw_time(flavour.time_unit), "time")
        talker = wk.strip(_col(c, flavour.talker).fill_null("")) if flavour.talker else pl.lit("")
        chat = pl.lit(opts.chat_name) if opts.chat_name else pl.coalesce(wk.or_none(talker), pl.lit(fallback_key))
        f = f.with_columns(talker.alias("_talker"), chat.alias("chat_key")).with_columns(
            (pl.col("chat_key").str.ends_with("@chatroom") | pl.col("_talker").str.ends_with("@chatroom"))
            .alias("_group"))
        blk.effect(partial(add_chats, _first_rows(f, "chat_key", "_talker", "_group")))
        f = wk.lookup(blk.cut(f, "codes"), [c[n] for n in type_fields], codes, CODES, blk.rules, "codes")
        content = _col(c, flavour.content).fill_null("")
        f = f.with_columns(content.str.extract(_PREFIX, 1).alias("_prefix"),
                           content.str.replace(_PREFIX, "").alias("_body"))
        f = wk.pc_texts(blk.cut(_kept(f), "pc"), "_body", blk.rules)
        is_self = (wk.strip(_col(c, flavour.is_send).fill_null("")) == "1") if flavour.is_send else pl.lit(False)
        sender = (pl.when(~pl.col("_group") & ~is_self & pl.col("_prefix").is_null())
                  .then(wk.or_none(pl.col("_talker"))).otherwise(pl.col("_prefix")))
        return f.with_columns(
            is_self.alias("is_self"),
            pl.when(is_self | pl.col("kind").is_in(["system", "recall"])).then(_NO_TEXT).otherwise(sender)
            .alias("sender_key"),
            wk.or_none(wk.strip(_col(c, flavour.svr_id).fill_null(""))).alias("platform_msg_id"),
            pl.col("_code").alias("raw_type"),
        )

    return Parsed(f"wechat_raw_{flavour.name}_csv", "wechat", sniffed.label, state,
                  _read(path, sniffed, len(header), state, rows), opts.tz)



def check_not_truncated(path: Path, header: list[str]) -> None:
    """A CSV whose last record lacks fields and a final newline was cut off mid-write."""
    if ends_with_newline(path):
        return
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    last = tail.splitlines()[-1] if tail.splitlines() else ""
    try:
        fields = next(csv.reader([last]))
    except (StopIteration, csv.Error):
        fields = []
    if len(fields) < len(header) and not (header == MEMOTRACE1_ALL_HEADER and len(fields) == len(header) + 1):
        raise IngestError(path, "文件末尾被截断，最后一条记录不完整", expected="完整导出的 CSV 文件，请重新导出")
