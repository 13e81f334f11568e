-- title: Rule hits and messages by week
-- grain: one row per (chat_id, week)
-- params: $chat_ids varchar[] = null
-- description: Per chat and week (Monday): the organic active messages (the base a hit rate is
--   counted over), the hits of each rule as a map rule_id → hits, all hits, and the members
--   removed and recalls seen. Weeks with no message are left out.
with msgs as (
    select chat_id, date_trunc('week', day)::date as week,
        sum(active_messages) filter (where member_class in ('customer', 'expert')) as organic_messages
    from daily_member_activity
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
),
hits as (
    select chat_id, date_trunc('week', ts)::date as week, rule_id, count(*) as n
    from rule_hits
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
),
per_week as (
    select chat_id, week, map(list(rule_id order by rule_id), list(n order by rule_id)) as by_rule, sum(n) as hits
    from hits group by all
),
exits as (
    select chat_id, date_trunc('week', ts)::date as week, count(*) as removed
    from membership_events where kind = 'remove' group by all
),
recalls as (
    select chat_id, date_trunc('week', ts)::date as week, count(*) as recalls
    from messages where kind = 'recall' and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
)
select m.chat_id, c.name as chat_name, m.week, coalesce(m.organic_messages, 0)::bigint as organic_messages,
    coalesce(p.hits, 0)::bigint as hits, p.by_rule, coalesce(e.removed, 0) as removed, coalesce(r.recalls, 0) as recalls
from msgs m
join chats c using (chat_id)
left join per_week p using (chat_id, week)
left join exits e using (chat_id, week)
left join recalls r using (chat_id, week)
order by m.chat_id, m.week
