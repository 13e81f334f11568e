"""From raw rows to canonical rows, in a staging DuckDB file outside the store's lock.

One place for what every format shares: stable ids, who is who (keys, names, the exporting
account), the system-event grammar, quotes, @mentions, red packets, 接龙 lists and words.
Staging lives on disk, so memory stays flat however big the export is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import ChainMap, Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from dashboard.core.ingest import ids, solitaire, timeparse
from dashboard.core.ingest.model import RAW_SCHEMA, Parsed, ParseState
from dashboard.core.ingest.system_events import MESSAGE_KIND, SELF, parse_system
from dashboard.core.text import segment

Progress = Callable[[str, int], None]

MENTION = re.compile(r"@([^\s\u2005\u2006@,，:：]{1,40})(?=[\u2005\u2006\s,，:：]|$)")


@dataclass
class KnownNames:
    """(chat key, name) → member key, from the store before this import (names of keyed members)."""

    pairs: list[tuple[str, str, str]] = field(default_factory=list)


def stage_batches(con: duckdb.DuckDBPyConnection, parsed: Parsed, progress: Progress | None) -> int:
    cols = ", ".join(f"{k} {_duck_type(v)}" for k, v in RAW_SCHEMA.items())
    con.execute(f"create table raw ({cols})")
    n = 0
    for raw_batch in parsed.batches:
        batch = _drop_implausible(raw_batch, parsed.state)
        con.register("batch_df", batch)
        con.execute("insert into raw select * from batch_df")
        con.unregister("batch_df")
        n += batch.height
        if progress:
            progress("parse", n)
    return n


def _drop_implausible(batch: pl.DataFrame, state: ParseState) -> pl.DataFrame:
    """A row whose instant lies outside the plausible window (timeparse.is_plausible: a message
    dated 9999 or 1900) is a damaged line: skipped and counted here, once for every format, as the
    parsers skip the lines they cannot read. An implausible edit time is dropped, the message kept."""
    lo, hi = timeparse.PLAUSIBLE_FROM, timeparse.plausible_until()
    outside = pl.col("ts").is_not_null() & ~pl.col("ts").is_between(pl.lit(lo), pl.lit(hi))
    # the time is formatted by Polars: a vectorised parser may hand over year 0, which no Python
    # datetime holds
    bad = batch.filter(outside).select("line", pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S"), "sender_name", "text")
    for line, ts, name, text in bad.iter_rows():
        state.skip(line, timeparse.IMPLAUSIBLE, f"{ts} {name or ''}: {text or ''}")
    return batch.filter(~outside).with_columns(
        pl.when(pl.col("edited_ts").is_between(pl.lit(lo), pl.lit(hi))).then(pl.col("edited_ts")).alias("edited_ts")
    )


def _duck_type(t: pl.DataType) -> str:
    if isinstance(t, pl.Datetime):
        return "timestamptz"
    return {pl.String: "varchar", pl.Int64: "bigint", pl.Boolean: "boolean"}[type(t)]


_POLARS_OF = {"VARCHAR": pl.String(), "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"), "INTEGER": pl.Int32(),
              "BIGINT": pl.Int64(), "BOOLEAN": pl.Boolean(), "VARCHAR[]": pl.List(pl.String())}


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append Python rows to a staging table in one columnar insert (executemany costs ~1 ms a row)."""
    if not rows:
        return
    cols = con.execute(f"select column_name, column_type from (describe {table})").fetchall()
    frame = pl.DataFrame(rows, schema={name: _POLARS_OF[kind] for name, kind in cols}, orient="row")
    con.register("insert_rows", frame)
    con.execute(f"insert into {table} select * from insert_rows")
    con.unregister("insert_rows")


# ---------------------------------------------------------------------------------------------

def enrich(
    con: duckdb.DuckDBPyConnection,
    parsed: Parsed,
    known: KnownNames,
    progress: Progress | None = None,
    own: segment.OwnWords = segment.NO_OWN_WORDS,
) -> None:
    """Build the s_* tables the store copies from. `raw` must be staged already."""
    platform = parsed.platform
    state = parsed.state
    exporter = state.exporter_key
    for macro in ids.sql_macros(platform):
        con.execute(macro)
    _assign_ids(con, platform)
    names = _name_map(con, known, exporter, state.exporter_name)
    self_key = exporter or "self"
    _assign_senders(con, names, self_key)
    _system_events(con, names, self_key)
    _stated_roles(con, state, names, self_key)
    _reactions(con)
    _mentions(con, names, self_key)
    _quotes(con, platform)
    _red_packets(con)
    _solitaires(con, names)
    _member_tables(con, parsed)
    if progress:
        progress("words", 0)
    _terms(con, progress, own)


