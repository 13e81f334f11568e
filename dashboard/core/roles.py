"""Declaring roles from the app or a script. Organic figures are read from rollups, so every
change to roles goes through here and refreshes the rollups of the chats it touches."""

from __future__ import annotations

import duckdb

from dashboard.core import db, rollups

ROLES = ("owner", "admin", "staff", "expert", "alt", "bot", "customer")


def declare(con: duckdb.DuckDBPyConnection, member_id: str, role: str, chat_id: str | None = None,
            domain: str | None = None, note: str | None = None) -> list[str]:
    """Give a member a declared role (in one chat, or every chat with chat_id None), in one
    transaction with the refresh of the rollups it changes. Returns the chats refreshed."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return _write(con, member_id, [(
        "insert into roles (chat_id, member_id, role, domain, source, note) "
        "values ($c, $m, $r, $d, 'declared', $n)",
        {"c": chat_id, "m": member_id, "r": role, "d": domain, "n": note},
    )])


def _write(con: duckdb.DuckDBPyConnection, member_id: str, statements: list[tuple[str, dict]]) -> list[str]:
    """Run the statements and refresh the rollups of the member's chats, in one transaction."""
    with db.change(con):
        for sql, params in statements:
            con.execute(sql, params)
        chats = rollups.chats_of_members(con, [member_id])
        rollups.refresh(con, chats)
    return chats


DECISIONS = ("alt", "staff", "customer")  # what the owner can say about a suspected alt account


def decide(con: duckdb.DuckDBPyConnection, member_id: str, chat_id: str, decision: str) -> list[str]:
    """The owner's answer to an alt-account suspicion in one chat (docs/metrics.md §3.4): her alt (leaves
    the organic figures), staff, or a real customer (never flagged again). It replaces her earlier
    answer about this member in this chat, so she can change her mind; roles from members.csv are
    left as they are. Returns the chats refreshed."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}; expected one of {', '.join(DECISIONS)}")
    return _write(con, member_id, [
        ("delete from roles where member_id = $m and chat_id = $c and source = 'declared' "
         "and import_id is null and list_contains($d, role)", {"m": member_id, "c": chat_id, "d": list(DECISIONS)}),
        ("insert into roles (chat_id, member_id, role, source, note) values ($c, $m, $r, 'declared', $n)",
         {"c": chat_id, "m": member_id, "r": decision, "n": "alt-account review"}),
    ])


SUSPECTED_ALTS_ORGANIC = "suspected_alts_organic"  # meta key, read by view member_classes


def suspected_alts_organic(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the owner chose to keep suspected alt accounts in the organic figures (by default
    they are left out, docs/metrics.md §1.3)."""
    row = con.execute("select value from meta where key = $k", {"k": SUSPECTED_ALTS_ORGANIC}).fetchone()
    return bool(row and row[0] == "1")


def keep_suspected_alts_organic(con: duckdb.DuckDBPyConnection, keep: bool) -> None:
    """Count suspected alt accounts as customers (keep) or leave them out of the organic figures,
    in every chat, recounting the rollups in the same transaction."""
    if keep == suspected_alts_organic(con):
        return
    with db.change(con):
        con.execute("insert or replace into meta values ($k, $v)",
                    {"k": SUSPECTED_ALTS_ORGANIC, "v": "1" if keep else "0"})
        rollups.refresh_all(con)
