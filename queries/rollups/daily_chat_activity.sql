-- title: Daily chat activity
-- grain: one row per (chat_id, day) with at least one message
-- params: $chat_ids varchar[]
-- description: All messages, active messages and distinct speakers per chat and local day.
select chat_id, day, sum(messages)::bigint as messages, sum(active_messages)::bigint as active_messages,
    count(member_id) filter (where active_messages > 0)::bigint as speakers
from daily_member_activity
where list_contains($chat_ids, chat_id)
group by chat_id, day
