-- title: Daily, weekly and 28-day speakers, stickiness and speaker rate
-- grain: one row per (chat_id, day) for every covered day
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: DAU, WAU and MAU28 of speakers (metrics.md §2.1; windows reach back before $start,
--   so its first days are whole), stickiness = mean DAU over the last 7 days ÷ MAU28, members
--   in the chat that day (members) and in its last 7 days (members_7d), and the speaker rate
--   (群活跃度): DAU ÷ members daily, WAU ÷ members_7d weekly. Organic counts organic speakers over organic members.
with chats_in as (
    select chat_id, name from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
days as (
    select s.chat_id, s.day, s.speakers as dau, s.wau, s.mau28, s.members, s.members_7d
    from chat_day_speakers s
    where s.organic = $organic
      and ($chat_ids is null or list_contains($chat_ids, s.chat_id))
      and ($start is null or s.day > cast($start as date) - 7) and ($end is null or s.day <= $end)
),
final as (
    select d.chat_id, c.name as chat_name, d.day, d.dau, d.wau, d.mau28, d.members, d.members_7d,
        avg(d.dau) over (partition by d.chat_id order by d.day
                         range between interval 6 days preceding and current row) / nullif(d.mau28, 0)
            as stickiness,
        d.dau / nullif(d.members, 0) as speaker_rate_daily,
        d.wau / nullif(d.members_7d, 0) as speaker_rate_weekly
    from days d join chats_in c using (chat_id)
)
select * from final where $start is null or day >= $start order by day, chat_name
