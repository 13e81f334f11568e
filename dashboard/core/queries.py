"""The registry of named queries in `queries/<area>/<subject>_<measure>.sql`, and beside them the
analyst's own saved queries (`mine/<name>`, from settings.user_queries_dir()).

Every page, the CLI and the tests run metrics through here, so each number has one definition.
An analyst's own query is not trusted like the shipped ones: it only ever runs in the sandbox.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard.core import settings
from dashboard.core.sqlfile import Param, SqlFile, SqlFileError, read_sql_file

REQUIRED_HEADER = ("title", "grain", "params", "description")
_PARAM_USE = re.compile(r"\$([a-z_][a-z0-9_]*)")
_SKIP_DIRS = {"schema", "views", "rollups"}  # DDL, shared views, rollup refreshes
USER_AREA = "mine"


class QueryError(ValueError):
    """A query that does not exist, is malformed, or got a bad parameter."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    file: SqlFile
    builtin: bool = True

    @property
    def title(self) -> str:
        return self.file.header.get("title", self.name)

    @property
    def description(self) -> str:
        return self.file.header.get("description", "")

    @property
    def grain(self) -> str:
        return self.file.header.get("grain", "")

    @property
    def params(self) -> list[Param]:
        return self.file.params

    @property
    def sql(self) -> str:
        return self.file.body


def _query_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.sql") if p.relative_to(root).parts[0] not in _SKIP_DIRS
    )


def validate(name: str, f: SqlFile) -> None:
    missing = [k for k in REQUIRED_HEADER if k not in f.header]
    if missing:
        raise QueryError(f"{name}: header lacks {', '.join(missing)}")
    try:
        statements = duckdb.extract_statements(f.body)
    except duckdb.Error as exc:
        raise QueryError(f"{name}: SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise QueryError(f"{name}: expected one statement, found {len(statements)}")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryError(f"{name}: expected a SELECT, found {statements[0].type}")
    used = set(_PARAM_USE.findall(f.body))
    declared = {p.name for p in f.params}
    if used != declared:
        raise QueryError(
            f"{name}: parameters used {sorted(used)} differ from those declared {sorted(declared)}"
        )


@cache
def _load(root: str) -> dict[str, NamedQuery]:
    base = Path(root)
    out = {}
    for p in _query_files(base):
        name = p.relative_to(base).with_suffix("").as_posix()
        try:
            f = read_sql_file(p)
        except SqlFileError as exc:
            raise QueryError(str(exc)) from exc
        validate(name, f)
        out[name] = NamedQuery(name, f)
    return out


def _fingerprint(folder: Path) -> tuple:
    if not folder.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.sql")))


@lru_cache(maxsize=8)  # each save changes the fingerprint: keep the latest few only
def _load_user(root: str, fingerprint: tuple) -> tuple[dict[str, NamedQuery], tuple[str, ...]]:
    """The analyst's saved queries, and a message for each file that cannot be one (it is left
    out, so one bad file never hides the others)."""
    out: dict[str, NamedQuery] = {}
    problems = []
    for p in sorted(Path(root).glob("*.sql")) if fingerprint else []:
        name = f"{USER_AREA}/{p.stem}"
        try:
            f = read_sql_file(p)
            validate(name, f)
        except (SqlFileError, QueryError, OSError, UnicodeDecodeError) as exc:
            problems.append(f"{p}: {exc}")
            continue
        out[name] = NamedQuery(name, f, builtin=False)
    return out, tuple(problems)


def _user() -> tuple[dict[str, NamedQuery], tuple[str, ...]]:
    folder = settings.user_queries_dir()
    return _load_user(str(folder), _fingerprint(folder))


def registry() -> dict[str, NamedQuery]:
    """The shipped queries, then the analyst's own (`mine/…`)."""
    return {**_load(str(settings.queries_dir())), **_user()[0]}


def user_problems() -> tuple[str, ...]:
    """Why a file in the user queries folder is not listed, one message per file."""
    return _user()[1]


def get(name: str) -> NamedQuery:
    # the pages ask for shipped queries on every uncached run: only a mine/ name reads the folder
    shipped = _load(str(settings.queries_dir()))
    if name in shipped:
        return shipped[name]
    reg = registry()
    if name not in reg:
        close = [n for n in reg if name.split("/")[-1] in n]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise QueryError(f"no query named {name!r}{hint}")
    return reg[name]


# ---------------------------------------------------------------------------------------------
# parameters

def _literal(text: str) -> Any:
    t = text.strip()
    low = t.lower()
    if low == "null":
        return None
    if low in ("true", "false"):
        return low == "true"
    if t.startswith("'") and t.endswith("'"):
        return t[1:-1]
    try:
        return int(t)
    except ValueError:
        return float(t)


def coerce(param: Param, value: Any) -> Any:
    """Turn a CLI string or Python value into what DuckDB should bind for this parameter."""
    if value is None:
        return None
    t = param.type
    try:
        if t == "varchar[]":
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return [str(v) for v in value]
        if t == "varchar":
            return str(value)
        if t == "date":
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if t == "timestamptz":
            if isinstance(value, dt.datetime):
                return value
            return dt.datetime.fromisoformat(str(value))
        if t in ("integer", "bigint"):
            return int(value)
        if t == "double":
            return float(value)
        if t == "boolean":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in ("1", "true", "yes", "y", "on"):
                return True
            if s in ("0", "false", "no", "n", "off"):
                return False
            raise ValueError(value)
    except ValueError as exc:
        raise QueryError(f"parameter ${param.name} expects {t}, got {value!r}") from exc
    raise QueryError(f"parameter ${param.name} has unsupported type {t}")


def default(param: Param) -> Any:
    """The parameter's default as a Python value (None when it has none, or it is null)."""
    return None if param.default is None else coerce(param, _literal(param.default))


def bind(q: NamedQuery, params: dict[str, Any]) -> dict[str, Any]:
    known = {p.name: p for p in q.params}
    unknown = set(params) - set(known)
    if unknown:
        raise QueryError(
            f"{q.name} takes no parameter {', '.join(sorted(unknown))}; it takes "
            + (", ".join(f"{p.name} ({p.type})" for p in q.params) or "none")
        )
    out = {}
    for p in q.params:
        if p.name in params:
            out[p.name] = coerce(p, params[p.name])
        elif p.default is not None:
            out[p.name] = coerce(p, _literal(p.default))
        else:
            raise QueryError(f"{q.name} needs parameter {p.name} ({p.type})")
    return out


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    """A shipped query on the store's own connection (the pages, the CLI, the tests)."""
    q = get(name)
    if not q.builtin:
        raise QueryError(f"{name} 是自己保存的查询，只在沙盒中运行 · is a saved query of your own; "
                         "it runs in the sandbox only")
    values = bind(q, params)
    try:
        return con.sql(q.sql, params=values).pl()
    except duckdb.Error as exc:
        raise QueryError(f"{name}: {exc}") from exc
