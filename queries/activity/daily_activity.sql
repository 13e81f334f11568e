-- title: Daily activity
-- grain: one row per (chat_id, day) for every day the chat's imports cover
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Active messages and distinct speakers per chat and local day, and the active
--   messages staff sent that day. Covered days with no message are zeros; days outside every
--   import's coverage are absent (a gap in the export, not a quiet day).
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
final as (
    select d.chat_id, c.name as chat_name, d.day, d.messages, d.speakers,
        coalesce(s.staff_messages, 0)::bigint as staff_messages
    from days d
    join chats_in c using (chat_id)
    left join staff s using (chat_id, day)
)
select * from final order by day, chat_name
