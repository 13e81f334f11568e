-- title: Coverage gaps
-- grain: one row per gap (a run of days with no export between a chat's first and last covered day)
-- params: $chat_ids varchar[] = null
-- description: Days the chat's exports do not cover although earlier and later days are covered:
--   a gap in the data, shown as a gap, never as a quiet spell.
with days as (
    select chat_id, day, lag(day) over (partition by chat_id order by day) as prev_day
    from covered_days
    where $chat_ids is null or list_contains($chat_ids, chat_id)
),
final as (
    select d.chat_id, c.name as chat_name, d.prev_day + 1 as gap_start, d.day - 1 as gap_end,
        d.day - d.prev_day - 1 as days
    from days d join chats c using (chat_id)
    where d.day - d.prev_day > 1
)
select * from final order by chat_name, gap_start
