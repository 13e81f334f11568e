"""The owner's answer about an event found in the chat: confirmed, it becomes a store event (and
is measured like the ones from events.csv); dismissed, it is not offered again."""

from __future__ import annotations

import duckdb

from dashboard.core import db, rollups


def decide(con: duckdb.DuckDBPyConnection, detect_id: str, confirm: bool) -> str | None:
    """Store the answer; returns the new store event's id when confirmed."""
    # the event's shop: its chat's, else a shop its announcement names (the longest name: a
    # chain's "万达店·7号店" contains "万达店"), else the one whose events the chat announces most
    found = con.execute(
        """
        select c.title, c.start_at, c.announced_at, c.announce_msg_id,
            coalesce(h.store_id,
                     (select arg_max(s.store_id, length(s.store_id)) from stores s
                      where contains(c.texts, s.store_id)),
                     (select mode(e.store_id order by e.store_id)
                      from event_announcements a join store_events e using (event_id)
                      where a.chat_id = c.chat_id)) as store_id
        from chat_events c join chats h using (chat_id) where c.detect_id = $d
        """, {"d": detect_id}).fetchone()
    if found is None:
        raise ValueError(f"no event found in the chat with id {detect_id!r}")
    title, start_at, announced_at, msg_id, store_id = found
    event_id = f"chat-{detect_id}" if confirm else None
    with db.change(con):
        before = set(rollups.chats_of_shops(con, {store_id}))
        con.execute("delete from event_decisions where detect_id = $d", {"d": detect_id})
        con.execute("delete from store_events where event_id = $e", {"e": f"chat-{detect_id}"})
        if confirm:
            # the chat's shop, when known: another shop's chat on the same day never claims it
            con.execute("insert into store_events (event_id, store_id, name, start_at, announce_at, "
                        "announcement_msg_id) values ($e, $store, $n, $s, $a, $m)",
                        {"e": event_id, "store": store_id, "n": title, "s": start_at, "a": announced_at,
                         "m": msg_id})
        con.execute("insert into event_decisions values ($d, $x, $e, now())",
                    {"d": detect_id, "x": "confirmed" if confirm else "dismissed", "e": event_id})
        rollups.rematch_events(con, [start_at], {store_id}, also=before)
        # its shop's other events leave its days out of their baselines
        rollups.refresh_events(con, sorted(before | set(rollups.chats_of_shops(con, {store_id}))))
    return event_id
