r"""WeChat CSV rows → kind and text: per row, and per column of a block of rows.

`decode_pc` (Type/SubType codes and raw content: MemoTrace 1.x, raw tables) and `decode_typename`
(Chinese type names and rendered content: MemoTrace 2.x, PyWxDump) are the rules, one row at a time.
`pc_texts` and `typename_texts` give the same answers for a whole Polars frame: the common rows (plain
text, media, 【…】 placeholders, transcripts, rendered quotes) are Polars expressions, and only the rows
that need XML or system-text parsing (or a rule's rarer branches) go through the per-row rules, once per
distinct content in a block (`RowRules`). Type codes and names are few, so they are looked up once per
distinct value (`lookup`). Where the expressions stand in for Python (`str.strip`, `\s`, `\d`), they
use Python's own character sets, or send the row to the per-row rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard.core.ingest import wechat_content as wc

# What Python's str.strip() removes (str.isspace); Polars' own whitespace set lacks \x1c-\x1f.
PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
            "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACE) + "]"


def strip(e: pl.Expr) -> pl.Expr:
    """str.strip(), exactly."""
    return e.str.strip_chars(PY_SPACE)


def or_none(e: pl.Expr) -> pl.Expr:
    """`s or None` for a string column."""
    return pl.when(e == "").then(pl.lit(None, pl.String)).otherwise(e)


@dataclass
class Decoded:
    kind: str
    text: str | None
    quote_id: str | None = None
    quote_name: str | None = None
    quote_text: str | None = None
    names_json: str | None = None

    def row(self) -> tuple:
        return (self.kind, self.text, self.quote_id, self.quote_name, self.quote_text, self.names_json)


DECODED = {"kind": pl.String(), "text": pl.String(), "quote_id": pl.String(), "quote_name": pl.String(),
           "quote_text": pl.String(), "names_json": pl.String()}


def parse_int(s: str | None, default: int = 0) -> int:
    try:
        return int(float(s)) if s not in (None, "") else default
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------
# per row

def decode_pc(type_code: int, sub_type: int, content: str) -> Decoded | None:
    """Content of a PC-typed row (Type/SubType codes); None for rows that are not messages."""
    if type_code in wc.DROPPED_PC_TYPES:
        return None
    kind = wc.kind_from_pc(type_code, sub_type)
    content = (content or "").replace("\r\n", "\n")
    if kind == "system" or type_code in (10000, 10002):
        st = wc.system_text(content)
        if "revokemsg" in content:
            kind = "recall"
        return Decoded(kind, st.text, names_json=wc.names_json(st.names))
    app = wc.parse_appmsg(content) if "<appmsg" in content else None
    if app is not None:
        if type_code == 49 and app.sub_type is not None and sub_type == 0:
            kind = wc.APPMSG_KIND.get(app.sub_type, "link")
        if kind == "quote":
            return Decoded("quote", app.title, app.refer_svrid, app.refer_name, app.refer_content)
        return Decoded(kind, wc.appmsg_text(kind, app))
    if kind == "text":
        if content.lstrip().startswith(SOLITAIRE_OPENERS):
            return Decoded("solitaire", content)
        return Decoded("text", content)
    if kind == "location":
        label = re.search(r'(?:poiname|label)="([^"]+)"', content)
        return Decoded("location", label.group(1) if label else None)
    if kind in TEXT_IF_PLAIN:
        return Decoded(kind, content if content and "<" not in content[:1] else None)
    return Decoded(kind, None)


SOLITAIRE_OPENERS = ("#接龙", "#Group Note")
TEXT_IF_PLAIN = ("call", "pat", "link", "file", "transfer", "red_packet", "solitaire", "other")

_QUOTE2 = re.compile(r"^(?P<reply>.*)\n引用[：:](?P<name>[^:：\n]+)[:：] ?(?P<quoted>.*)$", re.S)
_BRACKET = re.compile(r"^【(?P<tag>[^】]+)】[:：]? ?(?P<rest>.*)$", re.S)
PYWX_QUOTE = re.compile(
    r"^(?P<reply>.*?)\n\n\[引用\]\((?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\)"
    r"(?P<name>[^:\n]+):(?P<quoted>.*)$",
    re.S,
)
_MEDIA_WORDS = ("图片", "视频", "表情", "语音")


def decode_typename(kind: str, content: str) -> Decoded:
    """Content as MemoTrace 2.x / PyWxDump render it, given the kind from the type name."""
    c = (content or "").replace("\r\n", "\n")
    if kind in ("system", "recall"):
        st = wc.system_text(c)
        if "revokemsg" in c:
            kind = "recall"
        return Decoded(kind, st.text, names_json=wc.names_json(st.names))
    if kind == "quote":
        m = _QUOTE2.match(c)
        if m:
            return Decoded("quote", m.group("reply"), None, m.group("name").strip(), m.group("quoted"))
        m = PYWX_QUOTE.match(c)
        if m:
            return Decoded("quote", m.group("reply"), None, m.group("name").strip(), m.group("quoted"),
                           names_json=json.dumps({"quote_time": m.group("time")}))
        return Decoded("quote", c)
    if kind == "text":
        if c.lstrip().startswith(SOLITAIRE_OPENERS):
            return Decoded("solitaire", c)
        return Decoded("text", c)
    m = _BRACKET.match(c)
    if m:
        rest = m.group("rest").strip()
        if kind == "link":  # 【分享链接】\n标题：…\n描述：…: the title line
            rest = re.sub(r"^标题[:：]\s*", "", rest.split("\n", 1)[0])
        return Decoded(kind, rest or None)
    if kind in ("image", "video", "sticker", "voice") and c in _MEDIA_WORDS:
        return Decoded(kind, None)
    if kind == "voice":  # 语音时长：3.20秒[\n翻译结果：…]: keep the transcript only
        transcript = re.search(r"翻译结果[:：](.*)$", c, re.S)
        return Decoded(kind, transcript.group(1).strip() if transcript else None)
    if kind == "link":
        return Decoded(kind, c.split("\n", 1)[0] or None)
    if kind == "solitaire":
        return Decoded(kind, c if c.lstrip().startswith("#接龙") else None)
    if kind == "red_packet" and c.strip() in ("红包", "[红包]"):
        return Decoded(kind, None)
    return Decoded(kind, c or None)


# ---------------------------------------------------------------------------------------------
# per column

class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


class RowRules:
    """Per-row rules applied to some rows of one block, each distinct input once (a cache per block:
    contents that need a rule rarely repeat across blocks, and memory must not grow with the file).

    A rule that raises does not stop the block: the error is kept under the row's line with the stage
    that raised (`fatal`), and the reader raises the first one in file order, where the row-by-row
    parser would have stopped."""

    def __init__(self) -> None:
        self.cache: dict[Hashable, object] = {}
        self.fatal: dict[int, tuple[Exception, str]] = {}

    def apply(self, frame: pl.DataFrame, cols: Sequence[str], rule: Callable, stage: str) -> list:
        """rule(*values) for each row of `frame` (which has `line` and `cols`); None where it raised."""
        cache = self.cache
        out: list = []
        for line, *values in frame.select("line", *cols).iter_rows():
            key = (stage, *values)
            try:
                r = cache[key]
            except KeyError:
                try:
                    r = rule(*values)
                except Exception as e:  # kept for the reader to raise in file order
                    r = _Raised(e)
                cache[key] = r
            if isinstance(r, _Raised):
                self.fatal.setdefault(line, (r.exc, stage))
                r = None
            out.append(r)
        return out


def lookup(frame: pl.DataFrame, cols: Sequence[str], rule: Callable[..., tuple], schema: dict[str, pl.DataType],
           rules: RowRules, stage: str) -> pl.DataFrame:
    """`frame` with the columns of `schema` added: rule(*values) once per distinct value of `cols` (type
    codes and names: a few values for many rows). Rows whose rule raised get nulls and a fatal error."""
    keys = frame.select(cols).unique(maintain_order=True)
    values: list[tuple] = []
    failed: list[tuple[tuple, Exception]] = []
    for key in keys.iter_rows():
        try:
            values.append(tuple(rule(*key)))
        except Exception as e:  # kept for the reader to raise in file order
            values.append((None,) * len(schema))
            failed.append((key, e))
    table = keys.hstack(pl.DataFrame(values, schema=schema, orient="row"))
    found = frame.select(*cols, "line").join(table, on=list(cols), how="left", maintain_order="left", nulls_equal=True)
    for key, e in failed:
        match = pl.all_horizontal(pl.col(c).eq_missing(pl.lit(v, pl.String)) for c, v in zip(cols, key, strict=True))
        rules.fatal.setdefault(found.filter(match).get_column("line").min(), (e, stage))
    return frame.hstack(found.select(list(schema)))


def _with_rule(frame: pl.DataFrame, route: pl.Expr, columns: list[pl.Expr], keys: list[str], rule: Callable,
               name: str, schema: dict[str, pl.DataType], rules: RowRules) -> pl.DataFrame:
    """`frame` with the columns of `schema`: the expressions `columns` on every row, except the rows of
    `route`, which get rule(*keys) (a tuple per row, cached; nulls where it raised)."""
    out = frame.select(route.fill_null(False).alias("_route"), *columns)
    mask = out.get_column("_route")
    out = out.drop("_route")
    if mask.any():
        at = mask.arg_true()
        found = rules.apply(frame.select("line", *keys).filter(mask), keys, rule, name)
        missing = (None,) * len(schema)
        ruled = pl.DataFrame([missing if r is None else r for r in found], schema=schema, orient="row")
        out = out.with_columns(out.get_column(k).scatter(at, ruled.get_column(k)) for k in schema)
    return frame.hstack(out)


def pc_texts(frame: pl.DataFrame, content: str, rules: RowRules) -> pl.DataFrame:
    """`frame` with the DECODED columns of decode_pc(type, subtype, content).

    `frame` holds `line`, `_code` ("Type/SubType", the codes as decode_pc reads them), `_kind0`
    (kind_from_pc), `_system` (a system type) and `content`; dropped types are already gone."""
    c = pl.col(content)
    kind0 = pl.col("_kind0")
    route = (pl.col("_system") | c.str.contains("<appmsg", literal=True) | (kind0 == "location")
             | ((kind0 == "text") & _solitaire_like(c)))
    frame = frame.with_columns(c.str.replace_all("\r\n", "\n", literal=True).alias("_cn"))
    cn = pl.col("_cn")
    columns = [
        kind0.alias("kind"),
        pl.when(kind0 == "text").then(cn)
        .when(kind0.is_in(TEXT_IF_PLAIN) & (cn != "") & ~cn.str.starts_with("<")).then(cn)
        .otherwise(pl.lit(None, pl.String)).alias("text"),
        *[pl.lit(None, pl.String).alias(k) for k in ("quote_id", "quote_name", "quote_text", "names_json")],
    ]
    return _with_rule(frame, route, columns, ["_code", content], _decode_pc_code, "pc", DECODED, rules)


def _decode_pc_code(code: str, content: str) -> tuple | None:
    t, s = code.split("/")
    dec = decode_pc(int(t), int(s), content)
    return None if dec is None else dec.row()


def _solitaire_like(c: pl.Expr) -> pl.Expr:
    return pl.any_horizontal(c.str.contains(o, literal=True) for o in SOLITAIRE_OPENERS)


_BRACKET_RE = r"(?s)^【([^】]+)】[:：]? ?(.*)$"


def _typename_row(kind: str, content: str) -> tuple:
    return decode_typename(kind, content).row()


# decode_typename's quote patterns, with ASCII digits (quotes holding other digits go through it)
_QUOTE2_RE = r"(?s)^(.*)\n引用[：:]([^:：\n]+)[:：] ?(.*)$"
_PYWX_QUOTE_RE = (r"(?s)^(.*?)\n\n\[引用\]\(([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})\)"
                  r"([^:\n]+):(.*)$")
_OTHER_DIGITS = r"(?s)\[引用\]\(.{0,18}[^\x00-\x7f]"  # Python's \d is any decimal digit


def typename_texts(frame: pl.DataFrame, content: str, rules: RowRules) -> pl.DataFrame:
    """`frame` with the DECODED columns of decode_typename(kind, content). `frame` holds `line`,
    `_kind0` (kind_from_type_name) and `content`."""
    c = pl.col(content)
    kind0 = pl.col("_kind0")
    frame = frame.with_columns(c.str.replace_all("\r\n", "\n", literal=True).alias("_cn"))
    cn = pl.col("_cn")

    def only(kind: str) -> pl.Expr:  # the regexes below skip nulls
        return pl.when(kind0 == kind).then(cn)

    q2 = only("quote").str.extract_groups(_QUOTE2_RE)
    q2_ok = q2.struct.field("1").is_not_null()
    pw = pl.when(~q2_ok).then(only("quote")).str.extract_groups(_PYWX_QUOTE_RE)
    quote = frame.select(q2_ok.alias("_q2"), pw.struct.field("1").is_not_null().alias("_pw"),
                         only("quote").str.contains(_OTHER_DIGITS).fill_null(False).alias("_odd"),
                         *(q2.struct.field(k).alias(f"_q2{k}") for k in "123"),
                         *(pw.struct.field(k).alias(f"_pw{k}") for k in "1234"))
    route = (kind0.is_in(["system", "recall"]) | _solitaire_like(pl.when(kind0.is_in(["text", "solitaire"])).then(c))
             | pl.col("_odd"))
    frame = frame.hstack(quote)
    q2_ok, pw_ok = pl.col("_q2"), pl.col("_pw")
    other = pl.when(~kind0.is_in(["text", "system", "recall", "quote"])).then(cn)
    bracket = other.str.extract_groups(_BRACKET_RE)
    rest = strip(bracket.struct.field("2"))
    first_line = rest.str.extract(r"(?s)^([^\n]*)", 1).str.replace(f"^标题[:：]{_SPACE_CLASS}*", "")
    text = (
        pl.when(kind0 == "text").then(cn)
        .when(kind0 == "quote").then(pl.when(q2_ok).then(pl.col("_q21")).when(pw_ok).then(pl.col("_pw1"))
                                     .otherwise(cn))
        .when(bracket.struct.field("1").is_not_null())
        .then(or_none(pl.when(kind0 == "link").then(first_line).otherwise(rest)))
        .when(kind0.is_in(["image", "video", "sticker", "voice"]) & cn.is_in(_MEDIA_WORDS))
        .then(pl.lit(None, pl.String))
        .when(kind0 == "voice").then(strip(only("voice").str.extract(r"(?s)翻译结果[:：](.*)$", 1)))
        .when(kind0 == "link").then(or_none(only("link").str.extract(r"(?s)^([^\n]*)", 1)))
        .when(kind0 == "solitaire").then(pl.lit(None, pl.String))
        .when((kind0 == "red_packet") & strip(cn).is_in(["红包", "[红包]"])).then(pl.lit(None, pl.String))
        .otherwise(or_none(cn))
    )
    quote_time_json = pl.concat_str(pl.lit('{"quote_time": "'), pl.col("_pw2"), pl.lit('"}'))
    columns = [
        kind0.alias("kind"), text.alias("text"), pl.lit(None, pl.String).alias("quote_id"),
        pl.when(q2_ok).then(strip(pl.col("_q22"))).when(pw_ok).then(strip(pl.col("_pw3"))).alias("quote_name"),
        pl.when(q2_ok).then(pl.col("_q23")).when(pw_ok).then(pl.col("_pw4")).alias("quote_text"),
        pl.when(pw_ok).then(quote_time_json).alias("names_json"),
    ]
    return _with_rule(frame, route, columns, ["_kind0", content], _typename_row, "typename", DECODED, rules)


# ---------------------------------------------------------------------------------------------
# names

_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'


def one_name_json(nick: pl.Expr, key: pl.Expr) -> pl.Expr:
    """json.dumps({nick: key}, ensure_ascii=False) where neither needs escaping, else null (the caller
    asks Python for those)."""
    plain = ~nick.str.contains(_NEEDS_ESCAPE) & ~key.str.contains(_NEEDS_ESCAPE)
    return pl.when(plain).then(pl.concat_str(pl.lit('{"'), nick, pl.lit('": "'), key, pl.lit('"}')))


def name_needs_python(nick: pl.Expr, key: pl.Expr) -> pl.Expr:
    return nick.str.contains(_NEEDS_ESCAPE) | key.str.contains(_NEEDS_ESCAPE)
