-- title: Daily, weekly and 28-day speakers, stickiness and speaker rate
-- grain: one row per (chat_id, day) for every covered day; with $by_chat false, one row per day for the chats together
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $by_chat boolean = true
-- description: DAU, WAU and MAU28 of speakers (docs/metrics.md §2.1; windows reach back before $start,
--   so its first days are whole), stickiness = mean DAU over the last 7 days ÷ MAU28, members
--   in the chat that day (members) and in its last 7 days (members_7d), and the speaker rate
--   (群活跃度): DAU ÷ members daily, WAU ÷ members_7d weekly. Organic counts organic speakers
--   over organic members. With $by_chat false the chats' figures are summed per day (chat_id
--   null): a person in two chats counts in both.
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
grouped as (
    select * from days where $by_chat
    union all
    select null as chat_id, day, sum(dau), sum(wau), sum(mau28), sum(members), sum(members_7d)
    from days where not $by_chat group by day
),
final as (
    select d.chat_id, c.name as chat_name, d.day, d.dau::bigint as dau, d.wau::bigint as wau,
        d.mau28::bigint as mau28, d.members::bigint as members, d.members_7d::bigint as members_7d,
        avg(d.dau) over (partition by d.chat_id order by d.day
                         range between interval 6 days preceding and current row) / nullif(d.mau28, 0)
            as stickiness,
        d.dau / nullif(d.members, 0) as speaker_rate_daily,
        d.wau / nullif(d.members_7d, 0) as speaker_rate_weekly
    from grouped d left join chats_in c using (chat_id)
)
select * from final where $start is null or day >= $start order by day, chat_name
