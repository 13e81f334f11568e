"""Any other table of messages: a CSV (with a header row, in any encoding textio reads) or a Parquet
file, read through a column mapping the user gives (`--map time=发送时间 --map sender=发送人 …`).

Fields (canonical name → the file's column):
- time (required): epoch seconds or milliseconds (numbers or digit strings; the unit is told by
  magnitude, as everywhere), ISO 8601 with an offset or `Z`, or local wall time
  `YYYY-MM-DD HH:MM[:SS[.f]]` / `YYYY/MM/DD …` / `YYYY-MM-DDTHH:MM…` read in `--tz`. Parquet
  datetime columns are used as they are (naive ones are local wall time). The formats are tried in
  that order over the whole column and the first that reads a value wins; a row whose time none
  reads is skipped and counted with its line.
- sender (display name) — required unless sender_id (the platform user id) is mapped.
  A row with neither is a system row.
- text, kind (common words in English and Chinese → our kinds; otherwise text when there is text;
  a bracket placeholder opening a media message's text, `[图片]`, is dropped),
  msg_id, reply_to (→ a quote of that message id), chat (name), chat_id.
- platform: a column of the file whose first value names the platform, or the name itself
  (`--map platform=wechat`, so that ids key alike with the platform's own exports); default
  "generic".
Without chat columns the chat is `--chat-name` or the file name.

Never read whole. A CSV is cut into runs of whole records of ~16 MiB (a newline ends a record when
an even number of quotes precede it) that Polars parses in memory one at a time: Polars 2's
`scan_csv(...).collect_batches()` reads ahead with no back-pressure (measured: its memory grows
with the file). GB18030 and UTF-16 text is re-encoded to UTF-8 on the way, as Polars reads only
UTF-8. A Parquet file is read in slices of BATCH_ROWS; the slice skips the row groups outside it.
A CSV's line numbers count the newlines inside quoted fields, so a skipped row names its real line.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import (
    BATCH_ROWS,
    MAP_FIELDS,
    ChatInfo,
    Format,
    Options,
    Parsed,
    ParseState,
    Probe,
    conform,
    event_json,
)
from dashboard.core.ingest.textio import Sniffed

FIELDS = MAP_FIELDS
MAP_EXAMPLE = "--map time=发送时间 --map sender=发送人 --map text=内容"

_WORDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "txt", "plain", "message", "文本", "文字", "消息", "文本消息"),
    "image": ("image", "img", "photo", "picture", "图片", "照片", "图片消息"),
    "voice": ("voice", "audio", "语音", "音频", "语音消息"),
    "video": ("video", "视频", "小视频", "视频消息"),
    "sticker": ("sticker", "emoji", "emoticon", "表情", "表情包", "动画表情"),
    "link": ("link", "url", "share", "链接", "分享", "卡片式链接", "图文消息", "小程序", "小程序分享",
             "聊天记录", "聊天记录合并转发", "视频号直播卡片"),
    "file": ("file", "document", "attachment", "文件", "文件消息"),
    "location": ("location", "位置", "位置消息"),
    "quote": ("quote", "reply", "引用", "回复", "引用消息"),
    "red_packet": ("red_packet", "redpacket", "red packet", "红包", "红包卡片"),
    "transfer": ("transfer", "转账", "转账卡片"),
    "pat": ("pat", "poke", "tickle", "拍一拍", "戳一戳"),
    "recall": ("recall", "revoke", "撤回", "撤回消息"),
    "call": ("call", "通话", "语音通话", "视频通话", "音视频通话"),
    "system": ("system", "系统", "系统消息", "notice"),
    "solitaire": ("solitaire", "接龙"),
    "other": ("other", "其他", "名片", "名片消息", "contact"),
}
KIND_WORDS = {w: kind for kind, words in _WORDS.items() for w in words}
_REPLYABLE = ("text", "link", "other", "quote")
_MEDIA = ("image", "voice", "video", "sticker", "file", "location", "red_packet", "transfer", "call", "link")
_PLACEHOLDER = r"^\s*[\[【][^\[\]【】\n]{1,12}[\]】]\s*"
_PLATFORM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# a Polars panic is a BaseException; bad input must still end as the import error
POLARS_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException)


def _is_parquet(p: Probe) -> bool:
    return p.sniffed is None and p.magic.startswith(b"PAR1")


def _matches(p: Probe) -> bool:
    return p.header is not None or _is_parquet(p)


# ---------------------------------------------------------------------------------------------
# the mapping

def _check_mapping(path: Path, mapping: dict[str, str] | None) -> dict[str, str]:
    if not mapping:
        raise IngestError(path, "通用表格需要用 --map 指定哪一列是时间、发送人、内容", expected=MAP_EXAMPLE)
    unknown = [k for k in mapping if k not in FIELDS]
    if unknown:
        raise IngestError(path, f"未知的映射字段: {'、'.join(unknown)}", expected="、".join(FIELDS))
    if not mapping.get("time"):
        raise IngestError(path, "映射缺少 time（消息时间所在的列）", expected=MAP_EXAMPLE)
    if not mapping.get("sender") and not mapping.get("sender_id"):
        raise IngestError(path, "映射缺少 sender 或 sender_id（发送人所在的列）", expected=MAP_EXAMPLE)
    return {k: str(v).strip() for k, v in mapping.items() if v is not None and str(v).strip()}


def _resolve(path: Path, mapping: dict[str, str], columns: list[str]) -> tuple[dict[str, str], str | None]:
    """canonical field → the file's column, and a literal platform when `platform` names no column."""
    exact = set(columns)
    loose = {c.strip().lstrip("\ufeff").casefold(): c for c in columns}
    found: dict[str, str] = {}
    missing = []
    literal = None
    for field, want in mapping.items():
        col = want if want in exact else loose.get(want.casefold())
        if col is not None:
            found[field] = col
        elif field == "platform":
            literal = want
        else:
            missing.append(f"{field}={want}")
    if missing:
        shown = "、".join(columns[:40]) + ("…" if len(columns) > 40 else "")
        raise IngestError(path, f"映射的列在文件中不存在: {'、'.join(missing)}；文件里的列是: {shown}",
                          line=1, expected="--map 字段=文件里的列名")
    return found, literal


