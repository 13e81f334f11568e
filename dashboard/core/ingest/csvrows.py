"""Reading export CSVs record by record, with the line each record starts on; or, for the WeChat
readers, the same records in blocks parsed by Polars (`iter_record_blocks`).

Ragged rows are returned for the parser to skip and count; a file cut off inside a record is
an error, because its last message is lost and the user should export again.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.textio import Sniffed, has_undecodable, open_text

csv.field_size_limit(sys.maxsize)


def read_header(path: Path, sniffed: Sniffed) -> list[str]:
    with open_text(path, sniffed, newline="") as fh:
        for row in csv.reader(fh):
            if row:
                return [c.strip().lstrip("\ufeff") for c in row]
    raise IngestError(path, "文件中没有内容")


def iter_records(path: Path, sniffed: Sniffed) -> Iterator[tuple[int, list[str], bool]]:
    """Yield (start line, fields, readable) for each data record after the header."""
    with open_text(path, sniffed, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        prev_end = 0
        header_seen = False
        while True:
            start = prev_end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    raise IngestError(
                        path, "文件在末尾被截断（引号内的内容没有结束）", line=start,
                        expected="完整导出的 CSV 文件，请重新导出",
                    ) from exc
                prev_end = reader.line_num
                yield start, [], False
                continue
            prev_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if not header_seen:
                header_seen = True
                continue
            yield start, row, not any(has_undecodable(f) for f in row)


def ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return False
        fh.seek(-1, 2)
        return fh.read(1) in (b"\n", b"\r")


# ---------------------------------------------------------------------------------------------
# blocks of records, parsed by Polars
#
# `iter_record_blocks` reads what `iter_records` reads (the same records, fields, start lines, skips
# and errors), a block of ~BLOCK_BYTES at a time, the next one on a worker thread. A block is parsed by
# Polars only when it is plain RFC 4180: valid UTF-8, and one regex (`_grammar`) matches all of it as
# records of exactly the expected field count, where a quote opens or closes a field or is doubled in
# one, with no bare CR and no NUL. There the csv module would read the same fields, and each record's
# line is 1 + the newlines inside the records before it. Polars' rows must then account for every byte
# of the block (`_accounted`), or the block is read again by the csv module. So is every other block
# (bad bytes, ragged rows, stray quotes, blank lines), exactly as iter_records reads it. Blocks end
# where a record ends (a newline after an even number of quotes); a block read by the csv module that
# ends inside a quoted field (a stray quote misled the cut) hands that record on to the next block.
# GB18030 and UTF-16 files are decoded by Python and re-encoded as UTF-8 for Polars.

BLOCK_BYTES = 2 << 20  # ~12k WeChat records: big enough to vectorise, small enough to keep memory flat
SPLIT_BYTES = 64 << 10  # a damaged block is halved down to this before the csv module reads it
POLARS_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException)


@dataclass
class RecordBlock:
    frame: pl.DataFrame  # the usable records: String columns f0 … f{n-1}, and `line` (where each starts)
    skipped: list[tuple[int, str, str]]  # records read but unusable: (line, reason, the fields joined by ",")
    n_read: int  # records read (as iter_records counts them: not blank lines, not the header)
    error: IngestError | None = None  # the file ends inside a quoted field: raise once this block is used

    def upto(self, line: int) -> RecordBlock:
        """The records up to the usable one that starts on `line`."""
        frame = self.frame.filter(pl.col("line") <= line)
        skipped = [s for s in self.skipped if s[0] < line]
        return RecordBlock(frame, skipped, frame.height + len(skipped))


def _grammar(n_fields: int) -> str:
    quoted = r'"(?:[^"\r\x00]|\r\n|"")*"'
    bare = r'[^",\r\n\x00]*'
    field = f"(?:{quoted}|{bare})"
    record = f"{field}(?:,{field}){{{n_fields - 1}}}"
    return rf"\A(?:{record}\r?\n)*(?:{record})?\z"


def _last_record_end(buf: bytes | str) -> int:
    """Just past the last newline of `buf` with an even number of quotes before it; 0 if none."""
    nl, q = (b"\n", b'"') if isinstance(buf, bytes) else ("\n", '"')
    total, pos, after = buf.count(q), len(buf), 0
    while (i := buf.rfind(nl, 0, pos)) >= 0:  # type: ignore[arg-type]
        after += buf.count(q, i, pos)  # type: ignore[arg-type]
        if (total - after) % 2 == 0:
            return i + 1
        pos = i
    return 0


class _BlockReader:
    def __init__(self, path: Path, sniffed: Sniffed, n_fields: int) -> None:
        self.path = path
        self.sniffed = sniffed
        self.n = n_fields
        self.binary = sniffed.encoding in ("utf-8", "utf-8-sig")  # else decoded by Python, re-encoded
        self.schema = {f"f{i}": pl.String() for i in range(n_fields)}
        self.grammar = _grammar(n_fields)
        self.header_pending = True
        self.line = 1  # the line the next block starts on

    def _pieces(self) -> Iterator[bytes | str]:
        if self.binary:
            with open(self.path, "rb") as fh:
                first = fh.read(BLOCK_BYTES)
                if self.sniffed.encoding == "utf-8-sig":
                    first = first.removeprefix(codecs.BOM_UTF8)
                yield first
                while piece := fh.read(BLOCK_BYTES):
                    yield piece
        else:
            with open_text(self.path, self.sniffed, newline="") as fh:
                while piece_t := fh.read(BLOCK_BYTES // 2):
                    yield piece_t

    def blocks(self) -> Iterator[RecordBlock]:
        carry: bytes | str = b"" if self.binary else ""
        pieces = self._pieces()
        piece = next(pieces, None)
        while piece is not None:
            ahead = next(pieces, None)
            data = carry + piece  # type: ignore[operator]
            final = ahead is None
            cut = len(data)
            if not final:
                cut = _last_record_end(data)
                if len(data) - cut > BLOCK_BYTES:  # a stray quote spoils the count: let the csv module decide
                    cut = data.rfind(b"\n" if self.binary else "\n") + 1  # type: ignore[arg-type]
            data, carry = data[:cut], data[cut:]
            if data:
                block, rest = self._block(data, final)
                yield block
                carry = rest + carry  # type: ignore[operator]
            piece = ahead

    def _block(self, data: bytes | str, final: bool) -> tuple[RecordBlock, bytes | str]:
        """The block's records; and the start of a record it leaves open (csv module only), for the next.
        A block Polars may not read is halved (at a record end) until the csv module reads only the
        pieces around the damage."""
        raw = data
        if isinstance(raw, str):
            try:
                raw = raw.encode("utf-8")
            except UnicodeEncodeError:  # undecodable bytes, kept as lone surrogates
                raw = b""
        fast = self._polars(raw) if raw else None
        if fast is not None:
            return fast, data[:0]
        if len(data) > SPLIT_BYTES and (cut := _last_record_end(data[: len(data) // 2])):
            first, rest = self._block(data[:cut], False)
            if len(rest) < cut:  # else no record ended in the first half: read it all at once
                second, rest = self._block(rest + data[cut:], final)  # type: ignore[operator]
                frame = pl.concat([first.frame, second.frame])
                return RecordBlock(frame, first.skipped + second.skipped, first.n_read + second.n_read,
                                   second.error), rest
        text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
        block, rest = self._python(text, final)
        return block, rest.encode("utf-8", "surrogateescape") if isinstance(data, bytes) else rest

    def _polars(self, data: bytes) -> RecordBlock | None:
        lines = 0
        if self.header_pending:  # a plain first line: the header
            end = data.find(b"\n")
            head = data[:end]
            if end < 0 or b'"' in head or b"\x00" in head or b"\r" in head[:-1] or b"," not in head:
                return None
            data, lines = data[end + 1:], 1
        frame = pl.DataFrame(schema={**self.schema, "line": pl.Int64()})
        if data:
            try:
                text = pl.Series([data], dtype=pl.Binary).cast(pl.String)
                if not text.str.contains(self.grammar).item():
                    return None
                frame = pl.read_csv(data, has_header=False, schema=self.schema, empty_string_is_null=False)
            except POLARS_ERRORS:
                return None
            stats = frame.select(*(pl.sum_horizontal(pl.col(c).str.count_matches(ch, literal=True) for c in self.schema)
                                   .alias(name) for name, ch in (("nl", "\n"), ("quote", '"'), ("cr", "\r"))),
                                 pl.sum_horizontal(pl.col(c).str.len_bytes() for c in self.schema).alias("len"))
            if not self._accounted(data, frame.height, stats.sum().row(0)):
                return None
            frame = frame.with_columns((stats.get_column("nl") + 1).cast(pl.Int64).alias("line"))
            start = self.line + lines
            frame = frame.with_columns(pl.col("line").cum_sum() - pl.col("line") + start)
            lines += data.count(b"\n")
        self.header_pending = False
        self.line += lines
        return RecordBlock(frame, [], frame.height)

    def _accounted(self, data: bytes, rows: int, fields: tuple[int, int, int, int]) -> bool:
        """Whether Polars' rows account for every byte of a block that passed the grammar: the field
        contents, one quote per doubled quote and two per quoted field, the delimiters and the record
        ends (and no more rows than newlines outside quotes)."""
        nl, quotes, cr, length = fields
        ends = data.count(b"\n") - nl
        if rows != ends + (not data.endswith(b"\n")):
            return False
        return len(data) == length + data.count(b'"') - quotes + rows * (self.n - 1) + ends + data.count(b"\r") - cr

    def _python(self, text: str, final: bool) -> tuple[RecordBlock, str]:
        """The block read as iter_records reads it; and the record left open at its end, if any."""
        lines = io.StringIO(text, newline="").readlines()
        reader = csv.reader(lines, strict=True)
        prev_end = 0
        good: list[list[str]] = []
        at: list[int] = []
        skipped: list[tuple[int, str, str]] = []
        n_read = 0
        rest = ""
        error = None
        while True:
            start = prev_end + 1
            line = self.line + start - 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    if final:
                        error = IngestError(self.path, "文件在末尾被截断（引号内的内容没有结束）", line=line,
                                            expected="完整导出的 CSV 文件，请重新导出")
                        error.__cause__ = exc
                        break
                    rest = "".join(lines[start - 1:])
                    prev_end = start - 1
                    break
                prev_end = reader.line_num
                n_read += 1
                skipped.append((line, "包含无法解码的字节", ""))
                continue
            prev_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if self.header_pending:
                self.header_pending = False
                continue
            n_read += 1
            if any(has_undecodable(f) for f in row):
                skipped.append((line, "包含无法解码的字节", ",".join(row)))
            elif len(row) != self.n:
                skipped.append((line, f"字段数为 {len(row)}，应为 {self.n}", ",".join(row)))
            else:
                good.append(row)
                at.append(line)
        self.line += prev_end if rest else len(lines)
        columns = list(zip(*good, strict=True)) if good else [() for _ in range(self.n)]
        frame = pl.DataFrame({**{f"f{i}": list(col) for i, col in enumerate(columns)}, "line": at},
                             schema={**self.schema, "line": pl.Int64()})
        return RecordBlock(frame, skipped, n_read, error), rest


def iter_record_blocks(path: Path, sniffed: Sniffed, n_fields: int) -> Iterator[RecordBlock]:
    """The data records of a CSV (after its header), as iter_records reads them, in blocks: the usable
    ones (exactly `n_fields` fields, no undecodable bytes) as a frame, the others as skips. The next
    block is read on a worker thread while the caller works on this one (Polars parses without the GIL)."""
    blocks = _BlockReader(path, sniffed, n_fields).blocks()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-blocks") as pool:
            ahead = pool.submit(next, blocks, None)
            while (block := ahead.result()) is not None:
                ahead = pool.submit(next, blocks, None)
                yield block
    finally:
        blocks.close()
