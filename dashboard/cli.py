"""The `qunxi` command: demo, serve, ingest, formats, sample, queries, query, analyze."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

import polars as pl
import pyarrow as pa
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dashboard.core import db, queries, result_files, sandbox, settings
from dashboard.core.ingest import store_records
from dashboard.core.ingest.detect import FORMATS
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import MAP_FIELDS
from dashboard.core.ingest.pipeline import ImportReport, import_order, ingest_file
from dashboard.core.sample.generate import DEFAULT_SEED, OutputNotEmpty, generate, generate_scaled

app = typer.Typer(
    name="qunxi",
    help="群析 Qunxi — local-first engagement analytics for group chats. Nothing leaves this machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="Database file (default: $QUNXI_DB or the user data dir).")]
TzOption = Annotated[str, typer.Option("--tz", help="Time zone the export's clock times are in.")]

RECORD_DETAIL = {"customers": "会员", "roles": "角色", "customer_links": "会员关联",
                 "shop_prefixed_ids": "与其他门店重号、加了门店前缀的编号"}
STAGE_LABEL = {"parse": "读取消息", "words": "分词", "store": "写入数据库"}


def _db(path: Path | None) -> Path:
    """Where an import writes: --db, else $QUNXI_DB, else the user's own database."""
    return settings.load(db_path=path).db_path


def _read_db(path: Path | None) -> Path:
    """Where a reading command reads (--db, else settings.reading_db_path()), said on stderr so that
    csv and json on stdout stay clean."""
    target = path.expanduser() if path else settings.reading_db_path()
    demo = " (示例数据库 · the demo; 导入自己的数据后改读 qunxi.duckdb)" \
        if target == settings.demo_db_path() and path is None else ""
    err.print(f"数据库 · database: {target}{demo}", soft_wrap=True, highlight=False, markup=False)
    return target


def _no_database(target: Path) -> None:
    _fail(f"数据库 {target} 还不存在：先用 qunxi ingest 导入聊天记录，或运行 qunxi demo 建示例数据库")