def _platform(path: Path, value: str | None) -> str:
    if value is None:
        return "generic"
    p = value.strip().lower()
    if not _PLATFORM.match(p):
        raise IngestError(path, f"平台名 {value!r} 不合适", expected="小写英文字母，如 wechat、qq、generic")
    return p


# ---------------------------------------------------------------------------------------------
# CSV in blocks of whole records

BLOCK_BYTES = 16 << 20


def _utf8_blocks(path: Path, sniffed: Sniffed) -> Iterator[tuple[bytes, bool]]:
    """The file as UTF-8 bytes in blocks, and whether a block had bytes that did not decode (they
    become U+FFFD). UTF-8 files pass through as they are; their validity is checked per chunk."""
    if sniffed.encoding in ("utf-8", "utf-8-sig"):
        with open(path, "rb") as fh:
            while block := fh.read(BLOCK_BYTES):
                yield block, False
        return
    dec = codecs.getincrementaldecoder(sniffed.encoding)(errors="replace")
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            text = dec.decode(block, final=not block)
            if text:
                yield text.encode("utf-8"), "\ufffd" in text
            if not block:
                return


def _record_end(buf: bytes, *, last: bool) -> int:
    """Just past the first (or last) newline of `buf` that ends a record: one with an even number of
    quote characters before it, so not inside a quoted field (RFC 4180 doubles quotes in fields).
    0 when there is none yet."""
    if not last:
        pos, quotes = 0, 0
        while (nl := buf.find(b"\n", pos)) >= 0:
            quotes += buf.count(b'"', pos, nl)
            if quotes % 2 == 0:
                return nl + 1
            pos = nl + 1
        return 0
    total, pos, after = buf.count(b'"'), len(buf), 0
    while (nl := buf.rfind(b"\n", 0, pos)) >= 0:
        after += buf.count(b'"', nl, pos)
        if (total - after) % 2 == 0:
            return nl + 1
        pos = nl
    return 0


def _csv_chunks(path: Path, sniffed: Sniffed) -> Iterator[tuple[bytes, bytes, bool]]:
    """(header line, a run of whole records, whether bytes did not decode), BLOCK_BYTES at a time, so
    that Polars parses each run in memory and the file is never read whole."""
    header: bytes | None = None
    parts: list[bytes] = []
    lossy = False
    yielded = False
    for block, bad in _utf8_blocks(path, sniffed):
        parts.append(block)
        lossy = lossy or bad
        buf = b"".join(parts)
        if header is None:
            end = _record_end(buf, last=False)
            if not end:
                parts = [buf]
                continue
            header = buf[:end].removeprefix(b"\xef\xbb\xbf")
            buf = buf[end:]
        end = _record_end(buf, last=True)
        if end:
            yield header, buf[:end], lossy
            lossy, yielded = False, True
            buf = buf[end:]
        parts = [buf]
    rest = b"".join(parts)
    if header is None:  # one line, no newline after it
        header, rest = rest.removeprefix(b"\xef\xbb\xbf") + b"\n", b""
    if rest.strip() or not yielded:
        yield header, rest, lossy


