"""A query result written as CSV, Excel or Parquet, batch by batch, so a download of millions of
rows never holds them all as one frame."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True)
class Written:
    rows: int
    truncated: bool  # only Excel: the result had more rows than a worksheet holds


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns as text, for formats with cells of one value: lists joined with |, structs
    as JSON."""
    out = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            out.append(pl.col(name).cast(pl.List(pl.String)).list.join("|"))
        elif isinstance(dtype, pl.Struct):
            out.append(pl.col(name).struct.json_encode())
        elif isinstance(dtype, pl.Object):
            out.append(pl.col(name).map_elements(str, return_dtype=pl.String))
    return frame.with_columns(out) if out else frame


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese right."""
    return flat(frame).write_csv().encode("utf-8-sig")


def write(batches: Iterable[pa.RecordBatch], schema: pa.Schema, fmt: str, sink: BinaryIO, tz: str) -> Written:
    """Write every batch to `sink` in format `fmt` (a key of FORMATS); times in zone `tz`."""
    if fmt == "csv":
        return _csv(batches, sink)
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


def _csv(batches: Iterable[pa.RecordBatch], sink: BinaryIO) -> Written:
    sink.write("\ufeff".encode())
    n = 0
    for batch in batches:
        sink.write(flat(to_frame(batch)).write_csv(include_header=n == 0).encode())
        n += batch.num_rows
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
