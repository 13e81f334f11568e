"""The vectorised WeChat CSV parse gives what reading one record at a time gives: the block reader
against `iter_records`, the column decoders against `decode_pc` / `decode_typename`, the vectorised
times against `timeparse`, and whole parses at any block size."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import FIXTURE_FILES

from dashboard.core.ingest import csvrows, detect, wechat_content, wechat_csv, wechat_kinds
from dashboard.core.ingest.csvrows import iter_record_blocks, iter_records
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.textio import sniff
from dashboard.core.ingest.timeparse import epoch_unit, from_epoch, parse_local

HEADER = "a,b,c\r\n"
RECORDS = [
    "1,plain,x\r\n",
    '2,"quoted\r\nnewline",y\n',
    '3,"doubled ""quotes"", and comma",z\r\n',
    "\r\n",  # a blank line
    "   \n",  # only spaces: skipped without a count
    "4,too,many,fields\n",
    "5,too few\n",
    '6,ab"c,stray quote in a bare field\n',
    '7,"closed"then text,x\n',
    "8,lone\rcarriage,return\n",
    '9,"multi\nline\nfield",end\n',
    "10,,\n",
    '11,"",""\n',
]


def _expected(path: Path, n: int) -> tuple:
    s = sniff(path)
    good, skipped, n_read, error = [], [], 0, None
    try:
        for line, row, readable in iter_records(path, s):
            n_read += 1
            if not readable:
                skipped.append((line, "包含无法解码的字节", ",".join(row)))
            elif len(row) != n:
                skipped.append((line, f"字段数为 {len(row)}，应为 {n}", ",".join(row)))
            else:
                good.append((line, *row))
    except IngestError as e:
        error = str(e)
    return good, skipped, n_read, error


def _blocks(path: Path, n: int) -> tuple:
    good, skipped, n_read, error = [], [], 0, None
    for b in iter_record_blocks(path, sniff(path), n):
        good += b.frame.select("line", *[f"f{i}" for i in range(n)]).rows()
        skipped += b.skipped
        n_read += b.n_read
        if b.error is not None:
            error = str(b.error)
    return good, skipped, n_read, error


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
@pytest.mark.parametrize(("block", "split"), [(7, 4), (64, 16), (1 << 20, 40), (1 << 20, 1 << 16)])
def test_block_reader_reads_what_iter_records_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     encoding: str, block: int, split: int) -> None:
    monkeypatch.setattr(csvrows, "BLOCK_BYTES", block)
    monkeypatch.setattr(csvrows, "SPLIT_BYTES", split)  # damaged blocks are halved down to this
    text = HEADER + "".join(RECORDS * 3) + '12,"no end\nof quote'
    path = tmp_path / "t.csv"
    path.write_bytes(text.replace("\u3000", " ").encode(encoding))
    assert _blocks(path, 3) == _expected(path, 3)
    clean = tmp_path / "clean.csv"
    clean.write_bytes((HEADER + "".join(RECORDS[:3]) * 50).encode(encoding))
    by_csv_module = []
    python = csvrows._BlockReader._python
    monkeypatch.setattr(csvrows._BlockReader, "_python", lambda self, *a: by_csv_module.append(1) or python(self, *a))
    got = _blocks(clean, 3)
    assert got == _expected(clean, 3) and len(got[0]) == 150
    if block > 64:
        assert not by_csv_module  # plain CSV: Polars reads it all


@pytest.mark.parametrize("block", [5, 40, 1 << 20])
def test_block_reader_skips_undecodable_bytes_with_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                block: int) -> None:
    monkeypatch.setattr(csvrows, "BLOCK_BYTES", block)
    monkeypatch.setattr(csvrows, "SPLIT_BYTES", 8)
    path = tmp_path / "bad.csv"
    path.write_bytes(b'a,b\n1,"ok\nstill ok"\n2,bad \xff byte\n3,"\xe4\xb8\nsplit"\n4,fine\n')
    got = _blocks(path, 2)
    assert got == _expected(path, 2)
    assert [s[0] for s in got[1]] == [4, 5]


@pytest.mark.parametrize(("block", "split"), [(1 << 20, 64), (500, 16)])
def test_a_quote_left_open_is_read_as_the_csv_module_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               block: int, split: int) -> None:
    monkeypatch.setattr(csvrows, "BLOCK_BYTES", block)
    monkeypatch.setattr(csvrows, "SPLIT_BYTES", split)
    body = "".join(f"{i},x,y\n" for i in range(300))
    path = tmp_path / "open.csv"
    path.write_text("a,b,c\n" + '1,"open quote\n' + body + '2,"closed",z\n' + body, encoding="utf-8")
    assert _blocks(path, 3) == _expected(path, 3)


def _decode_pc_frame(rows: list[tuple[int, int, str]]) -> pl.DataFrame:
    codes = [wechat_csv._codes(t, s) for t, s, _ in rows]
    frame = pl.DataFrame({"line": list(range(len(rows))), "content": [c for _, _, c in rows],
                          **{k: [c[i] for c in codes] for i, k in enumerate(wechat_csv.CODES)}},
                         schema_overrides=wechat_csv.CODES)
    return wechat_kinds.pc_texts(frame.filter(~pl.col("_dropped")), "content", wechat_kinds.RowRules())


CONTENTS = ["你好", "多行\r\n内容", "", "<b>尖括号", "#接龙\n1. 甲", " \u3000#Group Note", "wxid_a:\n前缀",
            "<msg><appmsg><title>标题</title><type>5</type></appmsg></msg>",
            '<msg><location poiname="商场"/></msg>', '"甲" 撤回了一条消息', "【图片】", "【分享链接】\n标题：课\n描述",
            "【红包】: 恭喜", " 红包 ", "图片", "语音时长：1秒\n翻译结果： 转写 ", "引用前\n引用：甲: 原文",
            "r\n\n[引用](2024-08-01 10:02:00)甲:q", "r\n\n[引用](２０２４-08-01 10:02:00)甲:q", "【】", "\x1c空白\x1c",
            "<revokemsg>你撤回了一条消息</revokemsg>"]
PC_CODES = [(1, 0), (3, 0), (34, 0), (47, 0), (48, 0), (49, 0), (49, 5), (49, 57), (49, 2001), (50, 0), (51, 0),
            (10000, 0), (10000, 4), (10002, 0), (9999, 0), (37, 0)]


def test_strip_removes_what_python_strips() -> None:
    assert set(wechat_kinds.PY_SPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}


def test_pc_texts_decode_as_decode_pc() -> None:
    rows = [(t, s, c) for t, s in PC_CODES for c in CONTENTS]
    got = _decode_pc_frame(rows).select("line", *wechat_kinds.DECODED).rows()
    want = [(i, *d.row()) for i, (t, s, c) in enumerate(rows) if (d := wechat_kinds.decode_pc(t, s, c)) is not None]
    assert got == want


def test_typename_texts_decode_as_decode_typename() -> None:
    names = [*wechat_content.TYPE_NAME_KIND, "消息撤回1", "不认识的类型"]
    rows = [(n, c) for n in names for c in CONTENTS]
    frame = pl.DataFrame({"line": list(range(len(rows))), "content": [c for _, c in rows],
                          "_kind0": [wechat_content.kind_from_type_name(n) for n, _ in rows]})
    got = wechat_kinds.typename_texts(frame, "content", wechat_kinds.RowRules()).select(*wechat_kinds.DECODED).rows()
    assert got == [wechat_kinds.decode_typename(wechat_content.kind_from_type_name(n), c).row() for n, c in rows]


LOCAL = ["2024-05-01 10:00:00", "2024-05-01 10:00", "2024/5/1 9:05", "2024-05-01T10:00:00.123", "2024-02-29 23:59:59",
         "2024-03-10 02:30:00", "2024-11-03 01:30:00", "2024-03-31 01:30:00", "2024-10-27 01:30:00",
         "1988-04-17 02:30:00", "1988-09-11 01:30:00", "1900-01-01 00:00:00", "1800-06-01 12:00:00",
         "9999-12-31 23:59:59", "2024-05-01 1:02 PM", " 2024-05-01 10:00:00"]


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"])
def test_local_times_read_as_parse_local(tz: str) -> None:
    got = wechat_csv._local_instants(pl.Series(LOCAL), tz).to_list()
    for value, ts in zip(LOCAL, got, strict=True):
        if ts is not None:  # null: left to parse_local itself
            assert ts == parse_local(value, tz), value
    assert sum(ts is not None for ts in got) >= 10


def test_epochs_read_as_from_epoch() -> None:
    values = ["0", "1714528800", "99999999999", "100000000000", "100000000001", "1714528800123", "3999999999999",
              "0001714528800", "-5", " 1", "1e9", "１２３"]
    for unit in (None, "s", "ms"):
        got = pl.select(wechat_csv._epoch(pl.Series(values), unit)).to_series().to_list()
        for value, ts in zip(values, got, strict=True):
            if ts is not None:
                assert ts == from_epoch(value, unit or epoch_unit(float(value))), (value, unit)
        assert got[1] is not None and got[-1] is None


def _parse(path: Path, opts: Options) -> tuple:
    probe = detect.probe(path)
    parsed = detect.detect(probe).parse(probe, opts)
    frame = pl.concat(list(parsed.batches))
    s = parsed.state
    return frame, (s.n_read, s.n_skipped, [(k.line, k.reason, k.sample) for k in s.skipped],
                   [(c.key, c.name, c.kind) for c in s.chats.values()], s.exporter_key, s.exporter_name)


@pytest.mark.slow
@pytest.mark.parametrize("key", [k for k in FIXTURE_FILES if k != "memotrace_txt"])
def test_wechat_fixtures_parse_alike_at_any_block_size(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opts = Options(tz="Asia/Shanghai")
    frame, state = _parse(FIXTURE_FILES[key], opts)
    monkeypatch.setattr(csvrows, "BLOCK_BYTES", 97)
    small_frame, small_state = _parse(FIXTURE_FILES[key], opts)
    assert small_state == state
    assert small_frame.equals(frame)


def test_a_date_no_calendar_has_is_skipped_not_fatal(tmp_path: Path) -> None:
    # 2024-02-30 is written like a time but is none: the row is skipped with its line, the rest read
    folder = tmp_path / "g@chatroom"
    folder.mkdir()
    path = folder / "x.csv"
    path.write_text(",".join(wechat_csv.PYWXDUMP_HEADER) + "\n"
                    "1,1,文本,0,wxid_a,g@chatroom,hi,,2024-08-01 10:00:00\n"
                    "2,2,文本,0,wxid_b,h@chatroom,bad,,2024-02-30 10:00:00\n", encoding="utf-8")
    probe = detect.probe(path)
    parsed = detect.detect(probe).parse(probe, Options(tz="Asia/Shanghai"))
    assert pl.concat(list(parsed.batches)).get_column("text").to_list() == ["hi"]
    assert (parsed.state.n_read, parsed.state.n_skipped) == (2, 1)
    assert [(s.line, s.reason) for s in parsed.state.skipped] == [(3, "时间无法识别")]
    # a quote whose quoted time is impossible keeps the quote, without the quoted time
    path.write_text(",".join(wechat_csv.PYWXDUMP_HEADER) + "\n"
                    "1,1,文本,0,wxid_a,g@chatroom,hi,,2024-08-01 10:00:00\n"
                    '2,2,引用回复,1,wxid_me,h@chatroom,"re\n\n[引用](2024-02-30 10:02:00)甲:hi",,2024-08-01 10:01:00\n',
                    encoding="utf-8")
    probe = detect.probe(path)
    parsed = detect.detect(probe).parse(probe, Options(tz="Asia/Shanghai"))
    rows_ = pl.concat(list(parsed.batches)).select("line", "kind", "text", "quote_name", "quote_text", "quote_ts")
    assert rows_.rows() == [(2, "text", "hi", None, None, None), (3, "quote", "re", "甲", "hi", None)]
    assert parsed.state.n_skipped == 0 and parsed.state.exporter_key == "wxid_me"
