"""Reading export CSVs record by record, with the line each record starts on.

Ragged rows are returned for the parser to skip and count; a file cut off inside a record is
an error, because its last message is lost and the user should export again.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

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
