"""Imports that never crash, never hang and never leave anything behind: whatever the user points
the import at (a FIFO, /dev/zero, an ELF binary, JSON nested 100,000 deep, a zip bomb, a value of
`inf`, a full disk), the answer is exit 2 and one sentence naming the file, and the database is
exactly as it was."""

from __future__ import annotations

import errno
import io
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURE_FILES, TESTS, db_digest, rows
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core.ingest import archive, pipeline, store, timeparse
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

runner = CliRunner()
ROOT = TESTS.parent
# a chat export fixture_db does not hold yet
WHATSAPP = TESTS / "fixtures" / "whatsapp" / "form_yyyymmdd_24h.txt"
VISITS_HEADER = "单号,门店,会员号,时间,金额\n"
EVENTS_HEADER = "活动编号,活动名称,类别,公布时间,开始时间,结束时间,费用\n"


def _ingest_cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["ingest", *args])
    return r.exit_code, r.output


def _errors(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.startswith("错误")]


def _telegram_nested(depth: int) -> str:
    head = ('{"name":"宝妈群","type":"private_supergroup","id":1,"messages":[{"id":1,"type":"message",'
            '"date":"2024-01-01T00:00:00","date_unixtime":"1704067200","from":"a","from_id":"user1","text":')
    return head + "[" * depth + "]" * depth + "}]}"


def _elf() -> bytes:
    with open(sys.executable, "rb") as fh:
        return fh.read(65536)


HOSTILE: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "文件是空的"),
    "random.csv": (bytes((i * 7919 + 13) % 256 for i in range(5000)), "二进制"),
    "program.txt": (_elf(), "二进制"),
    "nul.json": (b"\x00" * 4096, "二进制"),
    "amount_inf.csv": ((VISITS_HEADER + "A1,万达店,V1,2025-05-01 10:00,inf\n").encode(), "“金额”列"),
    "amount_1e309.csv": ((VISITS_HEADER + "A1,万达店,V1,2025-05-01 10:00,1e309\n").encode(), "金额过大"),
    "amount_38_digits.csv": ((VISITS_HEADER + "A1,万达店,V1,2025-05-01 10:00," + "9" * 38 + "\n").encode(),
                             "金额过大"),
    "visit_1900.csv": ((VISITS_HEADER + "A1,万达店,V1,1900-01-01 10:00,5\n").encode(), timeparse.IMPLAUSIBLE),
    "visit_9999.csv": ((VISITS_HEADER + "A1,万达店,V1,9999-12-31 10:00,5\n").encode(), timeparse.IMPLAUSIBLE),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_one_sentence_exit_2_and_the_db_unchanged(fresh_copy: Path, tmp_path: Path,
                                                                    name: str) -> None:
    data, expected = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = db_digest(fresh_copy)
    code, out = _ingest_cli(str(path), "--db", str(fresh_copy))
    assert code == 2, out
    assert "Traceback" not in out
    [error] = _errors(out)
    assert name in error and expected in error
    if name.startswith(("amount", "visit")):
        assert "第 2 行" in error  # the line of the bad cell
    assert db_digest(fresh_copy) == before


