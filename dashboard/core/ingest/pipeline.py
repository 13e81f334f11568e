"""One import, end to end: detect → parse → enrich (outside the lock) → store (one transaction).

Bad input raises IngestError before the store is opened for writing, so the database is left
exactly as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dashboard.core import db, lexicon, settings
from dashboard.core.ingest import archive, detect, enrich, store, store_records
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options, Probe
from dashboard.core.ingest.textio import sniff
from dashboard.core.ingest.timeparse import TimeFormatError, zone
from dashboard.core.ingest.wechat_csv import check_not_truncated
from dashboard.core.text import segment

PARSER_VERSION = "1"

# progress(stage, done): stages are "hash", "parse", "words", "store"
Progress = Callable[[str, int], None]


@dataclass
class ImportReport:
    file: str
    status: str  # imported | already imported
    format: str = ""
    encoding: str = ""
    import_id: int | None = None
    chats: list[str] = field(default_factory=list)
    n_read: int = 0
    n_new: int = 0
    n_duplicate: int = 0
    n_skipped: int = 0
    n_members: int = 0
    n_updated: int = 0
    details: dict = field(default_factory=dict)
    skipped_samples: list[str] = field(default_factory=list)
    coverage_start: dt.datetime | None = None
    coverage_end: dt.datetime | None = None
    exporter: str | None = None


class WriteFailed(IngestError):
    """The import could not be written (a full disk, the store refusing it): not the file's fault,
    and the database was left as it was."""


def check_regular_file(path: Path) -> None:
    """Only a regular file is read: a FIFO would block the import forever and /dev/zero never ends."""
    if not path.exists():
        raise IngestError(path, "文件不存在")
    if path.is_dir():
        raise IngestError(path, "这是一个文件夹", expected="一个导出文件")
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise IngestError(path, f"无法读取: {e.strerror}") from None
    if not stat.S_ISREG(mode):
        raise IngestError(path, "不是普通文件（管道、设备或套接字），不能导入", expected="一个导出文件")


# Work folders: a staging database with the chat's content while an import runs (and the Data
# page's uploads). A killed import leaves its folder behind; the next import removes the folders
# whose owner is gone and that nobody has written for an hour (the hour covers an owner whose
# process id this machine cannot see, e.g. another container sharing the temp folder).
WORK_PREFIXES = ("qunxi-ingest-", "qunxi-upload-")
OWNER_FILE = "owner.pid"
STALE_AFTER_S = 3600.0


@contextlib.contextmanager
def work_dir(prefix: str = WORK_PREFIXES[0]) -> Iterator[Path]:
    """A temporary folder that names its owning process, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        (Path(tmp) / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        yield Path(tmp)


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def sweep_stale_work_dirs(root: Path | None = None, stale_after_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the work folders of imports that died (killed, the machine switched off), which
    would otherwise keep chat content in the temp folder. Returns what was removed."""
    root = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed = []
    try:
        folders = [d for d in root.iterdir() if d.name.startswith(WORK_PREFIXES)]
    except OSError:
        return removed
    now = time.time()
    for d in folders:
        try:
            if d.is_symlink() or not d.is_dir() or _owner_alive(d):
                continue
            newest = max([d.stat().st_mtime, *(f.stat().st_mtime for f in d.iterdir())])
            if now - newest < stale_after_s:
                continue
            shutil.rmtree(d)
            removed.append(d)
        except OSError:  # another user's, or removed meanwhile
            continue
    return removed


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class _StoreBefore:
    """What an import needs to know of the store before it takes the write lock, read in one
    short read-only open (each open of the store costs tens of milliseconds of catalog loading)."""

    already_imported: bool = False
    own_words: segment.OwnWords = segment.NO_OWN_WORDS
    # (platform, chat key, name, member key) of keyed members
    names: tuple[tuple[str, str, str, str], ...] = ()

    def known_names(self, platform: str) -> enrich.KnownNames:
        """Names that point to keyed members of this platform, so a name in a new export finds
        its person."""
        return enrich.KnownNames(pairs=[(c, n, m) for p, c, n, m in self.names if p == platform])


def _store_before(db_path: Path, sha: str, tz: str, *, with_names: bool,
                  on_wait: Callable[[str], None] | None = None) -> _StoreBefore:
    """Whether this file is already imported, and (for chat exports) the owner's own words and
    stopwords (Roles page, so a new import is cut as the stored messages were re-cut) and the names
    of keyed members. While another import writes, this waits its turn as the writer does."""
    if not db_path.exists():
        return _StoreBefore()
    try:
        with db.reader(db_path, tz, wait_s=db.WRITER_WAIT_S, on_wait=on_wait) as con:
            tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
            if "imports" not in tables:
                return _StoreBefore()
            done = con.execute("select count(*) from imports where sha256 = $s", {"s": sha}).fetchone()[0] > 0
            if done or not with_names:
                return _StoreBefore(already_imported=done)
            words = lexicon.own_words(con) if "own_words" in tables else segment.NO_OWN_WORDS
            names = con.execute(
                """
                select c.platform, c.platform_key, n.name, m.platform_key
                from member_names n join members m using (member_id) join chats c using (chat_id)
                where m.key_kind = 'id'
                """
            ).fetchall() if "member_names" in tables else []
    except db.NoDatabase:
        return _StoreBefore()
    except db.DataUpdating as e:
        raise db.StoreError(f"数据库 {db_path} 正被另一个程序占用，等待 {db.WRITER_WAIT_S:.0f} 秒后仍未释放。"
                            "请等另一个导入完成后重试。") from e
    return _StoreBefore(own_words=words, names=tuple(names))


def ingest_file(
    path: str | Path,
    db_path: str | Path,
    *,
    tz: str = settings.DEFAULT_TZ,
    chat_name: str | None = None,
    fmt: str | None = None,
    store_id: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import one file. `mapping` (canonical field → column) reads any other table as messages.

    Bad input raises IngestError (WriteFailed when the file was fine but could not be written),
    db.StoreError when the store cannot be opened; the database is left as it was either way."""
    path = Path(path)
    db_path = Path(db_path)
    check_regular_file(path)
    try:  # once here, so no parser meets an unknown zone half-way through a file
        zone(tz)
    except TimeFormatError as e:
        raise IngestError(path, str(e), expected="时区名，例如 Asia/Shanghai") from None
    sweep_stale_work_dirs()
    try:
        sha = sha256_of(path)
        is_records = mapping is None and record_kind(path, fmt) is not None
        before = _store_before(db_path, sha, tz, with_names=not is_records, on_wait=on_wait)
        if before.already_imported:
            return ImportReport(str(path), "already imported")
        if is_records:
            return _ingest_records(path, db_path, sha, tz, on_wait, store_id)
        with work_dir() as tmp:
            try:
                return _ingest_export(path, tmp, db_path, sha, tz, chat_name, fmt, store_id, mapping, progress,
                                      on_wait, before)
            except IngestError as e:
                if Path(e.file).parent == tmp:  # a zip's chat text: name the zip the user chose
                    raise type(e)(path, e.problem, e.line, e.expected) from None
                raise
    except OSError as e:
        raise _os_failure(path, e) from e
    except duckdb.Error as e:
        raise _store_failure(path, e) from e
    except RecursionError:  # a side file (users.json …) nested past Python's recursion limit
        raise IngestError(path, "文件嵌套过深，无法读取", expected="聊天记录导出文件") from None
    except MemoryError:
        raise IngestError(path, "文件内容超出可用内存，无法读取", expected="聊天记录导出文件") from None


NO_SPACE = "磁盘空间不足，导入没有完成，数据库没有改动"


def _os_failure(path: Path, e: OSError) -> IngestError:
    if e.errno == errno.ENOSPC:
        return WriteFailed(path, NO_SPACE, expected="腾出磁盘空间（临时文件夹和数据库所在的磁盘）后重新导入")
    return IngestError(path, f"读写文件失败，数据库没有改动: {e.strerror or e}")


def _store_failure(path: Path, e: duckdb.Error) -> IngestError:
    """DuckDB refused a write (the transaction was rolled back): one sentence, not a traceback."""
    while isinstance(e.__context__, duckdb.Error):  # the first failure, not "transaction is aborted" after it
        e = e.__context__
    text = str(e)
    if "No space left" in text:
        return WriteFailed(path, NO_SPACE, expected="腾出磁盘空间（临时文件夹和数据库所在的磁盘）后重新导入")
    first = (text.strip().splitlines() or [type(e).__name__])[0]
    return WriteFailed(path, f"写入数据库失败，数据库没有改动: {first}")


def _ingest_export(path: Path, tmp: Path, db_path: Path, sha: str, tz: str, chat_name: str | None,
                   fmt: str | None, store_id: str | None, mapping: dict[str, str] | None,
                   progress: Progress | None, on_wait: Callable[[str], None] | None, before: _StoreBefore
                   ) -> ImportReport:
    if zipfile.is_zipfile(path):  # extracted here with size caps (archive), named as the zip the user chose
        probe = dataclasses.replace(detect.probe(archive.unpack_chat_zip(path, tmp)), display_name=path.name)
    else:
        probe = detect.probe(path)
    format_ = detect.detect(probe, detect.GENERIC if mapping and not fmt else fmt)
    if probe.header is not None and format_.platform == "wechat":
        check_not_truncated(probe.path, probe.header)
    parsed = format_.parse(probe, Options(tz=tz, chat_name=chat_name, mapping=mapping))
    staging = enrich.staging_path(tmp)
    con = duckdb.connect(str(staging))
    try:
        con.execute("set TimeZone = 'UTC'")
        n_rows = enrich.stage_batches(con, parsed, progress)
        state = parsed.state
        if n_rows == 0:
            if state.n_read == 0:
                raise IngestError(path, "文件只有表头，没有任何消息", expected="至少一条消息记录")
            raise IngestError(
                path, f"{state.n_read} 条记录全部无法读取",
                line=state.skipped[0].line if state.skipped else None,
                expected=state.skipped[0].reason if state.skipped else None,
            )
        enrich.enrich(con, parsed, before.known_names(parsed.platform), progress, before.own_words)
        n_kept = con.execute("select count(*) from msg").fetchone()[0]
        n_members = con.execute("select count(*) from s_members").fetchone()[0]
        chat_names = [r[0] for r in con.execute("select name from s_chats order by name").fetchall()]
    finally:
        con.close()
    meta = {
        "file_name": path.name, "file_path": str(path.resolve()), "sha256": sha, "format": parsed.format,
        "platform": parsed.platform, "encoding": parsed.encoding, "source_tz": parsed.source_tz,
        "exporter_key": state.exporter_key, "exporter_name": state.exporter_name, "n_read": state.n_read,
        "n_skipped": state.n_skipped,
        "skipped_samples": [f"第 {s.line} 行: {s.reason}: {s.sample}" for s in state.skipped],
        "parser_version": PARSER_VERSION, "n_dropped_dupes": n_rows - n_kept,
    }
    if progress:
        progress("store", 0)
    with db.writer(db_path, tz, on_wait=on_wait) as wcon:
        if wcon.execute("select count(*) from imports where sha256 = $s", {"s": sha}).fetchone()[0]:
            return ImportReport(str(path), "already imported")
        counts = store.write_import(wcon, staging, meta, store_id)
        cov = wcon.execute(
            "select coverage_start, coverage_end from imports where import_id = $i", {"i": counts.import_id}
        ).fetchone()
    return ImportReport(
        file=str(path), status="imported", format=parsed.format, encoding=parsed.encoding,
        import_id=counts.import_id, chats=chat_names, n_read=state.n_read, n_new=counts.n_new,
        n_duplicate=counts.n_duplicate + meta["n_dropped_dupes"], n_skipped=state.n_skipped,
        n_members=n_members, skipped_samples=meta["skipped_samples"], coverage_start=cov[0],
        coverage_end=cov[1], exporter=state.exporter_name or state.exporter_key,
    )


FORMAT_LABELS = {f.name: f.label for f in detect.FORMATS} | {k.name: k.label for k in store_records.KINDS}
RECORD_FORMATS = {"visits": store_records.VISITS, "events": store_records.EVENTS, "members": store_records.MEMBERS,
                  "regimes": store_records.REGIMES,
                  **{k.name: k for k in store_records.KINDS}}


def record_kind(path: Path, fmt: str | None = None) -> store_records.RecordKind | None:
    """The store-records kind of a file, also when it lacks a required column (so its import can say
    which); None for chat exports."""
    if fmt is not None:
        return RECORD_FORMATS.get(fmt)
    if zipfile.is_zipfile(path) or detect.is_binary_table(path):
        return None
    sniffed = sniff(path)
    header = detect.csv_header(path, sniffed)
    if header is None or detect.matches_any(Probe(path, sniffed, header, b"", path.name)):
        return None
    found = store_records.detect(header) or store_records.nearest(header)
    return found[0] if found else None


def _ingest_records(path: Path, db_path: Path, sha: str, tz: str, on_wait: Callable[[str], None] | None,
                    store_id: str | None = None) -> ImportReport:
    """visits.csv / events.csv / members.csv: checked in full first, then written in one transaction.
    `store_id` (--store) is the shop of the rows that name none."""
    sniffed = sniff(path)
    recs = store_records.read_records(path, sniffed, tz, default_store=store_id)
    meta = {"file_name": path.name, "file_path": str(path.resolve()), "sha256": sha, "format": recs.kind.name,
            "platform": "store", "encoding": sniffed.label, "source_tz": tz, "n_read": recs.n_read,
            "parser_version": PARSER_VERSION}
    with db.writer(db_path, tz, on_wait=on_wait) as con:
        if con.execute("select count(*) from imports where sha256 = $s", {"s": sha}).fetchone()[0]:
            return ImportReport(str(path), "already imported")
        con.execute("begin")
        try:
            import_id = store.next_import_id(con)
            counts = store_records.write(con, path, recs, import_id)
            store.record_import(con, import_id, meta, store_records.coverage(recs), counts.n_new,
                                counts.n_unchanged, [])
            db.bump_data_version(con)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    cov = store_records.coverage(recs)
    return ImportReport(
        file=str(path), status="imported", format=recs.kind.name, encoding=sniffed.label, import_id=import_id,
        n_read=recs.n_read, n_new=counts.n_new, n_duplicate=counts.n_unchanged, n_updated=counts.n_updated,
        coverage_start=cov[0], coverage_end=cov[1], details={"kind": recs.kind.label, **counts.extra},
    )


IMPORTABLE_SUFFIXES = {".csv", ".txt", ".json", ".jsonl", ".ndjson", ".zip", ".parquet"}
NOT_EXPORTS = {"users.json", "truth.json"}  # side files of exports and of the sample scenario


def import_order(paths: list[Path]) -> list[Path]:
    """Files to import, folders expanded, in the order that resolves references: chat exports first,
    then visits and events, then members.csv and regimes.csv (they name chats from the exports)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += [f for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in IMPORTABLE_SUFFIXES
                      and f.name not in NOT_EXPORTS]
        else:
            files.append(p)

    def rank(f: Path) -> int:
        # a file that cannot be read (empty, binary, a FIFO that would block) keeps its place: its
        # own import says what is wrong with it, and the others still import
        try:
            check_regular_file(f)
            kind = record_kind(f)
        except (IngestError, OSError, RecursionError, MemoryError):
            return 0
        return 0 if kind is None else 2 if kind in (store_records.MEMBERS, store_records.REGIMES) else 1

    return sorted(files, key=rank)
