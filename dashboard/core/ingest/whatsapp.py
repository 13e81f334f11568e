"""WhatsApp "Export chat" text: the `.txt`, or the `_chat.txt`/`.txt` inside the `.zip` share
(docs/formats.md §4).

One record is a header line (`<date>, <time> - ` on Android, `[<date>, <time>] ` on iOS, in every
locale's form) plus the lines that follow it without a header. The parse is vectorised with Polars:

* the file is read in blocks of ~8 MiB, each cut before its last header line (that record is
  carried into the next block); two worker threads parse blocks while the next is read (Polars
  releases the GIL) and rows are handed on in file order;
* a block's lines come from Polars' CSV reader (one column, a separator that cannot occur:
  sniffing refuses files with NUL bytes), so they arrive as a Series in Rust;
* one regex (no capture groups, so Rust's DFA runs alone) finds each header line's prefix; a
  cumulative sum of "is a header" numbers the records, and continuation lines are joined with
  `\\n` per record;
* the header prefixes are normalised (spaces U+202F/U+00A0/U+2009, LRM marks, brackets,
  `a. m.`/`p.m.`/上午/午後/오후 … → `AM`/`PM`) with one Aho-Corasick pass and read with ONE
  `strptime` format derived for the file from its first header, the date order decided from the
  file's dates. Rows that format misses (`00:08 a. m.`, a stray variant) are read one by one;
* author, media placeholders, attachments, locations and edits are column operations. Only the
  rare rows that need the system-text grammar (no author, iOS LRM-led notices, deleted
  messages, the encryption banner) go through Python, one by one.

Day/month order is inferred per file from ALL its dates: a 4-digit first field is year-first; any
first field > 12 makes it day-first; any second field > 12 month-first. When every date is
ambiguous the fallback is day-first, except for the en-US form (slashes with a 12-hour clock),
which is month-first. Two-digit years are 20yy; `12:xx AM` is 00:xx.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import (
    BATCH_ROWS,
    ChatInfo,
    Format,
    Options,
    Parsed,
    ParseState,
    Probe,
    conform,
    event_json,
)
from dashboard.core.ingest.system_events import SELF
from dashboard.core.ingest.textio import SAMPLE_BYTES, Sniffed, open_text
from dashboard.core.ingest.whatsapp_texts import (
    ATTACHED_IOS,
    ATTACHED_PREFIX,
    BANNERS,
    DELETED,
    DELETED_BY_ADMIN,
    EDITED,
    FILE_ATTACHED,
    IOS_ATTACHED,
    MARKS_STRIP,
    NOT_AUTHOR,
    ODD_MARKS,
    PLACEHOLDER_LIST,
    PLACEHOLDERS,
    SPACES,
    chat_name_from,
    classify,
    person,
)

FORMAT_NAME = "whatsapp_txt"
BLOCK_BYTES = 8 << 20  # ~125k lines: big enough to vectorise, small enough to keep memory flat
EXPECTED = "WhatsApp 导出的聊天记录，每条消息以 “31/01/2021, 23:25 - 名字: ” 或 “[31/01/2021, 23:25:03] 名字: ” 开头"

# ---------------------------------------------------------------------------------------------
# the header line

_S = f"[{SPACES}]"
_MARKS = "上午|下午|午前|午後|오전|오후"
_PM_MARKS = ("下午", "午後", "오후")
_LEAD = "[\u200e\u200f\ufeff]*"


def _header_pattern(capture: bool) -> str:
    """The header prefix, up to and including the separator after the time. With `capture`
    (Python) the fields are named groups; without (Polars) the pattern has no group at all so that
    Rust's regex answers from its DFA."""

    def g(name: str, body: str) -> str:
        return f"(?P<{name}>{body})" if capture else f"(?:{body})"

    return (
        f"^{_LEAD}(?:\\[{_S}*)?"
        + g("d1", "[0-9]{1,4}") + f"[./-]{_S}?" + g("d2", "[0-9]{1,2}") + f"[./-]{_S}?" + g("d3", "[0-9]{1,4}")
        + f"\\.?(?:,{_S}*|{_S}+)(?:klo{_S}+)?"
        + "(?:" + g("pre", _MARKS) + f"{_S}*)?"
        + g("h", "[0-9]{1,2}") + "[:.]" + g("mi", "[0-9]{2}") + "(?:[:.]" + g("s", "[0-9]{2}") + ")?"
        + f"(?:{_S}*" + g("post", f"[AaPp]\\.?{_S}?[Mm]\\.?|{_MARKS}") + ")?"
        + f"(?:{_S}*\\]{_S}?|{_S}*[-–](?:{_S}|$)|:{_S})"
    )


