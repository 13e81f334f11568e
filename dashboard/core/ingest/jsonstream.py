"""Streaming JSON for exports that can be gigabytes: arrays read item by item with ijson.

Two repairs happen on the way in, so every JSON format gets them:
- the text is re-encoded to UTF-8 whatever the file used (UTF-16, GB18030, a BOM);
- Telegram's `\\xNN` escapes, which are not JSON, become `\\u00NN` (docs/formats.md §3).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import ijson
import numpy as np

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.textio import Sniffed, open_text

CHUNK_CHARS = 1 << 20
# No export nests deeper than about ten levels (Discord: messages › embeds › fields). A hostile or
# broken file a hundred thousand brackets deep made ijson build prefixes of quadratic size, tens of
# gigabytes before it failed, so the depth is checked on the text before the parser sees it.
MAX_DEPTH = 64
# A backslash pair is consumed first, so `\\x41` (an escaped backslash, then "x41") stays as is.
_ESCAPE = re.compile(r"\\(\\|x([0-9A-Fa-f]{2}))")


def _fix_escapes(text: str) -> str:
    if "\\x" not in text:
        return text
    return _ESCAPE.sub(lambda m: "\\\\" if m.group(1) == "\\" else "\\u00" + m.group(2), text)


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # the end of a string begun in an earlier chunk
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPENERS = np.frombuffer(b"[{", np.uint8)


class _Depth:
    """The nesting depth of a JSON text fed chunk by chunk: brackets outside strings, counted with
    regular expressions and NumPy so a gigabyte export costs no Python loop per character."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False

    def feed(self, text: str) -> int:
        """The deepest level reached in `text`. A chunk never ends inside an escape (JsonBytes
        holds a trailing backslash back), so a string's end is always found in the chunk holding it."""
        if self.in_string:
            end = _STRING_REST.match(text)
            if end is None:
                return self.depth
            text, self.in_string = text[end.end():], False
        bare = _STRING.sub("", text)
        if (quote := bare.find('"')) >= 0:  # a string running on into the next chunk
            bare, self.in_string = bare[:quote], True
        brackets = _NOT_BRACKET.sub("", bare)
        if not brackets:
            return self.depth
        codes = np.frombuffer(brackets.encode("ascii"), np.uint8)
        levels = self.depth + np.cumsum(np.where(np.isin(codes, _OPENERS), 1, -1))
        self.depth = int(levels[-1])
        return int(levels.max())


class JsonBytes(io.RawIOBase):
    """A file's text as repaired UTF-8 bytes; `line` is the line the reader has reached. Nesting
    deeper than MAX_DEPTH stops the reading with an IngestError."""

    def __init__(self, path: Path, sniffed: Sniffed) -> None:
        self._path = path
        self._text = open_text(path, sniffed)
        self._carry = ""
        self._buf = b""
        self._eof = False
        self._depth = _Depth()
        self.line = 1

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        chunk = self._text.read(CHUNK_CHARS)
        if not chunk:
            self._eof = True
            text, self._carry = self._carry, ""
        else:
            text = self._carry + chunk
            # never split an escape: hold back a trailing run of backslashes and what follows it
            cut = len(text)
            i = text.rfind("\\", max(0, len(text) - 4))
            if i >= 0:
                while i > 0 and text[i - 1] == "\\":
                    i -= 1
                cut = i
            text, self._carry = text[:cut], text[cut:]
        if self._depth.feed(text) > MAX_DEPTH:
            raise IngestError(self._path, f"JSON 嵌套超过 {MAX_DEPTH} 层，不是聊天记录导出", line=self.line,
                              expected="聊天记录导出的 JSON 文件")
        self.line += text.count("\n")
        self._buf += _fix_escapes(text).encode("utf-8", "surrogateescape")

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf and not self._eof:
            self._fill()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._text.close()
        super().close()


def iter_items(path: Path, sniffed: Sniffed, prefix: str) -> Iterator[object]:
    """Items under `prefix` (ijson syntax: "messages.item", "chats.list.item"), one at a time.
    Malformed JSON raises IngestError naming the line the reader had reached."""
    stream = JsonBytes(path, sniffed)
    try:
        yield from ijson.items(stream, prefix, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError) as e:
        raise _bad_json(path, e, stream.line) from None
    finally:
        stream.close()


def iter_events(path: Path, sniffed: Sniffed) -> Iterator[tuple[str, str, object]]:
    """ijson's (prefix, event, value) stream, for formats that need scalars beside a big array."""
    stream = JsonBytes(path, sniffed)
    try:
        yield from ijson.parse(stream, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError) as e:
        raise _bad_json(path, e, stream.line) from None
    finally:
        stream.close()


def iter_lines(path: Path, sniffed: Sniffed) -> Iterator[tuple[int, object | None, str]]:
    """JSON Lines: (line number, the object or None when the line is not JSON, the raw line)."""
    with open_text(path, sniffed) as fh:
        for n, line in enumerate(fh, start=1):
            raw = line.strip().lstrip("\ufeff")
            if not raw:
                continue
            try:
                yield n, json.loads(_fix_escapes(raw)), raw
            except (ValueError, RecursionError):  # not JSON, or nested past Python's recursion limit
                yield n, None, raw


def head_object_keys(head: str) -> set[str]:
    """Keys that appear as `"key":` in the start of a JSON text; a cheap, streaming-safe detector."""
    return set(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:', head[:65536]))


def _bad_json(path: Path, e: Exception, line: int) -> IngestError:
    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    return IngestError(path, f"JSON 格式错误: {first}", line=line, expected="完整、合法的 JSON 导出文件")
