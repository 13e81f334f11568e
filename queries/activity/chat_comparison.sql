-- title: Chats side by side
-- grain: one row per chat
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Per chat over the window: covered days, active messages, messages per covered day,
--   mean DAU, and on the window's last covered day the members present, WAU, MAU28, weekly
--   speaker rate (WAU ÷ members in the chat in those 7 days) and stickiness (mean DAU of its last 7 days ÷ MAU28). Same
--   definitions as Daily, weekly and 28-day speakers.
with days as (
    select * from chat_day_speakers
    where organic = $organic
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
per_chat as (
    select chat_id, count(*) as covered_days, sum(messages)::bigint as messages, avg(speakers) as mean_dau,
        max(day) as last_day
    from days group by all
),
at_end as (
    select d.chat_id, d.members, d.members_7d, d.wau, d.mau28,
        (select avg(x.speakers) from chat_day_speakers x  -- reaching back before $start, as speakers_rolling does
         where x.chat_id = d.chat_id and x.organic = $organic and x.day > d.day - 7 and x.day <= d.day) as dau_7
    from days d join per_chat p on p.chat_id = d.chat_id and p.last_day = d.day
),
final as (
    select p.chat_id, c.name as chat_name, p.covered_days, p.messages, p.messages / p.covered_days as messages_per_day,
        p.mean_dau, e.members, e.wau, e.mau28, e.wau / nullif(e.members_7d, 0) as speaker_rate_weekly,
        e.dau_7 / nullif(e.mau28, 0) as stickiness
    from per_chat p join at_end e using (chat_id) join chats c using (chat_id)
)
select * from final order by messages desc, chat_name