def _error(message: str) -> None:
    """One error line; the message is printed as it is (a chat or file name may hold `[/]`)."""
    err.print(Text.assemble(("错误", "bold red"), f": {message}"), soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    _error(message)
    raise typer.Exit(code)


# ---------------------------------------------------------------------------------------------
# ingest

def _print_reports(reports: list[ImportReport]) -> None:
    # names, chats and skipped lines come from the data: Text, never markup (a chat named `[/]`)
    for r in reports:
        name = Path(r.file).name
        if r.status != "imported":
            console.print(Text.assemble((name, "yellow"), ": 这个文件已经导入过，没有新增任何内容 (already imported)"))
            continue
        if "kind" in r.details:  # store records
            extra = "，".join(f"{RECORD_DETAIL.get(k, k)} {v:,}" for k, v in r.details.items() if k != "kind")
            console.print(Text.assemble((name, "green"), f" {r.details['kind']}: 读取 {r.n_read:,} 行，"
                                        f"新增 {r.n_new:,}，更新 {r.n_updated:,}，未变 {r.n_duplicate:,}"
                                        + (f"；{extra}" if extra else "")))
            continue
        table = Table(title=Text(f"{name} 导入完成"), show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        cov = f"{r.coverage_start:%Y-%m-%d %H:%M} → {r.coverage_end:%Y-%m-%d %H:%M}" if r.coverage_start else ""
        for k, v in (("格式 format", f"{r.format} ({r.encoding})"), ("群聊 chats", "、".join(r.chats)),
                     ("导出者 exporter", r.exporter or "未知"), ("成员 members", f"{r.n_members:,}"),
                     ("读取 records", f"{r.n_read:,}"), ("新消息 new", f"{r.n_new:,}"),
                     ("重复 duplicate", f"{r.n_duplicate:,}"), ("跳过 skipped", f"{r.n_skipped:,}"),
                     ("覆盖 coverage", cov)):
            table.add_row(k, Text(v))
        console.print(table)
        for s in r.skipped_samples[:5]:
            console.print(Text.assemble("  ", ("跳过", "yellow"), f" {s}"))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(
        help="Chat exports (WeChat CSV/TXT …), store records (visits.csv, events.csv, members.csv) or folders.")],
    db_path: DbOption = None,
    tz: TzOption = settings.DEFAULT_TZ,
    chat_name: Annotated[str | None, typer.Option("--chat-name", help="Name the chat (overrides the export).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format instead of detecting it.")] = None,
    store: Annotated[str | None, typer.Option("--store", help="Attach the chats to this store id.")] = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", help="Read any other CSV/Parquet table: FIELD=COLUMN, e.g. --map time=发送时间 --map sender=发送人 "
                      "--map text=内容 (fields: " + ", ".join(MAP_FIELDS) + ").")] = None,
) -> None:
    """Import chat exports and store records (idempotent: re-imports add nothing twice).

    Files are imported exports first, then visits and events, then members.csv, whatever the
    order given, because members.csv refers to chats and nicknames from the exports.
    A file that cannot be imported is named with the reason and changes nothing; the others are
    still imported, and the exit status is 2. `qunxi formats` lists every export this recognises."""
    target = _db(db_path)
    mapping = _mapping(maps) if maps else None
    reports: list[ImportReport] = []
    failures: list[str] = []
    files = import_order(files)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        for f in files:
            task = bar.add_task(escape(f.name), total=None)

            def progress(stage: str, done: int, task: int = task, name: str = escape(f.name)) -> None:
                bar.update(task, description=f"{name} · {STAGE_LABEL.get(stage, stage)}", completed=done)

            try:
                reports.append(ingest_file(f, target, tz=tz, chat_name=chat_name, fmt=fmt, store_id=store,
                                           mapping=mapping, progress=progress,
                                           on_wait=lambda m: err.print(m, style="yellow", markup=False)))
            except IngestError as exc:
                failures.append(str(exc))
            except db.StoreError as exc:
                failures.append(f"{f.name}: {exc}")
            except Exception as exc:  # a defect, not the file: still one sentence, and the other files go on
                first = (str(exc).strip().splitlines() or [""])[0]
                failures.append(f"{f.name}: 导入时出现意外错误（{type(exc).__name__}: {first}）；"
                                "请把这条信息报告给开发者")
            bar.remove_task(task)
    _print_reports(reports)
    for message in failures:
        _error(message)
    console.print(Text(f"数据库: {target}"))
    if failures:
        raise typer.Exit(2)