def _assign_ids(con: duckdb.DuckDBPyConnection, platform: str) -> None:
    # Fallback ids count identical (instant, sender, kind, text) rows so that two equal stickers
    # in one second stay two messages, and re-reading the same rows gives the same ids.
    con.execute(
        f"""
        create table msg as
        with basis as (
            select *,
                case when platform_msg_id is not null then 'id|' || platform_msg_id
                     else 't|' || epoch_us(ts) || '|' || coalesce(sender_key, 'n:' || sender_name, '')
                          || '|' || kind || '|' || coalesce(text, '') end as id_basis
            from raw
        ), numbered as (
            select *, row_number() over (partition by chat_key, id_basis order by line) as occ
            from basis
        )
        select
            md5('{platform}|' || chat_key || '|' || id_basis
                || case when platform_msg_id is null then '|' || occ else '' end)[1:16] as msg_id,
            chat_id_of(chat_key) as chat_id,
            * exclude (id_basis, occ),
            cast(null as varchar) as member_key,
            cast(null as varchar[]) as mention_keys,
            cast(null as varchar) as reply_by_id,
            cast(null as varchar) as reply_by_text
        from numbered
        where platform_msg_id is null or occ = 1
        """
    )


def _name_map(
    con: duckdb.DuckDBPyConnection, known: KnownNames, exporter: str | None, exporter_name: str | None
) -> dict[tuple[str, str], str]:
    """(chat key, name) → member key, when a name points to one keyed member."""
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for chat_key, name, key, n in con.execute(
        "select chat_key, sender_name, sender_key, count(*) from raw "
        "where sender_key is not null and sender_name is not null group by all"
    ).fetchall():
        votes[(chat_key, name)][key] += n
    for chat_key, hints in con.execute(
        "select chat_key, names_json from raw where names_json is not null"
    ).fetchall():
        for name, key in json.loads(hints).items():
            votes[(chat_key, name)][key] += 1
    for chat_key, name, key in known.pairs:
        votes[(chat_key, name)][key] += 1
    out = {}
    for k, c in votes.items():
        (best, n), *rest = [*c.most_common(2), (None, 0)]
        if rest[0][1] < n:
            out[k] = best
    if exporter and exporter_name:
        for (chat_key,) in con.execute("select distinct chat_key from raw").fetchall():
            out.setdefault((chat_key, exporter_name), exporter)
    return out


_name_key = ids.name_key


def _resolve(names: dict[tuple[str, str], str], chat_key: str, name: str | None, self_key: str) -> str | None:
    if name is None:
        return None
    if name == SELF:
        return self_key
    return names.get((chat_key, name)) or _name_key(chat_key, name)


def _assign_senders(con: duckdb.DuckDBPyConnection, names: dict, self_key: str) -> None:
    rows = con.execute(
        "select distinct chat_key, sender_name from msg where sender_key is null and sender_name is not null"
    ).fetchall()
    mapping = pl.DataFrame(
        {"chat_key": [r[0] for r in rows], "sender_name": [r[1] for r in rows],
         "key": [_resolve(names, r[0], r[1], self_key) for r in rows]},
        schema={"chat_key": pl.String, "sender_name": pl.String, "key": pl.String},
    )
    con.register("name_keys", mapping)
    con.execute(
        """
        update msg set member_key = case when msg.kind in ('system', 'recall') then null else coalesce(
            msg.sender_key,
            case when msg.is_self then $self end,
            (select key from name_keys n where n.chat_key = msg.chat_key and n.sender_name = msg.sender_name)) end
        """,
        {"self": self_key},
    )
    con.unregister("name_keys")


# ---------------------------------------------------------------------------------------------
# system events

Ref = tuple[str | None, str | None]  # (member key, name as written); SELF as the name = the exporter


@dataclass
class _Event:
    kind: str
    actor: Ref | None
    subjects: list[Ref]
    method: str | None
    title: str | None


def _event_of(text: str | None, structured: str | None) -> _Event | None:
    """The event a system row states: the parser's structured event, else the text grammar."""
    if structured:
        e = json.loads(structured)
        actor = tuple(e["actor"]) if e.get("actor") else None
        return _Event(e["kind"], actor, [tuple(x) for x in e.get("subjects") or []], e.get("method"), e.get("title"))
    ev = parse_system(text) if text else None
    if ev is None:
        return None
    return _Event(ev.kind, (None, ev.actor) if ev.actor else None, [(None, x) for x in ev.subjects], ev.method,
                  ev.title)


