-- title: Daily, weekly and 28-day speakers
-- grain: one row per (chat_id, day) for every covered day
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: DAU, WAU and MAU28 of speakers (members with at least one active message on the day,
--   in the trailing 7 and 28 local days) and stickiness = mean DAU over the last 7 days ÷ MAU28
--   (metrics.md §2.1). Windows reach back before $start so its first days are whole. Days outside
--   the export's coverage are absent, and a window spanning a gap counts only what was exported.
with chats_in as (
    select chat_id, name from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
days as (
    select chat_id, day from covered_days join chats_in using (chat_id)
    where ($start is null or day >= $start) and ($end is null or day <= $end)
),
speaker_days as (
    select chat_id, member_id, day
    from member_day_activity
    where active_messages > 0 and member_id is not null
      and (not $organic or is_organic)
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day > cast($start as date) - 28)
      and ($end is null or day <= $end)
),
-- A member counts in a trailing n-day window on day d when they spoke on some day in (d - n, d]:
-- each speaking day covers [day, day + n - 1]; overlapping covers of one member merge into runs, so
-- the number of runs covering d is the number of distinct speakers, counted with +1/-1 at run ends.
-- This reads each speaker-day a few times instead of joining it to 28 days.
widths as (select unnest([7, 28]) as n),
runs as (
    select chat_id, member_id, n, day,
        sum(case when gap is null or gap >= n then 1 else 0 end)
            over (partition by chat_id, member_id, n order by day) as run
    from (
        select s.chat_id, s.member_id, w.n, s.day,
            s.day - lag(s.day) over (partition by s.chat_id, s.member_id, w.n order by s.day) as gap
        from speaker_days s, widths w
    )
),
edges as (
    select chat_id, n, min(day) as day, 1 as delta from runs group by chat_id, member_id, n, run
    union all
    select chat_id, n, max(day) + n as day, -1 as delta from runs group by chat_id, member_id, n, run
),
counts as (
    select chat_id, n, day, sum(sum(delta)) over (partition by chat_id, n order by day) as speakers
    from edges group by chat_id, n, day
),
dau as (
    select chat_id, day, count(*) as dau from speaker_days group by all
),
windows as (
    select d.chat_id, d.day, coalesce(a.dau, 0) as dau, coalesce(w7.speakers, 0) as wau,
        coalesce(w28.speakers, 0) as mau28
    from days d
    left join dau a using (chat_id, day)
    asof left join (select * from counts where n = 7) w7 on w7.chat_id = d.chat_id and d.day >= w7.day
    asof left join (select * from counts where n = 28) w28 on w28.chat_id = d.chat_id and d.day >= w28.day
),
final as (
    select w.chat_id, c.name as chat_name, w.day, w.dau, w.wau, w.mau28,
        avg(w.dau) over (partition by w.chat_id order by w.day
                         range between interval 6 days preceding and current row) / nullif(w.mau28, 0)
            as stickiness
    from windows w join chats_in c using (chat_id)
)
select * from final order by day, chat_name