# ---------------------------------------------------------------------------------------------
# time, vectorised

def _epoch(num: pl.Expr) -> pl.Expr:
    us = (pl.when(num.abs() < 1e11).then(num * 1e6).when(num.abs() < 1e14).then(num * 1e3).otherwise(num))
    return pl.from_epoch(us.round(0).cast(pl.Int64, strict=False), time_unit="us").dt.replace_time_zone("UTC")


def _local(e: pl.Expr, tz: str) -> pl.Expr:
    return (e.dt.cast_time_unit("us").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC"))


def _instants(col: str, dtype: pl.DataType, tz: str) -> tuple[pl.Expr, pl.Expr]:
    """(the UTC instant, whether it was read as local wall time)."""
    c = pl.col(col)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return c.dt.convert_time_zone("UTC").dt.cast_time_unit("us"), pl.lit(False)
        return _local(c, tz), c.is_not_null()
    if isinstance(dtype, pl.Date):
        return _local(c.cast(pl.Datetime("us")), tz), c.is_not_null()
    if dtype.is_numeric():
        return _epoch(c.cast(pl.Float64)), pl.lit(False)
    s = c.cast(pl.String).str.strip_chars()
    # 14 digits is a compact local time (20240501100000), never an epoch of this era
    num = s.str.extract(r"^(\d{9,13}|\d{15,17}|\d{9,17}\.\d+)$").cast(pl.Float64, strict=False)
    norm = (s.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "$1-$2-$3")
            .str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})(?:T|\s+)", "$1 ")
            .str.replace(r"(?i)\s*(?:Z|UTC)$", "+00:00"))
    aware = pl.coalesce(
        norm.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", strict=False, time_unit="us"),
        norm.str.to_datetime("%Y-%m-%d %H:%M%z", strict=False, time_unit="us"),
    ).dt.convert_time_zone("UTC")
    local_naive = pl.coalesce(
        norm.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"),
        norm.str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us"),
        s.str.extract(r"^(\d{14})$").str.to_datetime("%Y%m%d%H%M%S", strict=False, time_unit="us"),
    )
    ts = pl.coalesce(_epoch(num), aware, _local(local_naive, tz))
    used_local = num.is_null() & aware.is_null() & local_naive.is_not_null()
    return ts, used_local


# ---------------------------------------------------------------------------------------------
# rows

