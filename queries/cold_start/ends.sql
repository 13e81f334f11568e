-- title: Cold-start ends
-- grain: one row per chat with a covered day from its birth
-- params: $chat_ids varchar[] = null
-- description: Each chat's birth (born_on: group age day 0; birth_seen false: the export starts
--   after the group was made, so its cold start cannot be seen) and its cold-start end (docs/metrics.md
--   §3.1) from rollup chat_cold_start: status ended (end_day: the first day that, with the week
--   after it, met the two-week rule; end_age_day its group age), not_yet (the rule never held) or
--   not_visible; changepoint_day, PELT's first changepoint into a warm segment, and whether it
--   confirms the end (within 7 days of it). Youngest visible births first: the group whose cold
--   start the owner most wants to see.
select e.chat_id, c.name as chat_name, e.born_at, cast(e.born_at as date) as born_on, e.birth_seen, e.status,
    e.end_day, e.end_age_day, e.changepoint_day, e.confirmed
from chat_cold_start e join chats c using (chat_id)
where $chat_ids is null or list_contains($chat_ids, e.chat_id)
order by e.birth_seen desc, e.born_at desc, c.name