def _unblock_fifo_later(fifo: Path, after_s: float) -> threading.Thread:
    """Open the FIFO's writing end after a while, if someone reads it: an import that (wrongly)
    opened it then reads an empty file and fails the test instead of hanging the suite."""
    def run() -> None:
        deadline = time.monotonic() + after_s + 5
        time.sleep(after_s)
        while time.monotonic() < deadline:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:  # no reader
                time.sleep(0.1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_refused_at_once(fresh_copy: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "export.txt"
    os.mkfifo(fifo)
    _unblock_fifo_later(fifo, 5.0)
    before = db_digest(fresh_copy)
    started = time.monotonic()
    code, out = _ingest_cli(str(fifo), "--db", str(fresh_copy))
    assert time.monotonic() - started < 4.0
    assert code == 2, out
    [error] = _errors(out)
    assert "export.txt" in error and "不是普通文件" in error
    assert db_digest(fresh_copy) == before


def test_dev_zero_is_refused_at_once(fresh_copy: Path, tmp_path: Path) -> None:
    """Through a link named like an export: the import would hash an endless file."""
    link = tmp_path / "chat.csv"
    link.symlink_to("/dev/zero")
    before = db_digest(fresh_copy)
    code, out = _ingest_cli(str(link), "--db", str(fresh_copy))
    assert code == 2, out
    [error] = _errors(out)
    assert "chat.csv" in error and "不是普通文件" in error
    assert db_digest(fresh_copy) == before
    with pytest.raises(IngestError, match="不是普通文件"):
        ingest_file("/dev/zero", fresh_copy)


def _limited_memory() -> None:
    # a failing import must not take the machine's memory with it: ijson took 24 GB on this file
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


@pytest.mark.slow
def test_json_nested_100000_deep_is_refused_early(fresh_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(_telegram_nested(100_000), encoding="utf-8")
    before = db_digest(fresh_copy)
    started = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", "from dashboard.cli import app; app()", "ingest", str(path), "--db", str(fresh_copy)],
        capture_output=True, text=True, preexec_fn=_limited_memory, cwd=ROOT, timeout=120,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert time.monotonic() - started < 30
    assert r.returncode == 2, r.stderr[-2000:]
    [error] = _errors(r.stderr)
    assert "result.json 第 1 行" in error and "嵌套超过 64 层" in error
    assert db_digest(fresh_copy) == before


@pytest.mark.slow
def test_a_json_lines_line_nested_past_the_recursion_limit_is_a_damaged_line(tmp_path: Path) -> None:
    src = (TESTS / "fixtures" / "chatlab" / "摄影爱好者.jsonl").read_text(encoding="utf-8").splitlines()
    deep = '{"_type":"message","content":' + "[" * 5000 + "]" * 5000 + "}"
    path = tmp_path / "摄影爱好者.jsonl"
    path.write_text("\n".join([*src[:5], deep, *src[5:]]) + "\n", encoding="utf-8")
    good = ingest_file(TESTS / "fixtures" / "chatlab" / "摄影爱好者.jsonl", tmp_path / "good.duckdb")
    r = ingest_file(path, tmp_path / "deep.duckdb")
    assert (r.n_new, r.n_skipped) == (good.n_new, good.n_skipped + 1)


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(tmp_path: Path, codec: str) -> None:
    text = FIXTURE_FILES["memotrace_txt"].read_text(encoding="utf-8")
    path = tmp_path / "宝妈群.txt"
    path.write_bytes(text.encode(codec))
    r = ingest_file(path, tmp_path / "u.duckdb")
    same = ingest_file(FIXTURE_FILES["memotrace_txt"], tmp_path / "u8.duckdb")
    assert (r.encoding, r.n_new, r.n_skipped) == ("utf-16 (no BOM)", same.n_new, 0)
    assert rows(tmp_path / "u.duckdb", "select count(*) from messages where text = '下午几点开门？'") == [(1,)]


@pytest.mark.slow
def test_a_folder_imports_the_good_files_and_names_the_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(FIXTURE_FILES["memotrace_txt"], folder / "a_宝妈群.txt")
    (folder / "b_empty.csv").write_bytes(b"")
    shutil.copy(FIXTURE_FILES["memotrace2"], folder / "c_宝妈福利群.csv")
    (folder / "d_visits.csv").write_text(VISITS_HEADER + "A1,万达店,V1,2025-05-01 10:00,5\n", encoding="utf-8")
    db = tmp_path / "f.duckdb"
    code, out = _ingest_cli(str(folder), "--db", str(db))
    assert code == 2, out
    [error] = _errors(out)
    assert "b_empty.csv" in error and "文件是空的" in error
    assert rows(db, "select file_name from imports order by import_id") == [
        ("a_宝妈群.txt",), ("c_宝妈福利群.csv",), ("d_visits.csv",)]


@pytest.fixture(params=["os", "duckdb"])
def full_disk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while the import is being written: after its messages are inserted, at the
    imports row (the OS's error, or DuckDB's own when it writes its log)."""
    def no_space(*args: object, **kwargs: object) -> None:
        if request.param == "os":
            raise OSError(errno.ENOSPC, "No space left on device")
        raise duckdb.IOException('IO Error: Could not write file "x.duckdb.wal": No space left on device')

    monkeypatch.setattr(store, "record_import", no_space)


@pytest.mark.slow
def test_a_full_disk_is_one_sentence_and_the_db_unchanged(fresh_copy: Path, full_disk: None) -> None:
    before = db_digest(fresh_copy)
    with pytest.raises(pipeline.WriteFailed) as info:
        ingest_file(WHATSAPP, fresh_copy)
    assert str(info.value).startswith("form_yyyymmdd_24h.txt: 磁盘空间不足，导入没有完成，数据库没有改动")
    assert db_digest(fresh_copy) == before
    code, out = _ingest_cli(str(WHATSAPP), "--db", str(fresh_copy))
    assert code == 2 and "Traceback" not in out
    [error] = _errors(out)
    assert "form_yyyymmdd_24h.txt" in error and "磁盘空间不足" in error
    assert db_digest(fresh_copy) == before


def test_a_full_temp_disk_while_staging_is_the_same_sentence(fresh_copy: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    def no_space(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.enrich, "stage_batches", no_space)
    before = db_digest(fresh_copy)
    with pytest.raises(pipeline.WriteFailed, match="磁盘空间不足"):
        ingest_file(WHATSAPP, fresh_copy)
    assert db_digest(fresh_copy) == before


@pytest.mark.slow
def test_markup_in_a_chat_name_is_printed_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    code, out = _ingest_cli(str(FIXTURE_FILES["memotrace_txt"]), "--db", str(db), "--chat-name", "[/]宝妈[bold]群")
    assert code == 0, out
    assert "[/]宝妈[bold]群" in out
    assert rows(db, "select name from chats") == [("[/]宝妈[bold]群",)]


# ---------------------------------------------------------------------------------------------
# implausible times: one rule (timeparse), skipped as damaged lines in chat exports, refused in
# store records

@pytest.mark.slow
def test_whatsapp_messages_dated_9999_and_1900_are_damaged_lines(tmp_path: Path) -> None:
    src = WHATSAPP
    text = src.read_text(encoding="utf-8")
    good = ingest_file(src, tmp_path / "good.duckdb")
    bad_text = text.replace("2022/03/18, 10:02", "9999/03/18, 10:02").replace("2022/07/09, 14:30", "1900/07/09, 14:30")
    bad = tmp_path / "form_yyyymmdd_24h.txt"
    bad.write_text(bad_text, encoding="utf-8")
    r = ingest_file(bad, tmp_path / "bad.duckdb")
    assert (r.n_read, r.n_new, r.n_skipped) == (good.n_read, good.n_new - 2, good.n_skipped + 2)
    assert (r.coverage_start, r.coverage_end) == (good.coverage_start, good.coverage_end)
    assert sorted(s.split(": ", 2)[:2] for s in r.skipped_samples) == [
        ["第 2 行", timeparse.IMPLAUSIBLE], ["第 5 行", timeparse.IMPLAUSIBLE]]


def test_a_wechat_export_of_only_implausible_times_is_refused(fresh_copy: Path, tmp_path: Path) -> None:
    src = FIXTURE_FILES["memotrace2"]
    folder = tmp_path / src.parent.name
    folder.mkdir()
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    dates = sorted({ln.split(",")[3] for ln in lines[1:] if ln.count(",") >= 4 and ln.split(",")[3][:2] == "20"})
    text = "\n".join(lines) + "\n"
    for d in dates:
        text = text.replace(d, "1970-01-01 08:00:00")
    (folder / src.name).write_text(text, encoding="utf-8-sig")
    before = db_digest(fresh_copy)
    with pytest.raises(IngestError) as info:
        ingest_file(folder / src.name, fresh_copy)
    assert "全部无法读取" in str(info.value) and timeparse.IMPLAUSIBLE in str(info.value)
    assert db_digest(fresh_copy) == before


def test_planned_events_may_lie_ahead_but_not_in_9999(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    soon = (timeparse.plausible_until() + (timeparse.PLANNED_AHEAD / 2)).strftime("%Y-%m-%d 10:00")
    ok = tmp_path / "events.csv"
    ok.write_text(EVENTS_HEADER + f"E1,插花课,花艺,2025-05-01 10:00,{soon},,100\n", encoding="utf-8")
    assert ingest_file(ok, db).n_new == 1
    far = tmp_path / "events_far.csv"
    far.write_text(EVENTS_HEADER + "E2,插花课,花艺,2025-05-01 10:00,9999-05-10 14:00,,100\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest_file(far, db)
    assert info.value.line == 2 and "开始时间" in str(info.value) and timeparse.IMPLAUSIBLE_PLANNED in str(info.value)


# ---------------------------------------------------------------------------------------------
# store ids: --store names the shop of records that name none

@pytest.mark.slow
def test_store_option_keeps_two_shops_calendars_apart(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    a = tmp_path / "a.csv"
    a.write_text(EVENTS_HEADER + "E01,插花课,花艺,2025-05-01 10:00,2025-05-10 14:00,,100\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text(EVENTS_HEADER + "E01,绘画,美术,2025-05-02 10:00,2025-05-12 14:00,,300\n", encoding="utf-8")
    ingest_file(a, db, store_id="万达店")
    r = ingest_file(b, db, store_id="滨江店")
    assert (r.n_new, r.n_updated, r.details.get("shop_prefixed_ids")) == (1, 0, 1)
    assert rows(db, "select event_id, store_id, name from store_events order by 1") == [
        ("E01", "万达店", "插花课"), ("滨江店:E01", "滨江店", "绘画")]


# ---------------------------------------------------------------------------------------------
# two imports at once

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("select 1")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
con.close()
"""


@pytest.mark.slow
def test_a_second_import_waits_its_turn(fresh_copy: Path, tmp_path: Path) -> None:
    """Another process holds the write lock for 5 s (an import storing a big file): this import
    says it is waiting, then imports, instead of failing with "data is updating" after 3 s."""
    ready = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(fresh_copy), str(ready), "5"])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        waited: list[str] = []
        started = time.monotonic()
        r = ingest_file(WHATSAPP, fresh_copy, chat_name="第二个导入", on_wait=waited.append)
        assert r.status == "imported"
        assert time.monotonic() - started > 3.0
        assert waited and "正在等待" in waited[0]
    finally:
        holder.wait(30)
    assert rows(fresh_copy, "select count(*) from chats where name = '第二个导入'") == [(1,)]


# ---------------------------------------------------------------------------------------------
# nothing left behind

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _work_folder(root: Path, name: str, owner: int | None, age_s: float) -> Path:
    d = root / name
    d.mkdir()
    (d / "staging.duckdb").write_text("聊天内容", encoding="utf-8")
    if owner is not None:
        (d / pipeline.OWNER_FILE).write_text(str(owner), encoding="ascii")
    then = time.time() - age_s
    for f in [*d.iterdir(), d]:
        os.utime(f, (then, then))
    return d


@pytest.mark.slow
def test_a_killed_imports_folder_is_swept_by_the_next_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(pipeline.tempfile, "tempdir", str(root))
    dead = _dead_pid()
    killed = _work_folder(root, "qunxi-ingest-killed", dead, 7200)
    killed_upload = _work_folder(root, "qunxi-upload-killed", dead, 7200)
    no_owner = _work_folder(root, "qunxi-ingest-old", None, 7200)
    running = _work_folder(root, "qunxi-ingest-running", os.getpid(), 7200)
    just_died = _work_folder(root, "qunxi-ingest-recent", dead, 60)
    other = _work_folder(root, "something-else", dead, 7200)
    ingest_file(FIXTURE_FILES["memotrace_txt"], tmp_path / "d.duckdb")
    assert sorted(p.name for p in root.iterdir()) == sorted(p.name for p in (running, just_died, other))
    assert not killed.exists() and not killed_upload.exists() and not no_owner.exists()


@pytest.mark.slow
def test_the_work_folder_names_its_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = pipeline.enrich.stage_batches

    def spy(con: duckdb.DuckDBPyConnection, *args: object) -> int:
        folder = Path(con.execute("select path from duckdb_databases() where database_name = 'staging'")
                      .fetchone()[0]).parent
        seen.append((folder / pipeline.OWNER_FILE).read_text(encoding="ascii"))
        return real(con, *args)

    monkeypatch.setattr(pipeline.enrich, "stage_batches", spy)
    ingest_file(FIXTURE_FILES["memotrace_txt"], tmp_path / "d.duckdb")
    assert seen == [str(os.getpid())]


def _zip(path: Path, member: str, size: int, fill: bytes = b"\x00") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z, z.open(member, "w", force_zip64=True) as w:
        block = fill * (1 << 20)
        for _ in range(size >> 20):
            w.write(block)
    return path


def test_a_zip_bomb_is_refused_before_it_is_extracted(fresh_copy: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """64 MiB of zeros in 64 KiB: refused by its ratio, without extracting a byte."""
    bomb = _zip(tmp_path / "WhatsApp Chat - 宝妈.zip", "_chat.txt", 64 << 20)
    assert bomb.stat().st_size < 200_000

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("extracted")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_extraction)
    before = db_digest(fresh_copy)
    with pytest.raises(IngestError) as info:
        ingest_file(bomb, fresh_copy)
    assert str(info.value).startswith("WhatsApp Chat - 宝妈.zip: 压缩包里的 _chat.txt 压缩比超过 100 倍")
    assert db_digest(fresh_copy) == before


def test_a_zip_member_over_the_cap_is_refused_by_its_declared_size(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_CHAT_BYTES", 2 << 20)
    text = "\n".join(f"2024/01/01, 10:{i % 60:02d} - 妈妈{i}: 第 {i} 条消息" for i in range(200_000))
    path = tmp_path / "chat.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", text)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IngestError, match="超过上限 2 MiB"):
        archive.unpack_chat_zip(path, out)
    assert list(out.iterdir()) == []


