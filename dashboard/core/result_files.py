"""A query result written as CSV, Excel, Parquet or JSON, batch by batch, so a download of
millions of rows never holds them all as one frame. Every file a result becomes is written here: the
SQL page's downloads, the pages' chart data, `qunxi query`.

CSV cells are what a spreadsheet opens, and a spreadsheet runs a cell that starts with = + - @, a
tab or a carriage return as a formula (`=HYPERLINK(…)`, `=cmd|…`): such text cells, and such column
names, get a leading ' (OWASP's advice for CSV injection). Numbers, and text that is just a number
(-5), are left as they are."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

FORMATS = {  # key → (file suffix, MIME type)
    "csv": (".csv", "text/csv"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": (".parquet", "application/vnd.apache.parquet"),
}
EXCEL_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
BOM = "\ufeff".encode()
FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass(frozen=True)
class Written:
    rows: int
    truncated: bool  # only Excel: the result had more rows than a worksheet holds


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells of one value each, for CSV and Excel: lists, arrays, maps and structs as JSON text,
    bytes as DuckDB prints them (\\xNN for what is not printable)."""
    out = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array | pl.Struct | pl.Map):
            # json_encode is a struct's: wrap the value as {"v": …} and keep the … part
            encoded = pl.struct(pl.col(name).alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")
            out.append(pl.when(pl.col(name).is_null()).then(None).otherwise(encoded).alias(name))
        elif dtype == pl.Binary:
            out.append(pl.col(name).map_elements(_blob_text, return_dtype=pl.String))
        elif isinstance(dtype, pl.Object):
            out.append(pl.col(name).map_elements(str, return_dtype=pl.String))
    return frame.with_columns(out) if out else frame


def _blob_text(value: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in value)


def safe_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula, with a leading ' (see the module's note)."""
    out = []
    for name, dtype in frame.schema.items():
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            text = pl.col(name).cast(pl.String)
            risky = text.str.contains(FORMULA_START) & ~text.str.contains(PLAIN_NUMBER)
            out.append(pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(name))
    return frame.with_columns(out) if out else frame


def safe_name(name: str) -> str:
    """A column name as a CSV header cell, by the same rule as the cells."""
    return "'" + name if re.match(FORMULA_START, name) and not re.match(PLAIN_NUMBER, name) else name


def _csv_text(frame: pl.DataFrame, header: bool) -> str:
    body = safe_cells(flat(frame)).write_csv(include_header=False)
    if not header:
        return body
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([safe_name(c) for c in frame.columns])
    return line.getvalue() + body


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese right."""
    return BOM + _csv_text(frame, header=True).encode("utf-8")


