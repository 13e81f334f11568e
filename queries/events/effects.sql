-- title: Event effects
-- grain: one row per store event announced in a chat
-- params: $chat_ids varchar[] = null
-- description: Each event's funnel (query events/funnel's columns) with its effect from rollup
--   event_effects: the estimated extra visit-days in days 1–7 and its intervals, the verdict, the
--   minimum detectable effect, caveats, both estimates and the baseline's days (metrics.md §5).
select f.*, x.* exclude (event_id, chat_id)
from event_effects x
join (
    select e.event_id, e.name, e.category, e.store_id, cast(e.start_at as date) as event_day, e.cost, e.chat_id,
        c.name as chat_name
    from event_links e join chats c using (chat_id)
) f using (event_id)
where $chat_ids is null or list_contains($chat_ids, f.chat_id)
order by f.event_day, f.event_id
