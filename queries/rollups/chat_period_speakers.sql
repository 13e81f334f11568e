-- title: Weekly and monthly speakers
-- grain: one row per (chat_id, period, period_start, organic); period is week (ISO) or month
-- params: $chat_ids varchar[]
-- description: Active messages and distinct speakers per ISO week and calendar month, for everyone
--   (organic = false) and organic members, with how many of the period's days the export covers
--   (a partly covered week is not a quiet week).
with scopes as (select unnest([false, true]) as organic),
periods as (select unnest(['week', 'month']) as period),
covered as (
    select chat_id, p.period, date_trunc(p.period, day) as period_start, count(*) as covered_days
    from covered_days, periods p
    where list_contains($chat_ids, chat_id)
    group by all
),
activity as (
    select d.chat_id, p.period, date_trunc(p.period, d.day) as period_start, s.organic,
        sum(d.active_messages)::bigint as messages,
        count(distinct d.member_id) filter (where d.active_messages > 0) as speakers
    from daily_member_activity d, scopes s, periods p
    where list_contains($chat_ids, d.chat_id) and (not s.organic or d.member_class in ('customer', 'expert'))
    group by all
),
final as (
    select c.chat_id, c.period, cast(c.period_start as date) as period_start, s.organic, c.covered_days,
        coalesce(a.messages, 0)::bigint as messages, coalesce(a.speakers, 0)::bigint as speakers
    from covered c
    cross join scopes s
    left join activity a on a.chat_id = c.chat_id and a.period = c.period
        and a.period_start = c.period_start and a.organic = s.organic
)
select * from final
