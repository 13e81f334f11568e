"""Opening export files as text: BOMs, UTF-8 vs GB18030, binary files, all decided from a sample.

The rest of the file is then streamed. Bytes that do not decode are kept as lone surrogates
(`surrogateescape`) so that a parser can skip and count the records that hold them instead of
failing the whole file.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

from dashboard.core.ingest.errors import IngestError

SAMPLE_BYTES = 1 << 20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Sniffed:
    encoding: str  # a Python codec name
    label: str  # what we tell the user: utf-8, utf-8 (BOM), utf-16, gb18030
    head: str  # the decoded start of the file (up to ~1 MiB)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return False


def sniff(path: Path) -> Sniffed:
    """Decide how to read `path` as text, or raise IngestError if it is empty or not text."""
    with open(path, "rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    if not raw.strip():
        raise IngestError(path, "文件是空的", expected="一份聊天记录导出文件")
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            if enc == "utf-16":
                head = codecs.getincrementaldecoder(enc)(errors="replace").decode(raw, final=False)
                return Sniffed(enc, "utf-16", head)
            return _utf8(path, raw, "utf-8-sig", "utf-8 (BOM)")
    if b"\x00" in raw:
        utf16 = _utf16_without_bom(raw)
        if utf16 is None:
            raise IngestError(path, "这是一个二进制文件，不是文本导出", expected="CSV、TXT 或 JSON 文本文件")
        return utf16
    if not _decodes(raw, "utf-8") and _decodes(raw, "gb18030"):
        head = codecs.getincrementaldecoder("gb18030")().decode(raw, final=False)
        return Sniffed("gb18030", "gb18030", head)
    return _utf8(path, raw, "utf-8", "utf-8")


# Characters no text export holds: C0 controls other than tab, newlines and form feed, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(raw: bytes) -> Sniffed | None:
    """UTF-16 saved without a BOM (some Windows tools do), told from binary data by where its NUL
    bytes fall: ASCII characters (digits, separators, newlines: every export has them) are a NUL
    and a byte, so the NULs sit at odd offsets (little-endian) or even ones (big-endian), and the
    text decodes to no control characters. A binary file has NULs at both."""
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    if min(even, odd) > max(even, odd) // 50 or max(even, odd) < len(raw) // 20:
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    try:
        head = codecs.getincrementaldecoder(encoding)().decode(raw, final=False)
    except UnicodeDecodeError:  # a lone surrogate: not text
        return None
    if _CONTROL.search(head):
        return None
    return Sniffed(encoding, "utf-16 (no BOM)", head)


def _utf8(path: Path, raw: bytes, encoding: str, label: str) -> Sniffed:
    """UTF-8, perhaps with a few bad bytes: the parser skips and counts the records holding them.
    Many bad bytes mean a mixed or damaged file, which is refused as a whole."""
    head = codecs.getincrementaldecoder(encoding)(errors="surrogateescape").decode(raw, final=False)
    bad = len(_SURROGATE.findall(head))
    if bad > max(16, len(head) // 50):
        raise IngestError(
            path, "文件编码混乱：大段内容既不是 UTF-8 也无法整体按 GB18030 读取，文件可能被其他软件改坏了",
            expected="UTF-8 或 GB18030 编码的文本",
        )
    return Sniffed(encoding, label, head)


def open_text(path: Path, sniffed: Sniffed, newline: str | None = None) -> io.TextIOWrapper:
    # Bad bytes become lone surrogates in every encoding, so a damaged record is skipped, not fatal.
    return open(path, encoding=sniffed.encoding, errors="surrogateescape", newline=newline)


_SURROGATE = re.compile("[\udc80-\udcff]")


def has_undecodable(text: str) -> bool:
    return _SURROGATE.search(text) is not None
