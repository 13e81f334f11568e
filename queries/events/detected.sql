-- title: Events found in the chat
-- grain: one row per event found in a chat
-- params: $chat_ids varchar[] = null
-- description: Events announced in the chats (rollup chat_events), with whether a store event
--   (events.csv, or the owner's confirmation) already matches each, and the owner's answer.
select c.chat_id, h.name as chat_name, c.detect_id, c.title, c.start_at, c.announced_at, c.reminders,
    c.solitaire_id is not null as has_solitaire, l.event_id as matched_event, d.decision
from chat_events c
join chats h using (chat_id)
left join (select distinct detect_id, event_id from event_links where detect_id is not null) l using (detect_id)
left join event_decisions d using (detect_id)
where $chat_ids is null or list_contains($chat_ids, c.chat_id)
order by c.start_at
