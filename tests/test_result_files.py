"""Query results written as CSV, Excel and Parquet batch by batch: every row, every type a DuckDB
result can carry, and the files read back by other readers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from dashboard.core import result_files, sandbox

TZ = "Asia/Shanghai"
ODD_TYPES = ("select 1 as n, [1, 2] as l, {'a': 1, 'b': 'x'} as s, interval '1 month 2 days 3 minutes' as i, "
             "union_value(k := 'u') as u, 1.50::decimal(10, 2) as d, "
             "timestamptz '2024-03-01 12:30:00+08' as ts, date '2024-03-01' as day, null as nothing, '中文' as zh")


def _reader(sql: str, batch: int = 1000) -> pa.RecordBatchReader:
    con = duckdb.connect()
    con.execute(f"set TimeZone = '{TZ}'")
    return con.sql(sql).to_arrow_reader(batch)


def _write(sql: str, fmt: str, batch: int = 1000) -> tuple[bytes, result_files.Written]:
    reader = _reader(sql, batch)
    out = io.BytesIO()
    written = result_files.write(reader, reader.schema, fmt, out, TZ)
    return out.getvalue(), written


def _sheet(data: bytes) -> list[list[str]]:
    """The first worksheet's cells as text, read from the XML inside the .xlsx."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                      for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells: list[str | None] = []
        for c in row.findall("m:c", ns):
            column = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(c.get("r").rstrip("0123456789"))))
            cells += [None] * (column - 1 - len(cells))  # a blank cell is not written at all
            kind = c.get("t")
            if kind == "s":
                cells.append(shared[int(c.find("m:v", ns).text)])
            elif kind == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t")))
            else:
                v = c.find("m:v", ns)
                cells.append(None if v is None else v.text)
        rows.append(cells)
    return rows


@pytest.mark.slow
def test_csv_has_every_row_across_batches_with_a_bom() -> None:
    data, written = _write("select range as n, 'r' || range as label from range(25003)", "csv", batch=1000)
    assert written == result_files.Written(25003, False)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["n", "label"] and len(rows) == 25004
    assert rows[1:] == [[str(i), f"r{i}"] for i in range(25003)]


def test_every_type_reaches_each_format() -> None:
    data, written = _write(ODD_TYPES, "csv")
    row = next(iter(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))))
    assert written.rows == 1
    assert row["l"] == "[1,2]" and row["s"] == '{"a":1,"b":"x"}' and row["i"] == "1 month 2 days 00:03:00"
    assert row["u"] == "u" and row["d"] == "1.50" and row["ts"].startswith("2024-03-01T12:30:00") and row["zh"] == "中文"
    assert row["nothing"] == ""

    data, written = _write(ODD_TYPES, "parquet")
    back = pl.read_parquet(io.BytesIO(data))
    assert written.rows == 1 and back["l"].to_list() == [[1, 2]] and back["s"].to_list() == [{"a": 1, "b": "x"}]
    assert back["i"].to_list() == ["1 month 2 days 00:03:00"] and back["u"].to_list() == ["u"]
    assert back["zh"].to_list() == ["中文"]

    data, written = _write(ODD_TYPES, "xlsx")
    header, first = _sheet(data)
    cells = dict(zip(header, first, strict=False))
    assert written.rows == 1 and cells["l"] == "[1,2]" and cells["zh"] == "中文" and cells["i"] == "1 month 2 days 00:03:00"
    # Excel has no zones: the instant is written as the local wall-clock time (a serial day number)
    serial = float(cells["ts"])
    assert serial == pytest.approx(45352 + 12.5 / 24, abs=1e-6)  # 2024-03-01 12:30 in Shanghai
    assert float(cells["d"]) == 1.5


def test_excel_stops_at_a_sheets_last_row_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(result_files, "EXCEL_MAX_ROWS", 2500)
    data, written = _write("select range as n from range(4000)", "xlsx", batch=1000)
    assert written == result_files.Written(2500, True)
    rows = _sheet(data)
    assert len(rows) == 2501 and rows[-1] == ["2499"]
    _, whole = _write("select range as n from range(2500)", "xlsx")
    assert whole == result_files.Written(2500, False)


def test_unknown_format_is_refused() -> None:
    reader = _reader("select 1")
    with pytest.raises(ValueError, match="csv, xlsx, parquet"):
        result_files.write(reader, reader.schema, "json", io.BytesIO(), TZ)


