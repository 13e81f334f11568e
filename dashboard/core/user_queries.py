"""Saving an analyst's own query as a named one (`mine/<name>`), in the same file format as the
shipped queries, so the registry, `qunxi queries` and the SQL page list it beside them."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from dashboard.core import queries, settings
from dashboard.core.sqlfile import SqlFileError, parse_params, read_sql_file

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class SaveError(ValueError):
    """A query that cannot be saved, with what to change."""


def _one_line(text: str) -> str:
    # header values are single comment lines: a line break could start a new `key:` line
    return " ".join(text.split())


def render(title: str, description: str, params_spec: str, sql: str, grain: str = "") -> str:
    """The file text: the header every named query has, then the statement."""
    return (f"-- title: {_one_line(title)}\n"
            f"-- grain: {_one_line(grain) or 'one row per result row'}\n"
            f"-- params: {_one_line(params_spec) or 'none'}\n"
            f"-- description: {_one_line(description)}\n"
            "\n"  # the header ends here, so a comment opening the statement stays in it
            f"{sql.strip().rstrip(';').strip()}\n")


def save(name: str, title: str, description: str, params_spec: str, sql: str, grain: str = "",
         overwrite: bool = False) -> queries.NamedQuery:
    """Check and write `<user queries folder>/<name>.sql`; the query is then `mine/<name>` in the
    registry. Raises SaveError saying what is wrong; nothing is written then."""
    target_dir = settings.user_queries_dir()
    if not _NAME.match(name):
        raise SaveError(f"名称 {name!r} 只能用小写字母、数字和下划线，以字母开头 · "
                        "a name is lower-case letters, digits and _, starting with a letter")
    if not title.strip():
        raise SaveError("请填写标题 · a title is needed")
    try:
        parse_params(params_spec, "params")
    except SqlFileError as exc:
        raise SaveError(str(exc)) from exc
    text = render(title, description, params_spec, sql, grain)
    path = target_dir / f"{name}.sql"
    if path.exists() and not overwrite:
        raise SaveError(f"已有同名查询 {path} · a query of that name exists")
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target_dir, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        named = f"{queries.USER_AREA}/{name}"
        try:
            queries.validate(named, read_sql_file(Path(tmp)))
        except (SqlFileError, queries.QueryError) as exc:
            raise SaveError(str(exc)) from exc
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return queries.get(named)


def delete(name: str) -> None:
    """Remove a saved query (`mine/<name>` or `<name>`)."""
    stem = name.removeprefix(f"{queries.USER_AREA}/")
    if not _NAME.match(stem):
        raise SaveError(f"没有这个自己的查询 · no saved query {name!r}")
    path = settings.user_queries_dir() / f"{stem}.sql"
    if not path.exists():
        raise SaveError(f"没有这个自己的查询 · no saved query {name!r}")
    path.unlink()