# Kinds whose one event row is about the actor (what they renamed, pinned or changed).
_ACTOR_KINDS = {"rename", "pin", "icon", "description", "settings", "other"}
_ROLE_KINDS = {"owner", "admin"}


def _system_events(con: duckdb.DuckDBPyConnection, names: dict, self_key: str) -> None:
    rows = con.execute(
        "select msg_id, chat_id, chat_key, ts, text, names_json, event_json from msg "
        "where kind in ('system', 'recall', 'pat') and (text is not null or event_json is not null) order by ts, line"
    ).fetchall()
    updates, events, claims, roles = [], [], [], []
    for msg_id, chat_id, chat_key, ts, text, hints, structured in rows:
        ev = _event_of(text, structured)
        if ev is None:
            continue
        # names the message itself ties to keys (WeChat template XML) win over the chat-wide map
        local = ChainMap({(chat_key, n): k for n, k in json.loads(hints).items()}, names) if hints else names

        def res(ref: Ref | None, ck: str = chat_key, nm: dict = local) -> str | None:
            if ref is None:
                return None
            return ref[0] or _resolve(nm, ck, ref[1], self_key)

        def shown(ref: Ref | None) -> str | None:
            return None if ref is None or ref[1] == SELF else ref[1]

        actor = res(ev.actor)
        subjects = [(shown(r), res(r)) for r in ev.subjects]
        if ev.kind in MESSAGE_KIND:
            target = [k for _, k in subjects if k]
            updates.append((msg_id, MESSAGE_KIND[ev.kind], actor, target or None))
        elif ev.kind == "red_packet_claim":
            sender = subjects[0][1] if subjects else None
            claims.append((msg_id, chat_id, chat_key, ts, actor, sender))
        elif ev.kind in _ROLE_KINDS:
            roles += [(chat_id, key, ev.kind, ts) for _, key in subjects if key]
        else:
            events += _event_rows((msg_id, chat_id, chat_key, ts), ev, actor, shown(ev.actor), subjects)
    con.execute(
        "create table s_events (event_id varchar, chat_id varchar, chat_key varchar, ts timestamptz, kind varchar,"
        " member_key varchar, actor_key varchar, method varchar, raw_name varchar, msg_id varchar, actor_name varchar)"
    )
    _insert(con, "s_events", events)
    con.execute(
        "create table s_claims (msg_id varchar, chat_id varchar, chat_key varchar, ts timestamptz,"
        " claimer_key varchar, sender_key varchar)"
    )
    _insert(con, "s_claims", claims)
    con.execute("create table s_roles (chat_id varchar, member_key varchar, role varchar, ts timestamptz)")
    _insert(con, "s_roles", roles)
    if updates:
        con.execute("create temp table kind_updates (msg_id varchar, kind varchar, actor varchar, targets varchar[])")
        _insert(con, "kind_updates", updates)
        con.execute(
            """
            update msg set kind = u.kind, member_key = coalesce(u.actor, msg.member_key), mention_keys = u.targets
            from kind_updates u where msg.msg_id = u.msg_id
            """
        )


def _event_rows(where: tuple, ev: _Event, actor: str | None, actor_name: str | None,
                subjects: list[tuple[str | None, str | None]]) -> list[tuple]:
    """membership_events rows for one system message: one per subject; create and the actor kinds
    (rename, pin …) add a row for the actor whose raw_name holds the new name / what changed."""
    msg_id, chat_id, chat_key, ts = where
    out = []
    kind, method = ev.kind, ev.method
    if ev.kind in _ACTOR_KINDS or ev.kind == "create":
        out.append((ev.kind, actor, "creator" if ev.kind == "create" else None, ev.title))
        subjects = [x for x in subjects if x[1] != actor]
        if ev.kind == "create":
            kind, method = "join", "creator"
    out += [(kind, key, method, raw) for raw, key in subjects]
    return [(f"{msg_id}:{i}", chat_id, chat_key, ts, k, member, actor, m, raw, msg_id, actor_name)
            for i, (k, member, m, raw) in enumerate(out)]


def _stated_roles(con: duckdb.DuckDBPyConnection, state: ParseState, names: dict, self_key: str) -> None:
    """Roles the export lists (ChatLab members, QQ 【群主】 titles, Discord bots)."""
    rows = []
    for chat_key, key, name, role in state.roles:
        member = key or _resolve(names, chat_key, name, self_key)
        if member:
            rows.append((chat_key, member, role))
    if rows:
        con.executemany("insert into s_roles select chat_id_of(?), ?, ?, null", list(dict.fromkeys(rows)))


