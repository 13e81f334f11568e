"""Store records: visits.csv, events.csv and members.csv recognised by header, checked cell by
cell, written in one transaction, and idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_FILES, rows

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import import_order, ingest_file

VISITS = "单号,门店,会员号,时间,金额\nA001,万达店,V001,2025-05-01 10:00:00,128.00\nA002,万达店,,2025/5/1 11:30,59\n" \
         "A003,滨江店,V002,2025-05-02 15:00:00,\"￥1,024.50\"\n"
EVENTS = "活动编号,门店,活动名称,类别,公布时间,开始时间,结束时间,费用\n" \
         "E1,万达店,插花课,花艺,2025-05-01 10:00,2025-05-10 14:00,2025-05-10 16:00,1200\n"


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8-sig") -> Path:
    p = tmp / name
    p.write_text(text, encoding=encoding)
    return p


SNAPSHOT_TABLES = ("imports", "visits", "customers", "store_events", "stores", "roles", "member_customers", "members",
                   "member_names")


def snapshot(db: Path) -> tuple:
    counts = [rows(db, f"select count(*) from {t}")[0][0] for t in SNAPSHOT_TABLES]
    return (*counts, rows(db, "select value from meta where key = 'data_version'")[0][0])


def test_visits_and_events_load(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    r = ingest_file(write(tmp_path, "pos.csv", VISITS), db)
    assert (r.format, r.n_read, r.n_new) == ("store_visits", 3, 3)
    got = rows(db, "select visit_id, store_id, customer_id, strftime(ts, '%Y-%m-%d %H:%M'), amount::varchar "
                   "from visits order by 1")
    assert got == [("A001", "万达店", "V001", "2025-05-01 10:00", "128.00"),
                   ("A002", "万达店", None, "2025-05-01 11:30", "59.00"),
                   ("A003", "滨江店", "V002", "2025-05-02 15:00", "1024.50")]
    assert rows(db, "select customer_id, store_id from customers order by 1") == [("V001", "万达店"), ("V002", "滨江店")]
    ingest_file(write(tmp_path, "events.csv", EVENTS), db)
    assert rows(db, "select event_id, name, category, strftime(start_at, '%H:%M'), cost::varchar from store_events") \
        == [("E1", "插花课", "花艺", "14:00", "1200.00")]
    assert sorted(r[0] for r in rows(db, "select store_id from stores")) == ["万达店", "滨江店"]


def test_english_headers_in_any_order_and_gbk(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    text = "amount,time,customer_id,order_id,store\n88.8,2025-06-01 09:00:00,C9,X1,Main\n"
    ingest_file(write(tmp_path, "pos_en.csv", text, "gb18030"), db)
    assert rows(db, "select visit_id, customer_id, amount::varchar from visits") == [("X1", "C9", "88.80")]


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("missing.csv", "单号,门店,会员号,金额\nA1,万达店,V1,10\n", 1, ["缺少", "时间"]),
    ("baddate.csv", "单号,门店,会员号,时间,金额\nA1,万达店,V1,2025-05-01 10:00,10\nA2,万达店,V1,五月一日,10\n", 3,
     ["“时间”列", "五月一日", "2025-05-24"]),
    ("negative.csv", "单号,门店,会员号,时间,金额\nA1,万达店,V1,2025-05-01 10:00,-5\n", 2, ["“金额”列", "负数"]),
    ("dupe.csv", "单号,门店,会员号,时间,金额\nA1,万达店,V1,2025-05-01 10:00,5\nA1,万达店,V1,2025-05-01 11:00,5\n", 3,
     ["重复", "第 2 行"]),
    ("dupe_nostore.csv", "单号,门店,会员号,时间,金额\nA1,,V1,2025-05-01 10:00,5\nA1,万达店,V1,2025-05-01 11:00,5\n", 3,
     ["重复", "第 2 行"]),
    ("comma.csv", "单号,门店,会员号,时间,金额\nA1,万达店,V1,2025-05-01 10:00,1,024.50\n", 2, ["6 个字段", "双引号"]),
    ("badrole.csv", "微信号,群昵称,角色\nwxid_a,小美,大掌柜\n", 2, ["“角色”列", "大掌柜"]),
    ("nobody.csv", "群,微信号,群昵称,角色\n,,,店员\n", 2, ["微信号", "群昵称"]),
])
@pytest.mark.slow
def test_bad_store_records_name_file_line_column_and_change_nothing(
        fresh_copy: Path, tmp_path: Path, name: str, text: str, line: int, words: list[str]) -> None:
    ingest_file(write(tmp_path, "ok.csv", VISITS), fresh_copy)
    before = snapshot(fresh_copy)
    with pytest.raises(IngestError) as exc:
        ingest_file(write(tmp_path, name, text), fresh_copy)
    assert exc.value.line == line
    message = str(exc.value)
    assert name in message
    for w in words:
        assert w in message
    assert snapshot(fresh_copy) == before


def test_reimport_is_a_noop_and_a_newer_export_updates(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ingest_file(write(tmp_path, "pos.csv", VISITS), db)
    assert ingest_file(tmp_path / "pos.csv", db).status == "already imported"
    newer = VISITS.replace("128.00", "138.00") + "A004,万达店,V001,2025-05-03 10:00:00,20\n"
    r = ingest_file(write(tmp_path, "pos_newer.csv", newer), db)
    assert (r.n_new, r.n_updated, r.n_duplicate) == (1, 1, 2)
    assert rows(db, "select count(*), sum(amount)::varchar from visits")[0] == (4, "1241.50")


CHAIN_HEADER = "活动编号,门店,活动名称,类别,公布时间,开始时间,结束时间,费用\n"


def _event(eid: str, store: str, name: str, day: int, cost: int = 100) -> str:
    return f"{eid},{store},{name},DIY,2025-05-01 10:00,2025-05-{day:02d} 14:00,,{cost}\n"


@pytest.mark.slow
def test_shops_reusing_an_event_id_keep_every_event(tmp_path: Path) -> None:
    """Each shop of a chain numbers its events from E1: a later shop's E1 is kept beside the first."""
    db = tmp_path / "s.duckdb"
    a = write(tmp_path, "a.csv", CHAIN_HEADER + _event("E1", "万达店", "插花课", 10) + _event("E2", "万达店", "蛋糕", 11))
    b = write(tmp_path, "b.csv", CHAIN_HEADER + _event("E1", "滨江店", "绘画", 12))
    ingest_file(a, db)
    r = ingest_file(b, db)
    assert (r.n_new, r.n_updated, r.details.get("shop_prefixed_ids")) == (1, 0, 1)
    # one chain-wide file with the same id in two other shops: the first named keeps it only if
    # nobody holds it yet
    both = write(tmp_path, "c.csv", CHAIN_HEADER + _event("E3", "湖滨店", "瑜伽", 13) + _event("E3", "西溪店", "瑜伽", 14)
                 + _event("E1", "湖滨店", "亲子", 15))
    r = ingest_file(both, db)
    assert (r.n_new, r.details.get("shop_prefixed_ids")) == (3, 2)
    expected = [("E1", "万达店", "插花课"), ("E2", "万达店", "蛋糕"), ("E3", "湖滨店", "瑜伽"),
                ("湖滨店:E1", "湖滨店", "亲子"), ("滨江店:E1", "滨江店", "绘画"), ("西溪店:E3", "西溪店", "瑜伽")]
    assert rows(db, "select event_id, store_id, name from store_events order by event_id") == expected
    # a corrected export of either shop updates its own event, never the other shop's
    r = ingest_file(write(tmp_path, "b2.csv", CHAIN_HEADER + _event("E1", "滨江店", "绘画", 12, cost=300)), db)
    assert (r.n_new, r.n_updated, r.n_duplicate) == (0, 1, 0)
    r = ingest_file(write(tmp_path, "a2.csv", CHAIN_HEADER + _event("E1", "万达店", "插花课", 10)
                          + _event("E2", "万达店", "蛋糕", 11) + _event("E4", "万达店", "新活动", 16)), db)
    assert (r.n_new, r.n_updated, r.n_duplicate, r.details.get("shop_prefixed_ids")) == (1, 0, 2, None)
    assert rows(db, "select event_id, cost::int from store_events where event_id like '%E1' order by 1") == [
        ("E1", 100), ("湖滨店:E1", 100), ("滨江店:E1", 300)]


