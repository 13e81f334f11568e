-- title: Event effects
-- grain: one row per store event announced in a chat
-- params: $chat_ids varchar[] = null
-- description: Each event with its funnel and effect from rollup event_effects (the funnel as
--   query events/funnel counts it): the estimated extra visit-days in days 1–7 and its intervals, the verdict, the
--   minimum detectable effect, caveats, both estimates and the baseline's days (docs/metrics.md §5).
select e.event_id, e.name, e.category, e.store_id, cast(e.start_at as date) as event_day, e.cost, x.chat_id,
    c.name as chat_name, x.* exclude (event_id, chat_id)
from event_effects x
join store_events e using (event_id)
join chats c on c.chat_id = x.chat_id
where $chat_ids is null or list_contains($chat_ids, x.chat_id)
order by event_day, e.event_id