def test_a_sandboxed_stream_writes_the_whole_result(fixture_db: Path) -> None:
    """What the page's download does for a result larger than it shows."""
    sql = "select m.msg_id, m.ts, m.text from messages m, range(3) order by all"
    expected = duckdb.connect(str(fixture_db), read_only=True).execute(
        "select count(*) * 3 from messages").fetchall()[0][0]
    shown = sandbox.run(fixture_db, sql, max_rows=10)
    assert shown.truncated and shown.frame.height == 10
    out = io.BytesIO()
    with sandbox.stream(fixture_db, sql) as reader:
        written = result_files.write(reader, reader.schema, "parquet", out, TZ)
    back = pl.read_parquet(io.BytesIO(out.getvalue()))
    assert written.rows == expected == back.height
    assert back.head(10).equals(shown.frame)


def test_odd_types_reach_the_page_as_text() -> None:
    frame = result_files.to_frame(_reader(ODD_TYPES).read_all())
    assert frame["i"].to_list() == ["1 month 2 days 00:03:00"] and frame["u"].to_list() == ["u"]
    assert frame["l"].to_list() == [[1, 2]]


HOSTILE = ("select * from (values "
           "('=1+1', -5, '-5', 1.5), ('+cmd|'' /C calc''!A0', 0, '+3.5', -2.0), ('-2+3', 1, '@SUM(A1)', 0.0), "
           "('@x', 2, chr(9) || 'tab', 0.0), (chr(13) || 'cr', 3, 'a=b', 0.0), (null, 4, '', 0.0)"
           ") as t(\"=text\", n, other, x)")
NEUTRALISED = [["'=text", "n", "other", "x"],
               ["'=1+1", "-5", "-5", "1.5"],
               ["'+cmd|' /C calc'!A0", "0", "+3.5", "-2.0"],
               ["'-2+3", "1", "'@SUM(A1)", "0.0"],
               ["'@x", "2", "'\ttab", "0.0"],
               ["'\rcr", "3", "a=b", "0.0"],
               ["", "4", "", "0.0"]]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    """OWASP's CSV-injection advice: a text cell (or a column name) starting with = + - @, a tab or
    a carriage return gets a leading '; numbers, and text that is just a number, stay as they are."""
    data, written = _write(HOSTILE, "csv")
    assert written.rows == 6
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == NEUTRALISED
    # the pages' chart-data downloads go through the same rule
    frame = result_files.to_frame(_reader(HOSTILE).read_all())
    assert list(csv.reader(io.StringIO(result_files.csv_bytes(frame).decode("utf-8-sig"), newline=""))) == NEUTRALISED
    cats = pl.DataFrame({"c": ["=a", "b"]}, schema={"c": pl.Categorical})
    assert result_files.csv_bytes(cats).decode("utf-8-sig") == "c\n'=a\nb\n"
    # Excel is told never to read a string as a formula: the text stays text there, unchanged
    data, _ = _write(HOSTILE, "xlsx")
    assert _sheet(data)[1][0] == "=1+1" and b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml")


def test_nested_binary_and_map_cells_become_text_in_csv() -> None:
    """polars cannot write these to CSV at all: each becomes one text cell (JSON for nested values)."""
    sql = ("select [1, 2] as l, ['=x', 'a|b'] as ls, {'a': [1, 2]} as s, map {'k': 1} as m, "
           "'ab\\xAA'::blob as b, array_value(1, 2) as arr, null::int[] as nl")
    data, written = _write(sql, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert written.rows == 1
    assert rows == [["l", "ls", "s", "m", "b", "arr", "nl"],
                    ["[1,2]", '["=x","a|b"]', '{"a":[1,2]}', '{"k":1}', "ab\\xAA", "[1,2]", ""]]


def test_an_empty_csv_still_has_its_header_and_json_streams() -> None:
    data, written = _write("select 1 as a, 'x' as b where false", "csv")
    assert written.rows == 0 and data.decode("utf-8-sig") == "a,b\n"
    reader = _reader("select range as n, date '2024-03-01' + range::int as day, [range] as l from range(3)", batch=2)
    out = io.BytesIO()
    assert result_files.write_json(reader, out).rows == 3
    assert json.loads(out.getvalue()) == [{"n": i, "day": f"2024-03-0{i + 1}", "l": [i]} for i in range(3)]
    empty = io.BytesIO()
    result_files.write_json(_reader("select 1 as a where false"), empty)
    assert json.loads(empty.getvalue()) == []
    no_bom = io.BytesIO()
    reader = _reader("select 1 as a")
    result_files.write(reader, reader.schema, "csv", no_bom, TZ, bom=False)
    assert no_bom.getvalue() == b"a\n1\n"
