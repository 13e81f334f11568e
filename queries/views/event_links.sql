-- title: Events with their chat announcements
-- grain: one row per store event (and per chat it was announced in)
-- description: Each store event (events.csv, or an event found in the chat and confirmed by the
--   owner) with the chat where it was announced (rollup chat_events): the same local day and a
--   name that matches (one contains the other, or Jaro–Winkler ≥ 0.85), and the same store: the
--   chat's store, or a store named in the announcement, reminders or 接龙 title (a chain's shops
--   run the same event on the same day). Events never announced in an imported chat have no chat
--   (chat_id null). store_id is the event's shop: from events.csv, else its chat's store.
with matched as (
    select e.event_id, c.chat_id, c.detect_id, c.announce_msg_id, c.announced_at, c.reminders, c.solitaire_id,
        c.start_at as chat_start_at
    from store_events e
    join chat_events c
      on cast(c.start_at as date) = cast(e.start_at as date)
     and (contains(c.title, e.name) or contains(e.name, c.title) or jaro_winkler_similarity(c.title, e.name) >= 0.85
          or e.event_id = 'chat-' || c.detect_id)
    join chats h on h.chat_id = c.chat_id
    where e.store_id is null or h.store_id = e.store_id
       or (h.store_id is null and contains(c.texts, e.store_id))
)
select e.* replace (coalesce(e.store_id, h.store_id) as store_id), m.chat_id, m.detect_id,
    m.announce_msg_id as chat_announce_msg_id, coalesce(m.announced_at, e.announce_at) as exposed_at, m.reminders,
    m.solitaire_id
from store_events e
left join matched m using (event_id)
left join chats h on h.chat_id = m.chat_id
