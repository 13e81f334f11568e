-- title: Messages and store visits per day
-- grain: one row per day
-- params: $chat_ids varchar[] = null
-- description: The chosen chats' active messages and every store visit-day (a customer's distinct
--   day with a purchase; walk-ins without a membership count per order) per local day, for the
--   activity timeline with the events drawn on it (rollup store_days).
with talk as (
    select day, sum(active_messages)::bigint as messages
    from daily_chat_activity where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
),
shop as (
    select day, sum(member_visit_days + walk_in_orders)::bigint as visits from store_days group by all
)
select coalesce(t.day, s.day) as day, coalesce(t.messages, 0) as messages, coalesce(s.visits, 0) as visits
from talk t full join shop s using (day)
order by day
