"""Group rules: the owner's rule set (a TOML text) and the audit of the history against it.

The shipped default lives in core/text/rules.toml; once the owner saves her own version it is kept
in the database (meta 'rules_toml'), so it travels with her data. Each rule kind is one named query
in queries/rules/; the audit runs the enabled rules and the rollup rule_hits keeps their hits.
A hit is for the owner to review, never a verdict.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from dashboard.core import queries

DEFAULT_FILE = Path(__file__).parent / "text" / "rules.toml"
SCOPES = ("organic", "customers", "everyone")
CLASSES = ("staff", "expert", "alt", "customer", "bot")
# kind → (query, {parameter: (type, default)})
KINDS: dict[str, tuple[str, dict[str, tuple[type, object]]]] = {
    "keywords": ("rules/match_text", {"terms": (list, None)}),
    "pattern": ("rules/match_text", {"pattern": (str, None)}),
    "link": ("rules/match_link", {"allow": (list, [])}),
    "image_after_join": ("rules/match_image_after_join", {"minutes": (int, 30)}),
    "flood": ("rules/match_flood",
              {"count": (int, 10), "minutes": (int, 2), "repeat": (int, 4), "min_chars": (int, 10)}),
    "hours": ("rules/match_hours", {"start": (int, 23), "end": (int, 7)}),
    "invites": ("rules/match_invites", {"allow": (list, ["staff"])}),
}
HIT_SCHEMA = {"chat_id": pl.String, "rule_id": pl.String, "msg_id": pl.String, "member_id": pl.String,
              "ts": pl.Datetime("us", "UTC"), "detail": pl.String}
MESSAGE_SCHEMA = {"kind": pl.String, "text": pl.String, "sender_name": pl.String}


class RulesError(ValueError):
    """A rule set that cannot be used, with where and why."""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    kind: str
    category: str
    enabled: bool
    applies_to: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    day: dt.date
    chat: str | None
    note: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    changes: tuple[Change, ...]
    text: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]


def _rule(raw: dict, n: int, origin: str) -> Rule:
    where = f"{origin}: 第 {n} 条规则 [[rule]]"
    rid = raw.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_]+", rid):
        raise RulesError(f"{where} 需要 id（字母、数字或 _），现在是 {rid!r}")
    where += f" id = {rid!r}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise RulesError(f"{where}: kind 应为 {', '.join(KINDS)} 之一，现在是 {kind!r}")
    applies = raw.get("applies_to", "organic")
    if applies not in SCOPES:
        raise RulesError(f"{where}: applies_to 应为 {', '.join(SCOPES)} 之一，现在是 {applies!r}")
    params = {}
    for key, (typ, default) in KINDS[kind][1].items():
        value = raw.get(key, default)
        if value is None:
            raise RulesError(f"{where}: {kind} 规则需要 {key}")
        if not isinstance(value, typ) or isinstance(value, bool):
            raise RulesError(f"{where}: {key} 应为{'列表' if typ is list else '整数' if typ is int else '文字'}")
        params[key] = value
    if kind == "keywords" and not [t for t in params["terms"] if isinstance(t, str) and t.strip()]:
        raise RulesError(f"{where}: terms 至少要有一个词")
    if kind == "pattern":
        try:  # checked by the engine that will run it: RE2 has no look-arounds or back-references
            with duckdb.connect() as check:
                check.execute("select regexp_matches('', $p)", {"p": params["pattern"]}).fetchall()
        except duckdb.Error as exc:
            raise RulesError(f"{where}: pattern 不是有效的正则表达式（RE2 语法）：{exc}") from exc
    if kind == "invites" and (bad := [c for c in params["allow"] if c not in CLASSES]):
        raise RulesError(f"{where}: allow 只能含 {', '.join(CLASSES)}，不认识 {bad}")
    if kind == "hours" and not all(0 <= params[k] <= 23 for k in ("start", "end")):
        raise RulesError(f"{where}: start 和 end 应为 0 到 23 点")
    if kind in ("flood", "image_after_join") and min(params.values()) < 1:
        raise RulesError(f"{where}: 数值应大于 0")
    return Rule(id=rid, name=str(raw.get("name", rid)), kind=kind, category=str(raw.get("category", "other")),
                enabled=bool(raw.get("enabled", True)), applies_to=applies, params=params)


def _change(raw: dict, n: int, origin: str) -> Change:
    day = raw.get("date")
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            day = None
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise RulesError(f"{origin}: 第 {n} 个 [[change]] 需要 date（如 2025-07-15）")
    return Change(day=day, chat=raw.get("chat"), note=str(raw.get("note", "")))


def parse(text: str, origin: str = "rules.toml") -> RuleSet:
    """Read and check a rule set; RulesError says which rule and what is wrong."""
    return _parse(text, origin)


@functools.lru_cache(maxsize=16)
def _parse(text: str, origin: str) -> RuleSet:
    # every writer and every rule-hit refresh reads the same text: checking its patterns with
    # DuckDB's RE2 took 35 ms each time (a rule set is immutable, so one parse serves them all)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{origin}: TOML 格式错误（{exc}）") from exc
    rules = tuple(_rule(r, i, origin) for i, r in enumerate(raw.get("rule", []), 1))
    ids = [r.id for r in rules]
    if dup := sorted({i for i in ids if ids.count(i) > 1}):
        raise RulesError(f"{origin}: 规则 id 重复：{', '.join(dup)}")
    changes = tuple(_change(c, i, origin) for i, c in enumerate(raw.get("change", []), 1))
    return RuleSet(rules=rules, changes=changes, text=text)


def default_text() -> str:
    return DEFAULT_FILE.read_text(encoding="utf-8")


def current_text(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("select value from meta where key = 'rules_toml'").fetchall()
    return rows[0][0] if rows else default_text()


def current(con: duckdb.DuckDBPyConnection) -> RuleSet:
    return parse(current_text(con), "群规（已保存）")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w.strip()) for w in words if isinstance(w, str) and w.strip())


def _params(rule: Rule) -> dict:
    p = dict(rule.params)
    if rule.kind == "keywords":
        return {"pattern": _alternation(p["terms"]), "applies_to": rule.applies_to}
    if rule.kind == "link":
        return {"allow": _alternation(p["allow"]), "applies_to": rule.applies_to}
    if rule.kind == "invites":
        return p
    return {**p, "applies_to": rule.applies_to}


def audit(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, chat_ids: list[str] | None) -> pl.DataFrame:
    """The hits of every enabled rule, in the shape of table rule_hits: with the message's kind,
    text and sender name."""
    frames = []
    for rule in ruleset.enabled():
        hits = queries.run(con, KINDS[rule.kind][0], chat_ids=chat_ids, **_params(rule))
        frames.append(hits.with_columns(pl.lit(rule.id).alias("rule_id"),
                                        pl.col("ts").dt.convert_time_zone("UTC")))
    if not frames:
        return pl.DataFrame(schema=HIT_SCHEMA | MESSAGE_SCHEMA)
    out = pl.concat([f.select(list(HIT_SCHEMA)).cast(HIT_SCHEMA) for f in frames])
    out = out.unique(["chat_id", "rule_id", "msg_id"], keep="first")
    found = queries.run(con, "rules/hit_messages", chat_ids=chat_ids, msg_ids=out["msg_id"].unique().to_list())
    return (out.join(found, on=["chat_id", "msg_id"], how="left").cast(MESSAGE_SCHEMA)
            .sort("chat_id", "ts", "rule_id", "msg_id"))


def hit_rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """Rollup rule_hits for these chats, under the rule set in use."""
    return audit(con, current(con), chat_ids)


def save(con: duckdb.DuckDBPyConnection, text: str | None) -> RuleSet:
    """Keep the owner's rule set (None = back to the default) and recount every chat's hits. The
    caller holds the write (db.change); a bad text raises before anything is written."""
    ruleset = parse(text if text is not None else default_text(), "群规")
    if text is None:
        con.execute("delete from meta where key = 'rules_toml'")
    else:
        con.execute("insert or replace into meta values ('rules_toml', ?)", [text])
    recount(con, ruleset)
    return ruleset


def recount(con: duckdb.DuckDBPyConnection, ruleset: RuleSet) -> None:
    hits = audit(con, ruleset, None)
    con.execute("delete from rule_hits")
    con.register("_new_hits", hits)
    try:
        con.execute("insert into rule_hits by name select * from _new_hits")
    finally:
        con.unregister("_new_hits")
    con.execute("insert or replace into meta values ('rule_hits_digest', ?)", [ruleset.digest])


def refresh_if_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """Recount the hits when the rule set in use differs from the one they were counted under
    (a new default shipped with an upgrade). Returns whether it recounted."""
    ruleset = current(con)
    rows = con.execute("select value from meta where key = 'rule_hits_digest'").fetchall()
    if rows and rows[0][0] == ruleset.digest:
        return False
    recount(con, ruleset)
    return True
