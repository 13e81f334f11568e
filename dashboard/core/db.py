"""The DuckDB store: connecting, migrations, metric views and the locking protocol.

DuckDB lets one process write or many processes read a file. The app therefore never holds the
file while idle: readers open short-lived read-only connections, the writer takes the lock only
for the one transaction that stores an import, and both retry briefly when the other side holds
it (docs/architecture.md §2).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from dashboard.core import rollups, rules, settings
from dashboard.core.sqlfile import read_sql_file
from dashboard.core.text import topics

LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "different configuration")


class StoreError(Exception):
    """A problem with the database that the user should see as one clear sentence."""


class DataUpdating(StoreError):
    """Another process is writing; readers show "data is updating" and retry later."""


class NoDatabase(StoreError):
    """The database file does not exist yet."""


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(m in str(exc) for m in LOCK_MARKERS)


def _connect_with_retry(
    path: Path,
    read_only: bool,
    wait_s: float,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    delay = 0.05
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                raise StoreError(f"无法打开数据库 {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                if read_only:
                    raise DataUpdating(f"数据正在更新（{path} 被另一个进程写入），请稍后刷新。") from exc
                raise StoreError(
                    f"数据库 {path} 正被另一个程序占用，等待 {wait_s:.0f} 秒后仍未释放。"
                    "请关闭其他正在导入的窗口后重试。"
                ) from exc
            if on_wait and not told:
                on_wait(f"数据库正被另一个程序使用，正在等待（最多 {wait_s:.0f} 秒）…")
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def memory_limit_mb(share: float = 0.4) -> int:
    """DuckDB's own default is 80% of RAM, which leaves too little for the Python side of a rollup
    refresh (Polars, networkx) and got a 10M-message rebuild killed by the kernel; 40% makes DuckDB
    spill to disk earlier instead. The SQL sandbox asks for less (core/sandbox.py)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(1024, int(total * share / 2**20))


