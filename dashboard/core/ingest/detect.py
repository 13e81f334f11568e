"""Which export a file is, decided by its content (never its name), or forced by the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboard.core.ingest import wechat_csv, wechat_txt
from dashboard.core.ingest.csvrows import read_header
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Parsed
from dashboard.core.ingest.textio import Sniffed, sniff


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    sample: str  # one line of what it recognises
    matches: Callable[[Sniffed, list[str] | None], bool]
    parse: Callable[[Path, Sniffed, list[str] | None, wechat_csv.Options], Parsed]


def _first_line(s: Sniffed) -> str:
    for line in s.head.splitlines():
        if line.strip():
            return line.strip().lstrip("\ufeff")
    return ""


def _is_csv_header(expected: list[str]) -> Callable[[Sniffed, list[str] | None], bool]:
    return lambda s, header: header is not None and header[: len(expected)] == expected


def _memotrace1(s: Sniffed, header: list[str] | None) -> bool:
    return header in (wechat_csv.MEMOTRACE1_HEADER, wechat_csv.MEMOTRACE1_ALL_HEADER)


def _raw(s: Sniffed, header: list[str] | None) -> bool:
    return header is not None and wechat_csv.raw_flavour(header) is not None


def _txt(s: Sniffed, header: list[str] | None) -> bool:
    return bool(wechat_txt.HEADER.match(_first_line(s)))


FORMATS: tuple[Format, ...] = (
    Format("wechat_memotrace_csv", "留痕 MemoTrace CSV (1.x)",
           ",".join(wechat_csv.MEMOTRACE1_HEADER), _memotrace1,
           lambda p, s, h, o: wechat_csv.parse_memotrace1(p, s, h or [], o)),
    Format("wechat_memotrace2_csv", "留痕 MemoTrace CSV (2.x)",
           ",".join(wechat_csv.MEMOTRACE2_HEADER), _is_csv_header(wechat_csv.MEMOTRACE2_HEADER),
           lambda p, s, h, o: wechat_csv.parse_memotrace2(p, s, h or [], o)),
    Format("wechat_pywxdump_csv", "PyWxDump CSV",
           ",".join(wechat_csv.PYWXDUMP_HEADER), _is_csv_header(wechat_csv.PYWXDUMP_HEADER),
           lambda p, s, h, o: wechat_csv.parse_pywxdump(p, s, h or [], o)),
    Format("wechat_raw_csv", "微信数据库 MSG 表导出的 CSV",
           "localId,TalkerId,MsgSvrID,Type,SubType,IsSender,CreateTime,…,StrTalker,StrContent", _raw,
           lambda p, s, h, o: wechat_csv.parse_raw_table(p, s, h or [], o)),
    Format("wechat_memotrace_txt", "留痕 MemoTrace TXT",
           "2024-05-01 10:00:00 张三 ↵ 消息内容", _txt,
           lambda p, s, h, o: wechat_txt.parse_memotrace_txt(p, s, o)),
)
FORMAT_NAMES = {f.name: f for f in FORMATS}
# A forced --format may also name the family a detected format reports itself as.
ALIASES = {"memotrace": "wechat_memotrace_csv", "memotrace_txt": "wechat_memotrace_txt",
           "pywxdump": "wechat_pywxdump_csv", "raw": "wechat_raw_csv"}


def matches_any(path: Path, s: Sniffed, header: list[str] | None) -> bool:
    """Whether some chat-export format recognises this file."""
    return any(fmt.matches(s, header) for fmt in FORMATS)


def csv_header(path: Path, s: Sniffed) -> list[str] | None:
    first = _first_line(s)
    if "," not in first:
        return None
    try:
        return read_header(path, s)
    except IngestError:
        return None


def detect(path: Path, forced: str | None = None) -> tuple[Format, Sniffed, list[str] | None]:
    s = sniff(path)
    header = csv_header(path, s)
    if forced:
        name = ALIASES.get(forced, forced)
        if name not in FORMAT_NAMES:
            raise IngestError(path, f"未知格式 {forced!r}", expected="、".join(FORMAT_NAMES))
        fmt = FORMAT_NAMES[name]
        if not fmt.matches(s, header):
            raise IngestError(path, f"文件内容不是 {fmt.label} 格式", line=1, expected=fmt.sample)
        return fmt, s, header
    for fmt in FORMATS:
        if fmt.matches(s, header):
            return fmt, s, header
    seen = _first_line(s)[:80]
    tried = "；".join(f"{f.label}" for f in FORMATS)
    raise IngestError(
        path, f"无法识别的文件格式，第一行是 “{seen}”", line=1, expected=f"以下格式之一: {tried}"
    )
