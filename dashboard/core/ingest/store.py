"""Storing one staged import in one transaction: new rows only, rollups refreshed, version bumped.

The staging file is attached read-only; every insert is an anti-join against what the store
already holds, so re-imports and overlapping exports add nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dashboard.core import db, rollups
from dashboard.core.analytics import events


@dataclass
class StoreCounts:
    import_id: int
    n_new: int
    n_duplicate: int
    chat_ids: list[str]


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(import_id), 0) + 1 from imports").fetchone()[0])


def write_import(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    meta: dict,
    store_id: str | None,
) -> StoreCounts:
    con.execute(f"attach '{staging.as_posix()}' as stg (read_only)")
    try:
        con.execute("begin")
        try:
            counts = _write(con, meta, store_id)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.execute("detach stg")
    return counts


def _write(con: duckdb.DuckDBPyConnection, meta: dict, store_id: str | None) -> StoreCounts:
    import_id = next_import_id(con)
    p = {"imp": import_id}
    chat_ids = [r[0] for r in con.execute("select chat_id from stg.s_chats").fetchall()]
    con.execute(
        """
        insert into chats (chat_id, platform, platform_key, name, kind, store_id)
        select s.chat_id, $platform, s.chat_key, s.name, s.kind, $store
        from stg.s_chats s anti join chats c on c.chat_id = s.chat_id
        """,
        {"platform": meta["platform"], "store": store_id},
    )
    if store_id:
        con.execute(
            "update chats set store_id = $store where chat_id in (select chat_id from stg.s_chats)",
            {"store": store_id},
        )
    con.execute(
        """
        insert into members
        select s.member_id, $platform, s.platform_key, s.key_kind, s.display_name
        from stg.s_members s anti join members m on m.member_id = s.member_id
        """,
        {"platform": meta["platform"]},
    )
    con.execute(
        """
        insert into member_names
        select member_id_of_key.member_id, n.chat_id, n.name, n.first_seen_at, n.last_seen_at
        from stg.s_member_names n
        join stg.s_members member_id_of_key on member_id_of_key.platform_key = n.member_key
        on conflict (member_id, chat_id, name) do update set
            first_seen_at = least(member_names.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(member_names.last_seen_at, excluded.last_seen_at)
        """
    )
    con.execute(
        """
        update members set display_name = latest.name
        from (select member_id, arg_max(name, last_seen_at) as name from member_names
              where member_id in (select member_id from stg.s_members) group by 1) latest
        where members.member_id = latest.member_id
        """
    )
    con.execute(
        """
        create temp table new_msg as
        select s.* from stg.msg s
        anti join (select msg_id from messages where chat_id in (select chat_id from stg.s_chats)) m
            on m.msg_id = s.msg_id
        """
    )
    n_new = int(con.execute("select count(*) from new_msg").fetchone()[0])
    n_staged = int(con.execute("select count(*) from stg.msg").fetchone()[0])
    con.execute(
        """
        insert into messages
        select n.msg_id, n.chat_id, mk.member_id, n.ts, n.kind, n.text,
            case when n.kind in ('text', 'quote') then length(n.text) end,
            case when n.reply_by_id in (select msg_id from stg.msg)
                   or n.reply_by_id in (select msg_id from messages) then n.reply_by_id
                 else n.reply_by_text end,
            (select list(m2.member_id) from stg.s_members m2 where list_contains(n.mention_keys, m2.platform_key)),
            n.platform_msg_id, n.sender_name, n.is_self, n.raw_type, $imp, n.line, n.edited_ts
        from new_msg n
        left join stg.s_members mk on mk.platform_key = n.member_key
        """,
        p,
    )
    con.execute(
        """
        insert into membership_events
        select e.event_id, e.chat_id, e.ts, e.kind, m.member_id, a.member_id, e.method, e.raw_name, e.msg_id, $imp
        from stg.s_events e
        left join stg.s_members m on m.platform_key = e.member_key
        left join stg.s_members a on a.platform_key = e.actor_key
        where e.msg_id in (select msg_id from new_msg)
        """,
        p,
    )
    con.execute(
        """
        insert into red_packets
        select r.packet_id, r.chat_id, r.ts, m.member_id, r.title, r.msg_id, $imp
        from stg.s_red_packets r left join stg.s_members m on m.platform_key = r.sender_key
        where r.msg_id in (select msg_id from new_msg)
        """,
        p,
    )
    con.execute(
        """
        insert into red_packet_claims
        select c.claim_id, c.chat_id, c.ts, cl.member_id, se.member_id,
            coalesce(c.packet_id, (select arg_max(p.packet_id, p.ts) from red_packets p
                where p.chat_id = c.chat_id and p.ts <= c.ts and p.sender_member_id = se.member_id)),
            c.msg_id, $imp
        from stg.s_red_packet_claims c
        left join stg.s_members cl on cl.platform_key = c.claimer_key
        left join stg.s_members se on se.platform_key = c.sender_key
        where c.msg_id in (select msg_id from new_msg)
        """,
        p,
    )
    con.execute(
        """
        insert into solitaires
        select s.solitaire_id, s.chat_id, s.title, s.first_seen_at, s.last_seen_at, s.n_versions, s.first_msg_id, $imp
        from stg.s_solitaires s anti join solitaires t on t.solitaire_id = s.solitaire_id
        """,
        p,
    )
    con.execute(
        """
        update solitaires set first_seen_at = least(solitaires.first_seen_at, s.first_seen_at),
            last_seen_at = greatest(solitaires.last_seen_at, s.last_seen_at)
        from stg.s_solitaires s where solitaires.solitaire_id = s.solitaire_id
        """
    )
    con.execute(
        """
        insert into solitaire_entries
        select e.solitaire_id, e.position, m.member_id, e.raw_name, e.text, e.first_seen_at, e.msg_id, $imp
        from stg.s_solitaire_entries e
        left join stg.s_members m on m.platform_key = e.member_key
        anti join solitaire_entries t on t.solitaire_id = e.solitaire_id and t.text = e.text
        """,
        p,
    )
    con.execute(
        """
        insert into roles (chat_id, member_id, role, source, valid_from)
        select distinct o.chat_id, m.member_id, o.role, 'system', o.ts
        from stg.s_roles o join stg.s_members m on m.platform_key = o.member_key
        anti join roles r on r.chat_id = o.chat_id and r.member_id = m.member_id and r.role = o.role
        """
    )
    con.execute(
        """
        insert into reactions
        select r.msg_id, r.chat_id, r.emoji, r.n,
            (select list(m.member_id) from stg.s_members m where list_contains(r.member_keys, m.platform_key)), $imp
        from stg.s_reactions r semi join new_msg n on n.msg_id = r.msg_id
        """,
        p,
    )
    con.execute(
        "insert into terms select t.* from stg.s_terms t semi join new_msg n on n.msg_id = t.msg_id"
    )
    cov = con.execute("select min(ts), max(ts) from stg.msg").fetchone()
    record_import(con, import_id, meta, cov, n_new, n_staged - n_new + meta.get("n_dropped_dupes", 0), chat_ids)
    paired = events.announcements(con)
    rollups.refresh(con, chat_ids)  # after the imports row: covered days come from it
    # an event these chats announce may be announced elsewhere too: its row there moves with them
    if others := sorted(set(events.chats_to_recount(con, chat_ids, paired)) - set(chat_ids)):
        rollups.refresh_events(con, others)
    db.bump_data_version(con)
    return StoreCounts(import_id, n_new, n_staged - n_new, chat_ids)


def record_import(
    con: duckdb.DuckDBPyConnection, import_id: int, meta: dict, coverage: tuple, n_new: int, n_duplicate: int,
    chat_ids: list[str],
) -> None:
    """The `imports` row of a chat export or a store-records file."""
    con.execute(
        """
        insert into imports values ($imp, $file_name, $file_path, $sha, $format, $platform, $encoding, $tz,
            $exporter, $exporter_name, $start, $end, $n_read, $n_new, $n_dup, $n_skipped, $samples, $chats,
            $parser_version, 'imported', $now)
        """,
        {
            "imp": import_id, "file_name": meta["file_name"], "file_path": meta["file_path"], "sha": meta["sha256"],
            "format": meta["format"], "platform": meta["platform"], "encoding": meta["encoding"],
            "tz": meta["source_tz"], "exporter": meta.get("exporter_key"), "exporter_name": meta.get("exporter_name"),
            "start": coverage[0], "end": coverage[1], "n_read": meta["n_read"], "n_new": n_new, "n_dup": n_duplicate,
            "n_skipped": meta.get("n_skipped", 0), "samples": meta.get("skipped_samples", []), "chats": chat_ids,
            "parser_version": meta["parser_version"], "now": dt.datetime.now(dt.UTC),
        },
    )
