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
windows as (
    select d.chat_id, d.day,
        count(distinct s.member_id) filter (where s.day = d.day) as dau,
        count(distinct s.member_id) filter (where s.day > d.day - 7) as wau,
        count(distinct s.member_id) as mau28
    from days d
    left join speaker_days s on s.chat_id = d.chat_id and s.day > d.day - 28 and s.day <= d.day
    group by all
),
final as (
    select w.chat_id, c.name as chat_name, w.day, w.dau, w.wau, w.mau28,
        avg(w.dau) over (partition by w.chat_id order by w.day
                         range between interval 6 days preceding and current row) / nullif(w.mau28, 0)
            as stickiness
    from windows w join chats_in c using (chat_id)
)
select * from final order by day, chat_name
