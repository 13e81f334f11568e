-- title: Messages by hour and weekday
-- grain: one row per (who, weekday, hour); who is members (everyone, or organic members) or staff
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Active messages in each local hour of each weekday (1 = Monday … 7 = Sunday),
--   divided by the calendar weeks the export covers (covered days ÷ 7, CHAOSS "Activity Dates and
--   Times", docs/metrics.md §2.2), with the raw count and the share of the week's messages, for
--   members and, beside them, staff: whether the owner posts when customers listen. With
--   $organic, members are organic members only; staff are the owner, admins and staff.
with weeks as (
    select count(*) / 7.0 as weeks
    from covered_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
cells as (
    select case when member_class = 'staff' then 'staff' else 'members' end as who,
        isodow(day) as weekday, hour, sum(messages)::bigint as messages
    from hourly_activity
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
      and (member_class = 'staff' or not $organic or member_class in ('customer', 'expert'))
    group by all
),
grid as (
    select w.who, d.weekday, h.hour
    from (select unnest(['members', 'staff']) as who) w,
        (select unnest(range(1, 8)) as weekday) d,
        (select unnest(range(0, 24)) as hour) h
),
final as (
    select g.who, g.weekday, g.hour, coalesce(c.messages, 0)::bigint as messages,
        coalesce(c.messages, 0) / nullif(w.weeks, 0) as per_week,
        coalesce(c.messages, 0) / nullif(sum(coalesce(c.messages, 0)) over (partition by g.who), 0) as share
    from grid g
    cross join weeks w
    left join cells c using (who, weekday, hour)
)
select * from final order by who, weekday, hour
