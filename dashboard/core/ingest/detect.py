"""Which export a file is, decided by its content (never its name), or forced by the user.

Each format module lists its `FORMATS`; the order here is the order of detection, most specific
first, so a format whose test is loose (generic tables) never shadows a precise one.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from dashboard.core.ingest import (
    chatlab,
    discord,
    generic,
    qq,
    qq_qce_html,
    qq_qce_txt,
    telegram,
    wechat_csv,
    wechat_txt,
    wecom,
    whatsapp,
)
from dashboard.core.ingest.archive import unpack_chat_zip
from dashboard.core.ingest.csvrows import read_header
from dashboard.core.ingest.errors import IngestError, UnknownFormat
from dashboard.core.ingest.model import Format, Probe
from dashboard.core.ingest.textio import Sniffed, sniff

PARQUET_MAGIC = b"PAR1"


def _memotrace1(p: Probe) -> bool:
    return p.header in (wechat_csv.MEMOTRACE1_HEADER, wechat_csv.MEMOTRACE1_ALL_HEADER)


def _header_starts(expected: list[str]):
    return lambda p: p.header is not None and p.header[: len(expected)] == expected


def _raw(p: Probe) -> bool:
    return p.header is not None and wechat_csv.raw_flavour(p.header) is not None


def _txt(p: Probe) -> bool:
    # a QQ 消息管理器 line has the same date and time, then `nick(QQ号)` or `nick<email>`
    first = p.first_line()
    return bool(wechat_txt.HEADER.match(first)) and not qq.is_qq_header(first)


WECHAT: tuple[Format, ...] = (
    Format("wechat_memotrace_csv", "留痕 MemoTrace CSV (1.x)", "wechat",
           ",".join(wechat_csv.MEMOTRACE1_HEADER), _memotrace1,
           lambda p, o: wechat_csv.parse_memotrace1(p.path, p.sniffed, p.header or [], o)),
    Format("wechat_memotrace2_csv", "留痕 MemoTrace CSV (2.x)", "wechat",
           ",".join(wechat_csv.MEMOTRACE2_HEADER), _header_starts(wechat_csv.MEMOTRACE2_HEADER),
           lambda p, o: wechat_csv.parse_memotrace2(p.path, p.sniffed, p.header or [], o)),
    Format("wechat_pywxdump_csv", "PyWxDump CSV", "wechat",
           ",".join(wechat_csv.PYWXDUMP_HEADER), _header_starts(wechat_csv.PYWXDUMP_HEADER),
           lambda p, o: wechat_csv.parse_pywxdump(p.path, p.sniffed, p.header or [], o)),
    Format("wechat_raw_csv", "微信数据库 MSG 表导出的 CSV", "wechat",
           "localId,TalkerId,MsgSvrID,Type,SubType,IsSender,CreateTime,…,StrTalker,StrContent", _raw,
           lambda p, o: wechat_csv.parse_raw_table(p.path, p.sniffed, p.header or [], o)),
    Format("wechat_memotrace_txt", "留痕 MemoTrace TXT", "wechat",
           "2024-05-01 10:00:00 张三 ↵ 消息内容", _txt,
           lambda p, o: wechat_txt.parse_memotrace_txt(p.path, p.sniffed, o)),
)

# QQChatExporter's own TXT and HTML come before the 消息管理器 TXT: their banner and metadata
# comment are exact, while the 消息管理器's test accepts any `====` block with a header after it.
QQ: tuple[Format, ...] = (qq_qce_txt.FORMAT, qq_qce_html.FORMAT, *qq.FORMATS)

FORMATS: tuple[Format, ...] = (
    *WECHAT, *telegram.FORMATS, *wecom.FORMATS, *discord.FORMATS, *chatlab.FORMATS, *QQ,
    *whatsapp.FORMATS, *generic.FORMATS,
)
FORMAT_NAMES = {f.name: f for f in FORMATS}
# A forced --format may also name the family a detected format reports itself as.
ALIASES = {"memotrace": "wechat_memotrace_csv", "memotrace_txt": "wechat_memotrace_txt",
           "pywxdump": "wechat_pywxdump_csv", "raw": "wechat_raw_csv"}
GENERIC = "generic_table"


def csv_header(path: Path, s: Sniffed) -> list[str] | None:
    first = next((ln.strip() for ln in s.head.splitlines() if ln.strip()), "").lstrip("\ufeff")
    if "," not in first or first.startswith(("{", "[")):  # JSON on one line is not a table
        return None
    try:
        return read_header(path, s)
    except IngestError:
        return None


def _magic(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8)


def is_binary_table(path: Path) -> bool:
    return _magic(path).startswith(PARQUET_MAGIC)


def probe(path: Path, unpack_to: Path | None = None) -> Probe:
    """Look at a file. A .zip (WhatsApp's "export with media") is opened and its chat text
    extracted to `unpack_to`; the probe then points at that text."""
    display = path.name
    if zipfile.is_zipfile(path):
        if unpack_to is None:
            raise IngestError(path, "压缩包需要先解开", expected="WhatsApp 导出的 .zip")
        path = unpack_chat_zip(path, unpack_to)
    magic = _magic(path)
    if magic.startswith(PARQUET_MAGIC):
        return Probe(path, None, None, magic, display)
    s = sniff(path)
    return Probe(path, s, csv_header(path, s), magic, display)


def matches_any(p: Probe) -> bool:
    """Whether some chat-export format recognises this file (the generic table needs a mapping)."""
    return any(fmt.matches(p) for fmt in FORMATS if fmt.name != GENERIC)


def detect(p: Probe, forced: str | None = None) -> Format:
    if forced:
        name = ALIASES.get(forced, forced)
        if name not in FORMAT_NAMES:
            raise IngestError(p.path, f"未知格式 {forced!r}", expected="、".join(FORMAT_NAMES))
        fmt = FORMAT_NAMES[name]
        if not fmt.matches(p):
            raise IngestError(p.path, f"文件内容不是 {fmt.label} 格式", line=1, expected=fmt.sample)
        return fmt
    for fmt in FORMATS:
        if fmt.name != GENERIC and fmt.matches(p):
            return fmt
    seen = p.first_line()[:80] if p.sniffed is not None else "（二进制数据）"
    tried = "；".join(f.label for f in FORMATS if f.name != GENERIC)
    raise UnknownFormat(
        p.path, f"无法识别的文件格式，第一行是 “{seen}”", line=1,
        expected=f"以下格式之一: {tried}；其他表格请用 --map 指定列（如 --map time=发送时间 "
                 "--map sender=发送人 --map text=内容）",
    )