def write(batches: Iterable[pa.RecordBatch], schema: pa.Schema, fmt: str, sink: BinaryIO, tz: str,
          bom: bool = True) -> Written:
    """Write every batch to `sink` in format `fmt` (a key of FORMATS); times in zone `tz`. A CSV
    starts with a byte-order mark unless `bom` is false (for a pipe rather than a file)."""
    if fmt == "csv":
        return _csv(batches, schema, sink, bom)
    if fmt == "parquet":
        return _parquet(batches, schema, sink)
    if fmt == "xlsx":
        return _excel(batches, schema, sink, tz)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def to_frame(data: pa.Table | pa.RecordBatch) -> pl.DataFrame:
    """Arrow data as a Polars frame. A column of a type Polars cannot hold (an interval, a union)
    becomes text, as DuckDB would print it, rather than failing the whole result."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
    try:
        return pl.from_arrow(table)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError, TypeError, ValueError):
        pass
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        try:
            cols[name] = pl.from_arrow(col)
        except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError, TypeError, ValueError):
            cols[name] = pl.Series(name, [_text(v) for v in col.to_pylist()], dtype=pl.String)
    return pl.DataFrame(cols)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, pa.MonthDayNano):
        months, days, ns = value.months, value.days, value.nanoseconds
        seconds, frac = divmod(ns, 1_000_000_000)
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" + (
            f".{frac // 1000:06d}" if frac else "")
        parts = [f"{months // 12} year{'s' * (months // 12 != 1)}"] if months // 12 else []
        parts += [f"{months % 12} month{'s' * (months % 12 != 1)}"] if months % 12 else []
        parts += [f"{days} day{'s' * (days != 1)}"] if days else []
        return " ".join([*parts, clock] if ns or not parts else parts)
    return str(value)


def _csv(batches: Iterable[pa.RecordBatch], schema: pa.Schema, sink: BinaryIO, bom: bool) -> Written:
    if bom:
        sink.write(BOM)
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([safe_name(c) for c in schema.names])
    sink.write(line.getvalue().encode("utf-8"))  # the header even when there are no rows
    n = 0
    for batch in batches:
        sink.write(_csv_text(to_frame(batch), header=False).encode("utf-8"))
        n += batch.num_rows
    return Written(n, False)


def write_json(batches: Iterable[pa.RecordBatch], sink: BinaryIO) -> Written:
    """The rows as one JSON array of objects, written a batch at a time; values JSON has no type
    for (dates, decimals, intervals) as text."""
    n = 0
    sink.write(b"[")
    for batch in batches:
        for row in to_frame(batch).iter_rows(named=True):
            sink.write(("\n " if n == 0 else ",\n ").encode())
            sink.write(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8"))
            n += 1
    sink.write(b"\n]\n" if n else b"]\n")
    return Written(n, False)


def _parquet(batches: Iterable[pa.RecordBatch], schema: pa.Schema, sink: BinaryIO) -> Written:
    # Parquet has no interval or union type: those columns go as text
    as_text = {f.name for f in schema if pa.types.is_interval(f.type) or pa.types.is_union(f.type)}
    target = pa.schema([pa.field(f.name, pa.string()) if f.name in as_text else f for f in schema])
    n = 0
    with pq.ParquetWriter(sink, target) as writer:
        for batch in batches:
            if as_text:
                batch = pa.record_batch(
                    [pa.array([_text(v) for v in col.to_pylist()], pa.string()) if name in as_text else col
                     for name, col in zip(batch.schema.names, batch.columns, strict=True)], schema=target)
            writer.write_batch(batch)
            n += batch.num_rows
    return Written(n, False)


def _excel_ready(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Cells Excel can hold: instants as local wall-clock times (Excel has no zones), decimals as
    floats, nested values as text."""
    cols = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            cols.append(pl.col(name).dt.convert_time_zone(tz).dt.replace_time_zone(None))
        elif isinstance(dtype, pl.Decimal):
            cols.append(pl.col(name).cast(pl.Float64))
    return flat(frame.with_columns(cols) if cols else frame)


def _excel(batches: Iterable[pa.RecordBatch], schema: pa.Schema, sink: BinaryIO, tz: str) -> Written:
    # constant_memory writes each row out as it goes; the workbook never holds the sheet
    book = xlsxwriter.Workbook(sink, {"constant_memory": True, "in_memory": False,
                                      "default_date_format": "yyyy-mm-dd hh:mm:ss",
                                      "strings_to_numbers": False, "strings_to_urls": False,
                                      "strings_to_formulas": False, "nan_inf_to_errors": True})
    sheet = book.add_worksheet("result")
    sheet.write_row(0, 0, schema.names)
    n = 0
    truncated = False
    for batch in batches:
        frame = _excel_ready(to_frame(batch), tz)
        for row in frame.iter_rows():
            if n == EXCEL_MAX_ROWS:
                truncated = True
                break
            n += 1
            sheet.write_row(n, 0, [_cell(v) for v in row])
        if truncated:
            break
    book.close()
    return Written(n, truncated)


def _cell(value: object) -> object:
    if value is None or isinstance(value, int | float | str | bool | dt.date | dt.time | dt.timedelta):
        return value
    return str(value)
