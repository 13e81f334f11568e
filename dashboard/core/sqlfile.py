"""Reading the header of a `queries/` SQL file.

A file starts with `-- key: value` comment lines (title, grain, params, description …); a comment
line without a key continues the previous value. The SQL body follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_KEY_LINE = re.compile(r"^--\s*([a-z_]+):\s*(.*)$")
_PARAM = re.compile(r"^\$([a-z_][a-z0-9_]*)\s+([a-z]+(?:\[\])?)(?:\s*=\s*(.+))?$")

PARAM_TYPES = {"varchar", "varchar[]", "date", "timestamptz", "integer", "bigint", "double", "boolean"}


class SqlFileError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None  # SQL literal text as written in the header; None = required


@dataclass
class SqlFile:
    path: Path
    header: dict[str, str]
    body: str
    params: list[Param] = field(default_factory=list)


def parse_params(spec: str, where: str) -> list[Param]:
    spec = spec.strip()
    if not spec or spec.lower() == "none":
        return []
    out = []
    for part in spec.split(","):
        m = _PARAM.match(part.strip())
        if not m:
            raise SqlFileError(f"{where}: cannot read parameter {part.strip()!r}; expected '$name type [= default]'")
        name, typ, default = m.groups()
        if typ not in PARAM_TYPES:
            raise SqlFileError(f"{where}: parameter ${name} has unsupported type {typ}")
        out.append(Param(name, typ, default.strip() if default else None))
    return out


def read_sql_file(path: Path) -> SqlFile:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    lines = text.splitlines()
    key = None
    i = 0
    for i, line in enumerate(lines):  # noqa: B007 - i is used after the loop
        if not line.startswith("--"):
            break
        m = _KEY_LINE.match(line)
        if m:
            key = m.group(1)
            header[key] = m.group(2).strip()
        elif key is not None:
            header[key] = (header[key] + " " + line.lstrip("-").strip()).strip()
    else:
        i = len(lines)
    body = "\n".join(lines[i:]).strip().rstrip(";").strip()
    params = parse_params(header.get("params", ""), path.name) if "params" in header else []
    return SqlFile(path=path, header=header, body=body, params=params)
