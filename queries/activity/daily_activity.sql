-- title: Daily activity
-- grain: one row per (chat_id, day) for every day the chat's imports cover
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Active messages and distinct speakers per chat and local day, from the member
--   rollup. Covered days with no message are zeros; days outside every import's coverage are
--   absent (a gap in the export, not a quiet day).
with chats_in as (
    select chat_id, name from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
days as (
    select * from covered_days join chats_in using (chat_id)
    where ($start is null or day >= $start) and ($end is null or day <= $end)
),
activity as (
    select chat_id, day,
        sum(active_messages)::bigint as messages,
        count(distinct member_id) filter (where active_messages > 0) as speakers
    from member_day_activity
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start)
      and ($end is null or day <= $end)
      and (not $organic or is_organic)
    group by all
),
final as (
    select d.chat_id, c.name as chat_name, d.day,
        coalesce(a.messages, 0)::bigint as messages,
        coalesce(a.speakers, 0)::bigint as speakers
    from days d
    join chats_in c using (chat_id)
    left join activity a using (chat_id, day)
)
select * from final order by day, chat_name