HEADER = re.compile(_header_pattern(True))
HEADER_PREFIX = _header_pattern(False)  # for Polars

# Normalising a header prefix: one Aho-Corasick pass (leftmost-first, so longer variants first).
_NORM: dict[str, str] = {"\u200e": "", "\u200f": "", "\ufeff": "", "[": "", "]": "", "–": "-",
                         "\u00a0": " ", "\u202f": " ", "\u2009": " "}
for _letter in "ap":
    for _mid in (". ", ".\u00a0", ".\u202f", ".\u2009", "."):
        for _tail in (".", ""):
            _NORM[f"{_letter}{_mid}m{_tail}"] = f"{_letter.upper()}M"
    _NORM[f"{_letter}m"] = f"{_letter.upper()}M"
_NORM.update({"上午": "AM", "午前": "AM", "오전": "AM", "下午": "PM", "午後": "PM", "오후": "PM"})
_NORM_KEYS = sorted(_NORM, key=len, reverse=True)
_NORM_VALUES = [_NORM[k] for k in _NORM_KEYS]

# The fields of a normalised header, to derive the file's strptime format.
_SKELETON = re.compile(
    r"^(?P<d1>\d{1,4})[^\d]+(?P<d2>\d{1,2})[^\d]+(?P<d3>\d{1,4})(?:[^\d]*?(?P<pre>AM|PM))?[^\d]*?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?: ?(?P<post>AM|PM))?"
)


