-- title: Daily activity
-- grain: one row per (chat_id, day)
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Active messages and distinct speakers per chat and local day, from the member
--   rollup. Days with no rows are days with no active message (or no coverage: see chat_cards).
with activity as (
    select * from member_day_activity
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start)
      and ($end is null or day <= $end)
      and (not $organic or is_organic)
),
final as (
    select a.chat_id, c.name as chat_name, a.day,
        sum(a.active_messages)::bigint as messages,
        count(distinct a.member_id) filter (where a.active_messages > 0) as speakers
    from activity a join chats c using (chat_id)
    group by all
)
select * from final order by day, chat_name