def test_a_zip_that_hides_its_size_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The declared sizes can lie: the extraction itself stops at the cap."""
    monkeypatch.setattr(archive, "MAX_CHAT_BYTES", 2 << 20)
    monkeypatch.setattr(archive, "_check_declared", lambda path, info: None)
    written: list[int] = []
    real_open = open

    class Counting(io.FileIO):
        def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
            written.append(len(b))
            return super().write(b)

    def counting_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        return Counting(file, "wb") if mode == "wb" else real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    bomb = _zip(tmp_path / "b.zip", "_chat.txt", 8 << 20, b"a")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IngestError, match="超过上限"):
        archive.unpack_chat_zip(bomb, out)
    assert sum(written) <= archive.MAX_CHAT_BYTES
    assert list(out.iterdir()) == []


def test_an_upload_is_written_in_chunks_and_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit holds an upload in memory until the session ends: once it is on disk the Data page
    drops it from the file manager and closes it."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    from dashboard.ui import data

    manager = MemoryUploadedFileManager("/upload")
    payload = os.urandom(3 << 20)
    manager.add_file("session", UploadedFileRec("f1", "../宝妈群.txt", "text/plain", payload))
    [rec] = manager.get_files("session", ["f1"])
    upload = UploadedFile(rec, None)  # type: ignore[arg-type]

    class Ctx:
        session_id = "session"
        uploaded_file_mgr = manager

    monkeypatch.setattr(data, "get_script_run_ctx", lambda suppress_warning=False: Ctx())
    path = data.save_upload(upload, tmp_path)
    assert path == tmp_path / "宝妈群.txt" and path.read_bytes() == payload
    assert manager.get_files("session", ["f1"]) == [] and manager.get_stats() == {}
    assert upload.closed
