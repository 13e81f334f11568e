-- title: Daily, weekly and 28-day speakers
-- grain: one row per (chat_id, day, organic) for every covered day; organic = false is everyone
-- params: $chat_ids varchar[]
-- description: Active messages, DAU, WAU and MAU28 of speakers (members with at least one active
--   message on the day, in the trailing 7 and 28 local days; docs/metrics.md §2.1) and the members in
--   the chat at some time that day (members) and in its trailing 7 days (members_7d), the speaker
--   rates' denominators, for everyone and for organic members. Days outside the export's coverage are absent, and a window spanning a gap
--   counts only what was exported.
with days as (
    select chat_id, day from covered_days where list_contains($chat_ids, chat_id)
),
scopes as (select unnest([false, true]) as organic),
activity as (
    select d.chat_id, d.member_id, d.day, s.organic, d.active_messages
    from daily_member_activity d, scopes s
    where list_contains($chat_ids, d.chat_id) and d.active_messages > 0
      and (not s.organic or d.member_class in ('customer', 'expert'))
),
speaker_days as (
    select chat_id, member_id, day, organic from activity where member_id is not null
),
-- A member counts in a trailing n-day window on day d when they spoke on some day in (d - n, d]:
-- each speaking day covers [day, day + n - 1]; overlapping covers of one member merge into runs, so
-- the number of runs covering d is the number of distinct speakers, counted with +1/-1 at run ends.
-- This reads each speaker-day a few times instead of joining it to 28 days.
widths as (select unnest([7, 28]) as n),
runs as (
    select chat_id, member_id, organic, n, day,
        sum(case when gap is null or gap >= n then 1 else 0 end)
            over (partition by chat_id, member_id, organic, n order by day) as run
    from (
        select s.chat_id, s.member_id, s.organic, w.n, s.day,
            s.day - lag(s.day) over (partition by s.chat_id, s.member_id, s.organic, w.n order by s.day) as gap
        from speaker_days s, widths w
    )
),
edges as (
    select chat_id, organic, n, min(day) as day, 1 as delta from runs group by chat_id, member_id, organic, n, run
    union all
    select chat_id, organic, n, max(day) + n as day, -1 as delta from runs group by chat_id, member_id, organic, n, run
),
window_counts as (
    select chat_id, organic, n, day, sum(sum(delta)) over (partition by chat_id, organic, n order by day) as speakers
    from edges group by chat_id, organic, n, day
),
-- members in the chat at some time on day d (n = 1) or in (d - 7, d] (n = 7): entered on or
-- before d and not gone before the window began; so a member who spoke and left still counts
-- in the speaker rate's denominator
member_edges as (
    select m.chat_id, s.organic, w.n, coalesce(m.entered_on, date '1970-01-01') as day, 1 as delta
    from chat_members m, scopes s, (select unnest([1, 7]) as n) w
    where list_contains($chat_ids, m.chat_id) and (not s.organic or m.is_organic)
    union all
    select m.chat_id, s.organic, w.n, cast(m.left_at as date) + w.n as day, -1 as delta
    from chat_members m, scopes s, (select unnest([1, 7]) as n) w
    where list_contains($chat_ids, m.chat_id) and m.left_at is not null and (not s.organic or m.is_organic)
),
member_counts as (
    select chat_id, organic, n, day, sum(sum(delta)) over (partition by chat_id, organic, n order by day) as members
    from member_edges group by chat_id, organic, n, day
),
per_day as (
    select chat_id, organic, day, sum(active_messages)::bigint as messages, count(member_id) as speakers
    from activity group by all
),
final as (
    select d.chat_id, d.day, s.organic,
        coalesce(a.messages, 0)::bigint as messages,
        coalesce(a.speakers, 0)::bigint as speakers,
        coalesce(w7.speakers, 0)::bigint as wau,
        coalesce(w28.speakers, 0)::bigint as mau28,
        coalesce(m1.members, 0)::bigint as members,
        coalesce(m7.members, 0)::bigint as members_7d
    from days d
    cross join scopes s
    left join per_day a on a.chat_id = d.chat_id and a.organic = s.organic and a.day = d.day
    asof left join (select * from window_counts where n = 7) w7
        on w7.chat_id = d.chat_id and w7.organic = s.organic and d.day >= w7.day
    asof left join (select * from window_counts where n = 28) w28
        on w28.chat_id = d.chat_id and w28.organic = s.organic and d.day >= w28.day
    asof left join (select * from member_counts where n = 1) m1
        on m1.chat_id = d.chat_id and m1.organic = s.organic and d.day >= m1.day
    asof left join (select * from member_counts where n = 7) m7
        on m7.chat_id = d.chat_id and m7.organic = s.organic and d.day >= m7.day
)
select * from final
