-- title: Events in a date range
-- grain: one row per store event
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null
-- description: Store events (events.csv and confirmed events found in the chat) whose day falls in
--   the range, with the chat they were announced in; with chats chosen, only the events announced
--   in them and those announced in no imported chat. For marking events on timelines, and for
--   the other events of the same shop an event's baseline leaves out.
select event_id, name, cast(start_at as date) as event_day, chat_id, store_id
from event_links
where ($start is null or cast(start_at as date) >= $start) and ($end is null or cast(start_at as date) <= $end)
  and ($chat_ids is null or chat_id is null or list_contains($chat_ids, chat_id))
order by event_day
