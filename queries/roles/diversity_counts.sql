-- title: What weekly diversity is counted over
-- grain: one row per (chat_id, week, dimension, item)
-- params: $chat_ids varchar[]
-- description: The counts behind the weekly Hill numbers (docs/metrics.md §4.3), per chat and ISO week:
--   dimension topics (item = topic, n = organic text messages naming it, from topic_days),
--   speakers (item = organic speaker, n = their active messages) and roles (item = active
--   speaker other than a bot, n = their active messages, role = staff, alt, expert, newcomer for a
--   customer who entered less than 14 days before the week began or during it, else customer).
with topics as (
    select chat_id, cast(date_trunc('week', day) as date) as week, 'topics' as dimension, topic as item,
        null::varchar as role, sum(messages)::bigint as n
    from topic_days
    where list_contains($chat_ids, chat_id) and member_class in ('customer', 'expert')
    group by all
),
spoken as (
    select d.chat_id, cast(date_trunc('week', d.day) as date) as week, d.member_id, d.member_class,
        sum(d.active_messages)::bigint as n
    from daily_member_activity d
    where list_contains($chat_ids, d.chat_id) and d.member_id is not null and d.active_messages > 0
      and d.member_class <> 'bot'
    group by all
),
speakers as (
    select chat_id, week, 'speakers' as dimension, member_id as item, null::varchar as role, n
    from spoken where member_class in ('customer', 'expert')
),
roles as (
    select s.chat_id, s.week, 'roles' as dimension, s.member_id as item,
        case when s.member_class <> 'customer' then s.member_class
             when not c.predates and c.entered_on > s.week - interval 14 day then 'newcomer'
             else 'customer' end as role,
        s.n
    from spoken s
    left join (select chat_id, member_id, entered_on, predates from chat_members where list_contains($chat_ids, chat_id)) c
        using (chat_id, member_id)
)
select * from topics
union all select * from speakers
union all select * from roles
order by chat_id, dimension, week, item