def _reactions(con: duckdb.DuckDBPyConnection) -> None:
    """Reactions per (message, emoji). `names` ({key: name}) names reactors who may never post; they
    go to s_named, the people an export names outside messages and events."""
    rows = con.execute(
        "select msg_id, chat_id, ts, reactions_json from msg where reactions_json is not null"
    ).fetchall()
    out, named = [], []
    for msg_id, chat_id, ts, raw in rows:
        for r in json.loads(raw):
            keys = [k for k in r.get("keys") or [] if k]
            out.append((msg_id, chat_id, str(r.get("emoji") or "?"), int(r.get("count") or len(keys) or 1),
                        keys or None))
            named += [(k, chat_id, n, ts) for k, n in (r.get("names") or {}).items() if k in keys and n]
    con.execute("create table s_reactions (msg_id varchar, chat_id varchar, emoji varchar, n integer,"
                " member_keys varchar[])")
    _insert(con, "s_reactions", out)
    con.execute("create table s_named (member_key varchar, chat_id varchar, name varchar, ts timestamptz)")
    _insert(con, "s_named", named)


# ---------------------------------------------------------------------------------------------
# mentions, quotes, red packets

def _mentions(con: duckdb.DuckDBPyConnection, names: dict, self_key: str) -> None:
    """Who a message mentions: the export's own list where it has one (Discord, Telegram), else
    the `@name` runs in the text."""
    out, named = [], []
    for msg_id, chat_id, chat_key, ts, listed in con.execute(
        "select msg_id, chat_id, chat_key, ts, mentions_json from msg where mentions_json is not null"
    ).fetchall():
        keys = []
        for key, name in json.loads(listed):
            key = key or _resolve(names, chat_key, name, self_key)
            if key and key not in keys:
                keys.append(key)
            if key and name:
                named.append((key, chat_id, name, ts))
        if keys:
            out.append((msg_id, keys))
    _insert(con, "s_named", named)
    rows = con.execute(
        "select msg_id, chat_key, text from msg where kind in ('text', 'quote') and contains(text, '@')"
        " and mentions_json is null"
    ).fetchall()
    for msg_id, chat_key, text in rows:
        keys = []
        for m in MENTION.finditer(text):
            name = m.group(1)
            key = names.get((chat_key, name))
            if key is None and name not in ("所有人", "All", "all"):
                key = _name_key(chat_key, name)
            if key and key not in keys:
                keys.append(key)
        if keys:
            out.append((msg_id, keys))
    if out:
        con.execute("create temp table mention_rows (msg_id varchar, keys varchar[])")
        _insert(con, "mention_rows", out)
        con.execute("update msg set mention_keys = m.keys from mention_rows m where msg.msg_id = m.msg_id")


def _quotes(con: duckdb.DuckDBPyConnection, platform: str) -> None:
    # Two candidates: the quoted message's server id (strongest, but it may point outside the
    # export), and who said what (and when). The store keeps the first that exists.
    con.execute(
        f"""
        update msg set reply_by_id = md5('{platform}|' || chat_key || '|id|' || quote_id)[1:16]
        where kind = 'quote' and quote_id is not null
        """
    )
    con.execute(
        """
        update msg set reply_by_text = pick.target
        from (
            select q.msg_id, arg_max(t.msg_id, t.ts) as target
            from msg q
            join msg t on t.chat_key = q.chat_key and t.ts <= q.ts and t.msg_id <> q.msg_id
                and t.kind in ('text', 'quote', 'link', 'file', 'solitaire')
                and t.text = q.quote_text
                and (q.quote_ts is null or t.ts = q.quote_ts)
                and (q.quote_name is null or t.sender_name = q.quote_name or q.quote_ts is not null)
            where q.kind = 'quote' and q.quote_text is not null
            group by q.msg_id
        ) pick
        where msg.msg_id = pick.msg_id
        """
    )