def _clean(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _kind_expr(has_kind: bool) -> pl.Expr:
    fallback = pl.when(pl.col("text").is_not_null()).then(pl.lit("text")).otherwise(pl.lit("other"))
    if not has_kind:
        return fallback
    word = pl.col("kind").str.to_lowercase().str.strip_chars().str.strip_chars("[]【】")
    return pl.coalesce(word.replace_strict(KIND_WORDS, default=None, return_dtype=pl.String), fallback)


class _Table:
    """The file's columns, and its rows as frames of at most BATCH_ROWS with `_line` and `_blank`."""

    def __init__(self, probe: Probe, opts: Options, mapping: dict[str, str]) -> None:
        self.probe = probe
        self.opts = opts
        self.path = probe.path
        self.parquet = _is_parquet(probe)
        self.used_local = False  # some instant was read as local wall time in opts.tz
        stem = Path(probe.display_name).stem or probe.path.stem
        self.default_chat = (stem, stem)
        self._first: tuple[bytes, bytes, bool] | None = None
        try:
            if self.parquet:
                self.lf = pl.scan_parquet(self.path)
                self.schema = self.lf.collect_schema()
            else:
                assert probe.sniffed is not None
                self._chunks = _csv_chunks(self.path, probe.sniffed)
                self._first = next(self._chunks)
                names = self._read(self._first[0], b"", True).columns
                self.schema = pl.Schema({n: pl.String() for n in names})
        except POLARS_ERRORS as e:
            raise self._error(e) from None
        self.cols, self.literal_platform = _resolve(self.path, mapping, list(self.schema.names()))

    def _error(self, e: Exception) -> IngestError:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        kind = "Parquet" if self.parquet else "CSV"
        return IngestError(self.path, f"{kind} 无法读取: {first}", expected=f"完整、格式正确的 {kind} 文件")

    @staticmethod
    def _read(header: bytes, body: bytes, lossy: bool) -> pl.DataFrame:
        return pl.read_csv(io.BytesIO(header + body), infer_schema=False, truncate_ragged_lines=True,
                           encoding="utf8-lossy" if lossy else "utf8")

    def _csv_frames(self) -> Iterator[tuple[pl.DataFrame, bool]]:
        assert self._first is not None
        utf8 = self.probe.sniffed is not None and self.probe.sniffed.encoding in ("utf-8", "utf-8-sig")
        chunk: tuple[bytes, bytes, bool] | None = self._first
        while chunk is not None:
            header, body, lossy = chunk
            if utf8:
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError:
                    lossy = True
            if body.strip():
                yield self._read(header, body, lossy), lossy
            chunk = next(self._chunks, None)

    def platform(self) -> str:
        col = self.cols.get("platform")
        if col is None:
            return _platform(self.path, self.literal_platform)
        value = None
        try:
            if self.parquet:
                first = self.lf.select(_clean(col).alias("p")).drop_nulls().head(1).collect()
                value = first.item() if first.height else None
            else:  # the first chunk (it is kept for the rows)
                header, body, _ = self._first or (b"", b"", False)
                if body.strip():
                    vals = self._read(header, body, True).select(_clean(col)).drop_nulls()
                    value = vals.item(0, 0) if vals.height else None
        except POLARS_ERRORS as e:
            raise self._error(e) from None
        return _platform(self.path, value)

    def frames(self) -> Iterator[tuple[pl.DataFrame, bool]]:
        """Mapped columns under their canonical names, plus `_ts`, `_local`, `_time`, `_line`, `_blank`;
        and whether undecodable bytes were replaced in it."""
        cols = self.cols
        picked = [pl.col(c).alias(f) for f, c in cols.items() if f not in ("time", "platform")]
        time_col = cols["time"]
        ts, used_local = _instants(time_col, self.schema[time_col], self.opts.tz)
        extra = [ts.alias("_ts"), used_local.alias("_local"), pl.col(time_col).cast(pl.String).alias("_time")]
        try:
            if self.parquet:
                lf = self.lf.select(*picked, *extra, pl.lit(False).alias("_blank"))
                n = self.lf.select(pl.len()).collect().item()
                for start in range(0, n, BATCH_ROWS):  # row groups outside the slice are not read
                    part = lf.slice(start, BATCH_ROWS).collect()
                    yield part.with_columns(pl.int_range(start + 1, start + 1 + part.height, dtype=pl.Int64)
                                            .alias("_line")), False
                return
            nl = pl.sum_horizontal(pl.all().str.count_matches("\n").fill_null(0)).cast(pl.Int64)
            blank = pl.all_horizontal(pl.all().is_null())
            line = 2  # a CSV's first record is on line 2, after the header
            for frame, lossy in self._csv_frames():
                frame = frame.select(*picked, *extra, nl.alias("_nl"), blank.alias("_blank"))
                for start in range(0, frame.height, BATCH_ROWS):
                    part = frame.slice(start, BATCH_ROWS)
                    span = part.get_column("_nl") + 1
                    yield part.with_columns((span.cum_sum() - span + line).alias("_line")), lossy
                    line += int(span.sum())
        except POLARS_ERRORS as e:
            raise self._error(e) from None


def _rows(t: _Table, frame: pl.DataFrame, lossy: bool, state: ParseState, chat: tuple[str, str] | None
          ) -> pl.DataFrame:
    cols = t.cols
    frame = frame.filter(~pl.col("_blank"))
    state.n_read += frame.height
    strings = [f for f in cols if f not in ("time", "platform")]
    if lossy and strings:
        bad = pl.any_horizontal(pl.col(f).cast(pl.String).str.contains("\ufffd", literal=True).fill_null(False)
                                for f in strings)
        undecodable = frame.filter(bad)
        for line, value in zip(undecodable["_line"].to_list(), undecodable["_time"].to_list(), strict=True):
            state.skip(line, "包含无法解码的字节", value or "")
        frame = frame.filter(~bad)
    untimed = frame.filter(pl.col("_ts").is_null())
    for line, value in zip(untimed["_line"].to_list(), untimed["_time"].to_list(), strict=True):
        state.skip(line, "时间无法识别", value if value is not None else "（空）")
    frame = frame.filter(pl.col("_ts").is_not_null())
    if frame.height == 0:
        return conform(pl.DataFrame())
    if frame.get_column("_local").any():
        t.used_local = True
    base = frame.select(
        pl.col("_line").alias("line"),
        pl.col("_ts").alias("ts"),
        *[_clean(f).alias(f) for f in strings if f != "text"],
        (pl.col("text").cast(pl.String) if "text" in cols else pl.lit(None, pl.String)).alias("text"),
        (pl.col("kind").cast(pl.String) if "kind" in cols else pl.lit(None, pl.String)).alias("raw_type"),
    ).with_columns(pl.when(pl.col("text").str.strip_chars() == "").then(None).otherwise(pl.col("text")).alias("text"))
    sender_key = pl.col("sender_id") if "sender_id" in cols else pl.lit(None, pl.String)
    sender_name = pl.col("sender") if "sender" in cols else pl.lit(None, pl.String)
    reply = pl.col("reply_to") if "reply_to" in cols else pl.lit(None, pl.String)
    kind = _kind_expr("kind" in cols)
    no_sender = sender_key.is_null() & sender_name.is_null()
    kind = pl.when(no_sender).then(pl.lit("system")).otherwise(kind)
    quoted = reply.is_not_null() & kind.is_in(_REPLYABLE)
    if chat is not None:
        chat_key, chat_name = pl.lit(chat[0]), pl.lit(chat[1])
    else:
        default_key, default_name = t.default_chat
        ids = [pl.col(f) for f in ("chat_id", "chat") if f in cols]
        names = [pl.col(f) for f in ("chat", "chat_id") if f in cols]
        chat_key = pl.coalesce(*ids, pl.lit(default_key))
        chat_name = pl.coalesce(*names, pl.lit(default_name))
    out = base.select(
        chat_key.alias("chat_key"), chat_name.alias("_chat_name"), "line", "ts",
        (pl.col("msg_id") if "msg_id" in cols else pl.lit(None, pl.String)).alias("platform_msg_id"),
        sender_key.alias("sender_key"), sender_name.alias("sender_name"),
        pl.when(quoted).then(pl.lit("quote")).otherwise(kind).alias("kind"),
        "text", pl.coalesce(pl.col("raw_type"), pl.lit("generic")).alias("raw_type"),
        pl.when(quoted).then(reply).otherwise(None).alias("quote_id"),
    )
    # a placeholder that opens a media message ("[图片]", "[链接] 标题") is not its text
    bare = pl.col("text").str.replace(_PLACEHOLDER, "").str.strip_chars()
    out = out.with_columns(pl.when(pl.col("kind").is_in(_MEDIA)).then(pl.when(bare == "").then(None).otherwise(bare))
                           .otherwise(pl.col("text")).alias("text"))
    for key, name in out.select("chat_key", "_chat_name").unique(maintain_order=True).iter_rows():
        if key not in state.chats:
            state.chats[key] = ChatInfo(key, name, "group")
    recalls = out.get_column("kind") == "recall"
    if recalls.any():
        # a recall is a system row that names who recalled (enrich re-kinds it)
        events = [event_json("recall", actor=(k, n)) if r else None for k, n, r in
                  zip(out["sender_key"].to_list(), out["sender_name"].to_list(), recalls.to_list(), strict=True)]
        out = out.with_columns(pl.Series("event_json", events, dtype=pl.String),
                               pl.when(recalls).then(pl.lit("system")).otherwise(pl.col("kind")).alias("kind"))
    return conform(out.drop("_chat_name"))


def parse(probe: Probe, opts: Options) -> Parsed:
    mapping = _check_mapping(probe.path, opts.mapping)
    table = _Table(probe, opts, mapping)
    platform = table.platform()
    chat = (opts.chat_name, opts.chat_name) if opts.chat_name else None
    state = ParseState()
    encoding = "parquet" if table.parquet else (probe.sniffed.label if probe.sniffed else "utf-8")
    parsed = Parsed("generic_table", platform, encoding, state, iter(()))

    def batches() -> Iterator[pl.DataFrame]:
        for frame, lossy in table.frames():
            try:
                out = _rows(table, frame, lossy, state, chat)
            except POLARS_ERRORS as e:
                raise table._error(e) from None
            if out.height:
                yield out
        parsed.source_tz = opts.tz if table.used_local else None

    parsed.batches = batches()
    return parsed


FORMATS: tuple[Format, ...] = (
    Format("generic_table", "任意 CSV / Parquet 表格（需 --map 指定列）", "generic",
           f"任意带表头的 CSV 或 Parquet，{MAP_EXAMPLE}", _matches, parse),
)