def _normalise_py(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        for k in _NORM_KEYS:
            if text.startswith(k, i) or (k.isascii() and text[i:i + len(k)].lower() == k):
                out.append(_NORM[k])
                i += len(k)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class TimeLayout:
    order: str  # ymd | dmy | mdy
    fmt: str | None  # strptime format of a (normalised) header, None when none could be derived
    two_digit_year: bool
    normalise: bool = True  # the headers need normalising before strptime
    colon_sep: bool = False  # `<date> <time>: ` rather than ` - ` or `] `


def _derive_format(sample: str, order: str, normalise: bool = True) -> str | None:
    norm = _normalise_py(sample) if normalise else sample
    m = _SKELETON.match(norm)
    if not m:
        return None
    twelve = bool(m.group("pre") or m.group("post"))
    names = {"ymd": ("Y", "m", "d"), "dmy": ("d", "m", "Y"), "mdy": ("m", "d", "Y")}[order]
    directive = {}
    for grp, what in zip(("d1", "d2", "d3"), names, strict=True):
        directive[grp] = ("%Y" if len(m.group(grp)) > 2 else "%y") if what == "Y" else f"%{what}"
    directive.update({"pre": "%p", "post": "%p", "h": "%I" if twelve else "%H", "mi": "%M", "s": "%S"})
    out, pos = [], 0
    for grp in ("d1", "d2", "d3", "pre", "h", "mi", "s", "post"):
        if m.group(grp) is None:
            continue
        start, end = m.span(grp)
        out.append(norm[pos:start].replace("%", "%%"))
        out.append(directive[grp])
        pos = end
    out.append(norm[pos:].replace("%", "%%"))
    return "".join(out)


def _naive_slow(header: str, order: str) -> dt.datetime | None:
    """One header read field by field (rows the file's format missed)."""
    m = HEADER.match(header)
    if not m:
        return None
    d1, d2, d3 = m.group("d1"), m.group("d2"), m.group("d3")
    if order == "ymd":
        y, mo, d = d1, d2, d3
    elif order == "dmy":
        d, mo, y = d1, d2, d3
    else:
        mo, d, y = d1, d2, d3
    year = int(y) + (2000 if len(y) <= 2 else 0)
    hour = int(m.group("h"))
    marker = m.group("pre") or m.group("post")
    if marker and hour <= 12:
        pm = marker in _PM_MARKS or marker[:1] in "Pp"
        hour = hour % 12 + (12 if pm else 0)
    try:
        return dt.datetime(year, int(mo), int(d), hour, int(m.group("mi")), int(m.group("s") or 0))
    except ValueError:
        return None


def _order_evidence(d1: int, d2: int, d1_len: int) -> str | None:
    if d1_len > 2:
        return "ymd"
    if d1 > 12:
        return "dmy"
    if d2 > 12:
        return "mdy"
    return None


def _fallback_order(sample: str) -> str:
    """Every date ambiguous: day-first, except the en-US form (slashes, 12-hour clock)."""
    m = HEADER.match(sample)
    if m and len(m.group("d1")) > 2:
        return "ymd"
    norm = _normalise_py(sample)
    twelve = m is not None and bool(m.group("pre") or m.group("post"))
    if "/" in norm.split(" ")[0] and twelve:
        return "mdy"
    return "dmy"


# ---------------------------------------------------------------------------------------------
# reading the file in blocks


def _lines_of(data: bytes) -> tuple[pl.Series, pl.Series | None]:
    """The lines of a block of UTF-8 bytes, "" for empty ones, and which lines held bytes that do not
    decode (None when all decode)."""
    n_expected = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    try:
        frame = pl.read_csv(data, separator="\x00", has_header=False, quote_char=None, new_columns=["s"],
                            infer_schema=False, eol_char="\n")
        if frame.height == n_expected and frame.width == 1:
            return frame.get_column("s").fill_null(""), None
    except pl.exceptions.PolarsError:
        pass
    # Undecodable bytes, a NUL byte or another surprise: line by line (slow, but rare).
    out, bad = [], []
    for raw in data.split(b"\n")[:n_expected]:
        out.append(raw.decode("utf-8", "replace").removesuffix("\r").replace("\x00", "\ufffd"))
        try:
            raw.decode("utf-8")
            bad.append(False)
        except UnicodeDecodeError:
            bad.append(True)
    return pl.Series("s", out, dtype=pl.String), pl.Series("bad", bad, dtype=pl.Boolean)


def _byte_blocks(path: Path, sniffed: Sniffed) -> Iterator[bytes]:
    """The file as UTF-8 bytes, in blocks that end at a newline (or at the file's end)."""
    if sniffed.encoding in ("utf-8", "utf-8-sig"):
        with open(path, "rb") as fh:
            rest = b""
            first = True
            while chunk := fh.read(BLOCK_BYTES):
                if first:
                    chunk, first = chunk.removeprefix(codecs.BOM_UTF8), False
                data = rest + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1:]
                yield data[: cut + 1]
            if rest:
                yield rest
    else:
        with open_text(path, sniffed) as fh:
            rest_t = ""
            while chunk_t := fh.read(BLOCK_BYTES // 2):
                data_t = rest_t + chunk_t
                cut = data_t.rfind("\n")
                if cut < 0:
                    rest_t = data_t
                    continue
                rest_t = data_t[cut + 1:]
                yield data_t[: cut + 1].lstrip("\ufeff").encode("utf-8", "replace")
            if rest_t:
                yield rest_t.lstrip("\ufeff").encode("utf-8", "replace")


def _last_record_start(data: bytes) -> int:
    """Byte offset of the last header line in `data`, or -1 when it has none (a long message that
    spans the whole block)."""
    end = len(data)
    if data.endswith(b"\n"):
        end -= 1
    while end >= 0:
        start = data.rfind(b"\n", 0, end) + 1
        line = data[start:end]
        if HEADER.match(line[:200].decode("utf-8", "replace")):
            return start
        if start == 0:
            return -1
        end = start - 1
    return -1


def _record_blocks(path: Path, sniffed: Sniffed) -> Iterator[bytes]:
    """Blocks cut where a record starts, so that no record spans two blocks."""
    carry = b""
    blocks = _byte_blocks(path, sniffed)
    data = next(blocks, None)
    while data is not None:
        nxt = next(blocks, None)
        data = carry + data
        if nxt is None:
            yield data
            return
        cut = _last_record_start(data)
        if cut <= 0:  # no header after the first byte: all of it belongs with the next block
            carry = data
        else:
            carry = data[cut:]
            yield data[:cut]
        data = nxt


# ---------------------------------------------------------------------------------------------
# the file's time layout


def _header_col(lines: pl.Series) -> pl.Series:
    """Each line's header prefix, null for continuation lines."""
    return lines.str.extract(HEADER_PREFIX, 0)


def _normalised(headers: pl.Expr) -> pl.Expr:
    return headers.str.replace_many(_NORM_KEYS, _NORM_VALUES, ascii_case_insensitive=True)


def _head_headers(head: str) -> Iterator[re.Match]:
    for raw in head.split("\n"):
        m = HEADER.match(raw)
        if m:
            yield m


def _decide_layout(path: Path, sniffed: Sniffed, sample: str) -> TimeLayout:
    order = None
    for m in _head_headers(sniffed.head.lstrip("\ufeff")):
        order = _order_evidence(int(m.group("d1")), int(m.group("d2")), len(m.group("d1")))
        if order:
            break
    if order is None and path.stat().st_size > SAMPLE_BYTES:  # the sniffed start is not all of it
        order = _scan_order(path, sniffed)
    order = order or _fallback_order(sample)
    normalise = _normalise_py(sample) != sample
    fmt = _derive_format(sample, order, normalise)
    return TimeLayout(order, fmt, fmt is not None and "%y" in fmt, normalise,
                      sample.rstrip(SPACES).endswith(":"))


def _scan_order(path: Path, sniffed: Sniffed) -> str | None:
    """A first pass over the whole file for the date order, when its start did not tell."""
    for data in _byte_blocks(path, sniffed):
        lines, _ = _lines_of(data)
        heads = _header_col(lines).drop_nulls()
        if heads.is_empty():
            continue
        f = (pl.select(_normalised(pl.lit(heads)).alias("n")).get_column("n")
             .str.extract_groups(r"^([0-9]{1,4})[^0-9]+([0-9]{1,2})"))
        d1 = f.struct.field("1")
        if (d1.str.len_chars() > 2).any():
            return "ymd"
        a = d1.cast(pl.Int32, strict=False).max()
        b = f.struct.field("2").cast(pl.Int32, strict=False).max()
        if a is not None and a > 12:  # type: ignore[operator]
            return "dmy"
        if b is not None and b > 12:  # type: ignore[operator]
            return "mdy"
    return None


# ---------------------------------------------------------------------------------------------
# the parse


@dataclass
class _Part:
    """One block's rows (lines counted from 1 within the block) and what it taught."""

    frame: pl.DataFrame
    n_lines: int
    n_read: int = 0
    skips: list[tuple[int, str, str]] = field(default_factory=list)
    people: set[str] = field(default_factory=set)
    group_events: bool = False


class _Parser:
    """Blocks are read and cut on the calling thread; two worker threads parse them (Polars releases
    the GIL), and their rows are handed on in file order."""

    def __init__(self, probe: Probe, opts: Options):
        assert probe.sniffed is not None
        self.path = probe.path
        self.sniffed = probe.sniffed
        self.opts = opts
        self.state = ParseState()
        if opts.chat_name:
            self.chat_key = self.chat_name = opts.chat_name
        else:
            self.chat_key = self.chat_name = chat_name_from(probe.display_name or probe.path.name)
        self.layout: TimeLayout | None = None
        self.authors: dict[str | None, tuple[str | None, str | None, bool, bool, str | None]] = {}

    def _sample(self) -> str:
        """The first header of the file (it fixes the time layout)."""
        for i, raw in enumerate(self.sniffed.head.lstrip("\ufeff").split("\n")[:5000], start=1):
            text = raw.removesuffix("\r")
            if not text.strip(SPACES + MARKS_STRIP + "\t"):
                continue
            m = HEADER.match(text)
            if m is None:
                raise IngestError(self.path, f"第一条记录不是 WhatsApp 消息行: “{text[:60]}”", line=i,
                                  expected=EXPECTED)
            return m.group(0)
        raise IngestError(self.path, "文件开头找不到 WhatsApp 消息行", line=1, expected=EXPECTED)

    def batches(self) -> Iterator[pl.DataFrame]:
        self.layout = _decide_layout(self.path, self.sniffed, self._sample())
        people: set[str] = set()
        group_events = False
        offset = 0
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="whatsapp") as pool:
            pending: deque[Future[_Part]] = deque()

            def done() -> Iterator[pl.DataFrame]:
                nonlocal offset, group_events
                part = pending.popleft().result()
                self.state.n_read += part.n_read
                for line, reason, sample in part.skips:
                    self.state.skip(line + offset, reason, sample)
                people.update(part.people)
                group_events |= part.group_events
                frame = part.frame.with_columns(pl.col("line") + offset)
                offset += part.n_lines
                for start in range(0, frame.height, BATCH_ROWS):
                    yield frame.slice(start, BATCH_ROWS)

            first = True
            for data in _record_blocks(self.path, self.sniffed):
                pending.append(pool.submit(self._part, data, first))
                first = False
                while len(pending) >= 2:
                    yield from done()
            while pending:
                yield from done()
        if self.state.n_read == 0:
            raise IngestError(self.path, "文件里没有找到任何 WhatsApp 消息", expected=EXPECTED)
        kind = "group" if group_events or len(people) > 2 else "private"
        self.state.chats[self.chat_key] = ChatInfo(self.chat_key, self.chat_name, kind)

    # -- per block (on a worker thread)
    def _part(self, data: bytes, first_block: bool) -> _Part:
        lines, bad = _lines_of(data)
        part = _Part(_empty(), lines.len())
        cols = {"s": lines, "hdr": _header_col(lines)}
        if bad is not None:
            cols["bad"] = bad
        df = pl.DataFrame(cols).with_columns(pl.col("hdr").is_not_null().alias("h"))
        df = df.with_columns(pl.col("h").cum_sum().alias("rec"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
                             .alias("line"))
        lead = df.filter(pl.col("rec") == 0)
        if lead.height:
            self._check_lead(lead, part, first_block)
        heads = df.filter(pl.col("h"))
        if heads.is_empty():
            return part
        part.n_read = heads.height
        if heads.height + lead.height < df.height:  # continuation lines: joined with \n per record
            agg = [pl.col("s")]
            if bad is not None:
                agg.append(pl.col("bad").any().alias("cont_bad"))
            cont = (df.filter(~pl.col("h") & (pl.col("rec") > 0)).group_by("rec").agg(agg)
                    .with_columns(pl.col("s").list.join("\n").str.strip_chars_end("\n").alias("cont")).drop("s")
                    .with_columns(pl.when(pl.col("cont") == "").then(None).otherwise(pl.col("cont")).alias("cont")))
            heads = heads.join(cont, on="rec", how="left")
        else:
            heads = heads.with_columns(pl.lit(None, pl.String).alias("cont"))
        if bad is not None:
            heads = self._skip_bad(heads, part)
        part.frame = self._records(heads, part)
        return part

    def _check_lead(self, lead: pl.DataFrame, part: _Part, first_block: bool) -> None:
        """Lines before a block's first header: blank ones at the file's start are allowed. (Blocks
        are cut at headers, so a later block has none unless the two header tests disagree.)"""
        for line, text in lead.select("line", "s").iter_rows():
            if text.strip(SPACES + MARKS_STRIP + "\t\r"):
                if first_block:
                    raise IngestError(self.path, f"这一行不属于任何 WhatsApp 消息: “{text[:60]}”", line=line,
                                      expected=EXPECTED)
                part.skips.append((line, "不属于任何消息的行", text))

    def _skip_bad(self, heads: pl.DataFrame, part: _Part) -> pl.DataFrame:
        bad = pl.col("bad")
        if "cont_bad" in heads.columns:
            bad = bad | pl.col("cont_bad").fill_null(False)
        for line, s in heads.filter(bad).select("line", "s").iter_rows():
            part.skips.append((line, "包含无法解码的字节", s))
        return heads.filter(~bad)

    def _records(self, heads: pl.DataFrame, part: _Part) -> pl.DataFrame:
        layout = self.layout
        assert layout is not None
        hdr = pl.col("hdr")
        hdr_len = hdr.str.len_chars()
        split = pl.col("sp").struct
        if layout.colon_sep:  # `13.06.18 21.25.15: Name: text`: the header holds ": " itself
            sp = pl.col("s").str.slice(hdr_len).str.splitn(": ", 2)
            a0 = split.field("field_0")
        else:
            sp = pl.col("s").str.splitn(": ", 2)
            a0 = split.field("field_0").str.slice(hdr_len)
        b1 = pl.col("b1")
        if layout.fmt is None:
            naive = pl.lit(None, pl.Datetime("us"))
        else:
            naive = (_normalised(hdr) if layout.normalise else hdr).str.strptime(pl.Datetime("us"), layout.fmt,
                                                                                strict=False)
            if layout.two_digit_year:
                naive = pl.when(naive.dt.year() < 2000).then(naive.dt.offset_by("100y")).otherwise(naive)
        odd = (b1.is_null() | b1.str.contains_any(ODD_MARKS)
               | pl.col("cont").str.ends_with(EDITED).fill_null(False))
        heads = (heads.lazy().with_columns(sp.alias("sp"))  # split once, then use the parts
                 .select("line", "hdr", "cont", a0.alias("a0"), split.field("field_1").alias("b1"),
                         naive.alias("naive"))
                 .with_columns(odd.alias("odd"), pl.when(b1.is_not_null()).then(pl.col("a0")).alias("author"))
                 .collect())
        heads = self._times(heads, part)
        authors = self._author_table(heads.get_column("author").drop_nulls().unique().to_list(), part)
        heads = (heads.join(authors, on="author", how="left")
                 .with_columns(pl.col("not_author").fill_null(False), pl.col("is_self").fill_null(False)))
        out = []
        plain = heads.filter(~pl.col("odd") & ~pl.col("not_author"))
        self.people(plain, part)
        if plain.height:
            body = pl.coalesce(pl.concat_str([pl.col("b1"), pl.lit("\n"), pl.col("cont")]), pl.col("b1"))
            out.append(conform(plain.select(
                pl.lit(self.chat_key).alias("chat_key"), "line", "ts", "sender_key", "sender_name", "is_self",
                pl.lit("text").alias("kind"), body.alias("text"), pl.lit("text").alias("raw_type"))))
        odd_rows = heads.filter(pl.col("odd") | pl.col("not_author"))
        if odd_rows.height:
            out += self._odd(odd_rows, part)
        if not out:
            return _empty()
        return pl.concat(out, how="vertical") if len(out) > 1 else out[0]

    def _times(self, heads: pl.DataFrame, part: _Part) -> pl.DataFrame:
        layout = self.layout
        assert layout is not None
        missed = heads.filter(pl.col("naive").is_null())
        if missed.height:  # headers the file's format did not read: field by field
            fixed = [_naive_slow(h, layout.order) for h in missed.get_column("hdr").to_list()]
            patch = pl.DataFrame({"line": missed.get_column("line"),
                                  "slow": pl.Series(fixed, dtype=pl.Datetime("us"))})
            heads = (heads.join(patch, on="line", how="left")
                     .with_columns(pl.coalesce("naive", "slow").alias("naive")).drop("slow"))
            for line, h in heads.filter(pl.col("naive").is_null()).select("line", "hdr").iter_rows():
                part.skips.append((line, "时间无法识别", h))
            heads = heads.filter(pl.col("naive").is_not_null())
        tz = self.opts.tz
        heads = heads.with_columns(
            pl.col("naive").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").alias("ts"))
        if heads.get_column("ts").null_count():
            # a wall time inside a DST gap (the phone kept another zone's clock): one hour later
            gap = (pl.col("naive") + pl.duration(hours=1)).dt.replace_time_zone(tz, ambiguous="earliest",
                                                                                non_existent="null")
            heads = heads.with_columns(pl.coalesce("ts", gap).alias("ts"))
        return heads.with_columns(pl.col("ts").dt.convert_time_zone("UTC")).drop("naive")

    def _author_table(self, authors: list[str | None], part: _Part) -> pl.DataFrame:
        """Per distinct author: key, name, is_self, whether the "author" is really the start of a
        system text (a quoted name holding ": "), and the recall event a deleted message states."""
        rows = []
        for a in authors:
            info = self.authors.get(a)
            if info is None:
                info = self.authors[a] = _author_info(a)
            rows.append(info)
        return pl.DataFrame(
            {"author": authors, "sender_key": [r[0] for r in rows], "sender_name": [r[1] for r in rows],
             "is_self": [r[2] for r in rows], "not_author": [r[3] for r in rows], "recall": [r[4] for r in rows]},
            schema={"author": pl.String, "sender_key": pl.String, "sender_name": pl.String, "is_self": pl.Boolean,
                    "not_author": pl.Boolean, "recall": pl.String},
        )

    def people(self, df: pl.DataFrame, part: _Part) -> None:
        """Who wrote messages (not notices): more than two people make the chat a group."""
        for a in df.get_column("author").unique().to_list():
            key, name, is_self, not_author, _ = self.authors[a]
            if name is not None and not is_self and not not_author:
                part.people.add(key or name)

    def _odd(self, df: pl.DataFrame, part: _Part) -> list[pl.DataFrame]:
        """Rows with a marker: placeholders, attachments, locations, edits and deletions are column
        operations; system texts go through the grammar one by one."""
        b1 = pl.col("b1")
        clean1 = b1.str.strip_chars_start(MARKS_STRIP)
        lrm = b1.str.starts_with("\u200e")
        known = (clean1.is_in(PLACEHOLDER_LIST) | _any_start(clean1, IOS_ATTACHED)
                 | clean1.str.contains_any(list(FILE_ATTACHED)) | clean1.str.starts_with("Location: ")
                 | clean1.str.starts_with("location: "))
        system = b1.is_null() | pl.col("not_author") | (lrm & ~known)
        system = system | _any_start(clean1, BANNERS)
        df = df.with_columns(system.fill_null(True).alias("system"))
        out = []
        msgs = df.filter(~pl.col("system"))
        self.people(msgs, part)
        if msgs.height:
            out.append(conform(self._messages(msgs)))
        sys_rows = df.filter(pl.col("system"))
        if sys_rows.height:
            out.append(conform(self._system(sys_rows, part)))
        return out

    def _messages(self, df: pl.DataFrame) -> pl.DataFrame:
        body = pl.coalesce(pl.concat_str([pl.col("b1"), pl.lit("\n"), pl.col("cont")]), pl.col("b1"))
        text0 = body.str.strip_chars_start(MARKS_STRIP)
        edited = text0.str.strip_chars_end(SPACES).str.ends_with(EDITED)
        text = (pl.when(edited)
                .then(text0.str.strip_chars_end(SPACES).str.strip_suffix(EDITED)
                      .str.strip_chars_end(SPACES + MARKS_STRIP))
                .otherwise(text0))
        df = df.with_columns(text.alias("text"), edited.alias("edited"),
                             pl.col("b1").str.strip_chars_start(MARKS_STRIP).alias("first"))
        first = pl.col("first")
        ph = (pl.when(pl.col("cont").is_null())
              .then(pl.col("text").replace_strict(PLACEHOLDERS, default=None, return_dtype=pl.String)))
        df = df.with_columns(ph.alias("ph"))
        attached = _any_end(first, FILE_ATTACHED) | first.str.contains_any(list(IOS_ATTACHED))
        att_kind = pl.lit("file")
        for mark, k in reversed(ATTACHED_IOS.items()):
            att_kind = pl.when(first.str.contains(mark, literal=True)).then(pl.lit(k)).otherwise(att_kind)
        for prefix, k in reversed(ATTACHED_PREFIX.items()):
            att_kind = pl.when(first.str.starts_with(prefix)).then(pl.lit(k)).otherwise(att_kind)
        location = first.str.starts_with("location: ") | first.str.starts_with("Location: ")
        poll = first.str.starts_with("POLL:")
        deleted = first.is_in(list(DELETED)) | _any_start(first, DELETED_BY_ADMIN)
        kind = (pl.when(deleted).then(pl.lit("system"))
                .when(pl.col("ph").is_not_null()).then(pl.col("ph"))
                .when(attached).then(att_kind)
                .when(location).then(pl.lit("location"))
                .when(poll).then(pl.lit("other"))
                .otherwise(pl.lit("text")))
        raw_type = (pl.when(deleted).then(pl.lit("deleted"))
                    .when(pl.col("ph").is_not_null()).then(pl.col("text"))
                    .when(attached).then(pl.lit("attached"))
                    .when(location).then(pl.lit("location"))
                    .when(poll).then(pl.lit("poll"))
                    .when(pl.col("edited")).then(pl.lit("edited"))
                    .otherwise(pl.lit("text")))
        return df.select(
            pl.lit(self.chat_key).alias("chat_key"), "line", "ts", "sender_key", "sender_name", "is_self",
            kind.alias("kind"),
            pl.when(pl.col("ph").is_not_null()).then(None).otherwise(pl.col("text")).alias("text"),
            raw_type.alias("raw_type"),
            pl.when(deleted).then(pl.col("recall")).alias("event_json"),
        )

    def _system(self, df: pl.DataFrame, part: _Part) -> pl.DataFrame:
        cols: dict[str, list] = {k: [] for k in ("line", "ts", "sender_key", "sender_name", "is_self", "kind",
                                                  "text", "raw_type", "event_json")}
        for line, ts, a0, author, b1, cont, not_author in df.select(
                "line", "ts", "a0", "author", "b1", "cont", "not_author").iter_rows():
            if b1 is None or not_author:  # no `author: `: the whole rest is the text
                author, b1 = None, (a0 if b1 is None else f"{a0}: {b1}") or ""
            body = b1 if cont is None else f"{b1}\n{cont}"
            row, group = classify(author, body, author is not None and b1.startswith("\u200e"))
            part.group_events |= group
            key, name = row.sender if row.sender else (None, None)
            is_self = name == SELF
            if row.sender is not None and row.kind != "system" and not is_self:
                part.people.add(key or name or "")
            cols["line"].append(line)
            cols["ts"].append(ts)
            cols["sender_key"].append(key)
            cols["sender_name"].append("You" if is_self else name)
            cols["is_self"].append(is_self)
            cols["kind"].append(row.kind)
            cols["text"].append(row.text)
            cols["raw_type"].append(row.raw_type)
            cols["event_json"].append(row.event)
        frame = pl.DataFrame(cols, schema={"line": pl.Int64, "ts": pl.Datetime("us", "UTC"), "sender_key": pl.String,
                                           "sender_name": pl.String, "is_self": pl.Boolean, "kind": pl.String,
                                           "text": pl.String, "raw_type": pl.String, "event_json": pl.String})
        return frame.with_columns(pl.lit(self.chat_key).alias("chat_key"))


def _any_start(col: pl.Expr, prefixes: tuple[str, ...]) -> pl.Expr:
    out = pl.lit(False)
    for p in prefixes:
        out = out | col.str.starts_with(p)
    return out


def _any_end(col: pl.Expr, suffixes: tuple[str, ...]) -> pl.Expr:
    out = pl.lit(False)
    for p in suffixes:
        out = out | col.str.ends_with(p)
    return out


def _clean_name(name: str | None) -> str | None:
    return name.strip(MARKS_STRIP + SPACES) if name is not None else None


def _author_info(author: str | None) -> tuple[str | None, str | None, bool, bool, str | None]:
    """(key, name, is_self, not an author, recall event) of an author as written."""
    if author is None:
        return (None, None, False, False, None)
    if NOT_AUTHOR.search(author):
        return (None, None, False, True, None)
    p = person(author)
    if p is None:
        return (None, _clean_name(author) or None, False, False, None)
    recall = event_json("recall", actor=p)
    if p[1] == SELF:
        return (None, _clean_name(author), True, False, recall)
    return (p[0], p[1], False, False, recall)


def _empty() -> pl.DataFrame:
    return conform(pl.DataFrame({"line": pl.Series([], dtype=pl.Int64)}))


# ---------------------------------------------------------------------------------------------
# the format


def _first_text_line(head: str) -> str:
    for raw in head[:200_000].split("\n", 50):
        line = raw.rstrip("\r")
        if line.strip(SPACES + MARKS_STRIP + "\t"):
            return line
    return ""


def matches(p: Probe) -> bool:
    if p.sniffed is None:
        return False
    return HEADER.match(_first_text_line(p.head)) is not None


def parse(p: Probe, opts: Options) -> Parsed:
    if p.sniffed is None:
        raise IngestError(p.path, "不是文本文件", expected=EXPECTED)
    parser = _Parser(p, opts)
    return Parsed(FORMAT_NAME, "whatsapp", p.sniffed.label, parser.state, parser.batches(), opts.tz)


FORMATS: tuple[Format, ...] = (
    Format(FORMAT_NAME, "WhatsApp 导出 TXT/ZIP", "whatsapp", "31/01/2021, 23:25 - Alice: hi", matches, parse),
)
