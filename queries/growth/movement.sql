-- title: Members moving between groups
-- grain: one row per (from chat, to chat) with at least one member
-- params: $chat_ids varchar[] = null
-- description: For members seen in more than one chat of the same shop (chats with no shop count
--   as one shop), each step from one chat to the next they entered: how
--   many members took it, how many of them are organic, how many had left the first chat before
--   entering the second (moved rather than added), and the median days between the two entries.
--   Entry is chat_members.entered_at (docs/metrics.md §1.3).
with entries as (
    select cm.chat_id, c.name as chat_name, c.store_id, cm.member_id, cm.is_organic, cm.left_at,
        cm.entered_at as entered
    from chat_members cm join chats c using (chat_id)
    where ($chat_ids is null or list_contains($chat_ids, cm.chat_id))
      and cm.entered_at is not null
),
steps as (
    select *,
        lead(chat_id) over w as to_chat, lead(chat_name) over w as to_name, lead(entered) over w as to_entered
    from entries
    window w as (partition by member_id, store_id order by entered, chat_id)
)
select chat_id as from_chat, chat_name as from_name, to_chat, to_name,
    count(*) as members,
    count(*) filter (where is_organic) as organic,
    count(*) filter (where left_at is not null and left_at <= to_entered) as moved,
    median(date_diff('day', entered, to_entered)) as median_days
from steps
where to_chat is not null
group by all
order by members desc, from_name, to_name