def test_shops_reusing_an_order_number_keep_every_visit(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ingest_file(write(tmp_path, "pos.csv", VISITS), db)
    other = "单号,门店,会员号,时间,金额\nA001,湖滨店,V009,2025-05-01 12:00:00,10\nA001,西溪店,,2025-05-01 13:00:00,20\n"
    r = ingest_file(write(tmp_path, "pos2.csv", other), db)
    assert (r.n_new, r.details.get("shop_prefixed_ids")) == (2, 2)
    assert rows(db, "select count(*), sum(amount)::varchar from visits")[0] == (5, "1241.50")
    assert rows(db, "select visit_id from visits where visit_id like '%A001' order by 1") == [
        ("A001",), ("湖滨店:A001",), ("西溪店:A001",)]


@pytest.mark.slow
def test_members_csv_declares_roles_and_links(fixture_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    shutil.copy(fixture_db, db)
    text = ("群,微信号,群昵称,角色,领域,会员号,手机尾号,是否小号,备注\n"
            ",wxid_owner,,店长,,,,,我\n"
            "新手妈妈群,,李妈妈,顾客,,V100,138****1234,,\n"
            "新手妈妈群,,新来的潜水妈妈,,,V101,,,\n"
            ",wxid_alt1,,,,,,是,我的小号\n"
            "宝妈福利群,,林老师,专家,花艺,,,,\n")
    r = ingest_file(write(tmp_path, "members.csv", text), db)
    assert r.format == "store_members" and r.n_read == 5
    declared = rows(db, """
        select m.platform_key, r.role, r.domain, r.chat_id is null from roles r join members m using (member_id)
        where r.source = 'declared' order by 1""")
    assert declared == [("name:34567@chatroom:林老师", "expert", "花艺", False), ("wxid_alt1", "alt", None, True),
                        ("wxid_li", "customer", None, False), ("wxid_owner", "owner", None, True)]
    # a nickname seen in the export finds its wxid; an unseen one becomes a new member of that chat
    links = rows(db, "select m.platform_key, c.customer_id, c.phone_last4 from member_customers l "
                     "join members m using (member_id) join customers c using (customer_id) order by 2")
    assert links == [("wxid_li", "V100", "1234"), ("name:新手妈妈群:新来的潜水妈妈", "V101", None)]
    # the owner edits her notes: the newer file replaces what the older one said about the same person;
    # a role set in the app (no import) stays
    rows_before = rows(db, "select member_id from members where platform_key = 'wxid_li'")[0][0]
    import duckdb
    con = duckdb.connect(str(db))
    con.execute("insert into roles (member_id, role, source) values ($m, 'staff', 'declared')", {"m": rows_before})
    con.close()
    r2 = ingest_file(write(tmp_path, "members_v2.csv", "微信号,角色,会员号\nwxid_owner,店长,\nwxid_li,顾客,V200\n"), db)
    assert r2.n_new == 0
    li = rows(db, "select role, import_id is null from roles where member_id = $m order by 1", {"m": rows_before})
    assert li == [("customer", False), ("staff", True)]
    assert rows(db, "select customer_id from member_customers where member_id = $m", {"m": rows_before}) == [("V200",)]


@pytest.mark.slow
def test_members_csv_naming_an_unknown_chat_fails_cleanly(fresh_copy: Path, tmp_path: Path) -> None:
    before = snapshot(fresh_copy)
    text = "群,群昵称,角色\n新手妈妈群,李妈妈,顾客\n没导入的群,张三,顾客\n"
    with pytest.raises(IngestError) as exc:
        ingest_file(write(tmp_path, "members.csv", text), fresh_copy)
    assert exc.value.line == 3 and "没导入的群" in str(exc.value) and "先导入" in str(exc.value)
    assert snapshot(fresh_copy) == before


def test_import_order_puts_members_last(tmp_path: Path) -> None:
    members = write(tmp_path, "a_members.csv", "微信号,角色,会员号\nwxid_x,顾客,V1\n")
    visits = write(tmp_path, "b.csv", VISITS)
    export = FIXTURE_FILES["memotrace1"]
    assert import_order([members, visits, export]) == [export, visits, members]
