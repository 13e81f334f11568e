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
    con.execute("begin")
    try:
        con.execute(
            "insert into roles (chat_id, member_id, role, domain, source, note) "
            "values ($c, $m, $r, $d, 'declared', $n)",
            {"c": chat_id, "m": member_id, "r": role, "d": domain, "n": note},
        )
        chats = rollups.chats_of_members(con, [member_id])
        rollups.refresh(con, chats)
        db.bump_data_version(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return chats