def _mapping(maps: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in maps:
        field, sep, column = m.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not column:
            _fail(f"--map {m!r} 应写成 字段=列名，例如 --map time=发送时间")
        if field not in MAP_FIELDS:
            _fail(f"--map 的字段 {field!r} 不认识；可用的字段: {', '.join(MAP_FIELDS)}")
        out[field] = column
    if "time" not in out or not ({"sender", "sender_id"} & out.keys()):
        _fail("--map 至少要指定 time 和 sender（或 sender_id）两列，例如 --map time=发送时间 --map sender=发送人")
    return out


@app.command()
def formats() -> None:
    """List every export format the ingest recognises, with a line of what it looks like."""
    console.print("[bold]支持的导出格式 Supported formats[/]")
    rows = [(f.name, f.label, f.platform, f.sample) for f in FORMATS]
    rows += [(k.name, k.label, "store", k.example) for k in store_records.KINDS]
    for name, label, platform, sample in rows:
        console.print(f"[bold cyan]{name}[/]  {label}  [dim]({platform})[/]", soft_wrap=True)
        console.print(f"    {sample}", soft_wrap=True, markup=False, highlight=False)
    console.print("文件按内容识别，不看文件名；编码自动判断（UTF-8 含/不含 BOM、UTF-16、GB18030/GBK）。"
                  "其他表格用 qunxi ingest FILE --map time=列名 --map sender=列名 --map text=列名。")


# ---------------------------------------------------------------------------------------------
# sample scenario

@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (new or empty).")] = Path("qunxi-sample"),
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = DEFAULT_SEED,
    scale: Annotated[int | None, typer.Option("--scale", help="About this many messages: one folder per shop.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Empty the folder first (README.md is kept).")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes for --scale (default: cores).")] = None,
) -> None:
    """Write the sample scenario: a mother-and-baby store's three WeChat groups in real export
    formats, its visits, events and member notes, and truth.json with every planted fact."""
    try:
        if scale is None:
            truth = generate(out, seed, force)
            n = sum(c["messages"] for c in truth["chats"].values())
            console.print(f"示例数据已写入 {out}: 3 个群 {n:,} 条消息，{truth['visits']['rows']:,} 条到店记录")
            return
        with Progress(TextColumn("生成示例数据"), BarColumn(), TextColumn("{task.completed}/{task.total} 家店"),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("shops", total=None)
            summary = generate_scaled(out, scale, seed, force, workers,
                                      progress=lambda done, total: bar.update(task, completed=done, total=total))
        console.print(f"示例数据已写入 {out}: {summary['shops']:,} 家店，{summary['messages']:,} 条消息，"
                      f"{summary['visits']:,} 条到店记录")
    except OutputNotEmpty:
        _fail(f"{out} 不是空文件夹；换一个 --out，或加 --force 清空它（README.md 会保留）")


# ---------------------------------------------------------------------------------------------
# queries

def _parse_params(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            _fail(f"--param 应为 name=value，得到 {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _emit(batches: Iterable[pa.RecordBatch], schema: pa.Schema, fmt: str, out: Path | None, tz: str,
          total: int | None) -> None:
    """Write the result batch by batch (never every row at once) through core/result_files, the one
    place results become files: a table shows the first TABLE_ROWS rows and stops reading there.
    A file is written beside `out` and moved there when whole; a failure leaves none."""
    if fmt == "table":
        kept: list[pa.RecordBatch] = []
        n = 0
        for batch in batches:
            kept.append(batch)
            n += batch.num_rows
            if n > TABLE_ROWS:
                break  # the rest is never read: a sandboxed query stops here
        frame = result_files.to_frame(pa.Table.from_batches(kept, schema=schema))
        if out is None:
            _print_table(frame.head(TABLE_ROWS), total, more=n > TABLE_ROWS)
        else:
            _write_out(out, lambda sink: sink.write(str(frame.head(TABLE_ROWS)).encode("utf-8") + b"\n"))
        return

    def write(sink: BinaryIO) -> None:
        if fmt == "json":
            result_files.write_json(batches, sink)
        else:  # a file opened in Excel wants the byte-order mark; a pipe does not
            result_files.write(batches, schema, fmt, sink, tz, bom=out is not None)

    if out is None:
        sys.stdout.flush()
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        _write_out(out, write)


def _write_out(out: Path, write: Callable[[BinaryIO], object]) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        _fail(f"无法写入 {out}：{exc.strerror or exc}")
    try:
        with os.fdopen(fd, "wb") as sink:
            write(sink)
        os.replace(tmp, out)
    except OSError as exc:
        _fail(f"无法写入 {out}：{exc.strerror or exc}")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


TABLE_ROWS = 200
CELL_MAX = 32  # a wider cell is cut with "…": the whole value is in --format csv or json


def _cell(v: object) -> str:
    """A value as the table shows it: floats to four decimals (csv and json keep every digit)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else f"{v:.4g}"
    return str(v).replace("\n", " ")


def _print_table(frame: pl.DataFrame, total: int | None = None, more: bool = False) -> None:
    """The first rows as a table that fits the terminal: each column as wide as its values (up to
    CELL_MAX), columns taken left to right while they fit, and the ones left out named, so that every
    column shown is readable at 80 characters as at 200 (rich would squeeze all of them to "…")."""
    shown = frame.head(TABLE_ROWS)
    cells = {c: [_cell(v) for v in shown[c].to_list()] for c in frame.columns}
    widths = {c: min(CELL_MAX, max([cell_len(c)] + [cell_len(v) for v in cells[c]])) for c in frame.columns}
    room, kept = console.width - 1, []
    for c in frame.columns:
        need = widths[c] + 3  # padding and the border
        if kept and need > room:
            break
        kept.append(c)
        room -= need
    table = Table(show_lines=False, header_style="bold")
    for c in kept:
        table.add_column(c, width=min(widths[c], console.width - 4), no_wrap=True, overflow="ellipsis",
                         justify="right" if frame.schema[c].is_numeric() else "left")
    for i in range(shown.height):
        table.add_row(*[Text(cells[c][i], no_wrap=True, overflow="ellipsis") for c in kept])
    console.print(table)
    left = [c for c in frame.columns if c not in kept]
    if left:
        console.print(f"另有 {len(left)} 列没有显示 · {len(left)} more columns not shown: {', '.join(left)}"
                      "（用 --columns 选列，或 --format csv / json 看全部 · choose with --columns, or use csv/json）",
                      soft_wrap=True, highlight=False, markup=False)
    if total is not None and total > TABLE_ROWS:
        console.print(f"… 共 {total:,} 行，显示前 {TABLE_ROWS} 行（用 --format csv 导出全部）", highlight=False)
    elif more:
        console.print(f"… 不止 {TABLE_ROWS} 行，显示前 {TABLE_ROWS} 行（用 --format csv 导出全部）· "
                      f"more than {TABLE_ROWS} rows; the first {TABLE_ROWS} shown", highlight=False)


@app.command("queries")
def list_queries() -> None:
    """List the named queries (the metric layer the pages use), then your own saved ones (mine/…)."""
    for name, q in queries.registry().items():
        params = ", ".join(f"{p.name}: {p.type}" + (f" = {p.default}" if p.default else "") for p in q.params)
        mark = "" if q.builtin else "  [dim](自己的 · yours, runs in the sandbox)[/]"
        console.print(f"[bold]{escape(name)}[/]  {escape(q.title)}{mark}", soft_wrap=True)
        console.print(f"    grain: {q.grain}", soft_wrap=True, highlight=False, markup=False)
        console.print(f"    params: {params or 'none'}", soft_wrap=True, highlight=False, markup=False)
    folder = settings.user_queries_dir()
    console.print(f"\n自己的查询保存在 · Your own queries live in {folder}", soft_wrap=True, highlight=False,
                  markup=False)
    for problem in queries.user_problems():
        console.print(f"[yellow]未列出 · not listed:[/] {escape(problem)}", soft_wrap=True, highlight=False)


@app.command()
def query(
    name: Annotated[str | None, typer.Argument(help="A named query, e.g. activity/daily_activity.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value, repeatable.")] = None,
    sql: Annotated[str | None, typer.Option(
        "--sql", help="Run one read-only statement instead, in the sandbox (no files, no network, no writes).")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Stop --sql (or a saved query of yours) after this many seconds.",
        min=0.1)] = sandbox.DEFAULT_TIMEOUT_S,
    db_path: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json | parquet")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    columns: Annotated[str | None, typer.Option(
        "--columns", help="Only these columns, in this order: a comma-separated list.")] = None,
    tz: TzOption = settings.DEFAULT_TZ,
) -> None:
    """Run a named query, or read-only SQL, against the database. Rows are written as they come:
    csv, json and parquet have every row (csv to a file starts with a byte-order mark for Excel; a
    cell a spreadsheet would run as a formula gets a leading '), the table the first 200."""
    if fmt not in ("table", "csv", "json", "parquet"):
        _fail(f"未知输出格式 {fmt!r}：可选 table、csv、json、parquet")
    if (name is None) == (sql is None):
        _fail("请给出一个查询名，或者 --sql \"select …\"（二选一）")
    if fmt == "parquet" and out is None:
        _fail("--format parquet 需要 --out FILE")
    target = _read_db(db_path)
    try:
        with _result(target, name, sql, param, timeout, tz) as (batches, schema, total):
            wanted = _pick_columns(schema, columns)
            if wanted is not None:
                schema = pa.schema([schema.field(c) for c in wanted])
                batches = (b.select(wanted) for b in batches)
            _emit(batches, schema, fmt, out, tz, total)
    except db.NoDatabase:
        _no_database(target)
    except (queries.QueryError, sandbox.SandboxError, db.StoreError) as exc:
        _fail(str(exc))
    except pa.ArrowException as exc:  # a value the format cannot hold
        _fail(f"结果无法写成 {fmt} · the result cannot be written as {fmt}: {exc}")


@contextlib.contextmanager
def _result(target: Path, name: str | None, sql: str | None, param: list[str] | None, timeout: float,
            tz: str) -> Iterator[tuple[Iterable[pa.RecordBatch], pa.Schema, int | None]]:
    """The result's batches, its schema and (when known without reading it all) its row count.
    Analyst SQL and saved queries stream from the sandbox, whose time limit covers the writing too."""
    if sql is None and name is not None and queries.get(name).builtin:
        with db.reader(target, tz) as con:
            frame = queries.run(con, name, **_parse_params(param))
        table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        yield table.to_batches(), table.schema, frame.height
        return
    if sql is None:
        q = queries.get(name)
        sql, params = q.sql, queries.bind(q, _parse_params(param))
    else:
        params = None
    with sandbox.stream(target, sql, timeout_s=timeout, tz=tz, params=params) as reader:
        yield reader, reader.schema, None


def _pick_columns(schema: pa.Schema, columns: str | None) -> list[str] | None:
    if not columns:
        return None
    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in schema.names]
    if unknown:
        _fail(f"--columns 里的列 {', '.join(unknown)} 不在结果里；结果的列: {', '.join(schema.names)}")
    return wanted


ANALYSES = ("cold_start", "roles", "events", "growth", "red_packets", "rules")


@app.command()
def analyze(
    analysis: Annotated[str, typer.Argument(
        help="What to analyse: cold_start, roles, events, growth, red_packets or rules.")],
    chat: Annotated[list[str] | None, typer.Option("--chat", help="Only this chat (by name); repeatable.")] = None,
    db_path: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    tz: TzOption = settings.DEFAULT_TZ,
) -> None:
    """What a page shows, as JSON or a short table. cold_start: per chat, the end of cold start (or
    why it cannot be seen), the cold spells and every scored account with its evidence. roles: each
    member's declared and inferred roles with evidence, RFM and centrality, the weekly diversity,
    mixing and topic series, each expert's pull and the association summary. events: per event the
    funnel, the estimated extra visits with their 80% and 90% intervals, the verdict and the
    minimum detectable effect, the caveats and the sign-ups (--chat keeps events announced there).
    growth: per chat the invitation tree's generations, depth and structural virality, observed K,
    the referrer rate and the organic referral share, and every inviter → invitee edge. red_packets:
    per packet its claims and the 60-minute lift in organic messages and speakers with 95%
    intervals, thanks vs talk, new voices, the day after, the pre-check and the cost when the owner
    entered the amount; the pooled lift; the weekly dependency on packets. rules: the rule set in use
    with hits per rule, every hit with its message, the members hit, and hits around rule changes."""
    from dashboard.core.analytics import cold_start, events, growth, red_packets, roles_report, rule_audit

    if analysis not in ANALYSES:
        _fail(f"未知分析 {analysis!r}：可选 {'、'.join(ANALYSES)}")
    if fmt not in ("table", "json"):
        _fail(f"未知输出格式 {fmt!r}：可选 table、json")
    target = _read_db(db_path)
    try:
        with db.reader(target, tz) as con:
            chat_ids = _chat_ids(con, chat)
            if analysis == "cold_start":
                result = cold_start.as_dict(cold_start.analyze(con, chat_ids))
            elif analysis == "roles":
                result = roles_report.report(con, chat_ids)
            elif analysis == "events":
                result = events.report(con, chat_ids)
            elif analysis == "growth":
                result = growth.report(con, chat_ids)
            elif analysis == "red_packets":
                result = red_packets.report(con, chat_ids)
            else:
                result = rule_audit.report(con, chat_ids)
    except db.NoDatabase:
        _no_database(target)
    except (queries.QueryError, db.StoreError) as exc:
        _fail(str(exc))
    if fmt == "json":
        text = json.dumps(result, ensure_ascii=False, default=str, indent=1) + "\n"
        if out:
            _write_out(out, lambda sink: sink.write(text.encode("utf-8")))
        else:
            sys.stdout.write(text)
        return
    tables = {"cold_start": _cold_start_table, "roles": _roles_table, "events": _events_table,
              "growth": _growth_table, "red_packets": _red_packets_table, "rules": _rules_table}
    console.print(tables[analysis](result))


def _cold_start_table(result: dict) -> Table:
    table = Table("群 chat", "冷启动 cold start", "冷场 cold spells", "疑似小号 suspected alts")
    for c in result["chats"]:
        cs = c["cold_start"]
        when = f"{cs['end']}（第 {cs['age_day']} 天）" if cs["status"] == "ended" else cs["reason"]
        alts = "、".join(f"{a['name']} ({a['score']}/8)" for a in c["accounts"] if a["status"] == "suspected")
        table.add_row(c["chat"], when, str(len(c["cold_spells"])), alts or "—")
    return table


def _growth_table(result: dict) -> Table:
    table = Table("群 chat", "成员 members", "各代人数 generations", "最深 depth", "结构传播度 virality", "K",
                  "邀请过人的比例 referrers")
    for c in result["chats"]:
        big = c["trees"][0]["structural_virality"] if c["trees"] else None
        gens = " ".join(f"{g}:{n}" for g, n in c["generations"].items())
        table.add_row(c["chat"], str(c["members"]), gens, str(c["max_depth"]), "—" if big is None else f"{big:.2f}",
                      "—" if c["k_observed"] is None else f"{c['k_observed']:.2f}",
                      "—" if c["referrer_rate"] is None else f"{c['referrer_rate']:.0%}")
    return table


def _red_packets_table(result: dict) -> Table:
    table = Table("群 chat", "时间 time", "领取 claims", "60分钟消息 msgs (预期 expected)", "多出的消息 lift (95%)",
                  "多出的发言人 extra speakers (95%)", "感谢 thanks", "新声音 new voices")
    for p in result["packets"]:
        lift = "—" if p["lift_msgs"] is None else \
            f"{p['lift_msgs']:+.1f} ({p['lift_msgs_lo']:+.1f} … {p['lift_msgs_hi']:+.1f})"
        spk = "—" if p["lift_speakers"] is None else \
            f"{p['lift_speakers']:+.1f} ({p['lift_speakers_lo']:+.1f} … {p['lift_speakers_hi']:+.1f})"
        exp = "—" if p["exp_msgs_60"] is None else f"{p['exp_msgs_60']:.1f}"
        table.add_row(p["chat_name"], str(p["ts"])[:16], str(p["claims"]), f"{p['msgs_60']} ({exp})", lift, spk,
                      str(p["thanks_60"]), str(p["new_voices_60"]))
    return table


def _rules_table(result: dict) -> Table:
    names = {r["rule_id"]: r["name"] for r in result["rules"]}
    table = Table("群 chat", "时间 time", "成员 member", "规则 rule", "内容 message", "命中 matched")
    for h in result["hits"]:
        table.add_row(h["chat_name"], str(h["ts"])[:16], h["member_name"] or "—", names.get(h["rule_id"], h["rule_id"]),
                      (h["text"] or f"[{h['kind']}]")[:40], h["detail"] or "")
    return table


def _roles_table(result: dict) -> Table:
    """Members who hold a role (declared, or inferred other than regular), one row each."""
    table = Table("群 chat", "成员 member", "声明 declared", "推断 inferred", "领域 domain", "依据 evidence")
    for m in result["members"]:
        inferred = [r for r in m["inferred"]["roles"] if r != "regular"]
        declared = [r for r in m["declared"]["roles"] if r != "customer"]
        if not declared and not inferred:
            continue
        evidence = [e["criterion"] for e in m["inferred"]["evidence"] if not e["criterion"].startswith("regular")]
        table.add_row(m["chat"], m["name"] or m["member_id"], "、".join(declared) or "—", "、".join(inferred) or "—",
                      m["declared"]["domain"] or m["inferred"]["domain"] or "—", "、".join(evidence))
    return table


def _events_table(result: dict) -> Table:
    table = Table("活动 event", "日期 day", "报名 signed up", "到店 attended", "多来的到店 extra visits (90%)",
                  "结论 verdict")
    for e in result["events"]:
        x = e["effect"]["extra_visits"]
        extra = f"{x['estimate']:+.1f} ({x['low90']:+.1f} … {x['high90']:+.1f})" if x else "—"
        table.add_row(e["name"], str(e["day"]), str(e["funnel"]["signed_up"]), str(e["funnel"]["attended"]), extra,
                      e["effect"]["verdict"] or "not enough data")
    return table


def _chat_ids(con, names: list[str] | None) -> list[str] | None:
    """The ids of the chats named, or None for every chat; an unknown name is an error."""
    if not names:
        return None
    found = dict(con.execute("select name, chat_id from chats where list_contains($n, name)", {"n": names}).fetchall())
    missing = [n for n in names if n not in found]
    if missing:
        known = [r[0] for r in con.execute("select name from chats order by name").fetchall()]
        _fail(f"找不到群 {'、'.join(missing)}；已导入的群：{'、'.join(known)}")
    return [found[n] for n in names]


# ---------------------------------------------------------------------------------------------
# serving

def _streamlit_args(port: int, headless: bool) -> list[str]:
    app_file = Path(__file__).resolve().parent / "app.py"
    return [
        sys.executable, "-m", "streamlit", "run", str(app_file),
        "--server.address=127.0.0.1", f"--server.port={port}", f"--server.headless={str(headless).lower()}",
        "--browser.gatherUsageStats=false", "--client.toolbarMode=viewer", "--client.showErrorLinks=false",
        "--server.fileWatcherType=none", "--server.runOnSave=false", "--server.maxUploadSize=1024",
        "--theme.base=light",
    ]


def _serve(target: Path, port: int, headless: bool) -> None:
    env = {**os.environ, "QUNXI_DB": str(target)}
    console.print(f"群析 Qunxi 正在运行: [bold]http://127.0.0.1:{port}[/]  (数据库 {target}，按 Ctrl+C 退出)")
    server = subprocess.Popen(_streamlit_args(port, headless), env=env)
    # Whoever stops `qunxi serve` with SIGTERM (a service manager, a test) stops the server with it,
    # or the server outlives us holding the port and the database.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        server.wait()
    except KeyboardInterrupt:  # Ctrl+C reaches the server too (one process group): let it finish
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()


@app.command()
def serve(
    db_path: DbOption = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8501,
    headless: Annotated[bool, typer.Option("--headless", help="Do not open a browser.")] = False,
) -> None:
    """Serve the dashboard on http://127.0.0.1 (local only): your database, or the demo's before
    your first import."""
    target = db_path or settings.reading_db_path()
    try:
        db.ensure_database(target)
    except db.StoreError as exc:
        _fail(str(exc))
    _serve(target, port, headless)


@app.command()
def demo(
    port: Annotated[int, typer.Option("--port")] = 8501,
    headless: Annotated[bool, typer.Option("--headless", help="Do not open a browser.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the demo database from sample_data/.")] = False,
    db_path: DbOption = None,
) -> None:
    """Build the demo database from sample_data/ (first run) and serve it."""
    from dashboard.core.sample.demo import build_demo

    target = db_path or settings.demo_db_path()
    try:
        built = build_demo(target, rebuild=rebuild, progress=lambda m: console.print(m))
        db.ensure_database(target)  # a demo built by an older version gets today's schema and views
    except (IngestError, db.StoreError) as exc:
        _fail(str(exc))
    if built:
        console.print(f"示例数据库已建好: {target}")
    _serve(target, port, headless)


if __name__ == "__main__":
    app()