def _session_setup(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    con.execute(f"set TimeZone = '{safe_tz(tz)}'")
    con.execute(f"set memory_limit = '{memory_limit_mb()}MB'")
    if threads := os.environ.get("QUNXI_DUCKDB_THREADS"):
        con.execute(f"set threads = {int(threads)}")


def safe_tz(tz: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", tz):
        raise StoreError(f"时区名称无效: {tz!r}")
    return tz


def open_reader(
    path: str | Path | None = None, tz: str = settings.DEFAULT_TZ, wait_s: float = 3.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A read-only connection the caller closes. Raises NoDatabase or DataUpdating, never a lock
    traceback. A page waits a few seconds; an import waits its turn like the writer (WRITER_WAIT_S,
    saying so through `on_wait`)."""
    db_path = Path(path) if path else settings.default_db_path()
    if not db_path.exists():
        raise NoDatabase(f"还没有数据库 {db_path}")
    con = _connect_with_retry(db_path, read_only=True, wait_s=wait_s, on_wait=on_wait)
    try:
        _session_setup(con, tz)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def reader(
    path: str | Path | None = None, tz: str = settings.DEFAULT_TZ, wait_s: float = 3.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection."""
    con = open_reader(path, tz, wait_s, on_wait)
    try:
        yield con
    finally:
        con.close()


WRITER_WAIT_S = 30.0


@contextlib.contextmanager
def writer(
    path: str | Path | None = None,
    tz: str = settings.DEFAULT_TZ,
    wait_s: float = WRITER_WAIT_S,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The write lock, migrated and with current views. Hold it for as short a time as possible."""
    db_path = Path(path) if path else settings.default_db_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_with_retry(db_path, read_only=False, wait_s=wait_s, on_wait=on_wait)
    try:
        _session_setup(con, tz)
        migrate(con)
        yield con
    finally:
        con.close()


def ensure_database(path: str | Path, tz: str = settings.DEFAULT_TZ) -> None:
    """Create the file if needed and bring schema and views up to date."""
    with writer(path, tz):
        pass


# ---------------------------------------------------------------------------------------------
# migrations and views

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, Path]]:
    out = []
    for f in sorted((settings.queries_dir() / "schema").glob("*.sql")):
        m = _MIGRATION_NAME.match(f.name)
        if not m:
            raise StoreError(f"迁移文件名不符合 NNN_name.sql: {f.name}")
        out.append((int(m.group(1)), f))
    return out


def view_files() -> list[Path]:
    return sorted((settings.queries_dir() / "views").glob("*.sql"))


# bumped when the way views are created changes (2: each view carries its header as its comment)
_VIEWS_SCHEME = b"2"


def _views_fingerprint(files: list[Path]) -> str:
    h = hashlib.sha256(_VIEWS_SCHEME)
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    done = {r[0] for r in con.execute("select version from schema_migrations").fetchall()}
    for version, f in migration_files():
        if version in done:
            continue
        con.execute("begin")
        try:
            con.execute(f.read_text(encoding="utf-8"))
            con.execute(
                "insert into schema_migrations values ($v, $n, now())", {"v": version, "n": f.name}
            )
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            raise StoreError(f"数据库迁移 {f.name} 失败: {exc}") from exc
    _apply_views(con)
    _sync_topic_words(con)
    _refresh_stale_rollups(con)
    _recount_rule_hits(con)


def _recount_rule_hits(con: duckdb.DuckDBPyConnection) -> None:
    """The default rule set ships with the app: an upgrade that changes it recounts the hits."""
    con.execute("begin")
    try:
        if rules.refresh_if_changed(con):
            bump_data_version(con)
        con.execute("commit")
    except (duckdb.Error, rules.RulesError, ValueError) as exc:  # QueryError is a ValueError
        con.execute("rollback")
        raise StoreError(f"群规命中重算失败: {exc}") from exc


def _sync_topic_words(con: duckdb.DuckDBPyConnection) -> None:
    """topics.toml is the owner's to edit: when it changed since it was last read, rewrite table
    topic_words and recount the rollups that read it (the other rollups stay as they are)."""
    try:
        words = topics.word_topics(topics.read_topics())
    except topics.TopicFileError as exc:
        raise StoreError(f"主题词表有误: {exc}") from exc
    fp = hashlib.sha256(words.write_csv().encode("utf-8")).hexdigest()
    row = con.execute("select value from meta where key = 'topics_fingerprint'").fetchone()
    if row and row[0] == fp:
        return
    con.execute("begin")
    try:
        con.execute("delete from topic_words")
        con.register("topic_words_df", words)
        con.execute("insert into topic_words by name select distinct * from topic_words_df")
        con.unregister("topic_words_df")
        if not con.execute("select 1 from meta where key = 'rollups_stale'").fetchall():
            chats = [r[0] for r in con.execute("select chat_id from chats").fetchall()]
            rollups.refresh(con, chats, rollups.TERM_ROLLUPS)
        con.execute("insert or replace into meta values ('topics_fingerprint', $fp)", {"fp": fp})
        bump_data_version(con)
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        raise StoreError(f"主题词表写入失败: {exc}") from exc


def _refresh_stale_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """A migration that adds or changes a rollup marks them stale; rebuild them from the stored
    messages once, so an existing database keeps everything it had."""
    stale = [r[0] for r in con.execute("select key from meta where key like 'rollups_stale%'").fetchall()]
    if not stale:
        return
    con.execute("begin")
    try:
        if "rollups_stale" in stale:
            rollups.refresh_all(con)
        else:  # 'rollups_stale:<name>': a migration that adds one rollup fills only that one
            chats = [r[0] for r in con.execute("select chat_id from chats").fetchall()]
            rollups.refresh(con, chats, tuple(k.split(":", 1)[1] for k in stale))
        con.execute("delete from meta where key like 'rollups_stale%'")
        bump_data_version(con)
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        raise StoreError(f"汇总表重建失败: {exc}") from exc


def _apply_views(con: duckdb.DuckDBPyConnection) -> None:
    files = view_files()
    fp = _views_fingerprint(files)
    row = con.execute("select value from meta where key = 'views_fingerprint'").fetchone()
    if row and row[0] == fp:
        return
    parsed = {f.stem: read_sql_file(f) for f in files}
    pending = {name: sf.body for name, sf in parsed.items()}
    # Views may read other views: create in passes until nothing is left or no pass progresses.
    last_error: Exception | None = None
    while pending:
        progressed = False
        for name, body in list(pending.items()):
            try:
                con.execute(f"create or replace view {name} as {body}")
                del pending[name]
                progressed = True
            except duckdb.CatalogException as exc:
                last_error = exc
        if not progressed:
            raise StoreError(f"视图无法创建 {sorted(pending)}: {last_error}")
    for name, sf in parsed.items():
        # what the schema browser and duckdb_views() show analysts
        about = ". ".join(x for x in (sf.header.get("title", ""), sf.header.get("description", "")) if x)
        con.execute(f"comment on view {name} is '{about.replace(chr(39), chr(39) * 2)}'")
    con.execute(
        "insert or replace into meta values ('views_fingerprint', $fp)", {"fp": fp}
    )


# ---------------------------------------------------------------------------------------------
# data version

def data_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("select value from meta where key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    new = data_version(con) + 1
    con.execute("insert or replace into meta values ('data_version', $v)", {"v": str(new)})
    return new


@contextlib.contextmanager
def change(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One change the owner makes from a page (a role, a word, a link, an event): its statements
    and the rollups it moves in one transaction, the data version bumped so caches drop."""
    con.execute("begin")
    try:
        yield
        bump_data_version(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def file_fingerprint(path: str | Path) -> tuple:
    """Cheap change detector (no open): size and mtime of the file and its WAL."""
    p = Path(path)
    out: list = []
    for f in (p, Path(str(p) + ".wal")):
        try:
            st = os.stat(f)
            out.extend([st.st_size, st.st_mtime_ns])
        except FileNotFoundError:
            out.extend([None, None])
    return tuple(out)
