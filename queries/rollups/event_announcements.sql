-- title: Store events announced in a chat
-- grain: one row per (store event, chat) where the chat announced it
-- params: $chat_ids varchar[]
-- description: Which store event (events.csv, or an event found in the chat and confirmed by the
--   owner) each chat event announces (rollup chat_events). Candidates share the local day and the
--   store: the chat's store, or a store named in the announcement, reminders or 接龙 title (a
--   chain's shops run the same event on the same day). A candidate matches when the names do (one
--   contains the other, or Jaro–Winkler ≥ 0.85), or when it is the chat's only candidate that day
--   and the only one for that store event in the chat (the calendar's 母亲节插花课 is the chat's
--   夏日插花课). A confirmed event is always its own chat's. Kept as a rollup because pairing a
--   chain's events on a shared day is too slow for a page; view event_links reads it. A shop named
--   in the texts only as part of a longer shop name also named there is not a candidate: a chat of
--   小雨点母婴(万达店)·1号店 announces that shop's events, not those of 小雨点母婴(万达店).
with pairs as (
    select e.event_id, e.name, e.store_id, c.chat_id, c.detect_id, c.title, c.announce_msg_id, c.announced_at,
        c.reminders, c.solitaire_id,
        coalesce(h.store_id is null and contains(c.texts, e.store_id), false) as by_text
    from chat_events c
    join store_events e on cast(c.start_at as date) = cast(e.start_at as date)
    join chats h on h.chat_id = c.chat_id
    where c.chat_id = any($chat_ids)
      and (e.event_id = 'chat-' || c.detect_id
           or e.store_id is null or h.store_id = e.store_id or (h.store_id is null and contains(c.texts, e.store_id)))
),
specific as (
    select p.* from pairs p
    where not (p.by_text and exists (
        select 1 from pairs o
        where o.chat_id = p.chat_id and o.detect_id = p.detect_id and o.by_text
          and o.store_id <> p.store_id and contains(o.store_id, p.store_id)))
),
candidates as (
    select event_id, chat_id, detect_id, announce_msg_id, announced_at, reminders, solitaire_id,
        event_id = 'chat-' || detect_id as own,
        contains(title, name) or contains(name, title) or jaro_winkler_similarity(title, name) >= 0.85
            as same_name,
        count(*) over (partition by chat_id, detect_id) as n_for_chat_event,
        count(*) over (partition by chat_id, event_id) as n_for_store_event
    from specific
)
select event_id, chat_id, detect_id, announce_msg_id, announced_at, reminders, solitaire_id
from candidates
where own or same_name or (n_for_chat_event = 1 and n_for_store_event = 1)
