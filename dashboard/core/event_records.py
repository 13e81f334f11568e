"""The owner's answer about an event found in the chat: confirmed, it becomes a store event (and
is measured like the ones from events.csv); dismissed, it is not offered again."""

from __future__ import annotations

import duckdb

from dashboard.core import db, rollups


def decide(con: duckdb.DuckDBPyConnection, detect_id: str, confirm: bool) -> str | None:
    """Store the answer; returns the new store event's id when confirmed."""
    found = con.execute("select title, start_at, announced_at, announce_msg_id, h.store_id "
                        "from chat_events join chats h using (chat_id) where detect_id = $d",
                        {"d": detect_id}).fetchone()
    if found is None:
        raise ValueError(f"no event found in the chat with id {detect_id!r}")
    event_id = f"chat-{detect_id}" if confirm else None
    with db.change(con):
        con.execute("delete from event_decisions where detect_id = $d", {"d": detect_id})
        con.execute("delete from store_events where event_id = $e", {"e": f"chat-{detect_id}"})
        if confirm:
            title, start_at, announced_at, msg_id, _ = found
            con.execute("insert into store_events (event_id, name, start_at, announce_at, announcement_msg_id) "
                        "values ($e, $n, $s, $a, $m)",
                        {"e": event_id, "n": title, "s": start_at, "a": announced_at, "m": msg_id})
        con.execute("insert into event_decisions values ($d, $x, $e, now())",
                    {"d": detect_id, "x": "confirmed" if confirm else "dismissed", "e": event_id})
        # its shop's other events leave its days out of their baselines
        rollups.refresh_events(con, rollups.chats_of_shops(con, {found[4]}))
    return event_id
