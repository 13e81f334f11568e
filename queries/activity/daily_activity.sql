-- title: Daily activity
-- grain: one row per (chat_id, day) for every day the chat's imports cover; with $by_chat false, one row per day
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $by_chat boolean = true
-- description: Active messages and distinct speakers per chat and local day, and the active
--   messages staff sent that day. Covered days with no message are zeros; days outside every
--   import's coverage are absent (a gap in the export, not a quiet day). With $by_chat false
--   the chats are summed per day (chat_id null; speakers then count a person once per chat).
with chats_in as (
    select chat_id, name from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
days as (
    select s.chat_id, s.day, s.messages, s.speakers
    from chat_day_speakers s
    where s.organic = $organic
      and ($chat_ids is null or list_contains($chat_ids, s.chat_id))
      and ($start is null or s.day >= $start) and ($end is null or s.day <= $end)
),
staff as (
    select chat_id, day, sum(messages)::bigint as staff_messages
    from hourly_activity
    where member_class = 'staff'
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
joined as (
    select d.chat_id, d.day, d.messages, d.speakers, coalesce(s.staff_messages, 0) as staff_messages
    from days d
    left join staff s using (chat_id, day)
),
grouped as (
    select * from joined where $by_chat
    union all
    select null, day, sum(messages), sum(speakers), sum(staff_messages) from joined where not $by_chat group by day
),
final as (
    select g.chat_id, c.name as chat_name, g.day, g.messages::bigint as messages, g.speakers::bigint as speakers,
        g.staff_messages::bigint as staff_messages
    from grouped g
    left join chats_in c using (chat_id)
)
select * from final order by day, chat_name
