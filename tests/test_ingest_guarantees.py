"""Idempotency, overlapping exports, and bad input that leaves the database exactly as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_FILES, db_digest, rows

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

TABLES = ["chats", "members", "member_names", "messages", "membership_events", "red_packets", "red_packet_claims",
          "solitaires", "solitaire_entries", "terms", "imports", "daily_chat_activity", "daily_member_activity"]



def _counts(db: Path) -> dict[str, int]:
    return {t: rows(db, f"select count(*) from {t}")[0][0] for t in TABLES}


@pytest.mark.slow
def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    first = ingest_file(FIXTURE_FILES["pywxdump"], db)
    before = _counts(db)
    second = ingest_file(FIXTURE_FILES["pywxdump"], db)
    assert (first.status, second.status) == ("imported", "already imported")
    assert _counts(db) == before


@pytest.mark.slow
def test_overlapping_export_adds_only_new_messages(tmp_path: Path) -> None:
    src = FIXTURE_FILES["pywxdump"]
    # records are multi-line; cut by record id instead of by line
    text = src.read_text(encoding="utf-8")
    header = text.split("\n", 1)[0]
    cut = text.index("\n6,")
    part1 = tmp_path / "a" / "777888@chatroom_1_5.csv"
    part2 = tmp_path / "b" / "777888@chatroom_4_9.csv"
    part1.parent.mkdir()
    part2.parent.mkdir()
    part1.write_text(text[: cut + 1], encoding="utf-8")
    overlap_from = text.index("\n4,")
    part2.write_text(header + text[overlap_from:], encoding="utf-8")
    for p in (part1, part2):
        shutil.copy(src.parent / "users.json", p.parent / "users.json")
    db = tmp_path / "o.duckdb"
    r1 = ingest_file(part1, db)
    r2 = ingest_file(part2, db)
    assert (r1.n_new, r2.n_new, r2.n_duplicate) == (5, 4, 2)
    assert rows(db, "select count(*), count(distinct msg_id) from messages") == [(9, 9)]
    assert rows(db, "select count(*) from membership_events") == [(3,)]
    assert rows(db, "select sum(messages) from daily_chat_activity") == [(9,)]
    assert rows(db, "select n_new, n_duplicate from imports order by import_id") == [(5, 0), (4, 2)]


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    good = FIXTURE_FILES["memotrace1"].read_bytes()
    cases = {
        "empty": (b"", "空"),
        "binary": (bytes(range(256)) * 40, "二进制"),
        "truncated": (good[: good.index(b"<refermsg>") + 40], "截断"),
        "other_program": ("日期,金额,备注\n2024-01-01,12.5,奶粉\n".encode(), "无法识别"),
        "gbk_bytes": (good[:3000] + "店长说：今天有货吗？\r\n".encode("gbk") * 200, "编码"),
        "header_only": (good.split(b"\r\n", 1)[0] + b"\r\n", "只有表头"),
        "bad_time": ("\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,"
                     "NickName,Sender\r\n1,7,1,0,0,,,你好,昨天下午,,李妈妈,wxid_li\r\n".encode(), "无法读取"),
    }
    out = {}
    for name, (data, expect) in cases.items():
        p = tmp / f"{name}.csv"
        p.write_bytes(data)
        out[name] = (p, expect)
    return out


@pytest.mark.parametrize("case", ["empty", "binary", "truncated", "other_program", "gbk_bytes", "header_only",
                                  "bad_time"])
def test_bad_input_is_one_clear_error_and_leaves_the_db_unchanged(fresh_copy: Path, tmp_path: Path,
                                                                   case: str) -> None:
    path, expect = _bad_inputs(tmp_path)[case]
    before = db_digest(fresh_copy)
    with pytest.raises(IngestError) as info:
        ingest_file(path, fresh_copy)
    assert path.name in str(info.value)
    assert expect in str(info.value)
    assert db_digest(fresh_copy) == before


def test_bad_input_into_no_database_creates_none(tmp_path: Path) -> None:
    path, _ = _bad_inputs(tmp_path)["other_program"]
    with pytest.raises(IngestError):
        ingest_file(path, tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()


@pytest.mark.slow
def test_gb18030_file_is_read_and_the_encoding_reported(tmp_path: Path) -> None:
    """Excel on Chinese Windows saves CSV as GBK: decode it instead of refusing it."""
    src = FIXTURE_FILES["pywxdump_excel"].read_text(encoding="utf-8").replace("??", "")
    p = tmp_path / "777888@chatroom" / "gbk.csv"
    p.parent.mkdir()
    p.write_bytes(src.encode("gb18030"))
    r = ingest_file(p, tmp_path / "g.duckdb")
    assert (r.encoding, r.n_new) == ("gb18030", 5)
    assert rows(tmp_path / "g.duckdb", "select count(*) from messages where text = '几点开门'") == [(1,)]


@pytest.mark.slow
def test_undecodable_record_inside_a_good_file_is_skipped(tmp_path: Path) -> None:
    good = FIXTURE_FILES["pywxdump_excel"].read_bytes()
    bad = good.replace("几点开门".encode(), "几点开门".encode() + b"\xff\xfe")
    p = tmp_path / "777888@chatroom" / "bad.csv"
    p.parent.mkdir()
    p.write_bytes(bad)
    r = ingest_file(p, tmp_path / "u.duckdb")
    assert (r.n_read, r.n_new, r.n_skipped) == (5, 4, 1)
    assert "无法解码" in r.skipped_samples[0]


@pytest.mark.slow
def test_a_time_no_calendar_has_is_skipped(tmp_path: Path) -> None:
    """2024-02-30 looks like a time but is none: that record is skipped and counted, not fatal."""
    src = FIXTURE_FILES["memotrace2"]
    folder = tmp_path / src.parent.name
    folder.mkdir()
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace("2024-06-01 09:01:00", "2024-02-30 09:01:00")
    bad = folder / src.name
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    r = ingest_file(bad, tmp_path / "db.duckdb")
    good = ingest_file(src, tmp_path / "good.duckdb")
    assert (r.n_read, r.n_skipped, r.n_new) == (good.n_read, 1, good.n_new - 1)
    assert r.skipped_samples[0].startswith("第 3 行: 时间无法识别")