def _red_packets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create table s_red_packets as
        select msg_id as packet_id, chat_id, ts, member_key as sender_key, text as title, msg_id
        from msg where kind = 'red_packet'
        """
    )
    con.execute(
        """
        create table s_red_packet_claims as
        select c.msg_id as claim_id, c.chat_id, c.ts, c.claimer_key, c.sender_key,
            (select arg_max(p.packet_id, p.ts) from s_red_packets p
             where p.chat_id = c.chat_id and p.ts <= c.ts and p.sender_key = c.sender_key) as packet_id,
            c.msg_id
        from s_claims c
        """
    )


def _solitaires(con: duckdb.DuckDBPyConnection, names: dict) -> None:
    rows = con.execute(
        "select msg_id, chat_id, chat_key, ts, member_key, sender_name, text from msg "
        "where kind = 'solitaire' and text is not null order by ts, line"
    ).fetchall()
    lists, entries = solitaire.merge_versions(rows, names, _name_key)
    con.execute(
        "create table s_solitaires (solitaire_id varchar, chat_id varchar, title varchar, first_seen_at timestamptz,"
        " last_seen_at timestamptz, n_versions integer, first_msg_id varchar)"
    )
    con.execute(
        "create table s_solitaire_entries (solitaire_id varchar, position integer, member_key varchar,"
        " raw_name varchar, text varchar, first_seen_at timestamptz, msg_id varchar)"
    )
    _insert(con, "s_solitaires", lists)
    _insert(con, "s_solitaire_entries", entries)


# ---------------------------------------------------------------------------------------------
# members and chats

def _member_tables(con: duckdb.DuckDBPyConnection, parsed: Parsed) -> None:
    con.execute(
        """
        create table s_keys as
        select member_key as key from msg where member_key is not null
        union select unnest(mention_keys) from msg where mention_keys is not null
        union select member_key from s_events where member_key is not null
        union select actor_key from s_events where actor_key is not null
        union select claimer_key from s_claims where claimer_key is not null
        union select sender_key from s_claims where sender_key is not null
        union select member_key from s_roles where member_key is not null
        union select unnest(member_keys) from s_reactions where member_keys is not null
        union select member_key from s_solitaire_entries where member_key is not null
        """
    )
    con.execute(
        """
        create table s_member_names as
        select member_key, chat_id, name, min(ts) as first_seen_at, max(ts) as last_seen_at from (
            select member_key, chat_id, sender_name as name, ts from msg
            where member_key is not null and sender_name is not null
            union all
            select member_key, chat_id, raw_name, ts from s_events
            where member_key is not null and raw_name is not null and kind <> 'rename'
            union all
            select actor_key, chat_id, actor_name, ts from s_events
            where actor_key is not null and actor_name is not null
            union all
            select member_key, chat_id, name, ts from s_named
        ) group by all
        """
    )
    con.execute(
        """
        create table s_members as
        with k as (select distinct key from s_keys),
        latest as (select member_key, arg_max(name, last_seen_at) as name from s_member_names group by 1),
        chat_keys as (select distinct chat_key from msg),
        key_names as (  -- name keys read 'name:<chat key>:<name>'
            select k.key, substr(k.key, length(c.chat_key) + 7) as name
            from k join chat_keys c on starts_with(k.key, 'name:' || c.chat_key || ':')
        )
        select member_id_of(k.key) as member_id, k.key as platform_key,
            case when k.key like 'name:%' then 'name' when k.key = 'self' then 'self' else 'id' end as key_kind,
            coalesce(l.name, kn.name) as display_name
        from k left join latest l on l.member_key = k.key left join key_names kn on kn.key = k.key
        """
    )
    chats = parsed.state.chats
    con.execute(
        "create table s_chats (chat_id varchar, chat_key varchar, name varchar, kind varchar)"
    )
    present = {r[0] for r in con.execute("select distinct chat_key from msg").fetchall()}
    rows = [(c.key, c.name, c.kind) for c in chats.values() if c.key in present]
    if rows:
        con.executemany("insert into s_chats select chat_id_of(?), ?, ?, ?", [(k, k, n, kd) for k, n, kd in rows])


def _terms(con: duckdb.DuckDBPyConnection, progress: Progress | None, own: segment.OwnWords) -> None:
    con.execute("create table s_terms (msg_id varchar, chat_id varchar, term varchar)")
    # the reader owns its connection while open: read on a cursor, write on `con`
    cur = con.cursor()
    reader = cur.sql(
        "select msg_id, chat_id, text from msg where kind in ('text', 'quote') and text is not null"
    ).to_arrow_reader(batch_size=200_000)
    done = 0
    for batch in reader:
        msgs = pl.from_arrow(batch).with_row_index("row")
        terms = segment.terms_of(msgs.get_column("text"), own)
        frame = terms.join(msgs.select("row", "msg_id", "chat_id"), on="row", maintain_order="left")
        con.register("terms_df", frame.select("msg_id", "chat_id", "term"))
        con.execute("insert into s_terms select * from terms_df")
        con.unregister("terms_df")
        done += batch.num_rows
        if progress:
            progress("words", done)
    reader.close()
    cur.close()


def coverage(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime | None, dt.datetime | None]:
    row = con.execute("select min(ts), max(ts) from msg").fetchone()
    return (row[0], row[1]) if row else (None, None)


def staging_path(tmp: Path) -> Path:
    return tmp / "staging.duckdb"
