-- title: Events with their chat announcements
-- grain: one row per store event (and per chat it was announced in)
-- description: Each store event (events.csv, or an event found in the chat and confirmed by the
--   owner) with the chat where it was announced (rollup event_announcements: the same day, a
--   matching name and the same store). Events never announced in an imported chat have no chat
--   (chat_id null). store_id is the event's shop: from events.csv, else its chat's store.
select e.* replace (coalesce(e.store_id, h.store_id) as store_id), m.chat_id, m.detect_id,
    m.announce_msg_id as chat_announce_msg_id, coalesce(m.announced_at, e.announce_at) as exposed_at, m.reminders,
    m.solitaire_id
from store_events e
left join event_announcements m using (event_id)
left join chats h on h.chat_id = m.chat_id
